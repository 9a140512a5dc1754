// ArchiveWriter: encodes a sequence of files into one archive stream.
//
// Calls come in the order BeginFile, Append*, EndFile for each file, then one
// Finish. The bytes appended for a file must add up to FileEntry::size
// exactly: tar writes the size in the header before the data, so a writer
// refuses both too many and too few bytes. Output goes to a ByteSink that
// must remain live while the writer is used. Not thread-safe.
#ifndef HOTBACKUP_ARCHIVE_ARCHIVE_WRITER_H_
#define HOTBACKUP_ARCHIVE_ARCHIVE_WRITER_H_

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <ctime>
#include <memory>
#include <span>
#include <string>

#include "hotbackup/io/byte_sink.h"
#include "hotbackup/util/status.h"

namespace hotbackup {

enum class ArchiveFormat { kTar, kXbstream };

// What an archive records of a regular file.
struct FileEntry {
  std::string archive_path;  // relative, '/'-separated
  uint64_t size = 0;
  mode_t permissions = 0644;  // permission bits only
  timespec mtime{};
  uid_t uid = 0;
  gid_t gid = 0;
};

class ArchiveWriter {
 public:
  virtual ~ArchiveWriter() = default;

  virtual Status BeginFile(const FileEntry& entry) = 0;
  virtual Status Append(ByteSpan data) = 0;

  virtual Status EndFile() = 0;
  // Writes the archive trailer, if the format has one, then finishes the sink.
  virtual Status Finish() = 0;
};

// POSIX pax (restricted) tar, as libarchive writes it: plain ustar headers
// where they suffice, pax extended headers for paths that do not fit ustar's
// name and prefix, non-ASCII paths or sizes of 8 GiB and more. Plain headers
// are written without libarchive (see ustar_format.h), byte for byte the
// same. The archive is padded to 10 KiB records, as tar(1) writes.
Status NewTarWriter(ByteSink* sink, std::unique_ptr<ArchiveWriter>* writer);

// XBSTREAM (see xbstream_format.h): readable by `xbstream -x` and `mbstream -x`.
// Bytes from Appends shorter than kXbstreamDirectAppendSize are gathered into 'P' chunks of exactly
// xbstream::kChunkPayloadSize (the last of a file shorter). A longer Append
// is written to the sink straight from the caller's memory, as chunks of its
// own of at most kChunkPayloadSize; bytes gathered before it are emitted
// first, as a shorter chunk. Chunk sizes thus depend on the caller's appends;
// contents and offsets do not. An Append past the declared size is refused
// before any of its bytes is written.
std::unique_ptr<ArchiveWriter> NewXbstreamWriter(ByteSink* sink);

// Below this, a copy into the chunk buffer is cheaper than a chunk header and
// a sink write of their own. From 64 KiB up the copy it saves is the larger
// cost, and a header (34 bytes plus the path) adds about 0.1 % for a typical
// path; ArchiveStream's 256 KiB buffered reads and 4 MiB direct reads both
// go out without a copy.
inline constexpr size_t kXbstreamDirectAppendSize = 64 << 10;

// Either of the above, by format.
Status NewArchiveWriter(ArchiveFormat format, ByteSink* sink,
                        std::unique_ptr<ArchiveWriter>* writer);

}  // namespace hotbackup

#endif  // HOTBACKUP_ARCHIVE_ARCHIVE_WRITER_H_
