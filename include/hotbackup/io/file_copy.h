// CopyFile: one regular file copied with its permission bits and mtime.
// Used by --copy_back / cross-filesystem --move_back (made durable before
// the source may go) and by the backup to snapshot the server's files while
// commits are blocked (not synced: the copy only lives for the backup).
#ifndef HOTBACKUP_IO_FILE_COPY_H_
#define HOTBACKUP_IO_FILE_COPY_H_

#include <sys/stat.h>

#include <cstdint>
#include <string>

#include "hotbackup/util/status.h"

namespace hotbackup {

enum class Durability { kSynced, kNotSynced };

// Creates `to` (which must not exist; symlinks are not followed at either
// end) with the bytes, mode and mtime of `from`, and adds its size to
// *bytes. kChanged if `from` shrinks while copied.
Status CopyFile(const std::string& from, const std::string& to, Durability durability,
                uint64_t* bytes);

// As CopyFile, from `in_fd`, already open, whose fstat(2) is `st` (`from`
// names it in messages).
Status CopyOpenFile(int in_fd, const struct stat& st, const std::string& from,
                    const std::string& to, Durability durability, uint64_t* bytes);

}  // namespace hotbackup

#endif  // HOTBACKUP_IO_FILE_COPY_H_
