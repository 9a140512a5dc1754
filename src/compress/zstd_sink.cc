// zstd compression stage: the ZSTD_compressStream2 loop, feeding input as it
// arrives and draining the output buffer into the downstream sink whenever
// it fills. Finish ends the frame (ZSTD_e_end) before finishing downstream,
// so no padding can ever follow the frame.
//
// With worker threads libzstd cuts the input into jobs and holds a ring of
// input of (workers + 3) jobs plus an output buffer per job in flight. Its
// default job is four windows (8 MiB at level 3): with two workers, 40 MiB
// of ring and three or four 8 MiB output buffers, 67 of a backup's 70 MiB of
// peak RSS. Jobs of one level-3 window (2 MiB) keep it near 20 MiB.
#include "hotbackup/compress/zstd_sink.h"

#include <zstd.h>

#include <string>
#include <vector>

namespace hotbackup {
namespace {

// Measured on 1 GB of SSTs (zstd -3 -T2 -B): 2 MiB jobs compressed as well
// and as fast as the default 8 MiB ones (each job starts from the overlap of
// the one before, so matches still reach back across a job's start). Where a
// level's overlap is larger (the high levels' full window), libzstd raises
// the job to it.
constexpr int kWorkerJobSize = 2 << 20;

struct CCtxDeleter {
  void operator()(ZSTD_CCtx* c) const { ZSTD_freeCCtx(c); }
};

Status ZstdError(const std::string& context, size_t code) {
  return Status::InvalidArgument("zstd: " + context + ": " + ZSTD_getErrorName(code));
}

class ZstdSink final : public ByteSink {
 public:
  explicit ZstdSink(ByteSink* downstream) : downstream_(downstream) {}

  Status Open(const ZstdOptions& options) {
    cctx_.reset(ZSTD_createCCtx());
    if (!cctx_) return Status::IOError("zstd: create context", ENOMEM);
    if (options.level < ZSTD_minCLevel() || options.level > ZSTD_maxCLevel()) {
      return Status::InvalidArgument("zstd: compression level " + std::to_string(options.level) +
                                     " is outside " + std::to_string(ZSTD_minCLevel()) + ".." +
                                     std::to_string(ZSTD_maxCLevel()));
    }
    size_t rc = ZSTD_CCtx_setParameter(cctx_.get(), ZSTD_c_compressionLevel, options.level);
    if (ZSTD_isError(rc)) return ZstdError("set level", rc);
    rc = ZSTD_CCtx_setParameter(cctx_.get(), ZSTD_c_checksumFlag, 1);
    if (ZSTD_isError(rc)) return ZstdError("enable checksum", rc);
    if (options.threads < 0) {
      return Status::InvalidArgument("zstd: thread count must be 0 or more");
    }
    if (options.threads > 0) {
      rc = ZSTD_CCtx_setParameter(cctx_.get(), ZSTD_c_nbWorkers, options.threads);
      if (ZSTD_isError(rc)) return ZstdError("set worker threads", rc);
      rc = ZSTD_CCtx_setParameter(cctx_.get(), ZSTD_c_jobSize, kWorkerJobSize);
      if (ZSTD_isError(rc)) return ZstdError("set job size", rc);
    }
    out_.resize(ZSTD_CStreamOutSize() * 8);
    return Status::OK();
  }

  Status Write(ByteSpan data) override { return Compress(data, ZSTD_e_continue); }

  Status Finish() override {
    HOTBACKUP_RETURN_IF_ERROR(Compress({}, ZSTD_e_end));
    return downstream_->Finish();
  }

 private:
  Status Compress(ByteSpan data, ZSTD_EndDirective mode) {
    ZSTD_inBuffer in{data.data(), data.size(), 0};
    for (;;) {
      ZSTD_outBuffer out{out_.data(), out_.size(), 0};
      size_t remaining = ZSTD_compressStream2(cctx_.get(), &out, &in, mode);
      if (ZSTD_isError(remaining)) return ZstdError("compress", remaining);
      if (out.pos > 0) HOTBACKUP_RETURN_IF_ERROR(downstream_->Write(AsBytes(out_.data(), out.pos)));
      // continue: done once all input is consumed (the rest stays buffered
      // inside zstd). end: done once zstd reports nothing left to flush.
      bool done = mode == ZSTD_e_end ? remaining == 0 : in.pos == in.size;
      if (done) return Status::OK();
    }
  }

  ByteSink* const downstream_;
  std::unique_ptr<ZSTD_CCtx, CCtxDeleter> cctx_;
  std::vector<uint8_t> out_;
};

}  // namespace

Status NewZstdSink(const ZstdOptions& options, ByteSink* downstream,
                   std::unique_ptr<ByteSink>* sink) {
  auto zstd = std::make_unique<ZstdSink>(downstream);
  HOTBACKUP_RETURN_IF_ERROR(zstd->Open(options));
  *sink = std::move(zstd);
  return Status::OK();
}

int ZstdMinLevel() { return ZSTD_minCLevel(); }
int ZstdMaxLevel() { return ZSTD_maxCLevel(); }

}  // namespace hotbackup
