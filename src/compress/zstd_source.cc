// zstd decompression stage: the ZSTD_decompressStream loop, refilling the
// input buffer from the compressed source whenever zstd has used it up and
// returning as soon as some output is ready. Whether a frame is still open
// when the input ends is what tells a complete stream from a truncated one.
#include "hotbackup/compress/zstd_source.h"

#include <zstd.h>

#include <cerrno>
#include <cstdint>
#include <string>
#include <vector>

namespace hotbackup {
namespace {

static_assert(kZstdMagicSize == sizeof(uint32_t));
// kZstdMagic is ZSTD_MAGICNUMBER written little-endian.
static_assert(static_cast<uint8_t>(kZstdMagic[0]) == (ZSTD_MAGICNUMBER & 0xff) &&
              static_cast<uint8_t>(kZstdMagic[1]) == ((ZSTD_MAGICNUMBER >> 8) & 0xff) &&
              static_cast<uint8_t>(kZstdMagic[2]) == ((ZSTD_MAGICNUMBER >> 16) & 0xff) &&
              static_cast<uint8_t>(kZstdMagic[3]) == ((ZSTD_MAGICNUMBER >> 24) & 0xff));

struct DCtxDeleter {
  void operator()(ZSTD_DCtx* d) const { ZSTD_freeDCtx(d); }
};

class ZstdSource final : public ByteSource {
 public:
  explicit ZstdSource(ByteSource* compressed)
      : compressed_(compressed), dctx_(ZSTD_createDCtx()), in_(ZSTD_DStreamInSize()) {}

  Status Read(std::span<uint8_t> buffer, size_t* n) override {
    *n = 0;
    if (!dctx_) return Status::IOError("zstd: create context", ENOMEM);
    ZSTD_outBuffer out{buffer.data(), buffer.size(), 0};
    while (out.pos == 0) {
      if (in_pos_ == in_size_) {
        size_t got = 0;
        HOTBACKUP_RETURN_IF_ERROR(compressed_->Read(in_, &got));
        if (got == 0) {
          if (frame_open_) return Status::Corruption("zstd: the compressed stream is truncated");
          return Status::OK();  // end of input at a frame boundary
        }
        in_pos_ = 0;
        in_size_ = got;
      }
      ZSTD_inBuffer in{in_.data(), in_size_, in_pos_};
      size_t rc = ZSTD_decompressStream(dctx_.get(), &out, &in);
      if (ZSTD_isError(rc)) {
        return Status::Corruption(std::string("zstd: ") + ZSTD_getErrorName(rc));
      }
      in_pos_ = in.pos;
      frame_open_ = rc != 0;
    }
    *n = out.pos;
    return Status::OK();
  }

 private:
  ByteSource* compressed_;
  std::unique_ptr<ZSTD_DCtx, DCtxDeleter> dctx_;
  std::vector<uint8_t> in_;
  size_t in_pos_ = 0;
  size_t in_size_ = 0;
  bool frame_open_ = false;
};

}  // namespace

Status NewZstdSource(ByteSource* compressed, std::unique_ptr<ByteSource>* source) {
  *source = std::make_unique<ZstdSource>(compressed);
  return Status::OK();
}

}  // namespace hotbackup
