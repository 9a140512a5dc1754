// The POSIX ustar header (IEEE Std 1003.1-1988), as libarchive's "restricted
// pax" writer fills it for a regular file that needs no pax extended header.
//
// An entry is this 512-byte header, the file's bytes, then zeros up to a
// multiple of 512. Numbers are ASCII octal, zero-padded on the left; the
// terminators are libarchive's, which tar readers all accept:
//
//   offset  size  field
//   0       100   name: the path, or its part after the prefix; NUL-padded,
//                 no NUL when it fills the field
//   100     8     mode      6 octal digits, ' ', NUL (permission bits only)
//   108     8     uid       6 octal digits, ' ', NUL
//   116     8     gid       6 octal digits, ' ', NUL
//   124     12    size      11 octal digits, ' '
//   136     12    mtime     11 octal digits, ' ' (seconds)
//   148     8     checksum  6 octal digits, NUL, ' ': the sum of the header's
//                 bytes as unsigned, counting this field as 8 spaces
//   156     1     typeflag  '0' (regular file)
//   157     100   linkname  (all NUL)
//   257     6     magic     "ustar" NUL
//   263     2     version   "00"
//   265     32    uname     NUL-padded
//   297     32    gname     NUL-padded
//   329     8     devmajor  "000000" ' ' NUL (unused for regular files)
//   337     8     devminor  "000000" ' ' NUL
//   345     155   prefix    a path over 100 bytes is split at a '/': the part
//                 before it here, the part after it in name
//   500     12    (NUL)
#ifndef HOTBACKUP_ARCHIVE_USTAR_FORMAT_H_
#define HOTBACKUP_ARCHIVE_USTAR_FORMAT_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "hotbackup/archive/archive_writer.h"

namespace hotbackup::ustar {

inline constexpr size_t kBlockSize = 512;

inline constexpr size_t kNameOffset = 0;
inline constexpr size_t kNameSize = 100;
inline constexpr size_t kModeOffset = 100;
inline constexpr size_t kUidOffset = 108;
inline constexpr size_t kGidOffset = 116;
inline constexpr size_t kIdFieldSize = 8;  // mode, uid, gid: 6 digits + ' ' + NUL
inline constexpr size_t kIdDigits = 6;
inline constexpr size_t kSizeOffset = 124;
inline constexpr size_t kMtimeOffset = 136;
inline constexpr size_t kNumberFieldSize = 12;  // size, mtime: 11 digits + ' '
inline constexpr size_t kNumberDigits = 11;
inline constexpr size_t kChecksumOffset = 148;
inline constexpr size_t kChecksumSize = 8;  // 6 digits + NUL + ' '
inline constexpr size_t kTypeflagOffset = 156;
inline constexpr size_t kLinknameOffset = 157;
inline constexpr size_t kLinknameSize = 100;
inline constexpr size_t kMagicOffset = 257;
inline constexpr char kMagic[] = "ustar";  // written with its NUL
inline constexpr size_t kVersionOffset = 263;
inline constexpr char kVersion[] = "00";  // written without a NUL
inline constexpr size_t kUnameOffset = 265;
inline constexpr size_t kGnameOffset = 297;
inline constexpr size_t kOwnerNameSize = 32;
inline constexpr size_t kDevmajorOffset = 329;
inline constexpr size_t kDevminorOffset = 337;
inline constexpr size_t kPrefixOffset = 345;
inline constexpr size_t kPrefixSize = 155;
inline constexpr size_t kPaddingOffset = 500;

static_assert(kNameOffset + kNameSize == kModeOffset);
static_assert(kModeOffset + kIdFieldSize == kUidOffset);
static_assert(kUidOffset + kIdFieldSize == kGidOffset);
static_assert(kGidOffset + kIdFieldSize == kSizeOffset);
static_assert(kSizeOffset + kNumberFieldSize == kMtimeOffset);
static_assert(kMtimeOffset + kNumberFieldSize == kChecksumOffset);
static_assert(kChecksumOffset + kChecksumSize == kTypeflagOffset);
static_assert(kTypeflagOffset + 1 == kLinknameOffset);
static_assert(kLinknameOffset + kLinknameSize == kMagicOffset);
static_assert(kMagicOffset + sizeof(kMagic) == kVersionOffset);
static_assert(kVersionOffset + sizeof(kVersion) - 1 == kUnameOffset);
static_assert(kUnameOffset + kOwnerNameSize == kGnameOffset);
static_assert(kGnameOffset + kOwnerNameSize == kDevmajorOffset);
static_assert(kDevmajorOffset + kIdFieldSize == kDevminorOffset);
static_assert(kDevminorOffset + kIdFieldSize == kPrefixOffset);
static_assert(kPrefixOffset + kPrefixSize == kPaddingOffset);
static_assert(kPaddingOffset + 12 == kBlockSize);

// The limits below which libarchive's pax writer adds no pax attribute (it
// checks these values, not the width of the ustar fields): sizes under
// 8 GiB, uid and gid under 2^18, mtime seconds in [0, 2^31 - 1), owner names
// of at most 31 bytes. Paths: see EncodePlainHeader.
inline constexpr uint64_t kMaxPlainSize = (uint64_t{1} << 33) - 1;
inline constexpr uint32_t kMaxPlainId = (uint32_t{1} << 18) - 1;
inline constexpr int64_t kMaxPlainMtime = 0x7fffffff - 1;
inline constexpr size_t kMaxPlainOwnerName = 31;

static_assert(kMaxPlainSize < (uint64_t{1} << (3 * kNumberDigits)), "fits 11 octal digits");
static_assert(kMaxPlainId < (uint32_t{1} << (3 * kIdDigits)), "fits 6 octal digits");
static_assert(kMaxPlainMtime < (int64_t{1} << (3 * kNumberDigits)), "fits 11 octal digits");
static_assert(kMaxPlainOwnerName < kOwnerNameSize);

// Fills `block` with the header of `entry` as a regular file owned by
// `uname` and `gname` (either may be empty: the field stays NUL), byte for
// byte as libarchive's pax_restricted writer (3.x) writes it, and returns
// true. Returns false, with `block` unspecified, for any entry for which that
// writer would add a pax extended header or which this encoder does not
// claim to reproduce exactly: a path with a byte outside printable ASCII
// (0x20-0x7e), a path that neither fits `name` nor splits into prefix and
// name, a value beyond the limits above, tv_nsec outside [0, 10^9), an owner
// name outside printable ASCII. Sub-second mtime is dropped, as that writer
// does when it writes no extended header.
bool EncodePlainHeader(const FileEntry& entry, std::string_view uname, std::string_view gname,
                       std::span<uint8_t, kBlockSize> block);

}  // namespace hotbackup::ustar

#endif  // HOTBACKUP_ARCHIVE_USTAR_FORMAT_H_
