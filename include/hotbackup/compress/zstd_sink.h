// ZstdSink: compresses everything written to it into ONE zstd frame and
// writes the compressed bytes to a downstream sink.
//
// The frame is valid on its own (`zstd -t`, `zstd -dc`) and carries a content
// checksum. With threads > 0 libzstd compresses in that many worker threads
// (still one frame), in jobs of 2 MiB (or a level's overlap, if larger): at
// level 3 with 2 threads libzstd holds about 20 MiB, (threads + 3) jobs of
// input, an output buffer per job in flight and a context per thread. The
// downstream sink must remain live while this sink is used. Not thread-safe.
#ifndef HOTBACKUP_COMPRESS_ZSTD_SINK_H_
#define HOTBACKUP_COMPRESS_ZSTD_SINK_H_

#include <memory>

#include "hotbackup/io/byte_sink.h"

namespace hotbackup {

struct ZstdOptions {
  int level = 3;    // negative levels (fast modes) allowed, down to ZSTD_minCLevel()
  int threads = 0;  // worker threads; 0 = compress in the calling thread
};

// Fails with kInvalidArgument for a level or thread count libzstd refuses.
Status NewZstdSink(const ZstdOptions& options, ByteSink* downstream,
                   std::unique_ptr<ByteSink>* sink);

// The range of levels libzstd accepts, for option checking and help texts.
int ZstdMinLevel();
int ZstdMaxLevel();

}  // namespace hotbackup

#endif  // HOTBACKUP_COMPRESS_ZSTD_SINK_H_
