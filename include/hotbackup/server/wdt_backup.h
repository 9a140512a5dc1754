// WDT mode (--stream=wdt): the original's rounds, each a consistent
// checkpoint with the server's own files, position files and manifest in it,
// sent as a directory by wdt (wdt/wdt_round.h) to a directory on another
// host, resuming what earlier rounds sent.
#ifndef HOTBACKUP_SERVER_WDT_BACKUP_H_
#define HOTBACKUP_SERVER_WDT_BACKUP_H_

#include <string>

#include "hotbackup/io/byte_sink.h"
#include "hotbackup/server/server_session.h"
#include "hotbackup/util/status.h"
#include "hotbackup/wdt/wdt_round.h"

namespace hotbackup {

// WDT mode's settings, filled by the modes layer (modes/wdt_backup_mode.h).
struct WdtBackupConfig {
  SessionConfig session;
  // Where and how: destination, remote_dir (--backup_dir), wdt_path,
  // ssh_command, the extra options, resumption, rate; log_dir is the run's.
  WdtRoundOptions round;
  std::string resumption_reason;  // why round.resumption is what it is, for the log
  int interval_seconds = 300;
  std::string save_manifest;  // the manifest copy's name, for the log
};

// WDT mode (--stream=wdt): each round's checkpoint, with the server's files,
// position files and manifest in it, is sent by wdt to the remote directory
// on the destination, resuming what earlier rounds sent, until a round
// completes (see wdt_backup.cc). Leaves no checkpoint directory and no wdt
// or ssh process behind on failure or signal. The last round's manifest is
// also written to `manifest_copy` (finished on success) unless it is null.
Status WdtBackup(const WdtBackupConfig& config, ByteSink* manifest_copy);

}  // namespace hotbackup

#endif  // HOTBACKUP_SERVER_WDT_BACKUP_H_
