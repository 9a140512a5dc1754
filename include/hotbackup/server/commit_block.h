// CommitBlock: the server's commits held still for the moment a checkpoint
// and its binlog coordinates are taken (MariaDB 10.4+ BACKUP STAGE).
//
// Acquire runs BACKUP STAGE START then BACKUP STAGE BLOCK_COMMIT, which waits
// for commits in flight and blocks new ones (and DDL). MariaDB takes the
// backup commit lock before a storage engine's prepare, so while it is held
// no transaction is between prepare and commit: a RocksDB checkpoint made
// then holds no prepared transaction, and the binlog position read then
// matches its data exactly. Release (or the destructor) runs BACKUP STAGE
// END. The server also ends the stage if our connection drops.
//
// The connection must remain live while the block is held; its session's
// lock_wait_timeout bounds the wait for commits in flight. Not thread-safe.
#ifndef HOTBACKUP_SERVER_COMMIT_BLOCK_H_
#define HOTBACKUP_SERVER_COMMIT_BLOCK_H_

#include <chrono>

#include "hotbackup/server/mysql_connection.h"
#include "hotbackup/util/status.h"

namespace hotbackup {

class CommitBlock {
 public:
  CommitBlock() = default;
  ~CommitBlock();
  CommitBlock(const CommitBlock&) = delete;
  CommitBlock& operator=(const CommitBlock&) = delete;

  // Errors are one line naming the cause: the RELOAD privilege missing, a
  // server without BACKUP STAGE, or commits still running after
  // `lock_wait_timeout` seconds. Nothing is held after an error.
  Status Acquire(MysqlConnection* connection, int lock_wait_timeout);

  // Ends the backup stage; commits resume.
  Status Release();

  // Milliseconds from the start of BLOCK_COMMIT to Release.
  double held_ms() const { return held_ms_; }

 private:
  MysqlConnection* connection_ = nullptr;  // set while held
  std::chrono::steady_clock::time_point blocked_since_;
  double held_ms_ = 0;
};

}  // namespace hotbackup

#endif  // HOTBACKUP_SERVER_COMMIT_BLOCK_H_
