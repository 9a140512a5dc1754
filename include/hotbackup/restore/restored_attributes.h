// What a restored file or directory may be, whatever the archive, the
// incremental base or the backup directory said about it: modes from an
// archive are never trusted (anyone who can write to a bucket or a backup
// host can write a tar header, and age encryption does not authenticate the
// sender).
//
// Regular files keep the given mode masked with 0750: never setuid, setgid
// or sticky, never writable by the group, nothing for others. Directories
// are 0750. When running as root, --move_back / --copy_back give what they
// place to the owner of the directory it lands in (the server runs as its
// own user and must own its files; see ChooseRestoredOwner).
//
// Everything here works on descriptors or below one, never following a
// symbolic link.
#ifndef HOTBACKUP_RESTORE_RESTORED_ATTRIBUTES_H_
#define HOTBACKUP_RESTORE_RESTORED_ATTRIBUTES_H_

#include <sys/stat.h>
#include <sys/types.h>

#include <string>

#include "hotbackup/util/status.h"

namespace hotbackup {

inline constexpr mode_t kRestoredFileModeMask = 0750;
inline constexpr mode_t kRestoredDirectoryMode = 0750;

// The mode a restored regular file gets for the permission bits `given`.
constexpr mode_t RestoredFileMode(mode_t given) { return given & kRestoredFileModeMask; }
// Whether a file's mode already is one RestoredFileMode gives (so that it
// may be hard-linked as it is).
constexpr bool IsRestoredFileMode(mode_t mode) {
  return (mode & 07777 & ~kRestoredFileModeMask) == 0;
}

// Who restored files belong to. `change` false: whoever creates them (we do
// not run as root, or there is no owner to give them to).
struct RestoredOwner {
  bool change = false;
  uid_t uid = 0;
  gid_t gid = 0;
};

// The owner for files placed into a target directory: that directory's
// owner (`target`, null when it does not exist yet), else the datadir's
// (`datadir`, null when absent). Nothing to change unless `running_as_root`
// and that owner is not root.
RestoredOwner ChooseRestoredOwner(bool running_as_root, const struct stat* target,
                                  const struct stat* datadir);

// Gives the open file or directory `fd` its owner (when owner.change), then
// `mode` (after the chown, which may clear setuid bits and must not be
// allowed to set them again). `shown` names it in errors.
Status ApplyRestoredAttributes(int fd, mode_t mode, const RestoredOwner& owner,
                               const std::string& shown);

// kCorruption for an entry of type `mode` (a link, a FIFO, a socket, a
// device) found where a backup holds only regular files and directories:
// "refusing the FIFO <shown>: ...".
Status RefuseEntry(mode_t mode, const std::string& shown);

// Puts the entry `name` of the directory `dir_fd` (a regular file or a
// directory tree) in the restored shape in place: every regular file its
// RestoredFileMode, every directory kRestoredDirectoryMode, all of it
// `owner`'s. A symbolic link, FIFO, socket or device anywhere in it is
// kCorruption (a backup holds none), and so is a directory deeper than 64
// levels. Files are opened with O_NOFOLLOW | O_NONBLOCK and checked with
// fstat, so nothing can make it follow a link or block. `shown` is the
// entry's path for messages.
Status SecureTreeAt(int dir_fd, const std::string& name, const RestoredOwner& owner,
                    const std::string& shown);

}  // namespace hotbackup

#endif  // HOTBACKUP_RESTORE_RESTORED_ATTRIBUTES_H_
