// CRC-32 (zlib's: reflected polynomial 0xEDB88320, pre- and post-inverted).
//
// zlib's table-driven code runs at about 2 GB/s, below page-cache read
// speed. On x86 with PCLMULQDQ the bulk of a buffer is instead "folded":
// CRC is linear over GF(2), so a 128-bit chunk of running remainder can be
// carried forward past N bits of following data by carry-less multiplying
// its halves with x^(N+32) and x^(N-32) mod P (bit-reflected), and XORing
// the data in. Four independent 128-bit lanes fold 64 bytes per step; at the
// end they are folded into one, and that last 16-byte remainder plus the
// unaligned tail go through zlib, whose result is then exact.
#include "hotbackup/archive/crc32.h"

#include <zlib.h>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace hotbackup {
namespace {

uint32_t ZlibCrc32(uint32_t crc, const uint8_t* data, size_t size) {
  return static_cast<uint32_t>(crc32_z(crc, data, size));
}

#if defined(__x86_64__)

// x^(N+32) and x^(N-32) mod P, bit-reflected and shifted, for folding
// across N = 512 bits (four lanes) and N = 128 bits (one lane).
constexpr uint64_t kFold512Low = 0x154442bd4;
constexpr uint64_t kFold512High = 0x1c6e41596;
constexpr uint64_t kFold128Low = 0x1751997d0;
constexpr uint64_t kFold128High = 0x0ccaa009e;

__attribute__((target("pclmul,sse2"))) inline __m128i Fold(__m128i lane, __m128i k, __m128i data) {
  __m128i low = _mm_clmulepi64_si128(lane, k, 0x00);
  __m128i high = _mm_clmulepi64_si128(lane, k, 0x11);
  return _mm_xor_si128(_mm_xor_si128(low, high), data);
}

// Requires size >= 64.
__attribute__((target("pclmul,sse2"))) uint32_t PclmulCrc32(uint32_t crc, const uint8_t* p,
                                                             size_t size) {
  auto load = [](const uint8_t* at) { return _mm_loadu_si128(reinterpret_cast<const __m128i*>(at)); };
  // The pre-inverted register enters as the first four data bytes.
  __m128i x0 = _mm_xor_si128(load(p), _mm_cvtsi32_si128(static_cast<int>(~crc)));
  __m128i x1 = load(p + 16);
  __m128i x2 = load(p + 32);
  __m128i x3 = load(p + 48);
  p += 64;
  size -= 64;

  const __m128i k512 = _mm_set_epi64x(static_cast<long long>(kFold512High), static_cast<long long>(kFold512Low));
  while (size >= 64) {
    x0 = Fold(x0, k512, load(p));
    x1 = Fold(x1, k512, load(p + 16));
    x2 = Fold(x2, k512, load(p + 32));
    x3 = Fold(x3, k512, load(p + 48));
    p += 64;
    size -= 64;
  }

  const __m128i k128 = _mm_set_epi64x(static_cast<long long>(kFold128High), static_cast<long long>(kFold128Low));
  __m128i x = Fold(x0, k128, x1);
  x = Fold(x, k128, x2);
  x = Fold(x, k128, x3);
  while (size >= 16) {
    x = Fold(x, k128, load(p));
    p += 16;
    size -= 16;
  }

  // x now stands for all the data so far, as 16 message bytes processed
  // from a zero register; zlib finishes exactly from there.
  alignas(16) uint8_t remainder[16];
  _mm_store_si128(reinterpret_cast<__m128i*>(remainder), x);
  uint32_t c = ZlibCrc32(0xffffffffu, remainder, sizeof(remainder));
  return ZlibCrc32(c, p, size);
}

bool HavePclmul() {
  static const bool have = __builtin_cpu_supports("pclmul") && __builtin_cpu_supports("sse2");
  return have;
}

#endif

}  // namespace

uint32_t Crc32(uint32_t crc, ByteSpan data) {
#if defined(__x86_64__)
  if (data.size() >= 64 && HavePclmul()) return PclmulCrc32(crc, data.data(), data.size());
#endif
  return ZlibCrc32(crc, data.data(), data.size());
}

}  // namespace hotbackup
