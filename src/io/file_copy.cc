// Copying one file with its attributes: in the kernel (copy_file_range)
// where the filesystems allow, else through a buffer.
#include "hotbackup/io/file_copy.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <vector>

#include "hotbackup/io/file_io.h"
#include "hotbackup/io/unique_fd.h"

namespace hotbackup {
namespace {

Status FsyncFd(int fd, const std::string& path) {
  if (fsync(fd) != 0) return Status::IOError("fsync " + path, errno);
  return Status::OK();
}

}  // namespace

Status CopyFile(const std::string& from, const std::string& to, Durability durability,
                uint64_t* bytes) {
  UniqueFd in(open(from.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (!in.valid()) return Status::IOError("open " + from, errno);
  struct stat st;
  if (fstat(in.get(), &st) != 0) return Status::IOError("stat " + from, errno);
  return CopyOpenFile(in.get(), st, from, to, durability, bytes);
}

Status CopyFileBytes(int in_fd, int out_fd, off_t size, const std::string& from,
                     const std::string& to) {
  // copy_file_range shares extents or copies in the kernel where it can;
  // between different filesystems it refuses (EXDEV), so read and write.
  bool in_kernel = true;
  std::vector<char> buffer;
  for (off_t left = size; left > 0;) {
    ssize_t n;
    if (in_kernel) {
      n = copy_file_range(in_fd, nullptr, out_fd, nullptr, static_cast<size_t>(left), 0);
      if (n < 0 && (errno == EXDEV || errno == EINVAL || errno == ENOSYS || errno == EOPNOTSUPP)) {
        in_kernel = false;
        buffer.resize(1 << 20);
        continue;
      }
    } else {
      n = read(in_fd, buffer.data(), std::min<size_t>(buffer.size(), static_cast<size_t>(left)));
      if (n > 0) {
        HOTBACKUP_RETURN_IF_ERROR(
            WriteFully(out_fd, AsBytes(buffer.data(), static_cast<size_t>(n)), to));
      }
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::IOError("copy " + from + " to " + to, errno);
    if (n == 0) return Status::Changed(from + " shrank while it was being copied");
    left -= n;
  }
  return Status::OK();
}

Status CopyOpenFile(int in_fd, const struct stat& st, const std::string& from,
                    const std::string& to, Durability durability, uint64_t* bytes) {
  UniqueFd out(open(to.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600));
  if (!out.valid()) return Status::IOError("create " + to, errno);
  HOTBACKUP_RETURN_IF_ERROR(CopyFileBytes(in_fd, out.get(), st.st_size, from, to));
  if (fchmod(out.get(), st.st_mode & 07777) != 0) return Status::IOError("chmod " + to, errno);
  timespec times[2] = {st.st_atim, st.st_mtim};
  if (futimens(out.get(), times) != 0) return Status::IOError("set mtime of " + to, errno);
  if (durability == Durability::kSynced) HOTBACKUP_RETURN_IF_ERROR(FsyncFd(out.get(), to));
  int err = out.Close();
  if (err != 0) return Status::IOError("close " + to, err);
  *bytes += static_cast<uint64_t>(st.st_size);
  return Status::OK();
}

}  // namespace hotbackup
