// PinnedDirectory: a directory opened once, then named by its descriptor.
//
// A backup run as root works in --checkpoint_dir, which the server's user
// (`mysql`) can write: it could swap a directory we are about to write into
// for a symbolic link to /etc or /root/.ssh between two of our calls. A
// path that starts at a pinned directory's path() ("/proc/self/fd/N/...")
// resolves inside the directory that was opened, whatever its name in the
// parent has become since. Below it, a directory nobody else can write
// (MakePrivateDirectoryAt, TakeOverDirectoryAt) is then safe to name by
// ordinary paths: the rest of the code keeps using strings.
//
// Every function here refuses to follow a symbolic link in the names it is
// given (O_NOFOLLOW, AT_SYMLINK_NOFOLLOW).
#ifndef HOTBACKUP_IO_PINNED_DIRECTORY_H_
#define HOTBACKUP_IO_PINNED_DIRECTORY_H_

#include <sys/types.h>

#include <string>
#include <vector>

#include "hotbackup/io/unique_fd.h"
#include "hotbackup/util/status.h"

namespace hotbackup {

class PinnedDirectory {
 public:
  PinnedDirectory() = default;
  PinnedDirectory(PinnedDirectory&&) = default;
  PinnedDirectory& operator=(PinnedDirectory&&) = default;

  // Opens `path` (symbolic links in it followed: the caller names it) as
  // the directory to pin.
  static Status Open(const std::string& path, PinnedDirectory* dir);

  // Opens the entry `name` of `parent` (one component, not a symbolic link,
  // a directory).
  static Status OpenAt(const PinnedDirectory& parent, const std::string& name,
                       PinnedDirectory* dir);

  bool valid() const { return fd_.valid(); }
  int fd() const { return fd_.get(); }
  // "/proc/self/fd/N": the start of every path into this directory.
  std::string path() const;
  // The name it was opened by, for messages.
  const std::string& display_path() const { return display_path_; }
  uid_t owner() const { return owner_; }
  gid_t group() const { return group_; }

  // Closes the descriptor.
  void Reset();

 private:
  static Status Adopt(UniqueFd fd, const std::string& display, PinnedDirectory* dir);

  UniqueFd fd_;
  std::string display_path_;
  uid_t owner_ = 0;
  gid_t group_ = 0;
};

// The names in the open directory `fd` (without "." and ".."), sorted;
// `shown` names the directory in messages. `fd` itself is left as it was.
Status ListDirectoryAt(int fd, const std::string& shown, std::vector<std::string>* names);

// One entry of a listing, with its type as readdir(3) gives it: DT_REG,
// DT_DIR, DT_LNK, ..., or DT_UNKNOWN where the filesystem does not say (then
// only fstatat tells). The type of an entry cannot change without the entry
// being replaced, which takes write permission on the directory.
struct DirectoryEntry {
  std::string name;
  unsigned char type = 0;  // DT_UNKNOWN
};

// ListDirectoryAt with each entry's type, sorted by name.
Status ListDirectoryEntriesAt(int fd, const std::string& shown,
                              std::vector<DirectoryEntry>* entries);

// Makes `name` in `parent` (which must not exist) as a directory only we
// can enter (0700, our owner), and pins it.
Status MakePrivateDirectoryAt(const PinnedDirectory& parent, const std::string& name,
                              PinnedDirectory* dir);

// Pins the directory `name` of `parent` that another user made (the
// server's checkpoint) and makes it ours: owned by us when we are root,
// mode 0700, so that nobody else can change its entries from now on. Its
// entries must all be regular files (a checkpoint is flat): a symbolic
// link or anything else placed there is refused, naming it. The types are
// the listing's (no stat per entry; a checkpoint may hold thousands of
// SSTs), stat'ed only where the filesystem does not give them.
Status TakeOverDirectoryAt(const PinnedDirectory& parent, const std::string& name,
                           PinnedDirectory* dir);

// Removes everything in the pinned `dir`, recursively, without following
// symbolic links (a link is removed, not what it names).
Status EmptyDirectory(const PinnedDirectory& dir);

// Removes the entry `name` of `parent` and, for a directory, everything in
// it; never follows a symbolic link. OK if there is no such entry.
Status RemoveTreeAt(const PinnedDirectory& parent, const std::string& name);

// Removes `dir`, pinned as `name` in `parent`: its entries through its
// descriptor, then the name, if the name still is that directory (another
// user may have renamed it meanwhile: then its contents are gone, and the
// empty directory stays under whatever name it has).
Status RemovePinnedDirectory(const PinnedDirectory& parent, const std::string& name,
                             PinnedDirectory* dir);

}  // namespace hotbackup

#endif  // HOTBACKUP_IO_PINNED_DIRECTORY_H_
