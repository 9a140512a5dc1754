// The default mode: a tar or XBSTREAM backup streamed to stdout, --output
// (a file or s3://), optionally compressed, encrypted and incremental
// (server/backup.h does the rounds).
#ifndef HOTBACKUP_MODES_BACKUP_MODE_H_
#define HOTBACKUP_MODES_BACKUP_MODE_H_

#include <memory>

#include "hotbackup/modes/mode.h"
#include "hotbackup/options.h"

namespace hotbackup {

// `options` must outlive the mode.
std::unique_ptr<Mode> NewBackupMode(const Options& options);

}  // namespace hotbackup

#endif  // HOTBACKUP_MODES_BACKUP_MODE_H_
