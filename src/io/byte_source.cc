// Input side of --extract / --verify: raw reads from a descriptor, and the
// look-ahead that makes format detection possible on a pipe.
#include "hotbackup/io/byte_source.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "hotbackup/util/interrupt.h"

namespace hotbackup {

Status FdSource::Read(std::span<uint8_t> buffer, size_t* n) {
  for (;;) {
    ssize_t got = read(fd_, buffer.data(), buffer.size());
    if (got >= 0) {
      *n = static_cast<size_t>(got);
      return Status::OK();
    }
    if (errno == EINTR) {
      HOTBACKUP_RETURN_IF_ERROR(CheckInterrupted());
      continue;
    }
    return Status::IOError("read " + name_, errno);
  }
}

Status PeekSource::Peek(size_t n, std::string_view* bytes) {
  while (peeked_.size() - peeked_pos_ < n) {
    size_t have = peeked_.size();
    peeked_.resize(have + (n - (have - peeked_pos_)));
    size_t got = 0;
    Status s = inner_->Read(std::span<uint8_t>(peeked_.data() + have, peeked_.size() - have), &got);
    peeked_.resize(have + got);
    HOTBACKUP_RETURN_IF_ERROR(s);
    if (got == 0) break;
  }
  size_t available = std::min(n, peeked_.size() - peeked_pos_);
  *bytes = std::string_view(reinterpret_cast<const char*>(peeked_.data()) + peeked_pos_, available);
  return Status::OK();
}

Status PeekSource::Read(std::span<uint8_t> buffer, size_t* n) {
  if (peeked_pos_ < peeked_.size()) {
    size_t take = std::min(buffer.size(), peeked_.size() - peeked_pos_);
    std::memcpy(buffer.data(), peeked_.data() + peeked_pos_, take);
    peeked_pos_ += take;
    if (peeked_pos_ == peeked_.size()) {
      peeked_.clear();
      peeked_pos_ = 0;
    }
    position_ += take;
    *n = take;
    return Status::OK();
  }
  HOTBACKUP_RETURN_IF_ERROR(inner_->Read(buffer, n));
  position_ += *n;
  return Status::OK();
}

Status ReadFully(ByteSource* source, std::span<uint8_t> buffer, size_t* n) {
  *n = 0;
  while (*n < buffer.size()) {
    size_t got = 0;
    HOTBACKUP_RETURN_IF_ERROR(source->Read(buffer.subspan(*n), &got));
    if (got == 0) break;
    *n += got;
  }
  return Status::OK();
}

}  // namespace hotbackup
