// --verify --backup_dir: checks a backup that is already a directory (made by
// `tar -x`, `mbstream -x` or --extract, or received by a WDT receiver)
// against the manifest inside it, reading nothing but that directory.
//
// The directory passes when
//   - it holds kManifestPath as a regular file that ParseManifest accepts;
//   - every file the manifest lists is a regular file there, with the size
//     and XXH3-64 checksum the manifest records;
//   - nothing else is there but directories, the manifest itself and, at the
//     top level only, the names in kReceiverFilePrefixes (files or whole
//     trees a receiver adds), unless the manifest lists such a name itself.
// A symbolic link anywhere below the directory is refused (never followed),
// as is any other file that is neither regular nor a directory. The
// directory itself may be named through a symbolic link.
//
// Each file is read once, front to back, through a fixed buffer: memory does
// not grow with file sizes, only with the manifest and with the names of one
// directory at a time. Files and directories are opened with O_NOFOLLOW
// relative to their parent's descriptor, so a link swapped in while checking
// is refused too.
//
// Every problem is found, but the result is one line: the first problem
// (files in name order, depth first, then files missing in manifest order),
// prefixed with the directory and followed by "(and N more problems)". A
// missing or unparsable manifest is the only problem reported, since nothing
// else can be checked without it.
#ifndef HOTBACKUP_RESTORE_VERIFY_DIRECTORY_H_
#define HOTBACKUP_RESTORE_VERIFY_DIRECTORY_H_

#include <string>
#include <string_view>

#include "hotbackup/archive/manifest.h"
#include "hotbackup/restore/extract_target.h"
#include "hotbackup/util/status.h"

namespace hotbackup {

// Top-level names a receiver may add beside the backup's files, which the
// manifest does not cover: a name that starts with one of these (".wdt.log",
// WDT's transfer log, and any other ".wdt*" file or directory WDT keeps) is
// neither checked nor reported as extra.
inline constexpr std::string_view kReceiverFilePrefixes[] = {".wdt"};

// Whether the top-level `name` is one of kReceiverFilePrefixes.
bool IsReceiverFile(std::string_view name);

// Checks `dir` as above. On success *manifest is the parsed manifest and
// *stats counts the files and bytes read (the manifest included, as
// ExtractTarget does). kAborted as soon as a signal arrives.
Status VerifyDirectory(const std::string& dir, Manifest* manifest, ExtractStats* stats);

// --verify --backup_dir=DIR: VerifyDirectory, then on success the one INFO
// line that --verify prints for an archive (LogManifestMatch).
Status VerifyDirectoryAndLog(const std::string& dir);

}  // namespace hotbackup

#endif  // HOTBACKUP_RESTORE_VERIFY_DIRECTORY_H_
