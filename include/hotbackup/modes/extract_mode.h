// --extract: an archive (stdin, --input file or s3://; tar or XBSTREAM,
// plain, zstd or age) read into --backup_dir, every file checked against the
// backup's manifest (restore/extract.h).
#ifndef HOTBACKUP_MODES_EXTRACT_MODE_H_
#define HOTBACKUP_MODES_EXTRACT_MODE_H_

#include <memory>

#include "hotbackup/modes/mode.h"
#include "hotbackup/options.h"

namespace hotbackup {

// `options` must outlive the mode.
std::unique_ptr<Mode> NewExtractMode(const Options& options);

}  // namespace hotbackup

#endif  // HOTBACKUP_MODES_EXTRACT_MODE_H_
