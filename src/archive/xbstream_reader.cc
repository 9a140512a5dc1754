// XBSTREAM decoder (format in include/hotbackup/archive/xbstream_format.h). Chunks of
// different files may interleave, so each file's running offset is tracked
// separately; payloads are streamed to the sink in pieces while their
// CRC is computed, and a mismatch fails the whole extraction (the sink's
// owner then discards everything).
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <map>
#include <set>
#include <vector>

#include <sys/stat.h>

#include "hotbackup/archive/archive_reader.h"
#include "hotbackup/archive/crc32.h"
#include "hotbackup/archive/xbstream_format.h"
#include "hotbackup/util/coding.h"

namespace hotbackup {
namespace {

constexpr size_t kPieceSize = 1 << 20;

std::string At(uint64_t offset) { return " (archive offset " + std::to_string(offset) + ")"; }

}  // namespace

Status ReadXbstream(PeekSource* source, EntrySink* sink) {
  std::map<std::string, uint64_t> offsets;  // files begun and not yet ended
  std::vector<uint8_t> piece(kPieceSize);
  for (;;) {
    const uint64_t chunk_at = source->position();
    uint8_t prefix[xbstream::kChunkPrefixSize];
    size_t got = 0;
    HOTBACKUP_RETURN_IF_ERROR(ReadFully(source, prefix, &got));
    if (got == 0) break;
    if (got < sizeof(prefix)) {
      return Status::Corruption("xbstream: truncated inside a chunk header" + At(chunk_at));
    }
    if (std::memcmp(prefix, xbstream::kMagic, xbstream::kMagicSize) != 0) {
      return Status::Corruption("xbstream: no chunk magic where a chunk should start" + At(chunk_at));
    }
    const uint8_t flags = prefix[xbstream::kFlagsOffset];
    const uint8_t type = prefix[xbstream::kTypeOffset];
    const uint64_t path_len = DecodeFixed32(prefix + xbstream::kPathLengthOffset);
    if ((flags & ~xbstream::kFlagIgnorable) != 0) {
      return Status::Corruption("xbstream: unknown chunk flags " + std::to_string(flags) + At(chunk_at));
    }
    if (path_len == 0 || path_len >= xbstream::kMaxPathLength) {
      return Status::Corruption("xbstream: path length " + std::to_string(path_len) +
                                " out of range" + At(chunk_at));
    }
    std::string path(path_len, '\0');
    HOTBACKUP_RETURN_IF_ERROR(
        ReadFully(source, std::span<uint8_t>(reinterpret_cast<uint8_t*>(path.data()), path_len), &got));
    if (got < path_len) return Status::Corruption("xbstream: truncated inside a chunk header" + At(chunk_at));

    auto open = offsets.find(path);
    if (type != xbstream::kTypePayload && type != xbstream::kTypeEnd) {
      return Status::Corruption("xbstream: unsupported chunk type '" + std::string(1, static_cast<char>(type)) +
                                "' for " + path + At(chunk_at));
    }
    if (open == offsets.end()) {
      HOTBACKUP_RETURN_IF_ERROR(sink->BeginFile(path, 0640, timespec{0, UTIME_OMIT}).WithContext("xbstream" + At(chunk_at)));
      open = offsets.emplace(path, 0).first;
    }

    if (type == xbstream::kTypeEnd) {
      HOTBACKUP_RETURN_IF_ERROR(sink->EndFile(path));
      offsets.erase(open);
      continue;
    }

    uint8_t fields[xbstream::kPayloadFieldsSize];
    HOTBACKUP_RETURN_IF_ERROR(ReadFully(source, fields, &got));
    if (got < sizeof(fields)) {
      return Status::Corruption("xbstream: truncated inside the chunk header of " + path + At(chunk_at));
    }
    const uint64_t length = DecodeFixed64(fields + xbstream::kPayloadLengthOffset);
    const uint64_t offset = DecodeFixed64(fields + xbstream::kPayloadOffsetOffset);
    const uint32_t stored_crc = DecodeFixed32(fields + xbstream::kChecksumOffset);
    if (offset != open->second) {
      return Status::Corruption("xbstream: out-of-order chunk for " + path + ": file offset " +
                                std::to_string(offset) + ", expected " + std::to_string(open->second) +
                                At(chunk_at));
    }
    uint32_t crc = 0;
    for (uint64_t left = length; left > 0;) {
      size_t want = static_cast<size_t>(std::min<uint64_t>(left, piece.size()));
      HOTBACKUP_RETURN_IF_ERROR(ReadFully(source, std::span<uint8_t>(piece.data(), want), &got));
      if (got < want) {
        return Status::Corruption("xbstream: truncated inside the payload of " + path + " at file offset " +
                                  std::to_string(offset + (length - left) + got) + At(source->position()));
      }
      crc = Crc32(crc, AsBytes(piece.data(), got));
      HOTBACKUP_RETURN_IF_ERROR(sink->Write(path, AsBytes(piece.data(), got)));
      left -= got;
    }
    if (crc != stored_crc) {
      char detail[64];
      std::snprintf(detail, sizeof(detail), ": stored %08x, computed %08x", stored_crc, crc);
      return Status::Corruption("xbstream: CRC mismatch in " + path + " at file offset " +
                                std::to_string(offset) + detail + At(chunk_at));
    }
    open->second += length;
  }
  if (!offsets.empty()) {
    return Status::Corruption("xbstream: the stream ends before the end chunk of " + offsets.begin()->first +
                              " (truncated)" + At(source->position()));
  }
  return Status::OK();
}

}  // namespace hotbackup
