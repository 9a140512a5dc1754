// EntrySink: where an archive reader (archive_reader.h) puts the entries it
// decodes: files as a begin, their bytes, an end; directories as one call.
// The readers own the format; the sink owns what becomes of the entries (a
// directory tree, or only checksums for --verify: restore/extract_target.h),
// so the archive stage names this interface and never a class above it.
//
// The calls for a file come in the order BeginFile, Write*, EndFile, all with
// the same path. Files may interleave (XBSTREAM allows it): another file can
// begin, be written or end between them. Paths are the archive's bytes as
// they are, not checked: a sink that writes anywhere must refuse an unsafe
// one itself (ValidateArchivePath, archive_path.h), and also a path that
// comes twice. A reader stops at the first error, its own or the sink's, and
// returns it; it may leave files begun and never ended, which the sink's
// owner must discard. Sinks are not thread-safe: one reader calls them.
#ifndef HOTBACKUP_ARCHIVE_ENTRY_SINK_H_
#define HOTBACKUP_ARCHIVE_ENTRY_SINK_H_

#include <sys/types.h>

#include <ctime>
#include <string>

#include "hotbackup/io/byte_sink.h"
#include "hotbackup/util/status.h"

namespace hotbackup {

class EntrySink {
 public:
  virtual ~EntrySink() = default;

  // A regular file begins. `permissions` are the archive's permission bits
  // as they are (0640 for XBSTREAM, which records none); `mtime.tv_nsec` is
  // UTIME_OMIT when the format records no time (XBSTREAM).
  virtual Status BeginFile(const std::string& path, mode_t permissions, timespec mtime) = 0;
  // The next bytes of the begun file `path`, in order.
  virtual Status Write(const std::string& path, ByteSpan data) = 0;
  // `path` has all its bytes.
  virtual Status EndFile(const std::string& path) = 0;
  // A directory entry (tar only); `path` may end with a '/'.
  virtual Status MakeDirectory(const std::string& path) = 0;
};

}  // namespace hotbackup

#endif  // HOTBACKUP_ARCHIVE_ENTRY_SINK_H_
