// --verify: an archive read and checked against its manifest, writing
// nothing (restore/extract.h); with --backup_dir, a directory checked in
// place against the manifest inside it (restore/verify_directory.h).
#ifndef HOTBACKUP_MODES_VERIFY_MODE_H_
#define HOTBACKUP_MODES_VERIFY_MODE_H_

#include <memory>

#include "hotbackup/modes/mode.h"
#include "hotbackup/options.h"

namespace hotbackup {

// `options` must outlive the mode. The archive's is the extract mode
// reading into nothing (extract_mode.cc).
std::unique_ptr<Mode> NewVerifyArchiveMode(const Options& options);
std::unique_ptr<Mode> NewVerifyDirectoryMode(const Options& options);

}  // namespace hotbackup

#endif  // HOTBACKUP_MODES_VERIFY_MODE_H_
