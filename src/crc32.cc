// CRC-32 via zlib, whose implementation is table-driven and fast enough to
// keep up with page-cache reads; one place to swap in a faster one.
#include "hotbackup/crc32.h"

#include <zlib.h>

namespace hotbackup {

uint32_t Crc32(uint32_t crc, ByteSpan data) {
  return static_cast<uint32_t>(crc32_z(crc, data.data(), data.size()));
}

}  // namespace hotbackup
