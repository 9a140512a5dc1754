// --stream=wdt: the backup sent by wdt into --backup_dir on --destination
// (server/wdt_backup.h does the rounds).
#ifndef HOTBACKUP_MODES_WDT_BACKUP_MODE_H_
#define HOTBACKUP_MODES_WDT_BACKUP_MODE_H_

#include <memory>

#include "hotbackup/modes/mode.h"
#include "hotbackup/options.h"

namespace hotbackup {

// `options` must outlive the mode.
std::unique_ptr<Mode> NewWdtBackupMode(const Options& options);

}  // namespace hotbackup

#endif  // HOTBACKUP_MODES_WDT_BACKUP_MODE_H_
