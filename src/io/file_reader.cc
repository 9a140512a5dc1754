// Sequential whole-file reads, buffered or O_DIRECT.
//
// The reader never trusts EOF alone: it knows the size from Open and reads
// exactly that many bytes, so a file that shrinks (EOF early) or grows
// (bytes past the size) is reported as changed instead of producing an
// archive entry whose header disagrees with its data.
#include "hotbackup/io/file_reader.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>

#include "hotbackup/io/aligned_buffer.h"
#include "hotbackup/util/log.h"

namespace hotbackup {
namespace {

std::atomic<bool> g_fallback_logged{false};

}  // namespace

Status FileReader::Open(const std::string& path, ReadMode mode, GrowthPolicy growth) {
  return OpenAt(AT_FDCWD, path.c_str(), path, mode, growth);
}

Status FileReader::OpenAt(int dir_fd, const char* name, const std::string& path, ReadMode mode,
                          GrowthPolicy growth) {
  path_ = path;
  growth_ = growth;
  fd_ = UniqueFd(openat(dir_fd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY));
  if (!fd_.valid()) return Status::IOError("open " + path, errno);
  if (fstat(fd_.get(), &stat_) != 0) return Status::IOError("stat " + path, errno);
  return Prepare(mode);
}

Status FileReader::Adopt(UniqueFd fd, const struct stat& st, const std::string& path,
                         ReadMode mode, GrowthPolicy growth) {
  path_ = path;
  growth_ = growth;
  fd_ = std::move(fd);
  stat_ = st;
  return Prepare(mode);
}

Status FileReader::Prepare(ReadMode mode) {
  const std::string& path = path_;
  offset_ = 0;
  at_end_ = false;
  reads_ = 0;
  if (!S_ISREG(stat_.st_mode)) return Status::InvalidArgument(path + " is not a regular file");
  direct_ = mode == ReadMode::kDirect && size() >= kDirectIoMinFileSize;
  if (direct_) {
    // Switched on once the size is known; a filesystem without O_DIRECT
    // (tmpfs before Linux 6.6, ramfs, some FUSE) refuses it here.
    int flags = fcntl(fd_.get(), F_GETFL);
    if (flags < 0 || fcntl(fd_.get(), F_SETFL, flags | O_DIRECT) != 0) {
      if (errno != EINVAL) return Status::IOError("fcntl O_DIRECT " + path, errno);
      direct_ = false;
      if (!g_fallback_logged.exchange(true)) {
        HB_LOG_WARN("O_DIRECT refused by the filesystem of %s; using buffered reads", path.c_str());
      }
    }
  }
  if (!direct_ && size() > (1 << 20)) posix_fadvise(fd_.get(), 0, 0, POSIX_FADV_SEQUENTIAL);
  return Status::OK();
}

Status FileReader::FallBackToBuffered(const char* why) {
  int flags = fcntl(fd_.get(), F_GETFL);
  if (flags < 0 || fcntl(fd_.get(), F_SETFL, flags & ~O_DIRECT) != 0) {
    return Status::IOError("fcntl " + path_, errno);
  }
  direct_ = false;
  if (!g_fallback_logged.exchange(true)) {
    HB_LOG_WARN("O_DIRECT read of %s failed (%s); using buffered reads", path_.c_str(), why);
  }
  return Status::OK();
}

Status FileReader::Read(std::span<uint8_t> buffer, size_t* n) {
  *n = 0;
  const uint64_t size = this->size();
  const uint64_t remaining = size - offset_;
  // One byte more than expected is how a grown file shows itself; direct
  // reads always ask for whole blocks and so see growth the same way.
  size_t want = buffer.size();
  if (!direct_ && remaining < want) want = static_cast<size_t>(remaining) + 1;
  if (direct_ && (buffer.size() % kDirectIoAlignment != 0 ||
                  reinterpret_cast<uintptr_t>(buffer.data()) % kDirectIoAlignment != 0)) {
    return Status::InvalidArgument("direct read of " + path_ + " into an unaligned buffer");
  }

  ssize_t got;
  for (;;) {
    got = pread(fd_.get(), buffer.data(), want, static_cast<off_t>(offset_));
    if (got >= 0) break;
    if (errno == EINTR) continue;
    if (errno == EINVAL && direct_) {
      HOTBACKUP_RETURN_IF_ERROR(FallBackToBuffered("EINVAL"));
      continue;
    }
    return Status::IOError("read " + path_, errno);
  }

  // A short read of a regular file is its end; reaching the size that way
  // saves the caller the read that would return 0 (a syscall per small file).
  const bool short_read = static_cast<size_t>(got) < want;
  if (static_cast<uint64_t>(got) > remaining) {
    if (growth_ == GrowthPolicy::kReadSizeAtOpen) {
      got = static_cast<ssize_t>(remaining);  // keep the prefix that existed at open
    } else {
      return Status::Changed(path_ + " grew while it was being read (size was " +
                           std::to_string(size) + " bytes)");
    }
  }
  if (got == 0 && remaining > 0) {
    return Status::Changed(path_ + " shrank while it was being read (ended at " +
                           std::to_string(offset_) + " of " + std::to_string(size) + " bytes)");
  }
  offset_ += static_cast<uint64_t>(got);
  ++reads_;
  *n = static_cast<size_t>(got);
  at_end_ = offset_ == size && (short_read || growth_ == GrowthPolicy::kReadSizeAtOpen);
  return Status::OK();
}

Status FileReader::ReadAt(uint64_t offset, std::span<uint8_t> buffer, size_t* n) const {
  for (;;) {
    ssize_t got = pread(fd_.get(), buffer.data(), buffer.size(), static_cast<off_t>(offset));
    if (got >= 0) {
      *n = static_cast<size_t>(got);
      return Status::OK();
    }
    if (errno == EINTR) continue;
    if (errno == EINVAL && direct_) {
      // Refused mid-file (an odd device): buffered from here on, for all threads.
      int flags = fcntl(fd_.get(), F_GETFL);
      if (flags >= 0 && (flags & O_DIRECT) && fcntl(fd_.get(), F_SETFL, flags & ~O_DIRECT) == 0) {
        if (!g_fallback_logged.exchange(true)) {
          HB_LOG_WARN("O_DIRECT read of %s failed (EINVAL); using buffered reads", path_.c_str());
        }
        continue;
      }
    }
    return Status::IOError("read " + path_, errno);
  }
}

Status FileReader::CheckUnchanged() const {
  // One read that returned the whole file and found its end right at the
  // size is a single observation of the file: there was no "while" for it to
  // change in, and a later fstat would only describe a later moment.
  if (reads_ == 1 && at_end_) return Status::OK();
  struct stat now;
  if (fstat(fd_.get(), &now) != 0) return Status::IOError("stat " + path_, errno);
  bool grew = now.st_size > stat_.st_size;
  if (grew && growth_ == GrowthPolicy::kReadSizeAtOpen) return Status::OK();
  if (now.st_size != stat_.st_size) {
    return Status::Changed(path_ + " changed size while it was being read (" +
                           std::to_string(stat_.st_size) + " -> " + std::to_string(now.st_size) +
                           " bytes)");
  }
  return Status::OK();
}

}  // namespace hotbackup
