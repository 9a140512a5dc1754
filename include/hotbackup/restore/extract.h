// --extract and --verify: read a backup archive back, without
// xbstream/mbstream or tar installed.
//
// The layers are detected from the first bytes (archive_detection.h): age
// is decrypted, then a zstd frame decompressed, then "XBSTCK01" means
// XBSTREAM and a ustar header means tar. Every file is checked against the
// archive's manifest (see manifest.h). A backup that is already a directory
// is checked by verify_directory.h instead. The modes layer opens the input
// (a file, stdin or s3://) and reads the keys; this stage sees a ByteSource.
#ifndef HOTBACKUP_RESTORE_EXTRACT_H_
#define HOTBACKUP_RESTORE_EXTRACT_H_

#include <string>

#include "hotbackup/io/byte_source.h"
#include "hotbackup/restore/archive_detection.h"
#include "hotbackup/util/status.h"

namespace hotbackup {

struct ExtractRequest {
  // The directory to fill (absent or empty; it appears only when the whole
  // archive has been read and verified); "" reads and checks, writing
  // nothing.
  std::string target_dir;
  // An incremental's extracted base (--incremental_base_dir); "" = none.
  std::string incremental_base_dir;
  // The keys for an age-encrypted input, asked for only when it is one;
  // null: no keys were given.
  DecryptionLookup decryption;
};

// Reads the archive `input` (`input_name` in messages) as `request` says,
// and logs what it found (one INFO line, and one for an incremental's base).
Status ExtractArchive(ByteSource* input, const std::string& input_name,
                      const ExtractRequest& request);

}  // namespace hotbackup

#endif  // HOTBACKUP_RESTORE_EXTRACT_H_
