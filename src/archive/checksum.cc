// XXH3-64 from libxxhash: non-cryptographic, tens of GB/s, so hashing every
// byte while streaming costs next to nothing against the I/O.
#include "hotbackup/archive/checksum.h"

#include <xxhash.h>

#include <cstdio>

namespace hotbackup {

struct FileChecksum::State {
  XXH3_state_t* xxh = nullptr;
  State() : xxh(XXH3_createState()) {
    if (xxh == nullptr) throw std::bad_alloc();
    XXH3_64bits_reset(xxh);
  }
  ~State() { XXH3_freeState(xxh); }
};

FileChecksum::FileChecksum() : state_(std::make_unique<State>()) {}
FileChecksum::~FileChecksum() = default;
FileChecksum::FileChecksum(FileChecksum&&) noexcept = default;
FileChecksum& FileChecksum::operator=(FileChecksum&&) noexcept = default;

void FileChecksum::Update(ByteSpan data) { XXH3_64bits_update(state_->xxh, data.data(), data.size()); }

uint64_t FileChecksum::Digest() const { return XXH3_64bits_digest(state_->xxh); }

std::string FormatChecksum(uint64_t checksum) {
  char buf[17];
  std::snprintf(buf, sizeof(buf), "%016llx", static_cast<unsigned long long>(checksum));
  return buf;
}

bool ParseChecksum(const std::string& text, uint64_t* checksum) {
  if (text.size() != 16) return false;
  uint64_t v = 0;
  for (char c : text) {
    int d;
    if (c >= '0' && c <= '9') {
      d = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      d = c - 'a' + 10;
    } else {
      return false;
    }
    v = v << 4 | static_cast<uint64_t>(d);
  }
  *checksum = v;
  return true;
}

}  // namespace hotbackup
