// Checkpoint lifetime, and the directory the checkpoints live in. The
// server writes a checkpoint into "<path>.tmp" and renames it to <path>;
// both names are cleaned up here. The directory is writable by the
// server's user while the backup may run as root: everything here goes
// through pinned directories (pinned_directory.h), never through a path
// that user could redirect.
#include "hotbackup/server/checkpoint.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>

#include <algorithm>
#include <filesystem>
#include <sstream>
#include <string_view>

#include "hotbackup/util/log.h"

namespace hotbackup {
namespace fs = std::filesystem;

namespace {

constexpr char kJournalRound[] = "round ";

bool IsRoundName(const std::string& name) {
  return !name.empty() && name.size() < 20 && std::all_of(name.begin(), name.end(), ::isdigit);
}

bool Exists(const PinnedDirectory& dir, const std::string& name) {
  struct stat st;
  return fstatat(dir.fd(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 || errno != ENOENT;
}

Status ReadAll(int fd, const std::string& display, std::string* contents) {
  contents->clear();
  char buffer[4096];
  for (off_t offset = 0;;) {
    ssize_t n = pread(fd, buffer, sizeof(buffer), offset);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::IOError("read " + display, errno);
    if (n == 0) return Status::OK();
    contents->append(buffer, static_cast<size_t>(n));
    offset += n;
    if (contents->size() > (1 << 20)) return Status::Corruption(display + " is larger than a journal");
  }
}

}  // namespace

CheckpointRoot::~CheckpointRoot() {
  // Unlinked while still locked: a backup that opened this file meanwhile
  // finds, once it gets the lock, that the file is no longer the one at the
  // name, and tries again with a new one (see Lock).
  if (!lock_fd_.valid()) return;
  struct stat held, named;
  if (fstat(lock_fd_.get(), &held) == 0 &&
      fstatat(dir_.fd(), kCheckpointLockName, &named, AT_SYMLINK_NOFOLLOW) == 0 &&
      held.st_ino == named.st_ino && held.st_dev == named.st_dev) {
    unlinkat(dir_.fd(), kCheckpointLockName, 0);
  }
}

Status CheckpointRoot::Prepare(const std::string& dir) {
  if (dir.empty()) return Status::InvalidArgument("--checkpoint_dir is empty");
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Status::IOError("create checkpoint directory " + dir, ec.value());
  if (!fs::is_directory(dir, ec)) {
    return Status::InvalidArgument("--checkpoint_dir " + dir + " is not a directory");
  }
  std::string named = dir;
  while (named.size() > 1 && named.back() == '/') named.pop_back();
  HOTBACKUP_RETURN_IF_ERROR(PinnedDirectory::Open(named, &dir_));
  return Lock();
}

Status CheckpointRoot::Lock() {
  const std::string display = dir_.display_path() + "/" + kCheckpointLockName;
  for (int attempt = 0; attempt < 100; ++attempt) {
    // O_NONBLOCK: a FIFO put there must not hang us.
    constexpr int kFlags = O_RDWR | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY;
    UniqueFd fd(openat(dir_.fd(), kCheckpointLockName, kFlags));
    if (!fd.valid() && errno == ENOENT) {
      fd = UniqueFd(openat(dir_.fd(), kCheckpointLockName, kFlags | O_CREAT | O_EXCL, 0600));
      if (!fd.valid() && errno == EEXIST) continue;
    }
    if (!fd.valid() && errno == ELOOP) {
      HB_LOG_WARN("%s is a symbolic link, not this tool's lock file: replaced", display.c_str());
      if (unlinkat(dir_.fd(), kCheckpointLockName, 0) != 0 && errno != ENOENT) {
        return Status::IOError("remove " + display, errno);
      }
      continue;
    }
    if (!fd.valid()) return Status::IOError("open " + display, errno);
    struct stat held;
    if (fstat(fd.get(), &held) != 0) return Status::IOError("stat " + display, errno);
    // Ours: a regular file we own with no other name (a hard link to some
    // other file would have it read, truncated and written).
    const bool ours = S_ISREG(held.st_mode) && held.st_uid == geteuid() && held.st_nlink == 1;
    if (S_ISREG(held.st_mode) && flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
      if (errno != EWOULDBLOCK) return Status::IOError("lock " + display, errno);
      std::string holder;
      if (ours) ReadAll(fd.get(), display, &holder).ok();
      holder = holder.substr(0, holder.find('\n'));
      if (!std::all_of(holder.begin(), holder.end(), ::isdigit)) holder.clear();
      return Status::InvalidArgument("another backup" + (holder.empty() ? "" : " (pid " + holder + ")") +
                                     " is running with --checkpoint_dir " + dir_.display_path() +
                                     "; one backup at a time per checkpoint directory");
    }
    struct stat named;
    if (fstatat(dir_.fd(), kCheckpointLockName, &named, AT_SYMLINK_NOFOLLOW) != 0 ||
        held.st_ino != named.st_ino || held.st_dev != named.st_dev) {
      continue;  // the holder removed it as we waited: lock the new one
    }
    if (!ours) {
      HB_LOG_WARN("%s is not this tool's lock file (owner uid %u, %u links, mode %o): replaced",
                  display.c_str(), static_cast<unsigned>(held.st_uid),
                  static_cast<unsigned>(held.st_nlink), static_cast<unsigned>(held.st_mode));
      if (unlinkat(dir_.fd(), kCheckpointLockName, 0) != 0 && errno != ENOENT) {
        return Status::IOError("remove " + display, errno);
      }
      continue;
    }
    std::string journal;
    HOTBACKUP_RETURN_IF_ERROR(ReadAll(fd.get(), display, &journal));
    lock_fd_ = std::move(fd);
    // We hold the lock: no live backup owns the rounds it lists.
    HOTBACKUP_RETURN_IF_ERROR(RemoveJournaledRounds(journal));
    const std::string pid = std::to_string(getpid()) + "\n";
    if (ftruncate(lock_fd_.get(), 0) != 0 ||
        pwrite(lock_fd_.get(), pid.data(), pid.size(), 0) != static_cast<ssize_t>(pid.size())) {
      return Status::IOError("write " + display, errno);
    }
    return Status::OK();
  }
  return Status::IOError("lock " + display + ": it keeps being replaced", EAGAIN);
}

Status CheckpointRoot::RemoveJournaledRounds(const std::string& journal) {
  std::istringstream lines(journal);
  std::vector<std::string> removed;
  for (std::string line; std::getline(lines, line);) {
    if (!line.starts_with(kJournalRound)) continue;
    const std::string name = line.substr(sizeof(kJournalRound) - 1);
    if (!IsRoundName(name)) continue;
    for (const std::string& entry : {name, name + ".tmp", name + kStagingSuffix}) {
      if (!Exists(dir_, entry)) continue;
      HOTBACKUP_RETURN_IF_ERROR(RemoveTreeAt(dir_, entry));
      removed.push_back(dir_.display_path() + "/" + entry);
    }
  }
  if (removed.empty()) return Status::OK();
  HB_LOG_WARN("Removed %s%s left by an earlier backup that did not finish (it pinned old SST "
              "files on disk)",
              removed.front().c_str(),
              removed.size() > 1 ? (" and " + std::to_string(removed.size() - 1) + " more").c_str()
                                 : "");
  return Status::OK();
}

Status CheckpointRoot::NewRoundName(int round, std::string* name) {
  int n = std::max(round, next_round_);
  while (Exists(dir_, std::to_string(n)) || Exists(dir_, std::to_string(n) + ".tmp") ||
         Exists(dir_, std::to_string(n) + kStagingSuffix)) {
    ++n;
  }
  next_round_ = n + 1;
  *name = std::to_string(n);
  const std::string line = kJournalRound + *name + "\n";
  struct stat st;
  if (fstat(lock_fd_.get(), &st) != 0 ||
      pwrite(lock_fd_.get(), line.data(), line.size(), st.st_size) !=
          static_cast<ssize_t>(line.size()) ||
      fdatasync(lock_fd_.get()) != 0) {
    return Status::IOError("write " + dir_.display_path() + "/" + kCheckpointLockName, errno);
  }
  return Status::OK();
}

StagingDirectory::~StagingDirectory() {
  Status s = Remove();
  if (!s.ok()) HB_LOG_ERROR("%s", s.message().c_str());
}

Status StagingDirectory::Create(const CheckpointRoot& root, const std::string& round_name) {
  root_ = &root;
  name_ = round_name + kStagingSuffix;
  return MakePrivateDirectoryAt(root.directory(), name_, &dir_);
}

Status StagingDirectory::Remove() {
  if (root_ == nullptr || !dir_.valid()) return Status::OK();
  return RemovePinnedDirectory(root_->directory(), name_, &dir_);
}

Checkpoint::~Checkpoint() {
  if (!created_) return;
  Status s = Remove();
  if (!s.ok()) HB_LOG_ERROR("%s", s.message().c_str());
}

Status Checkpoint::Create(MysqlConnection* connection) {
  const PinnedDirectory& root = root_->directory();
  // Never take ownership of (and later delete) a directory we did not make.
  for (const std::string& name : {name_, name_ + ".tmp"}) {
    if (Exists(root, name)) {
      return Status::InvalidArgument("checkpoint " + root.display_path() + "/" + name +
                                     " already exists; is another backup running?");
    }
  }
  // Set before asking, so a failure half-way still cleans up "<name>.tmp".
  created_ = true;
  HOTBACKUP_RETURN_IF_ERROR(connection->Execute("SET GLOBAL rocksdb_create_checkpoint = '" +
                                                connection->EscapeString(display_path()) + "'"));
  return TakeOverDirectoryAt(root, name_, &dir_);
}

Status Checkpoint::Remove() {
  if (!std::exchange(created_, false)) return Status::OK();
  const PinnedDirectory& root = root_->directory();
  Status s = dir_.valid() ? RemovePinnedDirectory(root, name_, &dir_) : RemoveTreeAt(root, name_);
  Status t = RemoveTreeAt(root, name_ + ".tmp");
  if (s.ok()) HB_LOG_INFO("Cleaned up checkpoint from %s", display_path().c_str());
  return s.ok() ? t : s;
}

}  // namespace hotbackup
