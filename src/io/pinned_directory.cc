// Directories opened once and named by descriptor, for the places another
// user can write: see pinned_directory.h for why.
#include "hotbackup/io/pinned_directory.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <iterator>
#include <memory>
#include <utility>
#include <vector>

namespace hotbackup {
namespace {

struct DirCloser {
  void operator()(DIR* d) const { closedir(d); }
};

bool IsOneComponent(const std::string& name) {
  return !name.empty() && name != "." && name != ".." && name.find('/') == std::string::npos;
}

Status EmptyAt(int fd, const std::string& display) {
  std::vector<std::string> names;
  HOTBACKUP_RETURN_IF_ERROR(ListDirectoryAt(fd, display, &names));
  for (const std::string& name : names) {
    if (unlinkat(fd, name.c_str(), 0) == 0 || errno == ENOENT) continue;
    if (errno != EISDIR && errno != EPERM) return Status::IOError("remove " + display + "/" + name, errno);
    UniqueFd child(openat(fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!child.valid()) return Status::IOError("open " + display + "/" + name, errno);
    HOTBACKUP_RETURN_IF_ERROR(EmptyAt(child.get(), display + "/" + name));
    if (unlinkat(fd, name.c_str(), AT_REMOVEDIR) != 0 && errno != ENOENT) {
      return Status::IOError("remove " + display + "/" + name, errno);
    }
  }
  return Status::OK();
}

}  // namespace

Status PinnedDirectory::Open(const std::string& path, PinnedDirectory* dir) {
  UniqueFd fd(open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid()) return Status::IOError("open directory " + path, errno);
  return Adopt(std::move(fd), path, dir);
}

Status PinnedDirectory::OpenAt(const PinnedDirectory& parent, const std::string& name,
                               PinnedDirectory* dir) {
  const std::string display = parent.display_path() + "/" + name;
  if (!IsOneComponent(name)) return Status::InvalidArgument(display + ": not a plain name");
  UniqueFd fd(openat(parent.fd(), name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd.valid()) {
    if (errno == ELOOP) return Status::InvalidArgument(display + " is a symbolic link; refused");
    return Status::IOError("open directory " + display, errno);
  }
  return Adopt(std::move(fd), display, dir);
}

Status PinnedDirectory::Adopt(UniqueFd fd, const std::string& display, PinnedDirectory* dir) {
  struct stat st;
  if (fstat(fd.get(), &st) != 0) return Status::IOError("stat " + display, errno);
  // Only through /proc does a path start at a descriptor; without it the
  // pinned paths would name nothing.
  std::string check = "/proc/self/fd/" + std::to_string(fd.get());
  struct stat via_proc;
  if (stat(check.c_str(), &via_proc) != 0 || via_proc.st_ino != st.st_ino ||
      via_proc.st_dev != st.st_dev) {
    return Status::NotSupported("/proc is not mounted: cannot work in " + display + " safely");
  }
  *dir = PinnedDirectory();
  dir->fd_ = std::move(fd);
  dir->display_path_ = display;
  dir->owner_ = st.st_uid;
  dir->group_ = st.st_gid;
  return Status::OK();
}

Status ListDirectoryAt(int fd, const std::string& shown, std::vector<std::string>* names) {
  std::vector<DirectoryEntry> entries;
  HOTBACKUP_RETURN_IF_ERROR(ListDirectoryEntriesAt(fd, shown, &entries));
  names->reserve(names->size() + entries.size());
  for (DirectoryEntry& e : entries) names->push_back(std::move(e.name));
  return Status::OK();
}

Status ListDirectoryEntriesAt(int fd, const std::string& shown,
                              std::vector<DirectoryEntry>* entries) {
  // fdopendir takes the descriptor it is given: list through a duplicate.
  int own = fcntl(fd, F_DUPFD_CLOEXEC, 0);
  if (own < 0) return Status::IOError("list " + shown, errno);
  std::unique_ptr<DIR, DirCloser> dir(fdopendir(own));
  if (!dir) {
    int err = errno;
    close(own);
    return Status::IOError("list " + shown, err);
  }
  rewinddir(dir.get());  // the duplicate shares its position with `fd`
  errno = 0;
  std::vector<DirectoryEntry> found;
  while (dirent* e = readdir(dir.get())) {
    if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0) {
      found.push_back({e->d_name, e->d_type});
    }
    errno = 0;
  }
  if (errno != 0) return Status::IOError("list " + shown, errno);
  std::sort(found.begin(), found.end(),
            [](const DirectoryEntry& a, const DirectoryEntry& b) { return a.name < b.name; });
  entries->insert(entries->end(), std::make_move_iterator(found.begin()),
                  std::make_move_iterator(found.end()));
  return Status::OK();
}

std::string PinnedDirectory::path() const { return "/proc/self/fd/" + std::to_string(fd_.get()); }

void PinnedDirectory::Reset() {
  fd_ = UniqueFd();
  display_path_.clear();
}

Status MakePrivateDirectoryAt(const PinnedDirectory& parent, const std::string& name,
                              PinnedDirectory* dir) {
  const std::string display = parent.display_path() + "/" + name;
  if (!IsOneComponent(name)) return Status::InvalidArgument(display + ": not a plain name");
  if (mkdirat(parent.fd(), name.c_str(), 0700) != 0) {
    if (errno == EEXIST) return Status::InvalidArgument(display + " already exists");
    return Status::IOError("create " + display, errno);
  }
  HOTBACKUP_RETURN_IF_ERROR(PinnedDirectory::OpenAt(parent, name, dir));
  // Another user may have replaced it between mkdirat and openat.
  struct stat st;
  if (fstat(dir->fd(), &st) != 0) return Status::IOError("stat " + display, errno);
  if (st.st_uid != geteuid() || (st.st_mode & 077) != 0) {
    dir->Reset();
    return Status::InvalidArgument(display + " was replaced by another user's directory; refused");
  }
  return Status::OK();
}

Status TakeOverDirectoryAt(const PinnedDirectory& parent, const std::string& name,
                           PinnedDirectory* dir) {
  HOTBACKUP_RETURN_IF_ERROR(PinnedDirectory::OpenAt(parent, name, dir));
  const std::string& display = dir->display_path();
  if (geteuid() == 0 && fchown(dir->fd(), 0, 0) != 0) return Status::IOError("chown " + display, errno);
  if (fchmod(dir->fd(), 0700) != 0) return Status::IOError("chmod " + display, errno);
  // From here on only we can add, remove or replace entries; check the ones
  // made before. The listing's types are as good as a stat (an entry's type
  // changes only with the entry, which only we can replace now) and save a
  // call per SST; stat only where the filesystem gives no type.
  std::vector<DirectoryEntry> entries;
  HOTBACKUP_RETURN_IF_ERROR(ListDirectoryEntriesAt(dir->fd(), display, &entries));
  for (const DirectoryEntry& entry : entries) {
    bool regular = entry.type == DT_REG;
    if (entry.type == DT_UNKNOWN) {
      struct stat st;
      if (fstatat(dir->fd(), entry.name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
        return Status::IOError("stat " + display + "/" + entry.name, errno);
      }
      regular = S_ISREG(st.st_mode);
    }
    if (!regular) {
      return Status::InvalidArgument(display + "/" + entry.name +
                                     " is not a regular file, and a checkpoint holds only "
                                     "those: refused (placed there by another user?)");
    }
  }
  return Status::OK();
}

Status EmptyDirectory(const PinnedDirectory& dir) { return EmptyAt(dir.fd(), dir.display_path()); }

Status RemoveTreeAt(const PinnedDirectory& parent, const std::string& name) {
  const std::string display = parent.display_path() + "/" + name;
  if (!IsOneComponent(name)) return Status::InvalidArgument(display + ": not a plain name");
  if (unlinkat(parent.fd(), name.c_str(), 0) == 0 || errno == ENOENT) return Status::OK();
  if (errno != EISDIR && errno != EPERM) return Status::IOError("remove " + display, errno);
  UniqueFd fd(openat(parent.fd(), name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd.valid()) {
    if (errno == ENOENT) return Status::OK();
    return Status::IOError("open " + display, errno);
  }
  HOTBACKUP_RETURN_IF_ERROR(EmptyAt(fd.get(), display));
  if (unlinkat(parent.fd(), name.c_str(), AT_REMOVEDIR) != 0 && errno != ENOENT) {
    return Status::IOError("remove " + display, errno);
  }
  return Status::OK();
}

Status RemovePinnedDirectory(const PinnedDirectory& parent, const std::string& name,
                             PinnedDirectory* dir) {
  if (!dir->valid()) return Status::OK();
  HOTBACKUP_RETURN_IF_ERROR(EmptyDirectory(*dir));
  struct stat pinned, named;
  if (fstat(dir->fd(), &pinned) != 0) return Status::IOError("stat " + dir->display_path(), errno);
  if (fstatat(parent.fd(), name.c_str(), &named, AT_SYMLINK_NOFOLLOW) == 0 &&
      named.st_ino == pinned.st_ino && named.st_dev == pinned.st_dev &&
      unlinkat(parent.fd(), name.c_str(), AT_REMOVEDIR) != 0 && errno != ENOENT) {
    return Status::IOError("remove " + dir->display_path(), errno);
  }
  dir->Reset();
  return Status::OK();
}

}  // namespace hotbackup
