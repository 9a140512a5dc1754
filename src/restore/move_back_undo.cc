// Reversing a move-back, last step first: a copied entry is removed (for a
// move across filesystems, after copying it back into the backup
// directory), a renamed one renamed back, the entry that was being written
// removed, and the directories the move-back made removed if empty. Every
// step works below the directory descriptors recorded when the move-back
// opened them, so a target renamed or replaced meanwhile is not followed.
#include "hotbackup/restore/move_back_undo.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>

#include "hotbackup/restore/restored_copy.h"
#include "hotbackup/util/log.h"

namespace hotbackup {
namespace {

namespace fs = std::filesystem;

Status Duplicate(int fd, const std::string& dir, UniqueFd* out) {
  *out = UniqueFd(fcntl(fd, F_DUPFD_CLOEXEC, 0));
  if (!out->valid()) return Status::IOError("duplicate the descriptor of " + dir, errno);
  return Status::OK();
}

}  // namespace

MoveBackUndo::MoveBackUndo(bool copy) : copy_(copy) {}

MoveBackUndo::~MoveBackUndo() { Undo(); }

Status MoveBackUndo::SetBackupDirectory(int fd, const std::string& dir) {
  backup_dir_ = dir;
  return Duplicate(fd, dir, &backup_fd_);
}

void MoveBackUndo::DirectoryCreated(const std::string& dir) { created_dirs_.push_back(dir); }

Status MoveBackUndo::SetTarget(int fd, const std::string& dir) {
  return Duplicate(fd, dir, &targets_[dir]);
}

void MoveBackUndo::EntryStarted(const std::string& to) { partial_ = to; }

void MoveBackUndo::EntryPlaced(const std::string& name, const std::string& to_dir, bool copied) {
  partial_.clear();
  placed_.push_back({name, to_dir, copied});
}

void MoveBackUndo::Undo() {
  if (committed_) return;
  committed_ = true;  // nothing is reversed twice
  std::error_code ec;
  if (!partial_.empty()) fs::remove_all(partial_, ec);
  for (auto it = placed_.rbegin(); it != placed_.rend(); ++it) {
    const std::string to = it->to_dir + "/" + it->name;
    const std::string from = backup_dir_ + "/" + it->name;
    const int to_fd = targets_[it->to_dir].get();
    if (copy_) {
      fs::remove_all(to, ec);
    } else if (!it->copied) {
      if (renameat(to_fd, it->name.c_str(), backup_fd_.get(), it->name.c_str()) != 0) {
        HB_LOG_ERROR("could not move %s back to %s", to.c_str(), from.c_str());
      }
    } else {
      uint64_t ignored = 0;
      if (CopyRestoredEntryAt(to_fd, backup_fd_.get(), it->name, to, from, RestoredOwner(),
                              &ignored)
              .ok()) {
        fs::remove_all(to, ec);
      } else {
        HB_LOG_ERROR("could not copy %s back to %s", to.c_str(), from.c_str());
      }
    }
  }
  for (auto it = created_dirs_.rbegin(); it != created_dirs_.rend(); ++it) fs::remove(*it, ec);
}

}  // namespace hotbackup
