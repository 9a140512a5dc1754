// XBSTREAM encoder (format in include/hotbackup/archive/xbstream_format.h).
//
// The CRC of a payload sits in the chunk header, before the payload, so a
// chunk cannot be emitted until its last byte is known. Small appends are
// gathered into one chunk-sized buffer (bounded memory: 10 MiB whatever the
// file size) and each full buffer becomes one 'P' chunk; the CRC is computed
// as bytes arrive, while they are still in cache. A large append (at least
// kXbstreamDirectAppendSize) is already whole in the caller's memory: it is
// emitted from there as chunks of its own, at most 10 MiB each, CRC first,
// and never copied: the pipeline's reads all go out that way.
// Anything gathered before it goes out first, as a shorter chunk. Readers
// take chunks of any size; they only check that offsets follow each other.
#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "hotbackup/archive/archive_writer.h"
#include "hotbackup/archive/crc32.h"
#include "hotbackup/archive/xbstream_format.h"
#include "hotbackup/util/coding.h"

namespace hotbackup {
namespace {

class XbstreamWriter final : public ArchiveWriter {
 public:
  explicit XbstreamWriter(ByteSink* sink) : sink_(sink) {}

  Status BeginFile(const FileEntry& entry) override {
    const std::string& path = entry.archive_path;
    if (path.empty()) return Status::InvalidArgument("xbstream: empty archive path");
    if (path.size() >= xbstream::kMaxPathLength) {
      return Status::InvalidArgument("xbstream: path of " + std::to_string(path.size()) +
                                     " bytes is too long (the format allows at most " +
                                     std::to_string(xbstream::kMaxPathLength - 1) +
                                     "): " + path.substr(0, 64) + "...");
    }
    path_ = path;
    expected_size_ = entry.size;
    file_offset_ = 0;
    pending_ = 0;
    pending_crc_ = 0;
    if (payload_.empty()) payload_.resize(xbstream::kChunkPayloadSize);
    return Status::OK();
  }

  Status Append(ByteSpan data) override {
    if (file_offset_ + pending_ + data.size() > expected_size_) {
      return Status::InvalidArgument("xbstream: more bytes than the declared size of " + path_);
    }
    if (data.size() >= kXbstreamDirectAppendSize) {
      // Flushed rather than topped up from `data`: the span is never copied.
      if (pending_ > 0) HOTBACKUP_RETURN_IF_ERROR(EmitPending());
      while (!data.empty()) {
        ByteSpan piece = data.first(std::min(data.size(), xbstream::kChunkPayloadSize));
        HOTBACKUP_RETURN_IF_ERROR(EmitChunk(piece, Crc32(0, piece)));
        data = data.subspan(piece.size());
      }
      return Status::OK();
    }
    while (!data.empty()) {
      size_t take = std::min(data.size(), payload_.size() - pending_);
      std::memcpy(payload_.data() + pending_, data.data(), take);
      pending_crc_ = Crc32(pending_crc_, data.first(take));
      pending_ += take;
      data = data.subspan(take);
      if (pending_ == payload_.size()) HOTBACKUP_RETURN_IF_ERROR(EmitPending());
    }
    return Status::OK();
  }

  Status EndFile() override {
    if (pending_ > 0) HOTBACKUP_RETURN_IF_ERROR(EmitPending());
    if (file_offset_ != expected_size_) {
      return Status::InvalidArgument("xbstream: " + path_ + " ended after " +
                                     std::to_string(file_offset_) + " of " +
                                     std::to_string(expected_size_) + " bytes");
    }
    uint8_t header[xbstream::kChunkPrefixSize];
    PutPrefix(header, xbstream::kTypeEnd);
    HOTBACKUP_RETURN_IF_ERROR(sink_->Write(AsBytes(header, sizeof(header))));
    return sink_->Write(AsBytes(path_.data(), path_.size()));
  }

  Status Finish() override { return sink_->Finish(); }

 private:
  void PutPrefix(uint8_t* out, uint8_t type) const {
    std::memcpy(out, xbstream::kMagic, xbstream::kMagicSize);
    out[xbstream::kFlagsOffset] = xbstream::kFlagNone;
    out[xbstream::kTypeOffset] = type;
    EncodeFixed32(out + xbstream::kPathLengthOffset, static_cast<uint32_t>(path_.size()));
  }

  // One 'P' chunk at the current offset: prefix, path and payload fields go
  // out in one write, then the payload from wherever it is.
  Status EmitChunk(ByteSpan payload, uint32_t crc) {
    header_.resize(xbstream::kChunkPrefixSize + path_.size() + xbstream::kPayloadFieldsSize);
    uint8_t* out = header_.data();
    PutPrefix(out, xbstream::kTypePayload);
    out += xbstream::kChunkPrefixSize;
    std::memcpy(out, path_.data(), path_.size());
    out += path_.size();
    EncodeFixed64(out + xbstream::kPayloadLengthOffset, payload.size());
    EncodeFixed64(out + xbstream::kPayloadOffsetOffset, file_offset_);
    EncodeFixed32(out + xbstream::kChecksumOffset, crc);
    HOTBACKUP_RETURN_IF_ERROR(sink_->Write(header_));
    HOTBACKUP_RETURN_IF_ERROR(sink_->Write(payload));
    file_offset_ += payload.size();
    return Status::OK();
  }

  // The gathered bytes as one chunk.
  Status EmitPending() {
    HOTBACKUP_RETURN_IF_ERROR(EmitChunk(AsBytes(payload_.data(), pending_), pending_crc_));
    pending_ = 0;
    pending_crc_ = 0;
    return Status::OK();
  }

  ByteSink* const sink_;
  std::string path_;
  uint64_t expected_size_ = 0;
  uint64_t file_offset_ = 0;  // bytes of this file already emitted
  std::vector<uint8_t> payload_;
  size_t pending_ = 0;  // bytes gathered in payload_
  uint32_t pending_crc_ = 0;
  std::vector<uint8_t> header_;
};

}  // namespace

std::unique_ptr<ArchiveWriter> NewXbstreamWriter(ByteSink* sink) {
  return std::make_unique<XbstreamWriter>(sink);
}

}  // namespace hotbackup
