// Which compression a backup stream gets: the one name the command line, the
// archive stream and the manifest share. The codec itself is zstd_sink.h
// (and, reading back, the zstd source beside it).
#ifndef HOTBACKUP_COMPRESS_COMPRESSION_H_
#define HOTBACKUP_COMPRESS_COMPRESSION_H_

namespace hotbackup {

enum class Compression { kNone, kZstd };

}  // namespace hotbackup

#endif  // HOTBACKUP_COMPRESS_COMPRESSION_H_
