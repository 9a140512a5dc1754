// MoveBackUndo: what a move-back has done so far, and the way back. A
// half-restored datadir must never be started by mistake, so a move-back
// that fails puts the targets back to what they were (absent or empty) and
// the backup directory to what it was.
#ifndef HOTBACKUP_RESTORE_MOVE_BACK_UNDO_H_
#define HOTBACKUP_RESTORE_MOVE_BACK_UNDO_H_

#include <map>
#include <string>
#include <vector>

#include "hotbackup/io/unique_fd.h"
#include "hotbackup/util/status.h"

namespace hotbackup {

// Records the steps of a move-back as they are done and reverses them, last
// first, in Undo() or on destruction unless Commit() came first. The
// descriptors it is given are duplicated: the caller's may be closed at
// any time. Reversing is best effort: a step that cannot be reversed is
// logged as one ERROR line and the rest are still reversed. Not thread-safe.
class MoveBackUndo {
 public:
  // `copy`: the entries were copied (--copy_back), so undoing one removes
  // the copy; otherwise it goes back into the backup directory.
  explicit MoveBackUndo(bool copy);
  ~MoveBackUndo();
  MoveBackUndo(const MoveBackUndo&) = delete;
  MoveBackUndo& operator=(const MoveBackUndo&) = delete;

  // The backup directory, `dir` open as `fd`; before any EntryPlaced.
  Status SetBackupDirectory(int fd, const std::string& dir);
  // A directory made by the move-back (each level separately, parents
  // first): removed, children first, if it is empty once the entries are
  // back.
  void DirectoryCreated(const std::string& dir);
  // The target `dir`, open as `fd`; before any entry placed in it.
  Status SetTarget(int fd, const std::string& dir);
  // The entry about to be written at `to`: removed with everything below
  // it if the move-back fails before EntryPlaced.
  void EntryStarted(const std::string& to);
  // The entry `name` is in the target `to_dir` now, renamed there (`copied`
  // false) or copied (true; for a move, its source already removed).
  void EntryPlaced(const std::string& name, const std::string& to_dir, bool copied);

  // Everything recorded stays as it is: the move-back succeeded.
  void Commit() { committed_ = true; }
  // Reverses what was recorded, unless committed; then nothing is left to
  // reverse (a second call does nothing).
  void Undo();

 private:
  struct Placed {
    std::string name;
    std::string to_dir;
    bool copied;
  };

  const bool copy_;
  bool committed_ = false;
  UniqueFd backup_fd_;
  std::string backup_dir_;
  std::map<std::string, UniqueFd> targets_;
  std::vector<std::string> created_dirs_;  // in creation order
  std::vector<Placed> placed_;             // in order
  std::string partial_;                    // the entry being written
};

}  // namespace hotbackup

#endif  // HOTBACKUP_RESTORE_MOVE_BACK_UNDO_H_
