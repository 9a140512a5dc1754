// The table definitions of one moment, staged in two passes: links made
// while DDL runs, then, with DDL blocked, only what changed since. See
// definition_snapshot.h for why a link is enough and when it is not.
#include "hotbackup/server/definition_snapshot.h"

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <ctime>
#include <filesystem>

#include "hotbackup/io/file_copy.h"
#include "hotbackup/util/log.h"

namespace hotbackup {
namespace {

namespace fs = std::filesystem;

constexpr int64_t kRacyWindowNs = 1000000000;  // a second: far above any clock tick

// Descriptors left to the rest of the backup (archive output, read-ahead,
// server connections, S3 transfers) when definitions are held open.
constexpr rlim_t kReservedDescriptors = 1024;

// How many definitions may be held open: the soft limit of open files is
// raised to the hard one first.
size_t OpenFileBudget() {
  rlimit limit;
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return 0;
  if (limit.rlim_cur < limit.rlim_max) {
    rlimit raised = limit;
    raised.rlim_cur = limit.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0) limit = raised;
  }
  if (limit.rlim_cur == RLIM_INFINITY) limit.rlim_cur = 1 << 20;
  return limit.rlim_cur > kReservedDescriptors ? limit.rlim_cur - kReservedDescriptors : 0;
}

int64_t RealtimeNs() {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

// Files the server rewrites in place (open with O_TRUNC, write): a link
// would follow the rewrite after the backup's moment.
bool RewrittenInPlace(const std::string& relative_path) {
  return relative_path == kDdlRecoveryLog || relative_path.ends_with(".opt");
}

// Aria's files. Writes to Aria's crash-safe tables (the default,
// TRANSACTIONAL=1) go on under BLOCK_DDL, checked by hand on MariaDB 10.11:
// an INSERT into an Aria table returned at once while one into a MyISAM
// table waited for BACKUP STAGE END. They wait only for BLOCK_COMMIT.
bool WrittenUntilCommitBlock(const std::string& relative_path) {
  return relative_path.ends_with(".MAD") || relative_path.ends_with(".MAI");
}

Status MakeDirectory(const std::string& path) {
  if (mkdir(path.c_str(), 0700) != 0 && errno != EEXIST) {
    return Status::IOError("create " + path, errno);
  }
  return Status::OK();
}

std::string DatabaseOf(const std::string& relative_path) {
  size_t slash = relative_path.find('/');
  return slash == std::string::npos ? std::string() : relative_path.substr(0, slash);
}

}  // namespace

bool DefinitionSnapshot::Racy(const FileIdentity& identity) const {
  return identity.mtime_ns >= taken_at_ns_ - kRacyWindowNs ||
         identity.ctime_ns >= taken_at_ns_ - kRacyWindowNs;
}

Status DefinitionSnapshot::Take(const MiscFileScan& scan, const std::string& stage) {
  scan_ = scan;
  stage_ = stage;
  taken_at_ns_ = RealtimeNs();
  open_budget_ = hold_ == Hold::kOpenFiles ? OpenFileBudget() : 0;
  HOTBACKUP_RETURN_IF_ERROR(MakeDirectory(stage_));
  std::vector<std::string> databases;
  std::vector<std::string> skipped;
  HOTBACKUP_RETURN_IF_ERROR(
      ListDatadir(scan_, &databases, &top_level_, &skipped, &datadir_identity_));
  for (const std::string& name : databases) {
    HB_LOG_INFO("Starting MySQL misc file traversal from database %s..", name.c_str());
    HOTBACKUP_RETURN_IF_ERROR(ListDatabase(name, true));
  }
  HB_LOG_INFO("Traversing misc files from data directory..");
  for (const std::string& name : skipped) HB_LOG_INFO("Skipping %s", name.c_str());
  for (const MiscFile& f : top_level_) {
    if (!Snapshotted(f)) continue;
    Status s = Stage(f);
    if (s.code() != Status::Code::kNotFound) HOTBACKUP_RETURN_IF_ERROR(s);
  }
  return Status::OK();
}

// Lists one database directory and stages its definitions: all of them in
// the first pass, later only those no longer current.
Status DefinitionSnapshot::ListDatabase(const std::string& name, bool first_pass) {
  Database db;
  Status s = ListDatabaseFiles(scan_, name, &db.files, &db.identity);
  if (s.code() == Status::Code::kNotFound) {
    DropDatabase(name);
    return Status::OK();
  }
  HOTBACKUP_RETURN_IF_ERROR(s);
  HOTBACKUP_RETURN_IF_ERROR(MakeDirectory(stage_ + "/" + name));
  std::set<std::string> listed;
  for (const MiscFile& f : db.files) {
    if (!Snapshotted(f)) continue;
    listed.insert(f.relative_path);
    if (!first_pass && (StillCurrent(f.relative_path) || Deferred(f))) continue;
    s = Stage(f);
    if (s.code() == Status::Code::kNotFound && first_pass) {
      db.relist = true;  // dropped or renamed under us: Refresh lists it again
      continue;
    }
    HOTBACKUP_RETURN_IF_ERROR(s);
    if (!first_pass) ++counts_.staged_again;
  }
  // Staged files the directory no longer has (dropped, renamed away).
  const std::string prefix = name + "/";
  for (auto it = staged_.lower_bound(prefix); it != staged_.end() && it->first.starts_with(prefix);) {
    const std::string path = (it++)->first;
    if (!listed.count(path)) Unstage(path);
  }
  databases_[name] = std::move(db);
  return Status::OK();
}

void DefinitionSnapshot::DropDatabase(const std::string& name) {
  const std::string prefix = name + "/";
  for (auto it = staged_.lower_bound(prefix); it != staged_.end() && it->first.starts_with(prefix);) {
    const std::string path = (it++)->first;
    Unstage(path);
  }
  databases_.erase(name);
  rmdir((stage_ + "/" + name).c_str());  // best effort: an empty directory in the stage is harmless
}

bool DefinitionSnapshot::Snapshotted(const MiscFile& f) const {
  return f.moment == CopyMoment::kDdlBlocked ||
         (stage_table_data_ && f.moment == CopyMoment::kWritesBlocked);
}

Status DefinitionSnapshot::Stage(const MiscFile& f) {
  const std::string& relative_path = f.relative_path;
  const std::string from = scan_.datadir + "/" + relative_path;
  const std::string to = stage_ + "/" + relative_path;
  const bool copy = f.table_data || RewrittenInPlace(relative_path);
  Unstage(relative_path);
  Staged staged;
  // Nothing can write it after this stat: no racy timestamps to fear.
  staged.exact = phase_ == Phase::kAllWritesBlocked ||
                 (phase_ == Phase::kDdlBlocked && !Deferred(f));
  if (open_budget_ > 0 && !copy) {
    UniqueFd fd;
    Status opened = OpenDatadirFile(from, scan_.owner, &fd, &staged.st);
    if (opened.code() == Status::Code::kInvalidArgument) return opened;
    if (opened.ok()) {
      staged.identity = IdentityOf(staged.st);
      staged.linked = true;
      staged.fd = std::move(fd);
      staged_[relative_path] = std::move(staged);
      --open_budget_;
      ++counts_.held_open;
      return Status::OK();
    }
    if (opened.errno_value() == ENOENT) return Status::NotFound(from + " is gone");
    if (opened.errno_value() != EMFILE && opened.errno_value() != ENFILE) return opened;
    open_budget_ = 0;  // the system's limit is lower than ours: links from here on
  }
  if (links_work_ && !copy) {
    // Without AT_SYMLINK_FOLLOW: a symbolic link is linked as itself, then
    // seen for what it is below and copied from what it names, checked.
    struct stat linked;
    if (linkat(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), 0) == 0) {
      if (lstat(to.c_str(), &linked) != 0) return Status::IOError("stat " + to, errno);
      if (!S_ISLNK(linked.st_mode)) {
        staged.identity = IdentityOf(linked);
        staged.linked = true;
        staged_[relative_path] = std::move(staged);
        ++counts_.linked;
        return Status::OK();
      }
      if (unlink(to.c_str()) != 0) return Status::IOError("remove " + to, errno);
    } else if (errno == ENOENT) {
      return Status::NotFound(from + " is gone");
    } else if (errno == EXDEV) {
      links_work_ = false;
      HB_LOG_INFO("%s is on another filesystem than the datadir: table definitions are copied",
                  stage_.c_str());
    } else if (errno != EPERM && errno != EMLINK && errno != EOPNOTSUPP) {
      return Status::IOError("link " + from + " to " + to, errno);
    }
  }
  // The identity before the copy: a change during the copy shows at Refresh.
  UniqueFd in;
  struct stat st;
  Status s = OpenDatadirFile(from, scan_.owner, &in, &st);
  if (s.errno_value() == ENOENT) return Status::NotFound(from + " is gone");
  HOTBACKUP_RETURN_IF_ERROR(s);
  staged.identity = IdentityOf(st);
  uint64_t bytes = 0;
  s = CopyOpenFile(in.get(), st, from, to, Durability::kNotSynced, &bytes);
  // A table written while DDL runs may be truncated under the copy (its
  // writes are not blocked yet): stale, and copied again by Refresh.
  if (s.code() == Status::Code::kChanged && f.table_data) {
    staged.identity = FileIdentity();
    s = Status::OK();
  }
  HOTBACKUP_RETURN_IF_ERROR(s);
  counts_.copied_bytes += bytes;
  if (f.table_data) {
    counts_.table_data_bytes += bytes;
    ++counts_.table_data_files;
  } else {
    ++counts_.copied;
  }
  staged_[relative_path] = std::move(staged);
  return Status::OK();
}

bool DefinitionSnapshot::StillCurrent(const std::string& relative_path) const {
  auto it = staged_.find(relative_path);
  if (it == staged_.end() || relative_path == kDdlRecoveryLog) return false;
  FileIdentity now;
  if (!StatIdentity(scan_.datadir + "/" + relative_path, &now).ok()) return false;
  const FileIdentity& then = it->second.identity;
  // A link is the file itself: the same inode is the same bytes (the
  // server replaces these files, it does not rewrite them).
  if (it->second.linked) return now.device == then.device && now.inode == then.inode;
  return now == then && (it->second.exact || !Racy(then));
}

void DefinitionSnapshot::Unstage(const std::string& relative_path) {
  auto it = staged_.find(relative_path);
  if (it == staged_.end()) return;
  const bool in_stage = !it->second.fd.valid();
  staged_.erase(it);  // closes a held descriptor
  if (in_stage) unlink((stage_ + "/" + relative_path).c_str());
}

bool DefinitionSnapshot::TakeOpenFile(const std::string& relative_path, UniqueFd* fd,
                                      struct stat* st) {
  auto it = staged_.find(relative_path);
  if (it == staged_.end() || !it->second.fd.valid()) return false;
  *fd = std::move(it->second.fd);
  *st = it->second.st;
  return true;
}

Status DefinitionSnapshot::RelistDatadir(std::set<std::string>* listed) {
  std::vector<std::string> databases;
  std::vector<MiscFile> top_level;
  std::vector<std::string> skipped;
  HOTBACKUP_RETURN_IF_ERROR(
      ListDatadir(scan_, &databases, &top_level, &skipped, &datadir_identity_));
  ++counts_.directories_relisted;
  top_level_ = std::move(top_level);
  std::set<std::string> now(databases.begin(), databases.end());
  for (auto it = databases_.begin(); it != databases_.end();) {
    const std::string name = (it++)->first;
    if (!now.count(name)) DropDatabase(name);
  }
  for (const std::string& name : databases) {
    if (databases_.count(name)) continue;
    ++counts_.directories_relisted;
    listed->insert(name);
    HOTBACKUP_RETURN_IF_ERROR(ListDatabase(name, false));
  }
  return Status::OK();
}

Status DefinitionSnapshot::Refresh(const std::set<std::string>& databases_with_ddl) {
  phase_ = Phase::kDdlBlocked;
  FileIdentity datadir;
  HOTBACKUP_RETURN_IF_ERROR(StatIdentity(scan_.datadir, &datadir));
  std::set<std::string> listed_now;  // new databases, listed by RelistDatadir
  if (datadir != datadir_identity_ || Racy(datadir_identity_)) {
    HOTBACKUP_RETURN_IF_ERROR(RelistDatadir(&listed_now));
  }
  for (auto it = databases_.begin(); it != databases_.end();) {
    const std::string name = (it++)->first;
    if (listed_now.count(name)) continue;
    const Database& db = databases_.at(name);
    FileIdentity now;
    Status s = StatIdentity(scan_.datadir + "/" + name, &now);
    if (s.errno_value() == ENOENT) {
      DropDatabase(name);
      continue;
    }
    HOTBACKUP_RETURN_IF_ERROR(s);
    if (db.relist || now != db.identity || Racy(db.identity) || databases_with_ddl.count(name)) {
      ++counts_.directories_relisted;
      HOTBACKUP_RETURN_IF_ERROR(ListDatabase(name, false));
      continue;
    }
    // No entry created, removed or renamed: only the copies may be stale.
    for (const MiscFile& f : db.files) {
      auto staged = staged_.find(f.relative_path);
      if (staged == staged_.end() || staged->second.linked || Deferred(f) ||
          StillCurrent(f.relative_path)) {
        continue;
      }
      HOTBACKUP_RETURN_IF_ERROR(Stage(f));
      ++counts_.staged_again;
    }
  }
  for (const MiscFile& f : top_level_) {
    if (!Snapshotted(f) || StillCurrent(f.relative_path)) continue;
    HOTBACKUP_RETURN_IF_ERROR(Stage(f));
    ++counts_.staged_again;
  }
  // A definition staged earlier must not outlive its listing (a top-level
  // file gone from a relisted datadir).
  for (auto it = staged_.begin(); it != staged_.end();) {
    const std::string path = (it++)->first;
    const std::string db = DatabaseOf(path);
    if (db.empty()) {
      bool listed = false;
      for (const MiscFile& f : top_level_) listed = listed || f.relative_path == path;
      if (!listed) Unstage(path);
    }
  }
  return Status::OK();
}

bool DefinitionSnapshot::Deferred(const MiscFile& f) const {
  return f.table_data && WrittenUntilCommitBlock(f.relative_path);
}

Status DefinitionSnapshot::RefreshTableData() {
  phase_ = Phase::kAllWritesBlocked;
  for (const auto& [name, db] : databases_) {
    for (const MiscFile& f : db.files) {
      if (!f.table_data || !Snapshotted(f) || StillCurrent(f.relative_path)) continue;
      Status s = Stage(f);
      // Dropped since Refresh cannot be (DDL is blocked); gone is an error.
      HOTBACKUP_RETURN_IF_ERROR(s);
      ++counts_.staged_again;
    }
  }
  return Status::OK();
}

std::vector<MiscFile> DefinitionSnapshot::Files() const {
  std::vector<MiscFile> files;
  for (const auto& [name, db] : databases_) files.insert(files.end(), db.files.begin(), db.files.end());
  files.insert(files.end(), top_level_.begin(), top_level_.end());
  return files;
}

}  // namespace hotbackup
