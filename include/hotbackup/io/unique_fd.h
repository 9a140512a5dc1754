// UniqueFd: sole owner of a file descriptor.
//
// Move-only. The destructor closes silently; call Close() where a failing
// close(2) must be reported (for files written, where close can surface a
// deferred write error).
#ifndef HOTBACKUP_IO_UNIQUE_FD_H_
#define HOTBACKUP_IO_UNIQUE_FD_H_

#include <unistd.h>

#include <cerrno>
#include <utility>

namespace hotbackup {

class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    if (this != &other) {
      Reset();
      fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { Reset(); }

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  int Release() { return std::exchange(fd_, -1); }

  // Closes the descriptor; returns 0 or the errno of close(2).
  int Close() {
    if (fd_ < 0) return 0;
    int rc = ::close(std::exchange(fd_, -1));
    return rc == 0 ? 0 : errno;
  }

 private:
  void Reset() {
    if (fd_ >= 0) ::close(std::exchange(fd_, -1));
  }

  int fd_ = -1;
};

}  // namespace hotbackup

#endif  // HOTBACKUP_IO_UNIQUE_FD_H_
