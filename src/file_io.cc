// write(2) until done, with the error messages a DBA can act on.
#include "hotbackup/file_io.h"

#include <unistd.h>

#include <cerrno>

#include "hotbackup/interrupt.h"

namespace hotbackup {

Status WriteFully(int fd, ByteSpan data, const std::string& name) {
  while (!data.empty()) {
    ssize_t n = write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) {
        HOTBACKUP_RETURN_IF_ERROR(CheckInterrupted());
        continue;
      }
      if (errno == EPIPE) {
        return Status::IOError("write to " + name + " (the reading side went away)", EPIPE);
      }
      return Status::IOError("write to " + name, errno);
    }
    data = data.subspan(static_cast<size_t>(n));
  }
  return Status::OK();
}

std::string StripTrailingSlashes(std::string path) {
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  return path;
}

}  // namespace hotbackup
