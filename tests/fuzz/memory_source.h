// MemorySource: a ByteSource over a fuzzer's input buffer, for the fuzz
// targets of this folder. Reads hand out at most kMaxRead bytes, an odd
// size, so that readers see their input in pieces that straddle headers and
// payloads as a pipe's reads do.
#ifndef HOTBACKUP_TESTS_FUZZ_MEMORY_SOURCE_H_
#define HOTBACKUP_TESTS_FUZZ_MEMORY_SOURCE_H_

#include <algorithm>
#include <cstring>
#include <span>

#include "hotbackup/io/byte_source.h"

namespace hotbackup {
namespace fuzz {

class MemorySource final : public ByteSource {
 public:
  static constexpr size_t kMaxRead = 4099;

  // `data` is not copied and must remain live while the source is used.
  MemorySource(const uint8_t* data, size_t size) : data_(data), size_(size) {}

  Status Read(std::span<uint8_t> buffer, size_t* n) override {
    *n = std::min({buffer.size(), size_ - pos_, kMaxRead});
    if (*n > 0) std::memcpy(buffer.data(), data_ + pos_, *n);
    pos_ += *n;
    return Status::OK();
  }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
};

}  // namespace fuzz
}  // namespace hotbackup

#endif  // HOTBACKUP_TESTS_FUZZ_MEMORY_SOURCE_H_
