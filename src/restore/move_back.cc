// Move-back: validate every target first, then rename each backup entry into
// place and fsync the directories that received files.
#include "hotbackup/restore/move_back.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>
#include <vector>

#include "hotbackup/io/file_io.h"
#include "hotbackup/io/unique_fd.h"
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

Status FsyncFd(int fd, const std::string& path) {
  if (fsync(fd) != 0) return Status::IOError("fsync " + path, errno);
  return Status::OK();
}

// Copies one regular file with its permission bits and mtime, and makes it
// durable before anyone may delete the source.
Status CopyFile(const std::string& from, const std::string& to, uint64_t* bytes) {
  UniqueFd in(open(from.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (!in.valid()) return Status::IOError("open " + from, errno);
  struct stat st;
  if (fstat(in.get(), &st) != 0) return Status::IOError("stat " + from, errno);
  UniqueFd out(open(to.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600));
  if (!out.valid()) return Status::IOError("create " + to, errno);
  // copy_file_range shares extents or copies in the kernel where it can;
  // between different filesystems it refuses (EXDEV), so read and write.
  bool in_kernel = true;
  std::vector<char> buffer;
  for (off_t left = st.st_size; left > 0;) {
    ssize_t n;
    if (in_kernel) {
      n = copy_file_range(in.get(), nullptr, out.get(), nullptr, static_cast<size_t>(left), 0);
      if (n < 0 && (errno == EXDEV || errno == EINVAL || errno == ENOSYS || errno == EOPNOTSUPP)) {
        in_kernel = false;
        buffer.resize(1 << 20);
        continue;
      }
    } else {
      n = read(in.get(), buffer.data(), std::min<size_t>(buffer.size(), static_cast<size_t>(left)));
      if (n > 0) {
        HOTBACKUP_RETURN_IF_ERROR(WriteFully(out.get(), AsBytes(buffer.data(), static_cast<size_t>(n)), to));
      }
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::IOError("copy " + from + " to " + to, errno);
    if (n == 0) return Status::Changed(from + " shrank while it was being copied");
    left -= n;
  }
  if (fchmod(out.get(), st.st_mode & 07777) != 0) return Status::IOError("chmod " + to, errno);
  timespec times[2] = {st.st_atim, st.st_mtim};
  if (futimens(out.get(), times) != 0) return Status::IOError("set mtime of " + to, errno);
  HOTBACKUP_RETURN_IF_ERROR(FsyncFd(out.get(), to));
  int err = out.Close();
  if (err != 0) return Status::IOError("close " + to, err);
  *bytes += static_cast<uint64_t>(st.st_size);
  return Status::OK();
}

Status FsyncDirectory(const std::string& dir);

// Copies a file or a directory tree; directories are fsynced once filled.
Status CopyTree(const std::string& from, const std::string& to, uint64_t* bytes) {
  struct stat st;
  if (lstat(from.c_str(), &st) != 0) return Status::IOError("stat " + from, errno);
  if (S_ISREG(st.st_mode)) return CopyFile(from, to, bytes);
  if (!S_ISDIR(st.st_mode)) return Status::OK();  // sockets, links: never part of a backup
  if (mkdir(to.c_str(), 0700) != 0) return Status::IOError("create directory " + to, errno);
  std::error_code ec;
  for (const fs::directory_entry& e : fs::directory_iterator(from, ec)) {
    HOTBACKUP_RETURN_IF_ERROR(
        CopyTree(e.path().string(), to + "/" + e.path().filename().string(), bytes));
  }
  if (ec) return Status::IOError("list " + from, ec.value());
  if (chmod(to.c_str(), st.st_mode & 07777) != 0) return Status::IOError("chmod " + to, errno);
  return FsyncDirectory(to);
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

  for (const std::string& dir : {o.datadir, o.rocksdb_datadir, o.rocksdb_waldir}) {
    fs::create_directories(dir, ec);
    if (ec) return Status::IOError("create " + dir, ec.value());
  }
  struct Tally {
    size_t entries = 0;
    uint64_t bytes = 0;
  };
  std::map<std::string, Tally> tally;
  size_t copied_across = 0;
  for (const Move& m : moves) {
    std::string to = m.to_dir + "/" + m.name;
    Tally& t = tally[m.to_dir];
    t.entries += 1;
    if (o.copy_back) {
      HOTBACKUP_RETURN_IF_ERROR(CopyTree(m.from, to, &t.bytes));
      continue;
    }
    t.bytes += TreeBytes(m.from);
    if (rename(m.from.c_str(), to.c_str()) == 0) continue;
    if (errno != EXDEV) return Status::IOError("move " + m.from + " to " + to, errno);
    // Another filesystem: copy, make the copy durable, only then remove.
    uint64_t ignored = 0;
    HOTBACKUP_RETURN_IF_ERROR(CopyTree(m.from, to, &ignored));
    fs::remove_all(m.from, ec);
    if (ec) return Status::IOError("remove " + m.from + " after copying it", ec.value());
    ++copied_across;
  }
  for (const auto& [dir, t] : tally) HOTBACKUP_RETURN_IF_ERROR(FsyncDirectory(dir));

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
  return Status::OK();
}

}  // namespace hotbackup
