// BACKUP STAGE around a checkpoint, and the server's refusals turned into
// errors a DBA can act on.
#include "hotbackup/server/commit_block.h"

#include "hotbackup/util/log.h"

namespace hotbackup {
namespace {

constexpr unsigned int kErrAccessDenied = 1227;   // ER_SPECIFIC_ACCESS_DENIED_ERROR
constexpr unsigned int kErrLockWaitTimeout = 1205;  // ER_LOCK_WAIT_TIMEOUT
constexpr unsigned int kErrParse = 1064;            // ER_PARSE_ERROR

}  // namespace

CommitBlock::~CommitBlock() {
  if (connection_ == nullptr) return;
  Status s = Release();
  if (!s.ok()) HB_LOG_ERROR("%s", s.message().c_str());
}

Status CommitBlock::Acquire(MysqlConnection* connection, int lock_wait_timeout) {
  HOTBACKUP_RETURN_IF_ERROR(connection->Execute("SET SESSION lock_wait_timeout = " +
                                                std::to_string(lock_wait_timeout)));
  Status s = connection->Execute("BACKUP STAGE START");
  if (!s.ok()) {
    switch (connection->last_error_number()) {
      case kErrAccessDenied:
        return Status::Server(
            "the backup user lacks the RELOAD privilege, needed for BACKUP STAGE to block commits "
            "at each checkpoint (GRANT RELOAD ON *.* TO ...; or --no_backup_locks for a backup "
            "without a consistent binlog position)");
      case kErrParse:
        return Status::NotSupported(
            "the server has no BACKUP STAGE (MariaDB 10.4 or later needed) to block commits at "
            "each checkpoint; --no_backup_locks backs up without a consistent binlog position");
      case kErrLockWaitTimeout:
        return Status::Server("BACKUP STAGE START waited --lock_wait_timeout=" +
                              std::to_string(lock_wait_timeout) +
                              " s: is another backup (mariabackup, BACKUP STAGE) running?");
      default:
        return s;
    }
  }
  connection_ = connection;
  blocked_since_ = std::chrono::steady_clock::now();
  s = connection->Execute("BACKUP STAGE BLOCK_COMMIT");
  if (!s.ok()) {
    const bool timeout = connection->last_error_number() == kErrLockWaitTimeout;
    Status end = Release();
    (void)end;  // the first error is the one to report
    if (timeout) {
      return Status::Server("commits or DDL still running after --lock_wait_timeout=" +
                            std::to_string(lock_wait_timeout) +
                            " s; commits could not be blocked for the checkpoint, nothing was "
                            "changed on the server");
    }
    return s;
  }
  return Status::OK();
}

Status CommitBlock::Release() {
  if (connection_ == nullptr) return Status::OK();
  MysqlConnection* connection = std::exchange(connection_, nullptr);
  held_ms_ = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() -
                                                       blocked_since_)
                 .count();
  return connection->Execute("BACKUP STAGE END");
}

}  // namespace hotbackup
