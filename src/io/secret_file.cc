// The one mode check for files of secrets (see secret_file.h): ssh's rule
// for private keys, applied to everything this tool reads a key from.
#include "hotbackup/io/secret_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "hotbackup/util/interrupt.h"

namespace hotbackup {

Status OpenSecretFile(const std::string& path, const std::string& what, UniqueFd* fd) {
  UniqueFd opened(open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY));
  if (!opened.valid()) return Status::IOError("open " + path, errno);
  struct stat st;
  if (fstat(opened.get(), &st) != 0) return Status::IOError("stat " + path, errno);
  if ((st.st_mode & 077) != 0) {
    return Status::InvalidArgument(path + ": " + what +
                                   " must not be readable or writable by group or others, as "
                                   "ssh refuses a private key: chmod 600 " +
                                   path);
  }
  *fd = std::move(opened);
  return Status::OK();
}

Status ReadSecretFile(const std::string& path, const std::string& what, std::string* contents,
                      uint64_t max_size) {
  contents->clear();
  UniqueFd fd;
  HOTBACKUP_RETURN_IF_ERROR(OpenSecretFile(path, what, &fd));
  // Read into a buffer sized once, so no reallocation leaves a copy of the
  // secret behind in freed memory.
  struct stat st;
  if (fstat(fd.get(), &st) != 0) return Status::IOError("stat " + path, errno);
  if (!S_ISREG(st.st_mode)) return Status::InvalidArgument(path + " is not a regular file");
  if (static_cast<uint64_t>(st.st_size) > max_size) {
    return Status::InvalidArgument(path + " is too large (" + std::to_string(st.st_size) +
                                   " bytes)");
  }
  contents->resize(static_cast<size_t>(st.st_size) + 1);
  size_t size = 0;
  for (;;) {
    if (size == contents->size()) {
      return Status::InvalidArgument(path + " changed while it was read");
    }
    ssize_t n = read(fd.get(), contents->data() + size, contents->size() - size);
    if (n < 0 && errno == EINTR) {
      HOTBACKUP_RETURN_IF_ERROR(CheckInterrupted());
      continue;
    }
    if (n < 0) return Status::IOError("read " + path, errno);
    if (n == 0) break;
    size += static_cast<size_t>(n);
  }
  contents->resize(size);
  return Status::OK();
}

}  // namespace hotbackup
