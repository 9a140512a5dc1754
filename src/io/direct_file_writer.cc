// Two aligned buffers: the caller fills one while a thread writes the other
// at the next block-aligned offset, with O_DIRECT once a file has filled one.
#include "hotbackup/io/direct_file_writer.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace hotbackup {
namespace {

Status SetDirect(int fd, bool on, const std::string& name) {
  int flags = fcntl(fd, F_GETFL);
  if (flags < 0) return Status::IOError("fcntl " + name, errno);
  int wanted = on ? (flags | O_DIRECT) : (flags & ~O_DIRECT);
  if (wanted != flags && fcntl(fd, F_SETFL, wanted) != 0) {
    return Status::IOError(std::string(on ? "O_DIRECT on " : "O_DIRECT off ") + name, errno);
  }
  return Status::OK();
}

}  // namespace

DirectFileWriter::DirectFileWriter()
    : filling_(kBufferSize), pending_(kBufferSize), thread_([this] { WriterLoop(); }) {}

DirectFileWriter::~DirectFileWriter() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  changed_.notify_all();
  thread_.join();
}

Status DirectFileWriter::Begin(int fd, std::string name) {
  if (in_file()) return Status::InvalidArgument("write to " + name + ": " + name_ + " is still being written");
  struct stat st;
  if (fstat(fd, &st) != 0) return Status::IOError("stat " + name, errno);
  if (!S_ISREG(st.st_mode) || st.st_size != 0 || lseek(fd, 0, SEEK_CUR) != 0) {
    return Status::InvalidArgument("write to " + name + ": not an empty regular file at its start");
  }
  fd_ = fd;
  name_ = std::move(name);
  direct_ = false;
  filled_ = 0;
  offset_ = 0;
  return Status::OK();
}

Status DirectFileWriter::WriteAt(const uint8_t* data, size_t size, uint64_t offset) {
  while (size > 0) {
    ssize_t n = pwrite(fd_, data, size, static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EINVAL && (fcntl(fd_, F_GETFL) & O_DIRECT) != 0) {
      // O_DIRECT refused this write: a short write left the rest unaligned,
      // or the file system wants more than 4096-byte alignment. The rest
      // through the cache (once: O_DIRECT is off from here on).
      HOTBACKUP_RETURN_IF_ERROR(SetDirect(fd_, false, name_));
      continue;
    }
    if (n < 0) return Status::IOError("write to " + name_, errno);
    if (n == 0) return Status::IOError("write to " + name_, EIO);
    data += n;
    size -= static_cast<size_t>(n);
    offset += static_cast<uint64_t>(n);
  }
  return Status::OK();
}

void DirectFileWriter::WriterLoop() {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    changed_.wait(lock, [this] { return busy_ || stop_; });
    if (!busy_) return;  // stop_ with nothing to write
    const uint64_t offset = pending_offset_;
    lock.unlock();
    // The buffer, fd_ and name_ stay as they are until busy_ is cleared: no
    // lock around the write.
    Status s = WriteAt(pending_.data(), pending_.size(), offset);
    lock.lock();
    if (!s.ok() && error_.ok()) error_ = s;
    busy_ = false;
    changed_.notify_all();
  }
}

Status DirectFileWriter::WaitIdle() {
  std::unique_lock<std::mutex> lock(mutex_);
  changed_.wait(lock, [this] { return !busy_; });
  return error_;
}

Status DirectFileWriter::Write(ByteSpan data) {
  if (!in_file()) return Status::InvalidArgument("DirectFileWriter: write outside a file");
  while (!data.empty()) {
    const size_t n = std::min(data.size(), filling_.size() - filled_);
    std::memcpy(filling_.data() + filled_, data.data(), n);
    filled_ += n;
    data = data.subspan(n);
    if (filled_ < filling_.size()) break;
    HOTBACKUP_RETURN_IF_ERROR(WaitIdle());
    // A megabyte or more: direct from here on, where the file system agrees.
    if (offset_ == 0) direct_ = SetDirect(fd_, true, name_).ok();
    {
      std::lock_guard<std::mutex> lock(mutex_);
      std::swap(filling_, pending_);
      pending_offset_ = offset_;
      busy_ = true;
    }
    changed_.notify_all();
    offset_ += filling_.size();
    filled_ = 0;
  }
  std::lock_guard<std::mutex> lock(mutex_);
  return error_;
}

Status DirectFileWriter::Finish() {
  if (!in_file()) return Status::InvalidArgument("DirectFileWriter: finish outside a file");
  Status s = WaitIdle();
  if (s.ok()) {
    // O_DIRECT cannot write a partial block; the tail goes through the cache.
    const size_t aligned = direct_ ? filled_ / kDirectIoAlignment * kDirectIoAlignment : 0;
    s = WriteAt(filling_.data(), aligned, offset_);
    if (s.ok()) s = SetDirect(fd_, false, name_);
    if (s.ok()) s = WriteAt(filling_.data() + aligned, filled_ - aligned, offset_ + aligned);
    // Leave the descriptor's position where plain writes would have.
    if (s.ok() && lseek(fd_, static_cast<off_t>(offset_ + filled_), SEEK_SET) < 0) {
      s = Status::IOError("seek " + name_, errno);
    }
  } else {
    static_cast<void>(SetDirect(fd_, false, name_));  // best effort: the file is lost anyway
  }
  fd_ = -1;
  filled_ = 0;
  offset_ = 0;
  std::lock_guard<std::mutex> lock(mutex_);
  error_ = Status::OK();
  return s;
}

}  // namespace hotbackup
