// The XBSTREAM chunk format, as read by Percona's `xbstream -x` and MariaDB's
// `mbstream -x`.
//
// A stream is a sequence of chunks; each names the file it belongs to. All
// integers are little-endian.
//
//   offset  size  field
//   0       8     magic "XBSTCK01"
//   8       1     flags (0; 0x01 "ignorable" is never written: mbstream mishandles it)
//   9       1     type: 'P' payload or 'E' end of file
//   10      4     path length (< 512)
//   14      n     path, not NUL-terminated
//   -- 'P' chunks only --
//   14+n    8     payload length
//   22+n    8     payload offset within the file (must equal the bytes sent so far)
//   30+n    4     CRC-32 (zlib) of the payload
//   34+n    len   payload
//
// Every file ends with one 'E' chunk; an empty file is just its 'E' chunk.
#ifndef HOTBACKUP_ARCHIVE_XBSTREAM_FORMAT_H_
#define HOTBACKUP_ARCHIVE_XBSTREAM_FORMAT_H_

#include <cstddef>
#include <cstdint>

namespace hotbackup::xbstream {

inline constexpr char kMagic[] = "XBSTCK01";
inline constexpr size_t kMagicSize = sizeof(kMagic) - 1;

inline constexpr uint8_t kFlagNone = 0x00;
inline constexpr uint8_t kTypePayload = 'P';
inline constexpr uint8_t kTypeEnd = 'E';

// Readers refuse a path of this length or longer.
inline constexpr size_t kMaxPathLength = 512;

// The payload size `xbstream -c` writes; readers accept any size.
inline constexpr size_t kChunkPayloadSize = 10 * 1024 * 1024;

// magic + flags + type + path length
inline constexpr size_t kChunkPrefixSize = kMagicSize + 1 + 1 + 4;
// payload length + payload offset + checksum
inline constexpr size_t kPayloadFieldsSize = 8 + 8 + 4;

static_assert(kMagicSize == 8);
static_assert(kChunkPrefixSize == 14, "the 'E' chunk is 14 bytes plus the path");
static_assert(kChunkPrefixSize + kPayloadFieldsSize == 34,
              "a 'P' chunk header is 34 bytes plus the path");

}  // namespace hotbackup::xbstream

#endif  // HOTBACKUP_ARCHIVE_XBSTREAM_FORMAT_H_
