// Planning a move-back: which target each top-level entry of the backup
// directory goes to (by its name, as RocksDB names its files), the check
// that every target is absent or empty, and who the restored files will
// belong to. Nothing is created, moved or changed here, so a refusal at
// this point leaves everything as it was.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>

#include "hotbackup/restore/move_back.h"
#include "hotbackup/server/rocksdb_files.h"

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
  if (!fs::is_directory(st)) {
    return Status::InvalidArgument(std::string(option) + " " + dir + " is not a directory");
  }
  fs::directory_iterator it(dir, ec);
  if (ec) return Status::IOError("list " + dir, ec.value());
  if (it != fs::directory_iterator()) {
    return Status::InvalidArgument(std::string(option) + " " + dir + " is not empty (it has " +
                                   it->path().filename().string() +
                                   "); move-back only fills empty directories");
  }
  return Status::OK();
}

}  // namespace

Status PlanMoveBack(const MoveBackRequest& request, MoveBackPlan* plan) {
  const MoveBackRequest& r = request;
  *plan = MoveBackPlan();
  plan->request = r;
  HOTBACKUP_RETURN_IF_ERROR(CheckAbsentOrEmpty(r.datadir, "--datadir"));
  HOTBACKUP_RETURN_IF_ERROR(CheckAbsentOrEmpty(r.rocksdb_datadir, "--rocksdb_datadir"));
  HOTBACKUP_RETURN_IF_ERROR(CheckAbsentOrEmpty(r.rocksdb_waldir, "--rocksdb_waldir"));

  std::error_code ec;
  std::vector<std::string> names;
  for (const fs::directory_entry& e : fs::directory_iterator(r.backup_dir, ec)) {
    names.push_back(e.path().filename().string());
  }
  if (ec) return Status::IOError("list " + r.backup_dir, ec.value());
  std::sort(names.begin(), names.end());
  for (const std::string& name : names) {
    std::string from = r.backup_dir + "/" + name;
    struct stat st;
    if (lstat(from.c_str(), &st) != 0) return Status::IOError("stat " + from, errno);
    // WDT's transfer log (.wdt.log) and state: the receiver's, not the backup's.
    if (name.starts_with(".wdt")) continue;
    if (S_ISREG(st.st_mode)) {
      if (IsWalFileName(name)) {
        plan->entries.push_back({name, from, r.rocksdb_waldir});
      } else if (IsSstFileName(name) || IsMetadataFileName(name)) {
        plan->entries.push_back({name, from, r.rocksdb_datadir});
      } else {
        plan->entries.push_back({name, from, r.datadir});
      }
    } else if (S_ISDIR(st.st_mode)) {
      if (name.ends_with(".rocksdb")) continue;  // as the original
      plan->entries.push_back({name, from, r.datadir});
    }
  }

  // Who the restored files belong to, decided before any directory is made:
  // each target's owner, else the datadir's (root only; see
  // restored_attributes.h).
  const bool root = geteuid() == 0;
  struct stat datadir_st;
  plan->datadir_exists = stat(r.datadir.c_str(), &datadir_st) == 0;
  const std::vector<std::string> in_option_order = {r.datadir, r.rocksdb_datadir, r.rocksdb_waldir};
  for (const std::string& dir : in_option_order) {
    if (std::any_of(plan->targets.begin(), plan->targets.end(),
                    [&](const MoveBackTarget& t) { return t.dir == dir; })) {
      continue;
    }
    MoveBackTarget t;
    t.dir = dir;
    struct stat st;
    t.existed = stat(dir.c_str(), &st) == 0;
    t.owner = ChooseRestoredOwner(root, t.existed ? &st : nullptr,
                                  plan->datadir_exists ? &datadir_st : nullptr);
    if (root && !t.owner.change) plan->root_owned.push_back(dir);
    plan->targets.push_back(std::move(t));
  }
  // Created in path order: a parent sorts before what is below it.
  std::sort(plan->targets.begin(), plan->targets.end(),
            [](const MoveBackTarget& a, const MoveBackTarget& b) { return a.dir < b.dir; });
  return Status::OK();
}

}  // namespace hotbackup
