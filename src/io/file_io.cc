// write(2) until done, with the error messages a DBA can act on.
#include "hotbackup/io/file_io.h"

#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>

#include "hotbackup/util/interrupt.h"

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

std::string StripTrailingSlashes(std::string path) {
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  return path;
}

}  // namespace hotbackup
