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

#include <optional>
#include <string>

#include "hotbackup/archive/archive_stream.h"
#include "hotbackup/encrypt/age_header.h"
#include "hotbackup/io/byte_sink.h"
#include "hotbackup/server/incremental_base.h"
#include "hotbackup/server/server_session.h"
#include "hotbackup/util/status.h"

namespace hotbackup {

// A stream backup's settings, filled by the modes layer (modes/backup_mode.h).
struct BackupConfig {
  SessionConfig session;
  // format, compression, zstd and rate limit; read_mode is set per run from
  // `read_mode` below.
  StreamOptions stream;
  // O_DIRECT or not; unset: as the server reads (rocksdb_use_direct_reads).
  std::optional<ReadMode> read_mode;
  int interval_seconds = 300;      // renew the checkpoint after this long
  std::string debug_signal_file;   // wait for it before the last round
  std::optional<AgeEncryptTo> encryption;  // unset: not encrypted
  int encrypt_threads = 2;
  const IncrementalBase* base = nullptr;   // an incremental's base; null for a full
};

// Where a stream backup writes, opened by the caller (each exists under its
// name only once finished).
struct BackupOutputs {
  ByteSink* archive = nullptr;
  ByteSink* manifest_copy = nullptr;  // also the manifest here, if not null
  std::string manifest_copy_name;     // for the log line
};

// Runs a whole stream backup into `outputs`, finishing both on success.
// Leaves no checkpoint directory behind on failure; the caller's sinks are
// then left unfinished (so nothing appears under their names).
Status StreamBackup(const BackupConfig& config, const BackupOutputs& outputs);

}  // namespace hotbackup

#endif  // HOTBACKUP_SERVER_BACKUP_H_
