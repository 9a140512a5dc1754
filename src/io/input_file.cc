// Where archive bytes enter the process for --extract and --verify: open
// the named file, or take standard input unless it is a terminal. The reads
// themselves are FdSource's (byte_source.h).
#include "hotbackup/io/input_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

namespace hotbackup {

InputFile::InputFile(UniqueFd owned_fd, int fd, std::string name)
    : owned_fd_(std::move(owned_fd)), name_(std::move(name)), source_(fd, name_) {}

Status InputFile::OpenStdin(std::unique_ptr<InputFile>* in) {
  return FromDescriptor(STDIN_FILENO, "stdin", in);
}

Status InputFile::Open(const std::string& path, std::unique_ptr<InputFile>* in) {
  UniqueFd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return Status::IOError("open " + path, errno);
  const int raw = fd.get();
  in->reset(new InputFile(std::move(fd), raw, path));
  return Status::OK();
}

Status InputFile::FromDescriptor(int fd, const std::string& name, std::unique_ptr<InputFile>* in) {
  if (isatty(fd)) {
    return Status::InvalidArgument(name +
                                   " is a terminal; pipe an archive in, or use --input FILE");
  }
  in->reset(new InputFile(UniqueFd(), fd, name));
  return Status::OK();
}

}  // namespace hotbackup
