// AlignedBuffer: a heap buffer whose address is a multiple of an alignment,
// as O_DIRECT requires of the memory it reads into. Move-only.
#ifndef HOTBACKUP_IO_ALIGNED_BUFFER_H_
#define HOTBACKUP_IO_ALIGNED_BUFFER_H_

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <new>
#include <span>

namespace hotbackup {

// O_DIRECT needs offsets, lengths and buffer addresses aligned to the
// device's logical block size; 4096 covers both 512-byte and 4K devices.
inline constexpr size_t kDirectIoAlignment = 4096;

class AlignedBuffer {
 public:
  AlignedBuffer() = default;
  // `size` is rounded up to a multiple of `alignment`. Throws std::bad_alloc
  // like any allocation.
  explicit AlignedBuffer(size_t size, size_t alignment = kDirectIoAlignment)
      : size_((size + alignment - 1) / alignment * alignment) {
    void* p = std::aligned_alloc(alignment, size_ == 0 ? alignment : size_);
    if (p == nullptr) throw std::bad_alloc();
    data_.reset(static_cast<uint8_t*>(p));
  }

  uint8_t* data() { return data_.get(); }
  const uint8_t* data() const { return data_.get(); }
  size_t size() const { return size_; }
  std::span<uint8_t> span() { return {data_.get(), size_}; }

 private:
  struct Free {
    void operator()(uint8_t* p) const { std::free(p); }
  };
  std::unique_ptr<uint8_t, Free> data_;
  size_t size_ = 0;
};

}  // namespace hotbackup

#endif  // HOTBACKUP_IO_ALIGNED_BUFFER_H_
