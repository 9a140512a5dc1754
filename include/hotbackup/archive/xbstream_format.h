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
// Readers accept it (and ignore it); any other flag bit is refused.
inline constexpr uint8_t kFlagIgnorable = 0x01;
inline constexpr uint8_t kTypePayload = 'P';
inline constexpr uint8_t kTypeEnd = 'E';

// Readers refuse a path of this length or longer.
inline constexpr size_t kMaxPathLength = 512;

// The payload size `xbstream -c` writes; readers accept any size.
inline constexpr size_t kChunkPayloadSize = 10 * 1024 * 1024;

// The fields of the prefix every chunk starts with (the magic at 0), by
// their offset from the chunk's start; the path follows the prefix.
inline constexpr size_t kFlagsOffset = kMagicSize;            // 1 byte
inline constexpr size_t kTypeOffset = kFlagsOffset + 1;       // 1 byte
inline constexpr size_t kPathLengthOffset = kTypeOffset + 1;  // 4 bytes
// magic + flags + type + path length
inline constexpr size_t kChunkPrefixSize = kPathLengthOffset + 4;

// The fields of a 'P' chunk after its path, by their offset from the end
// of the path.
inline constexpr size_t kPayloadLengthOffset = 0;                         // 8 bytes
inline constexpr size_t kPayloadOffsetOffset = kPayloadLengthOffset + 8;  // 8 bytes
inline constexpr size_t kChecksumOffset = kPayloadOffsetOffset + 8;       // 4 bytes
// payload length + payload offset + checksum
inline constexpr size_t kPayloadFieldsSize = kChecksumOffset + 4;

static_assert(kMagicSize == 8);
static_assert(kFlagsOffset == 8 && kTypeOffset == 9 && kPathLengthOffset == 10,
              "the prefix as the table above lays it out");
static_assert(kPayloadOffsetOffset == 8 && kChecksumOffset == 16,
              "14+n, 22+n, 30+n in the table above");
static_assert(kChunkPrefixSize == 14, "the 'E' chunk is 14 bytes plus the path");
static_assert(kChunkPrefixSize + kPayloadFieldsSize == 34,
              "a 'P' chunk header is 34 bytes plus the path");

}  // namespace hotbackup::xbstream

#endif  // HOTBACKUP_ARCHIVE_XBSTREAM_FORMAT_H_
