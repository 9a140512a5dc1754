// A copy made in the restored shape from its first byte: the file is
// created 0600 and given to its owner before any byte is written, so no
// other user can open it while it is being filled, and it gets its final
// mode only once it is complete and synced. Bytes move with
// copy_file_range(2) where the filesystems allow, else through a buffer.
#include "hotbackup/restore/restored_copy.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <vector>

#include "hotbackup/io/file_copy.h"
#include "hotbackup/io/file_io.h"
#include "hotbackup/io/pinned_directory.h"
#include "hotbackup/io/unique_fd.h"

namespace hotbackup {
namespace {

constexpr int kOpenFileFlags = O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC;
constexpr int kOpenDirectoryFlags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
constexpr int kMaxDepth = 64;

Status CopyEntryAt(int from_dir, int to_dir, const std::string& name, const std::string& from,
                   const std::string& to, const RestoredOwner& owner, uint64_t* bytes, int depth) {
  struct stat st;
  if (fstatat(from_dir, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    return Status::IOError("stat " + from, errno);
  }
  if (S_ISDIR(st.st_mode)) {
    if (depth >= kMaxDepth) return Status::Corruption(from + ": directories nested too deep");
    UniqueFd in(openat(from_dir, name.c_str(), kOpenDirectoryFlags));
    if (!in.valid()) {
      return errno == ELOOP ? RefuseEntry(S_IFLNK, from) : Status::IOError("open " + from, errno);
    }
    if (mkdirat(to_dir, name.c_str(), 0700) != 0) {
      return Status::IOError("create directory " + to, errno);
    }
    UniqueFd out(openat(to_dir, name.c_str(), kOpenDirectoryFlags));
    if (!out.valid()) return Status::IOError("open " + to, errno);
    std::vector<std::string> names;
    HOTBACKUP_RETURN_IF_ERROR(ListDirectoryAt(in.get(), from, &names));
    for (const std::string& n : names) {
      HOTBACKUP_RETURN_IF_ERROR(CopyEntryAt(in.get(), out.get(), n, from + "/" + n, to + "/" + n,
                                            owner, bytes, depth + 1));
    }
    HOTBACKUP_RETURN_IF_ERROR(SyncDirectory(out.get(), to));
    return ApplyRestoredAttributes(out.get(), kRestoredDirectoryMode, owner, to);
  }
  if (!S_ISREG(st.st_mode)) return RefuseEntry(st.st_mode, from);
  UniqueFd in(openat(from_dir, name.c_str(), kOpenFileFlags));
  if (!in.valid()) {
    return errno == ELOOP ? RefuseEntry(S_IFLNK, from) : Status::IOError("open " + from, errno);
  }
  if (fstat(in.get(), &st) != 0) return Status::IOError("stat " + from, errno);
  if (!S_ISREG(st.st_mode)) return RefuseEntry(st.st_mode, from);
  UniqueFd out(
      openat(to_dir, name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!out.valid()) return Status::IOError("create " + to, errno);
  HOTBACKUP_RETURN_IF_ERROR(ApplyRestoredAttributes(out.get(), 0600, owner, to));
  HOTBACKUP_RETURN_IF_ERROR(CopyFileBytes(in.get(), out.get(), st.st_size, from, to));
  if (fchmod(out.get(), RestoredFileMode(st.st_mode)) != 0) {
    return Status::IOError("chmod " + to, errno);
  }
  timespec times[2] = {st.st_atim, st.st_mtim};
  if (futimens(out.get(), times) != 0) return Status::IOError("set mtime of " + to, errno);
  if (fsync(out.get()) != 0) return Status::IOError("fsync " + to, errno);
  int err = out.Close();
  if (err != 0) return Status::IOError("close " + to, err);
  *bytes += static_cast<uint64_t>(st.st_size);
  return Status::OK();
}

}  // namespace

Status CopyRestoredEntryAt(int from_dir, int to_dir, const std::string& name,
                           const std::string& from, const std::string& to,
                           const RestoredOwner& owner, uint64_t* bytes) {
  return CopyEntryAt(from_dir, to_dir, name, from, to, owner, bytes, 0);
}

}  // namespace hotbackup
