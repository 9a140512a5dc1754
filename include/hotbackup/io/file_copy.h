// CopyFile: one regular file copied with its permission bits and mtime, used
// by the backup to snapshot the server's files while commits are blocked
// (not synced: the copy only lives for the backup). CopyFileBytes is the
// byte copy under it, which --copy_back / cross-filesystem --move_back use
// too (restore/restored_copy.h: their files get the restored modes and
// owner instead).
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

// The first `size` bytes of `in_fd` appended to `out_fd`, both open: in the
// kernel (copy_file_range: shared extents where the filesystem can) or,
// between filesystems, through a buffer. kChanged if `in_fd` ends sooner;
// `from` and `to` name the two in messages.
Status CopyFileBytes(int in_fd, int out_fd, off_t size, const std::string& from,
                     const std::string& to);

// As CopyFile, from `in_fd`, already open, whose fstat(2) is `st` (`from`
// names it in messages).
Status CopyOpenFile(int in_fd, const struct stat& st, const std::string& from,
                    const std::string& to, Durability durability, uint64_t* bytes);

}  // namespace hotbackup

#endif  // HOTBACKUP_IO_FILE_COPY_H_
