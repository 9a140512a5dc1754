// Fixed-width little-endian integers, as the XBSTREAM chunk headers
// (archive/xbstream_format.h) and RocksDB's SST footers and blocks
// (server/sst_properties.h) store them: the one place the byte order is
// written down. Byte by byte, so neither the host's byte order nor the
// alignment of `p` matters; compilers turn each into one load or store.
//
// `p` / `dst` must hold at least 4 (Fixed32) or 8 (Fixed64) bytes.
#ifndef HOTBACKUP_UTIL_CODING_H_
#define HOTBACKUP_UTIL_CODING_H_

#include <cstdint>

namespace hotbackup {

inline void EncodeFixed32(uint8_t* dst, uint32_t value) {
  for (int i = 0; i < 4; ++i) dst[i] = static_cast<uint8_t>(value >> (8 * i));
}

inline void EncodeFixed64(uint8_t* dst, uint64_t value) {
  for (int i = 0; i < 8; ++i) dst[i] = static_cast<uint8_t>(value >> (8 * i));
}

inline uint32_t DecodeFixed32(const uint8_t* p) {
  return uint32_t{p[0]} | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16 | uint32_t{p[3]} << 24;
}

inline uint64_t DecodeFixed64(const uint8_t* p) {
  return DecodeFixed32(p) | uint64_t{DecodeFixed32(p + 4)} << 32;
}

}  // namespace hotbackup

#endif  // HOTBACKUP_UTIL_CODING_H_
