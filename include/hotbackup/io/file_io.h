// Small helpers shared by everything that writes through a descriptor or
// handles paths.
#ifndef HOTBACKUP_IO_FILE_IO_H_
#define HOTBACKUP_IO_FILE_IO_H_

#include <span>
#include <string>

#include "hotbackup/io/byte_sink.h"
#include "hotbackup/io/unique_fd.h"
#include "hotbackup/util/status.h"

namespace hotbackup {

// Writes all of `data` to `fd`, retrying short writes and EINTR (unless a
// signal asked us to stop: kAborted). `name` appears in errors; EPIPE is
// reported as the reading side having gone away.
Status WriteFully(int fd, ByteSpan data, const std::string& name);
// The same for several pieces in order, with writev(2): one system call
// where the descriptor takes everything at once. Empty pieces are allowed.
Status WriteVectorFully(int fd, std::span<const ByteSpan> pieces, const std::string& name);

// The whole of the regular file at `path` (a manifest, an IDENTITY file),
// refusing one larger than `max_size` bytes. Errors name the path. Opened
// with O_NONBLOCK: a FIFO is refused, never waited on.
Status ReadSmallFile(const std::string& path, std::string* contents,
                     uint64_t max_size = uint64_t{1} << 30);
// The same for the entry `name` of the directory `dir_fd`, found by name in
// a tree someone else may have made (a base or a backup directory): opened
// with O_NOFOLLOW | O_NONBLOCK, so a link or a FIFO is refused. `shown`
// names it in errors.
Status ReadSmallFileAt(int dir_fd, const std::string& name, const std::string& shown,
                       std::string* contents, uint64_t max_size = uint64_t{1} << 30);

// Opens the directory that holds the relative `path` below the directory
// `root_fd`, one component at a time with O_NOFOLLOW (a symbolic link on the
// way is refused with ELOOP), creating missing directories (mode 0750) when
// `create`. *leaf is the last component. `path` must have passed
// ValidateArchivePath.
Status OpenParentBelow(int root_fd, const std::string& path, bool create, UniqueFd* parent,
                       std::string* leaf);

// An unnamed temporary file (O_TMPFILE) in $TMPDIR or /tmp, gone when
// closed: where lists that grow with the number of files are kept instead
// of memory.
Status CreateUnnamedTemporaryFile(UniqueFd* fd);

// "/a/b//" -> "/a/b"; "/" stays "/".
std::string StripTrailingSlashes(std::string path);

// fsync(2) of a directory, so that the entries created, renamed or removed
// in it survive a crash (a file's own fsync does not cover its name). The
// one place this is written: `dir` is opened (O_DIRECTORY, following a
// link as any path does) and synced; errors name it ("fsync directory X").
Status SyncDirectory(const std::string& dir);
// The same for an open directory descriptor (not closed here); `shown`
// names it in errors.
Status SyncDirectory(int dir_fd, const std::string& shown);

}  // namespace hotbackup

#endif  // HOTBACKUP_IO_FILE_IO_H_
