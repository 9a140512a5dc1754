// The plain ustar header of a regular file (layout in
// include/hotbackup/archive/ustar_format.h), written without libarchive.
//
// libarchive's archive_write_header costs thousands of instructions and
// several allocations per entry (an entry clone, charset conversions); for a
// backup of many small files that was most of the tar encoder's time. The
// common entry (a short ASCII path, an ordinary size, owner and mtime) needs
// none of that: its header is a fixed template with a few fields filled in.
// Everything here follows what libarchive's pax writer decides and its ustar
// formatter writes, so that the archive is the same whichever way an entry
// goes; anything outside the plain case is refused and left to libarchive.
#include "hotbackup/archive/ustar_format.h"

#include <algorithm>
#include <cstring>

namespace hotbackup::ustar {
namespace {

// Printable ASCII only. libarchive itself keeps control characters in the
// ustar header too, but its charset conversions are not worth reasoning about
// for names nobody uses; those go through libarchive.
bool IsPlainText(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= 0x20 && c <= 0x7e; });
}

// Where a path too long for `name` splits into prefix '/' name, or npos when
// it cannot (then libarchive's pax writer stores it in a pax "path" record).
// The name after the '/' holds at most 100 bytes, so the '/' is at or after
// size - 101; the first such '/' gives the shortest prefix. The prefix may
// not be empty, the name may not be empty, the prefix holds 155 bytes.
size_t SplitPoint(std::string_view path) {
  size_t slash = path.find('/', path.size() - kNameSize - 1);
  if (slash == 0) slash = path.find('/', 1);
  if (slash == std::string_view::npos || slash + 1 == path.size() || slash > kPrefixSize) {
    return std::string_view::npos;
  }
  return slash;
}

// `digits` octal digits of `value` (known to fit), zero-padded on the left.
void PutOctal(uint8_t* out, uint64_t value, size_t digits) {
  for (size_t i = digits; i > 0; --i) {
    out[i - 1] = static_cast<uint8_t>('0' + (value & 7));
    value >>= 3;
  }
}

void PutText(uint8_t* out, std::string_view text) { std::memcpy(out, text.data(), text.size()); }

// mode, uid, gid, devmajor, devminor: 6 digits, ' ', NUL.
void PutIdField(uint8_t* out, uint64_t value) {
  PutOctal(out, value, kIdDigits);
  out[kIdDigits] = ' ';
  out[kIdDigits + 1] = '\0';
}

// size, mtime: 11 digits, ' '.
void PutNumberField(uint8_t* out, uint64_t value) {
  PutOctal(out, value, kNumberDigits);
  out[kNumberDigits] = ' ';
}

}  // namespace

bool EncodePlainHeader(const FileEntry& entry, std::string_view uname, std::string_view gname,
                       std::span<uint8_t, kBlockSize> block) {
  std::string_view path = entry.archive_path;
  if (path.empty() || !IsPlainText(path)) return false;
  size_t split = std::string_view::npos;
  if (path.size() > kNameSize) {
    split = SplitPoint(path);
    if (split == std::string_view::npos) return false;
  }
  if (entry.size > kMaxPlainSize || entry.uid > kMaxPlainId || entry.gid > kMaxPlainId) {
    return false;
  }
  // libarchive would carry nanoseconds out of range over into the seconds.
  if (entry.mtime.tv_sec < 0 || entry.mtime.tv_sec > kMaxPlainMtime || entry.mtime.tv_nsec < 0 ||
      entry.mtime.tv_nsec >= 1000000000) {
    return false;
  }
  if (uname.size() > kMaxPlainOwnerName || !IsPlainText(uname) ||
      gname.size() > kMaxPlainOwnerName || !IsPlainText(gname)) {
    return false;
  }

  uint8_t* h = block.data();
  std::memset(h, 0, kBlockSize);
  if (split == std::string_view::npos) {
    PutText(h + kNameOffset, path);
  } else {
    PutText(h + kPrefixOffset, path.substr(0, split));
    PutText(h + kNameOffset, path.substr(split + 1));
  }
  PutIdField(h + kModeOffset, entry.permissions & 07777);
  PutIdField(h + kUidOffset, entry.uid);
  PutIdField(h + kGidOffset, entry.gid);
  PutNumberField(h + kSizeOffset, entry.size);
  PutNumberField(h + kMtimeOffset, static_cast<uint64_t>(entry.mtime.tv_sec));
  h[kTypeflagOffset] = '0';
  std::memcpy(h + kMagicOffset, kMagic, sizeof(kMagic));
  PutText(h + kVersionOffset, kVersion);
  PutText(h + kUnameOffset, uname);
  PutText(h + kGnameOffset, gname);
  PutIdField(h + kDevmajorOffset, 0);
  PutIdField(h + kDevminorOffset, 0);

  std::memset(h + kChecksumOffset, ' ', kChecksumSize);
  uint32_t checksum = 0;
  for (size_t i = 0; i < kBlockSize; ++i) checksum += h[i];
  static_assert(kBlockSize * 255 < (1u << (3 * kIdDigits)), "the checksum fits 6 digits");
  PutOctal(h + kChecksumOffset, checksum, kIdDigits);
  h[kChecksumOffset + kIdDigits] = '\0';
  return true;
}

}  // namespace hotbackup::ustar
