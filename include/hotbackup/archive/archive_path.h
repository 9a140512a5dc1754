// ValidateArchivePath: the one check for every relative name that comes from
// outside the tool and is about to name a file below a directory of ours:
// an archive entry's name (tar, XBSTREAM), a manifest's "path" (including an
// incremental's files marked "in" an earlier backup, which are looked up in
// and linked from a base directory), and the names the backup writes.
//
// A valid path is non-empty, relative, without a NUL byte, and made of
// components that are neither empty nor "." nor "..": resolved below any
// directory, it stays below it (symbolic links on the way are the opener's
// business: OpenParentBelow in io/file_io.h refuses them; names too long
// for the file system are its ENAMETOOLONG, and the formats' own limits
// their writers'). Everything else is kInvalidArgument with one line that
// shows the name with its control bytes escaped, so that a hostile name
// cannot forge log lines.
#ifndef HOTBACKUP_ARCHIVE_ARCHIVE_PATH_H_
#define HOTBACKUP_ARCHIVE_ARCHIVE_PATH_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "hotbackup/util/status.h"

namespace hotbackup {

Status ValidateArchivePath(std::string_view path);

// `path` for a message: bytes below 0x20 and 0x7f as "\xNN", a backslash as
// "\\"; at most 256 bytes of it, then "...".
std::string ShownArchivePath(std::string_view path);

}  // namespace hotbackup

#endif  // HOTBACKUP_ARCHIVE_ARCHIVE_PATH_H_
