// Archive readers: replay the entries of a tar or XBSTREAM stream into an
// EntrySink (entry_sink.h), which must remain live while the reader runs.
// Both stop at the first damage with a kCorruption message naming the entry
// and the archive byte offset, or at the first error the sink returns.
#ifndef HOTBACKUP_ARCHIVE_ARCHIVE_READER_H_
#define HOTBACKUP_ARCHIVE_ARCHIVE_READER_H_

#include "hotbackup/archive/entry_sink.h"
#include "hotbackup/io/byte_source.h"

namespace hotbackup {

// XBSTREAM: magic, flags, chunk types, path lengths, per-file running
// offsets ("out-of-order chunk") and every payload's CRC-32 are checked; a
// stream that ends inside a chunk is truncated.
Status ReadXbstream(PeekSource* source, EntrySink* sink);

// tar (ustar, pax, GNU) through libarchive. Only regular files and
// directories are accepted: symbolic links, hard links and devices are
// refused, since a backup holds none and they are how extraction escapes
// its directory.
Status ReadTar(PeekSource* source, EntrySink* sink);

}  // namespace hotbackup

#endif  // HOTBACKUP_ARCHIVE_ARCHIVE_READER_H_
