// InputFile: the fuzzer's input as a file name, for code that opens a path
// (--verify's --input, option files). One memfd, rewritten for each input
// and named through /proc/self/fd, so no disk is touched; every open of the
// name starts at offset 0.
#ifndef HOTBACKUP_TESTS_FUZZ_INPUT_FILE_H_
#define HOTBACKUP_TESTS_FUZZ_INPUT_FILE_H_

#include <sys/mman.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

namespace hotbackup {
namespace fuzz {

class InputFile {
 public:
  InputFile() : fd_(memfd_create("fuzz-input", MFD_CLOEXEC)) {
    if (fd_ < 0) std::abort();
    path_ = "/proc/self/fd/" + std::to_string(fd_);
  }

  // Replaces the contents; returns the name to open.
  const std::string& Set(const uint8_t* data, size_t size) {
    if (ftruncate(fd_, 0) != 0) std::abort();
    size_t done = 0;
    while (done < size) {
      ssize_t n = pwrite(fd_, data + done, size - done, static_cast<off_t>(done));
      if (n <= 0) std::abort();
      done += static_cast<size_t>(n);
    }
    return path_;
  }

 private:
  int fd_;
  std::string path_;
};

}  // namespace fuzz
}  // namespace hotbackup

#endif  // HOTBACKUP_TESTS_FUZZ_INPUT_FILE_H_
