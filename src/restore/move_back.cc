// Move-back: plan every move (move_back_plan.cc), check the backup against
// its manifest, then rename each backup entry into place, recording each
// step in a MoveBackUndo, and fsync the directories that received files.
//
// A backup directory is input like an archive (GNU tar or WDT may have made
// it), so nothing of it is placed as it is: an entry is put in the restored
// shape (restored_attributes.h: modes masked, the target's owner when run as
// root) before it is renamed into the target, and a copy is made so from its
// first byte (restored_copy.h). Both work below directory descriptors with
// O_NOFOLLOW, so a link in the backup or one swapped into the target is
// refused, never followed.
#include "hotbackup/restore/move_back.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <filesystem>

#include "hotbackup/io/file_io.h"
#include "hotbackup/io/unique_fd.h"
#include "hotbackup/restore/extract_target.h"
#include "hotbackup/restore/restored_copy.h"
#include "hotbackup/restore/verify_directory.h"
#include "hotbackup/server/binlog_position.h"
#include "hotbackup/util/log.h"

namespace hotbackup {
namespace {

namespace fs = std::filesystem;

uint64_t TreeBytes(const std::string& path) {
  std::error_code ec;
  if (fs::is_regular_file(fs::symlink_status(path, ec))) return fs::file_size(path, ec);
  uint64_t total = 0;
  for (const auto& e : fs::recursive_directory_iterator(path, ec)) {
    if (e.is_regular_file(ec)) total += e.file_size(ec);
  }
  return total;
}

// The statements that make the restored server a replica, from the backup's
// recorded position, on stderr as they are to be pasted.
void PrintReplicaSetup(const std::optional<BinlogPosition>& position) {
  if (!position) return;
  if (!position->consistent) {
    HB_LOG_WARN(
        "This backup was taken with --no_backup_locks: it has no consistent binlog "
        "position and cannot seed a replica");
    return;
  }
  const std::string statements = ReplicaSetupStatements(*position);
  if (statements.empty()) return;
  HB_LOG_INFO(
      "To make the restored server a replica, start it with --skip-slave-start and a "
      "server_id of its own, then run (README: Seeding a replica):");
  fputs(statements.c_str(), stderr);
}

const char* ModeName(const MoveBackRequest& request) {
  return request.copy ? "--copy_back" : "--move_back";
}

// Creates the target `t` with its missing parents, recording each level
// made in `undo`, and opens it into *fd.
Status CreateTarget(const MoveBackTarget& t, MoveBackUndo* undo, UniqueFd* fd) {
  std::error_code ec;
  // Remember each level made, so that a failure leaves no empty shell.
  std::vector<std::string> missing;
  for (fs::path p = fs::path(t.dir); !p.empty() && !fs::exists(p, ec); p = p.parent_path()) {
    missing.push_back(p.string());
    if (p == p.parent_path()) break;
  }
  fs::create_directories(t.dir, ec);
  if (ec) return Status::IOError("create " + t.dir, ec.value());
  for (auto it = missing.rbegin(); it != missing.rend(); ++it) undo->DirectoryCreated(*it);
  *fd = UniqueFd(open(t.dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd->valid()) return Status::IOError("open " + t.dir, errno);
  HOTBACKUP_RETURN_IF_ERROR(undo->SetTarget(fd->get(), t.dir));
  // A directory made here is the server's like what goes into it.
  if (!t.existed) {
    HOTBACKUP_RETURN_IF_ERROR(
        ApplyRestoredAttributes(fd->get(), kRestoredDirectoryMode, t.owner, t.dir));
  }
  return Status::OK();
}

}  // namespace

Status ApplyMoveBack(const MoveBackPlan& plan, MoveBackUndo* undo, MoveBackResult* result) {
  const MoveBackRequest& r = plan.request;
  UniqueFd backup(open(r.backup_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!backup.valid()) return Status::IOError("open --backup_dir " + r.backup_dir, errno);
  HOTBACKUP_RETURN_IF_ERROR(undo->SetBackupDirectory(backup.get(), r.backup_dir));

  std::map<std::string, UniqueFd> target_fds;
  std::map<std::string, const MoveBackTarget*> targets;
  for (const MoveBackTarget& t : plan.targets) {
    HOTBACKUP_RETURN_IF_ERROR(CreateTarget(t, undo, &target_fds[t.dir]));
    targets[t.dir] = &t;
  }
  const std::string stopped = r.copy ? "--copy_back stopped, and removed what it had copied"
                                     : "--move_back stopped, and moved back what it had moved";
  for (const MoveBackEntry& m : plan.entries) {
    const std::string to = m.to_dir + "/" + m.name;
    const int to_fd = target_fds[m.to_dir].get();
    const RestoredOwner& owner = targets.at(m.to_dir)->owner;
    MoveBackTally& t = result->tally[m.to_dir];
    t.entries += 1;
    if (r.copy) {
      undo->EntryStarted(to);
      HOTBACKUP_RETURN_IF_ERROR(
          CopyRestoredEntryAt(backup.get(), to_fd, m.name, m.from, to, owner, &t.bytes)
              .WithContext(stopped));
      undo->EntryPlaced(m.name, m.to_dir, true);
      continue;
    }
    // The entry takes its restored shape where it is, before the target
    // (which the server's user may read) can see it.
    HOTBACKUP_RETURN_IF_ERROR(
        SecureTreeAt(backup.get(), m.name, owner, m.from).WithContext(stopped));
    t.bytes += TreeBytes(m.from);
    if (renameat(backup.get(), m.name.c_str(), to_fd, m.name.c_str()) == 0) {
      undo->EntryPlaced(m.name, m.to_dir, false);
      continue;
    }
    if (errno != EXDEV) {
      return Status::IOError("move " + m.from + " to " + to, errno).WithContext(stopped);
    }
    // Another filesystem: copy, make the copy durable, only then remove.
    uint64_t ignored = 0;
    undo->EntryStarted(to);
    HOTBACKUP_RETURN_IF_ERROR(
        CopyRestoredEntryAt(backup.get(), to_fd, m.name, m.from, to, owner, &ignored)
            .WithContext(stopped));
    std::error_code ec;
    fs::remove_all(m.from, ec);
    if (ec) {
      return Status::IOError("remove " + m.from + " after copying it", ec.value())
          .WithContext(stopped);
    }
    undo->EntryPlaced(m.name, m.to_dir, true);
    ++result->copied_across;
  }
  for (const auto& [dir, tally] : result->tally) {
    HOTBACKUP_RETURN_IF_ERROR(SyncDirectory(target_fds[dir].get(), dir));
  }
  return Status::OK();
}

Status CheckBackupManifest(const MoveBackRequest& request, Manifest* manifest,
                           bool* have_manifest) {
  *have_manifest = false;
  ExtractStats stats;
  Status checked = VerifyDirectory(request.backup_dir, manifest, &stats);
  if (checked.ok()) {
    *have_manifest = true;
    return Status::OK();
  }
  if (checked.code() == Status::Code::kAborted) return checked;
  if (!request.force) {
    return Status::Corruption(std::string(ModeName(request)) + ": " + checked.message() +
                              " (refused: nothing was moved; -f moves it back unchecked)");
  }
  HB_LOG_WARN("%s -f: %s; moving it back unchecked", ModeName(request), checked.message().c_str());
  // The manifest may still be readable for its binlog position.
  UniqueFd backup(open(request.backup_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  std::string json;
  Manifest parsed;
  if (backup.valid() &&
      ReadSmallFileAt(backup.get(), kManifestPath, request.backup_dir + "/" + kManifestPath, &json,
                      kMaxManifestSize)
          .ok() &&
      ParseManifest(json, &parsed).ok()) {
    *manifest = std::move(parsed);
    *have_manifest = true;
  }
  return Status::OK();
}

Status MoveBack(const MoveBackRequest& request) {
  const MoveBackRequest& r = request;
  MoveBackPlan plan;
  HOTBACKUP_RETURN_IF_ERROR(PlanMoveBack(r, &plan));
  Manifest manifest;
  bool have_manifest = false;
  HOTBACKUP_RETURN_IF_ERROR(CheckBackupManifest(r, &manifest, &have_manifest));
  if (have_manifest) LogLeftOutTables(manifest);

  if (!plan.root_owned.empty()) {
    std::string dirs;
    for (const std::string& d : plan.root_owned) dirs += (dirs.empty() ? "" : " ") + d;
    HB_LOG_WARN(
        "Running as root: the restored files in %s stay owned by root (their "
        "directory, or else --datadir %s, is %s), but the server's user must own them "
        "before it starts: e.g. chown -R mysql:mysql %s",
        dirs.c_str(), r.datadir.c_str(), plan.datadir_exists ? "root's" : "absent or root's",
        dirs.c_str());
  }

  // On any failure the targets go back to what they were (absent or empty)
  // and the backup directory to what it was: a half-restored datadir must
  // never be started by mistake.
  MoveBackUndo undo(r.copy);
  MoveBackResult result;
  HOTBACKUP_RETURN_IF_ERROR(ApplyMoveBack(plan, &undo, &result));
  undo.Commit();

  const char* verb = r.copy ? "Copied" : "Moved";
  auto line = [&](const std::string& dir, const char* what) {
    const MoveBackTally& t = result.tally[dir];
    HB_LOG_INFO("%s %zu %s (%.2f MB) to %s", verb, t.entries, what,
                static_cast<double>(t.bytes) / (1024.0 * 1024.0), dir.c_str());
  };
  HB_LOG_INFO("Move-back summary:");
  if (r.rocksdb_waldir == r.rocksdb_datadir) {
    line(r.rocksdb_datadir, "RocksDB files (SST, WAL, MANIFEST, CURRENT, OPTIONS)");
  } else {
    line(r.rocksdb_datadir, "RocksDB files (SST, MANIFEST, CURRENT, OPTIONS)");
    line(r.rocksdb_waldir, "RocksDB WAL files");
  }
  if (r.datadir != r.rocksdb_datadir && r.datadir != r.rocksdb_waldir) {
    line(r.datadir, "server files and database directories");
  }
  if (result.copied_across > 0) {
    HB_LOG_INFO("%zu entries were on another filesystem: copied, synced, then removed",
                result.copied_across);
  }
  PrintReplicaSetup(have_manifest ? manifest.binlog : std::nullopt);
  return Status::OK();
}

}  // namespace hotbackup
