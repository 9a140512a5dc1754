// Move-back: validate every target first, then rename each backup entry into
// place and fsync the directories that received files.
#include "hotbackup/move_back.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>
#include <vector>

#include "hotbackup/log.h"
#include "hotbackup/unique_fd.h"

namespace hotbackup {
namespace {

namespace fs = std::filesystem;

bool IsRocksDbDataName(const std::string& name) {
  return name.ends_with(".sst") || name.starts_with("MANIFEST") ||
         name.starts_with("CURRENT") || name.starts_with("OPTIONS");
}

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

Status FsyncDirectory(const std::string& dir) {
  UniqueFd fd(open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid()) return Status::IOError("open " + dir, errno);
  if (fsync(fd.get()) != 0) return Status::IOError("fsync " + dir, errno);
  return Status::OK();
}

}  // namespace

bool IsRocksDbWalName(const std::string& name) {
  if (!name.ends_with(".log") || name.size() == 4) return false;
  return std::all_of(name.begin(), name.end() - 4, ::isdigit);
}

Status RunMoveBack(const Options& o) {
  if (o.datadir.empty() || o.rocksdb_datadir.empty() || o.rocksdb_waldir.empty() ||
      o.backup_dir.empty()) {
    return Status::InvalidArgument(
        "--move_back needs --datadir, --rocksdb_datadir, --rocksdb_waldir and --backup_dir");
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
      if (IsRocksDbWalName(name)) {
        moves.push_back({from, o.rocksdb_waldir, name});
      } else if (IsRocksDbDataName(name)) {
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
  std::map<std::string, size_t> counts;
  for (const Move& m : moves) {
    std::string to = m.to_dir + "/" + m.name;
    if (rename(m.from.c_str(), to.c_str()) != 0) {
      return Status::IOError("move " + m.from + " to " + to, errno);
    }
    ++counts[m.to_dir];
  }
  for (const auto& [dir, count] : counts) {
    HOTBACKUP_RETURN_IF_ERROR(FsyncDirectory(dir));
    HB_LOG_INFO("Moved %zu entries to %s", count, dir.c_str());
  }
  return Status::OK();
}

}  // namespace hotbackup
