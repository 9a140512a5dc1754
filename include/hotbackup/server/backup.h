// The backup: the original tool's algorithm, streaming one archive.
//
//   round N: the server makes a checkpoint in <checkpoint_dir>/<N>; stream
//     the SSTs not already sent with the same size, unlinking each once sent,
//     until --interval seconds have passed; drop the checkpoint; next round.
//   last round (all its SSTs sent): stream its WAL files and
//     MANIFEST/CURRENT/OPTIONS, drop the checkpoint.
//   then the server's misc files (.frm etc.) from the datadir.
//
// SSTs, WAL and MANIFEST go to the archive root, misc files by their
// datadir-relative path, as the original lays them out.
#ifndef HOTBACKUP_SERVER_BACKUP_H_
#define HOTBACKUP_SERVER_BACKUP_H_

#include "hotbackup/options.h"
#include "hotbackup/util/status.h"

namespace hotbackup {

// Runs a whole backup as `options` say, writing to stdout or --output.
// Leaves no checkpoint directory and no output file behind on failure.
Status RunBackup(const Options& options);

// WDT mode (--stream=wdt): each round's checkpoint, with the server's files,
// position files and manifest in it, is sent by wdt to --backup_dir on
// --destination, resuming what earlier rounds sent, until a round completes
// (see wdt_backup.cc). Leaves no checkpoint directory and no wdt or ssh
// process behind on failure or signal.
Status RunWdtBackup(const Options& options);

}  // namespace hotbackup

#endif  // HOTBACKUP_SERVER_BACKUP_H_
