// --extract and --verify: read a backup archive back, from stdin or
// --input, without xbstream/mbstream or tar installed.
//
// The format is detected from the first bytes: a zstd frame is decompressed
// first, then "XBSTCK01" means XBSTREAM and a ustar header means tar. Every
// file is checked against the archive's manifest (see manifest.h). A backup
// that is already a directory is checked by verify_directory.h instead.
#ifndef HOTBACKUP_RESTORE_EXTRACT_H_
#define HOTBACKUP_RESTORE_EXTRACT_H_

#include "hotbackup/options.h"
#include "hotbackup/util/status.h"

namespace hotbackup {

// Extracts into options.backup_dir (absent or empty), which appears only
// when the whole archive has been read and verified.
Status RunExtract(const Options& options);

// Reads and checks the archive without writing anything.
Status RunVerify(const Options& options);

}  // namespace hotbackup

#endif  // HOTBACKUP_RESTORE_EXTRACT_H_
