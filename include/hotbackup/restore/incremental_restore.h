// Restoring an incremental backup: the files its manifest marks "in" an
// earlier backup are not in its archive; they are taken from the extracted
// (complete) backup it was taken against, --incremental_base_dir.
//
// The base directory must be that very backup: the SHA-256 of its manifest
// file must be the parent digest the incremental recorded, so a base edited,
// damaged or from another chain is refused before anything is taken. Each
// file is then hard-linked into the extraction (copied when the link fails:
// another filesystem, or one without hard links; and copied with its mode
// masked, restored_attributes.h, when the base file's mode is not already a
// restored one or another user owns it) and read back from there, its size
// and checksum compared with the incremental's manifest: the result is
// checked as a whole, not trusted. Every path must pass ValidateArchivePath
// (archive_path.h). Base files are opened component by component with
// O_NOFOLLOW, and with O_NONBLOCK and an fstat check (a FIFO or a device is
// refused, never waited on); the base directory is never written to. Errors
// never show the size or checksum of what was found, only what was expected.
//
// A base directory made this way is itself complete (every file of its
// restored state is there), so it can serve as the base of the next
// incremental of the chain.
#ifndef HOTBACKUP_RESTORE_INCREMENTAL_RESTORE_H_
#define HOTBACKUP_RESTORE_INCREMENTAL_RESTORE_H_

#include <cstdint>
#include <string>

#include "hotbackup/archive/manifest.h"
#include "hotbackup/util/status.h"

namespace hotbackup {

struct BaseFileStats {
  uint64_t files = 0;
  uint64_t bytes = 0;
  uint64_t linked = 0;  // of `files`, hard-linked rather than copied
};

// For an incremental `manifest`: checks `base_dir` as above, then puts every
// file marked "in" below the directory `target_root` (a descriptor; -1 to
// check the base's files without writing anything, as --verify does).
// Errors are one line naming the base directory and the file.
Status TakeFilesFromBase(const std::string& base_dir, const Manifest& manifest, int target_root,
                         BaseFileStats* stats);

// What an incremental `manifest` expects from its base: files and bytes.
BaseFileStats ExpectedFromBase(const Manifest& manifest);

}  // namespace hotbackup

#endif  // HOTBACKUP_RESTORE_INCREMENTAL_RESTORE_H_
