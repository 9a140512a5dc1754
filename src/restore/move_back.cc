// Move-back: validate every target first, then rename each backup entry into
// place and fsync the directories that received files.
#include "hotbackup/restore/move_back.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <map>
#include <set>
#include <vector>

#include "hotbackup/archive/manifest.h"
#include "hotbackup/restore/extract_target.h"
#include "hotbackup/io/file_copy.h"
#include "hotbackup/io/file_io.h"
#include "hotbackup/io/unique_fd.h"
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

Status FsyncDirectory(const std::string& dir);

// Copies a file or a directory tree; directories are fsynced once filled.
Status CopyTree(const std::string& from, const std::string& to, uint64_t* bytes) {
  struct stat st;
  if (lstat(from.c_str(), &st) != 0) return Status::IOError("stat " + from, errno);
  if (S_ISREG(st.st_mode)) return CopyFile(from, to, Durability::kSynced, bytes);
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

  // The backup's binlog position, for the statements printed at the end.
  std::optional<BinlogPosition> position;
  {
    std::ifstream in(o.backup_dir + "/" + kManifestPath, std::ios::binary);
    std::string json((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    Manifest manifest;
    if (in && ParseManifest(json, &manifest).ok()) {
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

  // On any failure the targets go back to what they were (absent or empty)
  // and the backup directory to what it was: a half-restored datadir must
  // never be started by mistake.
  struct Undo {
    const Options& o;
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
        if (o.copy_back) {
          fs::remove_all(to, ec);
        } else if (!it->second) {
          if (rename(to.c_str(), m.from.c_str()) != 0) {
            HB_LOG_ERROR("could not move %s back to %s", to.c_str(), m.from.c_str());
          }
        } else {
          uint64_t ignored = 0;
          if (CopyTree(to, m.from, &ignored).ok()) fs::remove_all(to, ec);
          else HB_LOG_ERROR("could not copy %s back to %s", to.c_str(), m.from.c_str());
        }
      }
      for (auto it = created_dirs.rbegin(); it != created_dirs.rend(); ++it) fs::remove(*it, ec);
    }
  } undo{o, {}, {}, {}, false};

  for (const std::string& dir : {o.datadir, o.rocksdb_datadir, o.rocksdb_waldir}) {
    // Remember each level made, so that a failure leaves no empty shell.
    std::vector<std::string> missing;
    for (fs::path p = fs::path(dir); !p.empty() && !fs::exists(p, ec); p = p.parent_path()) {
      missing.push_back(p.string());
      if (p == p.parent_path()) break;
    }
    fs::create_directories(dir, ec);
    if (ec) return Status::IOError("create " + dir, ec.value());
    undo.created_dirs.insert(undo.created_dirs.end(), missing.rbegin(), missing.rend());
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
      undo.partial = to;
      HOTBACKUP_RETURN_IF_ERROR(CopyTree(m.from, to, &t.bytes).WithContext("--copy_back stopped, and removed what it had copied"));
      undo.partial.clear();
      undo.done.emplace_back(&m, true);
      continue;
    }
    t.bytes += TreeBytes(m.from);
    if (rename(m.from.c_str(), to.c_str()) == 0) {
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
    HOTBACKUP_RETURN_IF_ERROR(CopyTree(m.from, to, &ignored).WithContext("--move_back stopped, and moved back what it had moved"));
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
