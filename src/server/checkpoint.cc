// Checkpoint lifetime. The server writes the checkpoint into "<path>.tmp"
// and renames it to <path>; both names are cleaned up here.
#include "hotbackup/server/checkpoint.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>

#include <algorithm>
#include <filesystem>
#include <string_view>

#include "hotbackup/io/unique_fd.h"
#include "hotbackup/util/log.h"

namespace hotbackup {
namespace fs = std::filesystem;

namespace {

bool IsRoundDirectoryName(const std::string& name) {
  std::string digits = name;
  for (std::string_view suffix : {std::string_view(".tmp"), std::string_view(kStagingSuffix)}) {
    if (digits.ends_with(suffix)) digits.resize(digits.size() - suffix.size());
  }
  return !digits.empty() && std::all_of(digits.begin(), digits.end(), ::isdigit);
}

Status RemoveTree(const std::string& path) {
  std::error_code ec;
  fs::remove_all(path, ec);
  if (ec) return Status::IOError("remove " + path, ec.value());
  return Status::OK();
}

}  // namespace

CheckpointRootLock::~CheckpointRootLock() {
  // Unlinked while still locked: a backup that opened this file meanwhile
  // finds, once it gets the lock, that the file is no longer the one at the
  // path, and tries again with a new one (see LockCheckpointRoot).
  if (fd_.valid()) unlink(path_.c_str());
}

Status LockCheckpointRoot(const std::string& dir, CheckpointRootLock* lock) {
  const std::string path = dir + "/" + kCheckpointLockName;
  for (int attempt = 0; attempt < 100; ++attempt) {
    UniqueFd fd(open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0640));
    if (!fd.valid()) return Status::IOError("open " + path, errno);
    if (flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
      if (errno != EWOULDBLOCK) return Status::IOError("lock " + path, errno);
      char pid[32] = {0};
      ssize_t n = pread(fd.get(), pid, sizeof(pid) - 1, 0);
      std::string holder = n > 0 ? std::string(pid, static_cast<size_t>(n)) : "";
      while (!holder.empty() && !std::isdigit(static_cast<unsigned char>(holder.back()))) holder.pop_back();
      return Status::InvalidArgument("another backup" + (holder.empty() ? "" : " (pid " + holder + ")") +
                                     " is running with --checkpoint_dir " + dir +
                                     "; one backup at a time per checkpoint directory");
    }
    struct stat held, named;
    if (fstat(fd.get(), &held) != 0) return Status::IOError("stat " + path, errno);
    if (stat(path.c_str(), &named) != 0 || held.st_ino != named.st_ino || held.st_dev != named.st_dev) {
      continue;  // the holder removed it as we waited: lock the new one
    }
    const std::string pid = std::to_string(getpid()) + "\n";
    if (ftruncate(fd.get(), 0) != 0 ||
        pwrite(fd.get(), pid.data(), pid.size(), 0) != static_cast<ssize_t>(pid.size())) {
      return Status::IOError("write " + path, errno);
    }
    lock->fd_ = std::move(fd);
    lock->path_ = path;
    return Status::OK();
  }
  return Status::IOError("lock " + path + ": it keeps being replaced", EAGAIN);
}

Status PrepareCheckpointRoot(const std::string& dir, CheckpointRootLock* lock) {
  if (dir.empty()) return Status::InvalidArgument("--checkpoint_dir is empty");
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Status::IOError("create checkpoint directory " + dir, ec.value());
  if (!fs::is_directory(dir, ec)) {
    return Status::InvalidArgument("--checkpoint_dir " + dir + " is not a directory");
  }
  HOTBACKUP_RETURN_IF_ERROR(LockCheckpointRoot(dir, lock));
  std::vector<std::string> stale;
  for (const fs::directory_entry& e : fs::directory_iterator(dir, ec)) {
    std::string name = e.path().filename().string();
    if (IsRoundDirectoryName(name)) stale.push_back(e.path().string());
  }
  if (ec) return Status::IOError("list checkpoint directory " + dir, ec.value());
  if (stale.empty()) return Status::OK();
  // We hold the lock: no live backup owns these.
  std::sort(stale.begin(), stale.end());
  for (const std::string& path : stale) HOTBACKUP_RETURN_IF_ERROR(RemoveTree(path));
  HB_LOG_WARN("Removed %s%s left by an earlier backup that did not finish (it pinned old SST "
              "files on disk)",
              stale.front().c_str(),
              stale.size() > 1 ? (" and " + std::to_string(stale.size() - 1) + " more").c_str()
                               : "");
  return Status::OK();
}

Checkpoint::~Checkpoint() {
  if (path_.empty()) return;
  Status s = Remove();
  if (!s.ok()) HB_LOG_ERROR("%s", s.message().c_str());
}

Status Checkpoint::Create(MysqlConnection* connection, const std::string& path) {
  // Never take ownership of (and later delete) a directory we did not make.
  for (const std::string& p : {path, path + ".tmp"}) {
    struct stat st;
    if (lstat(p.c_str(), &st) == 0) {
      return Status::InvalidArgument("checkpoint " + p + " already exists; is another backup running?");
    }
  }
  // Set before asking, so a failure half-way still cleans up "<path>.tmp".
  path_ = path;
  return connection->Execute("SET GLOBAL rocksdb_create_checkpoint = '" +
                             connection->EscapeString(path) + "'");
}

Status Checkpoint::Remove() {
  if (path_.empty()) return Status::OK();
  std::string path = std::exchange(path_, std::string());
  Status s = RemoveTree(path);
  Status t = RemoveTree(path + ".tmp");
  if (s.ok()) HB_LOG_INFO("Cleaned up checkpoint from %s", path.c_str());
  return s.ok() ? t : s;
}

StagingDirectory::~StagingDirectory() {
  Status s = Remove();
  if (!s.ok()) HB_LOG_ERROR("%s", s.message().c_str());
}

Status StagingDirectory::Remove() {
  if (path_.empty()) return Status::OK();
  Status s = RemoveTree(path_);
  path_.clear();
  return s;
}

}  // namespace hotbackup
