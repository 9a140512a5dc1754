// ZstdSource: the reading side of zstd_sink.h. Decompresses zstd frames read
// from another ByteSource, for --extract and --verify.
//
// Frames may follow one another (`cat a.zst b.zst` decompresses to the
// concatenation, as `zstd -dc` does); each frame's content checksum, when it
// has one (ZstdSink always writes it), is checked. The compressed source is
// not owned and must remain live while the ZstdSource is used. Not
// thread-safe.
#ifndef HOTBACKUP_COMPRESS_ZSTD_SOURCE_H_
#define HOTBACKUP_COMPRESS_ZSTD_SOURCE_H_

#include <cstddef>
#include <memory>

#include "hotbackup/io/byte_source.h"
#include "hotbackup/util/status.h"

namespace hotbackup {

// The first four bytes of every zstd frame: ZSTD_MAGICNUMBER (0xFD2FB528)
// little-endian (RFC 8878 section 3.1.1). Format detection looks for this
// magic only: a stream that opens with a skippable frame is not taken for
// zstd.
inline constexpr char kZstdMagic[] = "\x28\xb5\x2f\xfd";
inline constexpr size_t kZstdMagicSize = sizeof(kZstdMagic) - 1;

// A source of the decompressed bytes of `compressed`. Its Read fails with
// kCorruption for bytes that are not zstd, a checksum mismatch, or a stream
// that ends inside a frame; input that ends at a frame boundary is the end.
Status NewZstdSource(ByteSource* compressed, std::unique_ptr<ByteSource>* source);

}  // namespace hotbackup

#endif  // HOTBACKUP_COMPRESS_ZSTD_SOURCE_H_
