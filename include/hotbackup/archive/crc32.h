// CRC-32 as zlib computes it (reflected polynomial 0xEDB88320), the checksum
// XBSTREAM stores for each payload chunk.
#ifndef HOTBACKUP_ARCHIVE_CRC32_H_
#define HOTBACKUP_ARCHIVE_CRC32_H_

#include <cstdint>

#include "hotbackup/io/byte_sink.h"

namespace hotbackup {

// Extends `crc` (0 to start) over `data`.
uint32_t Crc32(uint32_t crc, ByteSpan data);

}  // namespace hotbackup

#endif  // HOTBACKUP_ARCHIVE_CRC32_H_
