// The restored-file policy (modes masked, owner given) and its walk over a
// tree through descriptors. The walk opens each entry with O_NOFOLLOW and
// decides on fstat of the descriptor it holds, not on a name looked up
// earlier, so an entry swapped for a link or a FIFO is refused, never
// followed or waited on.
#include "hotbackup/restore/restored_attributes.h"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstring>
#include <vector>

#include "hotbackup/io/pinned_directory.h"
#include "hotbackup/io/unique_fd.h"

namespace hotbackup {
namespace {

constexpr int kMaxDepth = 64;

const char* TypeName(mode_t mode) {
  if (S_ISLNK(mode)) return "the symbolic link";
  if (S_ISFIFO(mode)) return "the FIFO";
  if (S_ISSOCK(mode)) return "the socket";
  if (S_ISCHR(mode) || S_ISBLK(mode)) return "the device";
  return "the special file";
}

Status SecureOpen(int fd, const std::string& shown, const RestoredOwner& owner, int depth);

Status SecureEntry(int dir_fd, const std::string& name, const RestoredOwner& owner,
                   const std::string& shown, int depth) {
  // A look before the open, so that no device is ever opened; the fstat of
  // the descriptor after it decides.
  struct stat st;
  if (fstatat(dir_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    return Status::IOError("stat " + shown, errno);
  }
  if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) return RefuseEntry(st.st_mode, shown);
  UniqueFd fd(
      openat(dir_fd, name.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC));
  if (!fd.valid()) {
    if (errno == ELOOP) return RefuseEntry(S_IFLNK, shown);  // swapped for a link since
    return Status::IOError("open " + shown, errno);
  }
  return SecureOpen(fd.get(), shown, owner, depth);
}

Status SecureOpen(int fd, const std::string& shown, const RestoredOwner& owner, int depth) {
  struct stat st;
  if (fstat(fd, &st) != 0) return Status::IOError("stat " + shown, errno);
  if (S_ISREG(st.st_mode)) {
    return ApplyRestoredAttributes(fd, RestoredFileMode(st.st_mode), owner, shown);
  }
  if (!S_ISDIR(st.st_mode)) return RefuseEntry(st.st_mode, shown);
  if (depth >= kMaxDepth) return Status::Corruption(shown + ": directories nested too deep");
  std::vector<std::string> names;
  HOTBACKUP_RETURN_IF_ERROR(ListDirectoryAt(fd, shown, &names));
  for (const std::string& name : names) {
    HOTBACKUP_RETURN_IF_ERROR(SecureEntry(fd, name, owner, shown + "/" + name, depth + 1));
  }
  return ApplyRestoredAttributes(fd, kRestoredDirectoryMode, owner, shown);
}

}  // namespace

Status RefuseEntry(mode_t mode, const std::string& shown) {
  return Status::Corruption(std::string("refusing ") + TypeName(mode) + " " + shown +
                            ": a backup holds only regular files and directories");
}

RestoredOwner ChooseRestoredOwner(bool running_as_root, const struct stat* target,
                                  const struct stat* datadir) {
  RestoredOwner owner;
  if (!running_as_root) return owner;
  const struct stat* from = target != nullptr ? target : datadir;
  if (from == nullptr || from->st_uid == 0) return owner;
  owner.change = true;
  owner.uid = from->st_uid;
  owner.gid = from->st_gid;
  return owner;
}

Status ApplyRestoredAttributes(int fd, mode_t mode, const RestoredOwner& owner,
                               const std::string& shown) {
  if (owner.change && fchown(fd, owner.uid, owner.gid) != 0) {
    return Status::IOError("chown " + shown, errno);
  }
  if (fchmod(fd, mode) != 0) return Status::IOError("chmod " + shown, errno);
  return Status::OK();
}

Status SecureTreeAt(int dir_fd, const std::string& name, const RestoredOwner& owner,
                    const std::string& shown) {
  return SecureEntry(dir_fd, name, owner, shown, 0);
}

}  // namespace hotbackup
