// Move-back: validate every target first, then rename each backup entry into
// place and fsync the directories that received files.
//
// A backup directory is input like an archive (GNU tar or WDT may have made
// it), so nothing of it is placed as it is: an entry is put in the restored
// shape (restored_attributes.h: modes masked, the target's owner when run as
// root) before it is renamed into the target, and a copy is made so from its
// first byte. Both work below directory descriptors with O_NOFOLLOW, so a
// link in the backup or one swapped into the target is refused, never
// followed.
#include "hotbackup/restore/move_back.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <optional>
#include <map>
#include <set>
#include <vector>

#include "hotbackup/archive/manifest.h"
#include "hotbackup/restore/extract_target.h"
#include "hotbackup/io/pinned_directory.h"
#include "hotbackup/io/file_copy.h"
#include "hotbackup/io/file_io.h"
#include "hotbackup/io/unique_fd.h"
#include "hotbackup/restore/restored_attributes.h"
#include "hotbackup/server/binlog_position.h"
#include "hotbackup/server/rocksdb_files.h"
#include "hotbackup/util/log.h"

namespace hotbackup {
namespace {

namespace fs = std::filesystem;


Status CheckAbsentOrEmpty(const std::string& dir, const char* option) {
  std::error_code ec;
  fs::file_status st = fs::status(dir, ec);
  if (ec && ec != std::errc::no_such_file_or_directory) {
    return Status::IOError("stat " + dir, ec.value());
  }
  if (!fs::exists(st)) return Status::OK();
  if (!fs::is_directory(st)) return Status::InvalidArgument(std::string(option) + " " + dir + " is not a directory");
  fs::directory_iterator it(dir, ec);
  if (ec) return Status::IOError("list " + dir, ec.value());
  if (it != fs::directory_iterator()) {
    return Status::InvalidArgument(std::string(option) + " " + dir + " is not empty (it has " +
                                   it->path().filename().string() +
                                   "); move-back only fills empty directories");
  }
  return Status::OK();
}

constexpr int kOpenFileFlags = O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC;
constexpr int kOpenDirectoryFlags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
constexpr int kMaxDepth = 64;

// Copies the bytes of `in` (`size` of them) to `out`: in the kernel where
// the filesystems allow, else through a buffer.
Status CopyBytes(int in, int out, off_t size, const std::string& from, const std::string& to) {
  bool in_kernel = true;
  std::vector<char> buffer;
  for (off_t left = size; left > 0;) {
    ssize_t n;
    if (in_kernel) {
      n = copy_file_range(in, nullptr, out, nullptr, static_cast<size_t>(left), 0);
      if (n < 0 && (errno == EXDEV || errno == EINVAL || errno == ENOSYS || errno == EOPNOTSUPP)) {
        in_kernel = false;
        buffer.resize(1 << 20);
        continue;
      }
    } else {
      n = read(in, buffer.data(), std::min<size_t>(buffer.size(), static_cast<size_t>(left)));
      if (n > 0) {
        HOTBACKUP_RETURN_IF_ERROR(
            WriteFully(out, AsBytes(buffer.data(), static_cast<size_t>(n)), to));
      }
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::IOError("copy " + from + " to " + to, errno);
    if (n == 0) return Status::Changed(from + " shrank while it was being copied");
    left -= n;
  }
  return Status::OK();
}

// Copies the entry `name` of `from_dir` (a regular file or a directory tree)
// to `name` in `to_dir` in the restored shape: the copy is `owner`'s and
// private (0600, 0700) from its creation, gets its restored mode once
// complete and synced, and keeps the mtime. *bytes counts what was copied.
Status CopyEntryAt(int from_dir, int to_dir, const std::string& name, const std::string& from,
                   const std::string& to, const RestoredOwner& owner, uint64_t* bytes,
                   int depth = 0) {
  struct stat st;
  if (fstatat(from_dir, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    return Status::IOError("stat " + from, errno);
  }
  if (S_ISDIR(st.st_mode)) {
    if (depth >= kMaxDepth) return Status::Corruption(from + ": directories nested too deep");
    UniqueFd in(openat(from_dir, name.c_str(), kOpenDirectoryFlags));
    if (!in.valid()) {
      return errno == ELOOP ? RefuseEntry(S_IFLNK, from) : Status::IOError("open " + from, errno);
    }
    if (mkdirat(to_dir, name.c_str(), 0700) != 0) {
      return Status::IOError("create directory " + to, errno);
    }
    UniqueFd out(openat(to_dir, name.c_str(), kOpenDirectoryFlags));
    if (!out.valid()) return Status::IOError("open " + to, errno);
    std::vector<std::string> names;
    HOTBACKUP_RETURN_IF_ERROR(ListDirectoryAt(in.get(), from, &names));
    for (const std::string& n : names) {
      HOTBACKUP_RETURN_IF_ERROR(CopyEntryAt(in.get(), out.get(), n, from + "/" + n, to + "/" + n,
                                            owner, bytes, depth + 1));
    }
    if (fsync(out.get()) != 0) return Status::IOError("fsync " + to, errno);
    return ApplyRestoredAttributes(out.get(), kRestoredDirectoryMode, owner, to);
  }
  if (!S_ISREG(st.st_mode)) return RefuseEntry(st.st_mode, from);
  UniqueFd in(openat(from_dir, name.c_str(), kOpenFileFlags));
  if (!in.valid()) {
    return errno == ELOOP ? RefuseEntry(S_IFLNK, from) : Status::IOError("open " + from, errno);
  }
  if (fstat(in.get(), &st) != 0) return Status::IOError("stat " + from, errno);
  if (!S_ISREG(st.st_mode)) return RefuseEntry(st.st_mode, from);
  UniqueFd out(
      openat(to_dir, name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!out.valid()) return Status::IOError("create " + to, errno);
  HOTBACKUP_RETURN_IF_ERROR(ApplyRestoredAttributes(out.get(), 0600, owner, to));
  HOTBACKUP_RETURN_IF_ERROR(CopyBytes(in.get(), out.get(), st.st_size, from, to));
  if (fchmod(out.get(), RestoredFileMode(st.st_mode)) != 0) {
    return Status::IOError("chmod " + to, errno);
  }
  timespec times[2] = {st.st_atim, st.st_mtim};
  if (futimens(out.get(), times) != 0) return Status::IOError("set mtime of " + to, errno);
  if (fsync(out.get()) != 0) return Status::IOError("fsync " + to, errno);
  int err = out.Close();
  if (err != 0) return Status::IOError("close " + to, err);
  *bytes += static_cast<uint64_t>(st.st_size);
  return Status::OK();
}

uint64_t TreeBytes(const std::string& path) {
  std::error_code ec;
  if (fs::is_regular_file(fs::symlink_status(path, ec))) return fs::file_size(path, ec);
  uint64_t total = 0;
  for (const auto& e : fs::recursive_directory_iterator(path, ec)) {
    if (e.is_regular_file(ec)) total += e.file_size(ec);
  }
  return total;
}

Status FsyncDirectory(const std::string& dir) {
  UniqueFd fd(open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid()) return Status::IOError("open " + dir, errno);
  if (fsync(fd.get()) != 0) return Status::IOError("fsync " + dir, errno);
  return Status::OK();
}

// The statements that make the restored server a replica, from the backup's
// recorded position, on stderr as they are to be pasted.
void PrintReplicaSetup(const std::optional<BinlogPosition>& position) {
  if (!position) return;
  if (!position->consistent) {
    HB_LOG_WARN("This backup was taken with --no_backup_locks: it has no consistent binlog "
                "position and cannot seed a replica");
    return;
  }
  const std::string statements = ReplicaSetupStatements(*position);
  if (statements.empty()) return;
  HB_LOG_INFO("To make the restored server a replica, start it with --skip-slave-start and a "
              "server_id of its own, then run (README: Seeding a replica):");
  fputs(statements.c_str(), stderr);
}

}  // namespace

Status RunMoveBack(const Options& o) {
  if (o.datadir.empty() || o.rocksdb_datadir.empty() || o.rocksdb_waldir.empty() ||
      o.backup_dir.empty()) {
    return Status::InvalidArgument(
        std::string(o.copy_back ? "--copy_back" : "--move_back") +
        " needs --datadir, --rocksdb_datadir, --rocksdb_waldir and --backup_dir");
  }
  std::error_code ec;
  if (!fs::is_directory(o.backup_dir, ec)) {
    return Status::InvalidArgument("--backup_dir " + o.backup_dir + " is not a directory");
  }
  HOTBACKUP_RETURN_IF_ERROR(CheckAbsentOrEmpty(o.datadir, "--datadir"));
  HOTBACKUP_RETURN_IF_ERROR(CheckAbsentOrEmpty(o.rocksdb_datadir, "--rocksdb_datadir"));
  HOTBACKUP_RETURN_IF_ERROR(CheckAbsentOrEmpty(o.rocksdb_waldir, "--rocksdb_waldir"));

  UniqueFd backup(open(o.backup_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!backup.valid()) return Status::IOError("open --backup_dir " + o.backup_dir, errno);

  // The backup's binlog position, for the statements printed at the end.
  std::optional<BinlogPosition> position;
  {
    std::string json;
    Manifest manifest;
    if (ReadSmallFileAt(backup.get(), kManifestPath, o.backup_dir + "/" + kManifestPath, &json,
                        kMaxManifestSize)
            .ok() &&
        ParseManifest(json, &manifest).ok()) {
      position = manifest.binlog;
      LogLeftOutTables(manifest);
    }
  }

  // Plan every move before making any.
  struct Move {
    std::string from, to_dir, name;
  };
  std::vector<Move> moves;
  std::vector<std::string> names;
  for (const fs::directory_entry& e : fs::directory_iterator(o.backup_dir, ec)) {
    names.push_back(e.path().filename().string());
  }
  if (ec) return Status::IOError("list " + o.backup_dir, ec.value());
  std::sort(names.begin(), names.end());
  for (const std::string& name : names) {
    std::string from = o.backup_dir + "/" + name;
    struct stat st;
    if (lstat(from.c_str(), &st) != 0) return Status::IOError("stat " + from, errno);
    // WDT's transfer log (.wdt.log) and state: the receiver's, not the backup's.
    if (name.starts_with(".wdt")) continue;
    if (S_ISREG(st.st_mode)) {
      if (IsWalFileName(name)) {
        moves.push_back({from, o.rocksdb_waldir, name});
      } else if (IsSstFileName(name) || IsMetadataFileName(name)) {
        moves.push_back({from, o.rocksdb_datadir, name});
      } else {
        moves.push_back({from, o.datadir, name});
      }
    } else if (S_ISDIR(st.st_mode)) {
      if (name.ends_with(".rocksdb")) continue;  // as the original
      moves.push_back({from, o.datadir, name});
    }
  }

  // Who the restored files belong to, decided before any directory is made:
  // each target's owner, else the datadir's (root only; see
  // restored_attributes.h).
  const bool root = geteuid() == 0;
  struct stat datadir_st;
  const bool datadir_exists = stat(o.datadir.c_str(), &datadir_st) == 0;
  struct Target {
    RestoredOwner owner;
    bool existed = false;
    UniqueFd fd;
  };
  std::map<std::string, Target> targets;
  std::vector<std::string> root_owned;
  for (const std::string& dir : {o.datadir, o.rocksdb_datadir, o.rocksdb_waldir}) {
    if (targets.count(dir)) continue;
    Target& t = targets[dir];
    struct stat st;
    t.existed = stat(dir.c_str(), &st) == 0;
    t.owner = ChooseRestoredOwner(root, t.existed ? &st : nullptr,
                                  datadir_exists ? &datadir_st : nullptr);
    if (root && !t.owner.change) root_owned.push_back(dir);
  }
  if (!root_owned.empty()) {
    std::string dirs;
    for (const std::string& d : root_owned) dirs += (dirs.empty() ? "" : " ") + d;
    HB_LOG_WARN("Running as root: the restored files in %s stay owned by root (their "
                "directory, or else --datadir %s, is %s), but the server's user must own them "
                "before it starts: e.g. chown -R mysql:mysql %s",
                dirs.c_str(), o.datadir.c_str(), datadir_exists ? "root's" : "absent or root's",
                dirs.c_str());
  }

  // On any failure the targets go back to what they were (absent or empty)
  // and the backup directory to what it was: a half-restored datadir must
  // never be started by mistake.
  struct Undo {
    const Options& o;
    int backup_fd;
    std::map<std::string, Target>& targets;
    std::vector<std::string> created_dirs;  // made here, in creation order
    std::vector<std::pair<const Move*, bool>> done;  // (move, copied rather than renamed)
    std::string partial;  // the entry being written when it failed
    bool committed = false;
    ~Undo() {
      if (committed) return;
      std::error_code ec;
      if (!partial.empty()) fs::remove_all(partial, ec);
      for (auto it = done.rbegin(); it != done.rend(); ++it) {
        const Move& m = *it->first;
        const std::string to = m.to_dir + "/" + m.name;
        const int to_fd = targets[m.to_dir].fd.get();
        if (o.copy_back) {
          fs::remove_all(to, ec);
        } else if (!it->second) {
          if (renameat(to_fd, m.name.c_str(), backup_fd, m.name.c_str()) != 0) {
            HB_LOG_ERROR("could not move %s back to %s", to.c_str(), m.from.c_str());
          }
        } else {
          uint64_t ignored = 0;
          if (CopyEntryAt(to_fd, backup_fd, m.name, to, m.from, RestoredOwner(), &ignored).ok()) {
            fs::remove_all(to, ec);
          } else {
            HB_LOG_ERROR("could not copy %s back to %s", to.c_str(), m.from.c_str());
          }
        }
      }
      for (auto it = created_dirs.rbegin(); it != created_dirs.rend(); ++it) fs::remove(*it, ec);
    }
  } undo{o, backup.get(), targets, {}, {}, {}, false};

  for (auto& [dir, target] : targets) {
    // Remember each level made, so that a failure leaves no empty shell.
    std::vector<std::string> missing;
    for (fs::path p = fs::path(dir); !p.empty() && !fs::exists(p, ec); p = p.parent_path()) {
      missing.push_back(p.string());
      if (p == p.parent_path()) break;
    }
    fs::create_directories(dir, ec);
    if (ec) return Status::IOError("create " + dir, ec.value());
    undo.created_dirs.insert(undo.created_dirs.end(), missing.rbegin(), missing.rend());
    target.fd = UniqueFd(open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!target.fd.valid()) return Status::IOError("open " + dir, errno);
    // A directory made here is the server's like what goes into it.
    if (!target.existed) {
      HOTBACKUP_RETURN_IF_ERROR(
          ApplyRestoredAttributes(target.fd.get(), kRestoredDirectoryMode, target.owner, dir));
    }
  }
  struct Tally {
    size_t entries = 0;
    uint64_t bytes = 0;
  };
  std::map<std::string, Tally> tally;
  size_t copied_across = 0;
  for (const Move& m : moves) {
    std::string to = m.to_dir + "/" + m.name;
    const Target& target = targets[m.to_dir];
    Tally& t = tally[m.to_dir];
    t.entries += 1;
    if (o.copy_back) {
      undo.partial = to;
      HOTBACKUP_RETURN_IF_ERROR(
          CopyEntryAt(backup.get(), target.fd.get(), m.name, m.from, to, target.owner, &t.bytes)
              .WithContext("--copy_back stopped, and removed what it had copied"));
      undo.partial.clear();
      undo.done.emplace_back(&m, true);
      continue;
    }
    // The entry takes its restored shape where it is, before the target
    // (which the server's user may read) can see it.
    HOTBACKUP_RETURN_IF_ERROR(
        SecureTreeAt(backup.get(), m.name, target.owner, m.from)
            .WithContext("--move_back stopped, and moved back what it had moved"));
    t.bytes += TreeBytes(m.from);
    if (renameat(backup.get(), m.name.c_str(), target.fd.get(), m.name.c_str()) == 0) {
      undo.done.emplace_back(&m, false);
      continue;
    }
    if (errno != EXDEV) {
      return Status::IOError("move " + m.from + " to " + to, errno)
          .WithContext("--move_back stopped, and moved back what it had moved");
    }
    // Another filesystem: copy, make the copy durable, only then remove.
    uint64_t ignored = 0;
    undo.partial = to;
    HOTBACKUP_RETURN_IF_ERROR(
        CopyEntryAt(backup.get(), target.fd.get(), m.name, m.from, to, target.owner, &ignored)
            .WithContext("--move_back stopped, and moved back what it had moved"));
    undo.partial.clear();
    fs::remove_all(m.from, ec);
    if (ec) return Status::IOError("remove " + m.from + " after copying it", ec.value());
    undo.done.emplace_back(&m, true);
    ++copied_across;
  }
  for (const auto& [dir, t] : tally) HOTBACKUP_RETURN_IF_ERROR(FsyncDirectory(dir));
  undo.committed = true;

  const char* verb = o.copy_back ? "Copied" : "Moved";
  auto line = [&](const std::string& dir, const char* what) {
    const Tally& t = tally[dir];
    HB_LOG_INFO("%s %zu %s (%.2f MB) to %s", verb, t.entries, what,
                static_cast<double>(t.bytes) / (1024.0 * 1024.0), dir.c_str());
  };
  HB_LOG_INFO("Move-back summary:");
  if (o.rocksdb_waldir == o.rocksdb_datadir) {
    line(o.rocksdb_datadir, "RocksDB files (SST, WAL, MANIFEST, CURRENT, OPTIONS)");
  } else {
    line(o.rocksdb_datadir, "RocksDB files (SST, MANIFEST, CURRENT, OPTIONS)");
    line(o.rocksdb_waldir, "RocksDB WAL files");
  }
  if (o.datadir != o.rocksdb_datadir && o.datadir != o.rocksdb_waldir) {
    line(o.datadir, "server files and database directories");
  }
  if (copied_across > 0) {
    HB_LOG_INFO("%zu entries were on another filesystem: copied, synced, then removed", copied_across);
  }
  PrintReplicaSetup(position);
  return Status::OK();
}

}  // namespace hotbackup
