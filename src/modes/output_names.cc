// Checks of an output's name before the run starts (see output_names.h).
#include "hotbackup/modes/output_names.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "hotbackup/s3/s3_url.h"

namespace hotbackup {

Status CheckOutputName(const std::string& option, const std::string& target) {
  if (IsS3Url(target)) return Status::OK();
  if (target.empty()) {
    if (isatty(STDOUT_FILENO)) {
      return Status::InvalidArgument(
          "stdout is a terminal; refusing to write an archive to it (redirect it to a file or "
          "pipe, or use --output)");
    }
    return Status::OK();
  }
  struct stat st;
  if (stat(target.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
    return Status::InvalidArgument(option + ": " + target +
                                   " is a directory; name the file to write");
  }
  const size_t slash = target.find_last_of('/');
  const std::string dir =
      slash == std::string::npos ? "." : (slash == 0 ? "/" : target.substr(0, slash));
  if (stat(dir.c_str(), &st) != 0) {
    return Status::IOError(option + ": directory " + dir, errno);
  }
  if (!S_ISDIR(st.st_mode)) {
    return Status::InvalidArgument(option + ": " + dir + " is not a directory");
  }
  return Status::OK();
}

Status CheckInputName(const std::string& option, const std::string& target) {
  if (IsS3Url(target)) return Status::OK();
  if (target.empty()) {
    if (isatty(STDIN_FILENO)) {
      return Status::InvalidArgument("stdin is a terminal; pipe an archive in, or use --input FILE");
    }
    return Status::OK();
  }
  const int fd = open(target.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return Status::IOError(option + ": open " + target, errno);
  struct stat st;
  const bool directory = fstat(fd, &st) == 0 && S_ISDIR(st.st_mode);
  close(fd);
  if (directory) return Status::InvalidArgument(option + ": " + target + " is a directory");
  return Status::OK();
}

}  // namespace hotbackup
