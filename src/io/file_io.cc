// write(2) until done, with the error messages a DBA can act on.
#include "hotbackup/io/file_io.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

#include "hotbackup/io/unique_fd.h"
#include "hotbackup/util/interrupt.h"
#include "hotbackup/util/scratch_directory.h"

namespace hotbackup {

namespace {

Status WriteError(const std::string& name, int err) {
  if (err == EPIPE) return Status::IOError("write to " + name + " (the reading side went away)", EPIPE);
  return Status::IOError("write to " + name, err);
}

}  // namespace

Status WriteFully(int fd, ByteSpan data, const std::string& name) {
  while (!data.empty()) {
    ssize_t n = write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) {
        HOTBACKUP_RETURN_IF_ERROR(CheckInterrupted());
        continue;
      }
      return WriteError(name, errno);
    }
    data = data.subspan(static_cast<size_t>(n));
  }
  return Status::OK();
}

Status WriteVectorFully(int fd, std::span<const ByteSpan> pieces, const std::string& name) {
  constexpr size_t kMaxPieces = 8;
  if (pieces.size() > kMaxPieces) {
    for (ByteSpan piece : pieces) HOTBACKUP_RETURN_IF_ERROR(WriteFully(fd, piece, name));
    return Status::OK();
  }
  iovec iov[kMaxPieces];
  size_t count = 0;
  for (ByteSpan piece : pieces) {
    if (!piece.empty()) iov[count++] = {const_cast<uint8_t*>(piece.data()), piece.size()};
  }
  size_t first = 0;  // the first piece not yet written in full
  while (first < count) {
    ssize_t n = writev(fd, iov + first, static_cast<int>(count - first));
    if (n < 0) {
      if (errno == EINTR) {
        HOTBACKUP_RETURN_IF_ERROR(CheckInterrupted());
        continue;
      }
      return WriteError(name, errno);
    }
    // Skip what was written: whole pieces, then part of the next one.
    size_t done = static_cast<size_t>(n);
    while (first < count && done >= iov[first].iov_len) done -= iov[first++].iov_len;
    if (first < count) {
      iov[first].iov_base = static_cast<uint8_t*>(iov[first].iov_base) + done;
      iov[first].iov_len -= done;
    }
  }
  return Status::OK();
}

namespace {

Status ReadSmallOpenFile(const UniqueFd& fd, const std::string& path, std::string* contents,
                         uint64_t max_size) {
  if (!fd.valid()) return Status::IOError("open " + path, errno);
  struct stat st;
  if (fstat(fd.get(), &st) != 0) return Status::IOError("stat " + path, errno);
  if (!S_ISREG(st.st_mode)) return Status::InvalidArgument(path + " is not a regular file");
  if (static_cast<uint64_t>(st.st_size) > max_size) {
    return Status::InvalidArgument(path + " is too large (" + std::to_string(st.st_size) +
                                   " bytes)");
  }
  contents->clear();
  char buffer[64 << 10];
  for (;;) {
    ssize_t n = read(fd.get(), buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::IOError("read " + path, errno);
    if (n == 0) return Status::OK();
    contents->append(buffer, static_cast<size_t>(n));
    if (contents->size() > max_size) return Status::InvalidArgument(path + " is too large");
  }
}

}  // namespace

Status ReadSmallFile(const std::string& path, std::string* contents, uint64_t max_size) {
  UniqueFd fd(open(path.c_str(), O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC));
  return ReadSmallOpenFile(fd, path, contents, max_size);
}

Status ReadSmallFileAt(int dir_fd, const std::string& name, const std::string& shown,
                       std::string* contents, uint64_t max_size) {
  UniqueFd fd(
      openat(dir_fd, name.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC));
  return ReadSmallOpenFile(fd, shown, contents, max_size);
}

Status OpenParentBelow(int root_fd, const std::string& path, bool create, UniqueFd* parent,
                       std::string* leaf) {
  UniqueFd dir(fcntl(root_fd, F_DUPFD_CLOEXEC, 0));
  if (!dir.valid()) return Status::IOError("dup", errno);
  size_t start = 0;
  for (;;) {
    size_t slash = path.find('/', start);
    if (slash == std::string::npos) break;
    std::string component = path.substr(start, slash - start);
    if (create && mkdirat(dir.get(), component.c_str(), 0750) != 0 && errno != EEXIST) {
      return Status::IOError("create directory " + path.substr(0, slash), errno);
    }
    UniqueFd next(
        openat(dir.get(), component.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!next.valid()) return Status::IOError("open directory " + path.substr(0, slash), errno);
    dir = std::move(next);
    start = slash + 1;
  }
  *leaf = path.substr(start);
  *parent = std::move(dir);
  return Status::OK();
}

Status CreateUnnamedTemporaryFile(UniqueFd* fd) {
  const std::string dir = TempDirectoryRoot();
  *fd = UniqueFd(open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600));
  if (!fd->valid()) return Status::IOError("create a temporary file in " + dir, errno);
  return Status::OK();
}

std::string StripTrailingSlashes(std::string path) {
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  return path;
}

Status SyncDirectory(const std::string& dir) {
  UniqueFd fd(open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid()) return Status::IOError("open directory " + dir, errno);
  return SyncDirectory(fd.get(), dir);
}

Status SyncDirectory(int dir_fd, const std::string& shown) {
  if (fsync(dir_fd) != 0) return Status::IOError("fsync directory " + shown, errno);
  return Status::OK();
}

}  // namespace hotbackup
