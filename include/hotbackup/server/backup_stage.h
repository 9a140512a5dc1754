// BackupStage: the server held still for the moment a checkpoint and its
// binlog coordinates are taken (MariaDB 10.4+ BACKUP STAGE).
//
// Start runs BACKUP STAGE START. BlockDdl (optional) runs BACKUP STAGE
// BLOCK_DDL: no table is created, dropped, renamed or altered from then on,
// while commits go on. BlockCommit runs BACKUP STAGE BLOCK_COMMIT, which
// waits for commits in flight and blocks new ones. MariaDB takes its backup
// commit lock before a storage engine's prepare, so while it is held no
// transaction is between prepare and commit: a RocksDB checkpoint made then
// holds no prepared transaction, and the binlog position read then matches
// its data exactly. End (or the destructor) runs BACKUP STAGE END. The
// server also ends the stage if our connection drops.
//
// The connection must remain live while a stage is held; each step waits at
// most `lock_wait_timeout` seconds (our session's lock_wait_timeout) for the
// statements it has to let finish. Not thread-safe.
#ifndef HOTBACKUP_SERVER_BACKUP_STAGE_H_
#define HOTBACKUP_SERVER_BACKUP_STAGE_H_

#include <chrono>
#include <cstdint>
#include <vector>
#include <string>

#include "hotbackup/server/mysql_connection.h"
#include "hotbackup/util/status.h"

namespace hotbackup {

class BackupStage {
 public:
  BackupStage() = default;
  ~BackupStage();
  BackupStage(const BackupStage&) = delete;
  BackupStage& operator=(const BackupStage&) = delete;

  // Errors are one line naming the cause: the RELOAD privilege missing, a
  // server without BACKUP STAGE, another backup stage held elsewhere. After
  // an error of any step the stage is ended: nothing stays blocked.
  Status Start(MysqlConnection* connection, int lock_wait_timeout);
  Status BlockDdl();
  Status BlockCommit();

  // Ends the backup stage; DDL and commits resume.
  Status End();

  // Whether a stage is held (Start succeeded, End not yet called).
  bool held() const { return connection_ != nullptr; }

  // Milliseconds from the start of BLOCK_COMMIT to End (0 if never blocked).
  double commit_blocked_ms() const { return commit_blocked_ms_; }
  // Milliseconds from the end of BLOCK_DDL to End (0 if never blocked).
  double ddl_blocked_ms() const { return ddl_blocked_ms_; }
  // Milliseconds BLOCK_DDL took: the server's flush of its table cache
  // (every stage past START passes through FLUSH), then the wait for DDL
  // and statements on non-transactional tables in flight.
  double block_ddl_ms() const { return block_ddl_ms_; }

 private:
  // Runs `sql` inside the stage; on an error ends the stage first.
  Status Step(const char* sql, const char* blocked_what);

  MysqlConnection* connection_ = nullptr;  // set while a stage is held
  int lock_wait_timeout_ = 0;
  bool commits_blocked_ = false;
  bool ddl_blocked_ = false;
  std::chrono::steady_clock::time_point commits_blocked_since_;
  std::chrono::steady_clock::time_point ddl_blocked_since_;
  double commit_blocked_ms_ = 0;
  double ddl_blocked_ms_ = 0;
  double block_ddl_ms_ = 0;
};

// The server's log of the DDL run since BACKUP STAGE START, complete once
// BLOCK_DDL returned: `<datadir>/ddl.log`, one line per statement, fields
// separated by tabs (time, statement, engine, partitioned, database, table,
// id, then the same four for a rename's new name), names in the server's
// file-name encoding, as the directories and files are named. MariaDB 10.6
// and later write it.
struct BackupDdlLogEntry {
  uint64_t offset = 0;  // of the line in the file
  std::vector<std::string> databases;
  std::vector<std::string> tables;  // "database.table"
};
inline constexpr char kBackupDdlLogName[] = "ddl.log";
// kNotFound without the file.
Status ReadBackupDdlLog(const std::string& datadir, std::vector<BackupDdlLogEntry>* entries);

}  // namespace hotbackup

#endif  // HOTBACKUP_SERVER_BACKUP_STAGE_H_
