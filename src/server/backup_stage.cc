// BACKUP STAGE around a checkpoint, and the server's refusals turned into
// errors a DBA can act on.
#include "hotbackup/server/backup_stage.h"

#include <cerrno>
#include <utility>
#include <vector>

#include "hotbackup/io/file_io.h"
#include "hotbackup/util/log.h"

namespace hotbackup {
namespace {

constexpr unsigned int kErrAccessDenied = 1227;     // ER_SPECIFIC_ACCESS_DENIED_ERROR
constexpr unsigned int kErrLockWaitTimeout = 1205;  // ER_LOCK_WAIT_TIMEOUT
constexpr unsigned int kErrParse = 1064;            // ER_PARSE_ERROR

}  // namespace

BackupStage::~BackupStage() {
  if (connection_ == nullptr) return;
  // Reached on a way out after another error, typically a lost connection,
  // which is what the ERROR line reports; the server ends the stage itself
  // when our session goes.
  Status s = End();
  if (!s.ok()) HB_LOG_WARN("%s", s.message().c_str());
}

Status BackupStage::Start(MysqlConnection* connection, int lock_wait_timeout) {
  HOTBACKUP_RETURN_IF_ERROR(
      connection->Execute("SET SESSION lock_wait_timeout = " + std::to_string(lock_wait_timeout)));
  lock_wait_timeout_ = lock_wait_timeout;
  commits_blocked_ = false;
  ddl_blocked_ = false;
  commit_blocked_ms_ = 0;
  ddl_blocked_ms_ = 0;
  block_ddl_ms_ = 0;
  Status s = connection->Execute("BACKUP STAGE START");
  if (s.ok()) {
    connection_ = connection;
    return s;
  }
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
      return Status::Server(
          "BACKUP STAGE START waited --lock_wait_timeout=" + std::to_string(lock_wait_timeout) +
          " s: is another backup (mariabackup, BACKUP STAGE) running?");
    default:
      return s;
  }
}

Status BackupStage::Step(const char* sql, const char* blocked_what) {
  if (connection_ == nullptr) return Status::InvalidArgument("backup stage not started");
  Status s = connection_->Execute(sql);
  if (s.ok()) return s;
  const bool timeout = connection_->last_error_number() == kErrLockWaitTimeout;
  Status end = End();
  (void)end;  // the first error is the one to report
  if (timeout) {
    return Status::Server(std::string(blocked_what) + " still running after --lock_wait_timeout=" +
                          std::to_string(lock_wait_timeout_) +
                          " s; the backup stage was ended, nothing was changed on the server");
  }
  return s;
}

Status BackupStage::BlockDdl() {
  const auto start = std::chrono::steady_clock::now();
  HOTBACKUP_RETURN_IF_ERROR(Step("BACKUP STAGE BLOCK_DDL", "DDL"));
  ddl_blocked_since_ = std::chrono::steady_clock::now();
  ddl_blocked_ = true;
  block_ddl_ms_ = std::chrono::duration<double, std::milli>(ddl_blocked_since_ - start).count();
  return Status::OK();
}

Status BackupStage::BlockCommit() {
  commits_blocked_since_ = std::chrono::steady_clock::now();
  commits_blocked_ = true;
  return Step("BACKUP STAGE BLOCK_COMMIT", "commits or DDL");
}

Status BackupStage::End() {
  if (connection_ == nullptr) return Status::OK();
  MysqlConnection* connection = std::exchange(connection_, nullptr);
  Status s = connection->Execute("BACKUP STAGE END");
  const auto now = std::chrono::steady_clock::now();
  if (commits_blocked_) {
    commit_blocked_ms_ =
        std::chrono::duration<double, std::milli>(now - commits_blocked_since_).count();
  }
  if (ddl_blocked_) {
    ddl_blocked_ms_ = std::chrono::duration<double, std::milli>(now - ddl_blocked_since_).count();
  }
  return s;
}

Status ReadBackupDdlLog(const std::string& datadir, std::vector<BackupDdlLogEntry>* entries) {
  const std::string path = datadir + "/" + kBackupDdlLogName;
  std::string text;
  Status s = ReadSmallFile(path, &text, 64 << 20);
  if (s.errno_value() == ENOENT) return Status::NotFound(path + " does not exist");
  HOTBACKUP_RETURN_IF_ERROR(s.WithContext("the server's backup DDL log"));
  for (size_t at = 0; at < text.size();) {
    size_t end = text.find('\n', at);
    if (end == std::string::npos) break;  // a line still being written
    std::vector<std::string> fields;
    size_t start = at;
    for (size_t tab; (tab = text.find('\t', start)) < end; start = tab + 1) {
      fields.push_back(text.substr(start, tab - start));
    }
    fields.push_back(text.substr(start, end - start));
    BackupDdlLogEntry entry;
    entry.offset = at;
    for (size_t db : {4, 9}) {
      if (db + 1 >= fields.size() || fields[db].empty()) continue;
      entry.databases.push_back(fields[db]);
      if (!fields[db + 1].empty()) entry.tables.push_back(fields[db] + "." + fields[db + 1]);
    }
    entries->push_back(std::move(entry));
    at = end + 1;
  }
  return Status::OK();
}

}  // namespace hotbackup
