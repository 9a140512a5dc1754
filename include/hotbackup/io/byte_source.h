// ByteSource: where archive bytes come from when a backup is read back
// (--extract, --verify): a descriptor, or a PeekSource that lets the caller
// look at the first bytes before choosing a format. Filters over a source
// live with their stage (compress/zstd_source.h, encrypt/age_stream.h). Sources are not thread-safe; a wrapping source
// does not own the source it reads from, which must outlive it.
#ifndef HOTBACKUP_IO_BYTE_SOURCE_H_
#define HOTBACKUP_IO_BYTE_SOURCE_H_

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "hotbackup/util/status.h"

namespace hotbackup {

class ByteSource {
 public:
  virtual ~ByteSource() = default;
  // Reads up to buffer.size() bytes; *n == 0 only at the end of the input.
  virtual Status Read(std::span<uint8_t> buffer, size_t* n) = 0;
};

// Reads `fd`, which it does not own; `name` is for messages.
class FdSource final : public ByteSource {
 public:
  FdSource(int fd, std::string name) : fd_(fd), name_(std::move(name)) {}
  Status Read(std::span<uint8_t> buffer, size_t* n) override;

 private:
  int fd_;
  std::string name_;
};

// Buffers the first bytes of `inner` so they can be inspected, then hands
// everything out through Read as if nothing had been looked at.
class PeekSource final : public ByteSource {
 public:
  explicit PeekSource(ByteSource* inner) : inner_(inner) {}
  // Up to `n` bytes from the current position (fewer only at end of input).
  Status Peek(size_t n, std::string_view* bytes);
  Status Read(std::span<uint8_t> buffer, size_t* n) override;
  // Bytes handed out by Read so far: the offset of the next byte.
  uint64_t position() const { return position_; }

 private:
  ByteSource* inner_;
  std::vector<uint8_t> peeked_;
  size_t peeked_pos_ = 0;
  uint64_t position_ = 0;
};

// Hands out the bytes of a string, at most `max_read` per Read (a pipe's
// short reads, when small); for tests and small inputs.
class StringSource final : public ByteSource {
 public:
  explicit StringSource(std::string data, size_t max_read = SIZE_MAX)
      : data_(std::move(data)), max_read_(max_read) {}
  Status Read(std::span<uint8_t> buffer, size_t* n) override {
    *n = std::min({buffer.size(), data_.size() - pos_, max_read_});
    std::memcpy(buffer.data(), data_.data() + pos_, *n);
    pos_ += *n;
    return Status::OK();
  }
  // How many bytes have been read.
  size_t position() const { return pos_; }

 private:
  std::string data_;
  size_t pos_ = 0;
  size_t max_read_;
};

// Reads exactly buffer.size() bytes unless the input ends first; *n says how
// many arrived.
Status ReadFully(ByteSource* source, std::span<uint8_t> buffer, size_t* n);

}  // namespace hotbackup

#endif  // HOTBACKUP_IO_BYTE_SOURCE_H_
