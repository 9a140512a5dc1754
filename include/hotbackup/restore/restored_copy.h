// Copying a backup entry into a target in the restored shape
// (restored_attributes.h): what --copy_back does for every entry, what
// --move_back does for an entry on another filesystem, and what undoing
// such a move does to put it back.
#ifndef HOTBACKUP_RESTORE_RESTORED_COPY_H_
#define HOTBACKUP_RESTORE_RESTORED_COPY_H_

#include <cstdint>
#include <string>

#include "hotbackup/restore/restored_attributes.h"
#include "hotbackup/util/status.h"

namespace hotbackup {

// Copies the entry `name` of the directory `from_dir` (a regular file or a
// directory tree) to `name` in the directory `to_dir`, which must not have
// it yet. The copy is `owner`'s and private (0600, 0700) from its creation,
// gets its restored mode (RestoredFileMode, kRestoredDirectoryMode) once
// complete and synced, and keeps each file's mtime. Everything is opened
// below the two descriptors with O_NOFOLLOW: a symbolic link, FIFO, socket
// or device anywhere in the entry is kCorruption (RefuseEntry), and so is a
// tree deeper than 64 levels. `from` and `to` name the entry in messages.
// On error, what was made of the copy is left for the caller to remove.
// *bytes is increased by the bytes copied.
Status CopyRestoredEntryAt(int from_dir, int to_dir, const std::string& name,
                           const std::string& from, const std::string& to,
                           const RestoredOwner& owner, uint64_t* bytes);

}  // namespace hotbackup

#endif  // HOTBACKUP_RESTORE_RESTORED_COPY_H_
