// Small helpers shared by everything that writes through a descriptor or
// handles paths.
#ifndef HOTBACKUP_IO_FILE_IO_H_
#define HOTBACKUP_IO_FILE_IO_H_

#include <span>
#include <string>

#include "hotbackup/io/byte_sink.h"
#include "hotbackup/util/status.h"

namespace hotbackup {

// Writes all of `data` to `fd`, retrying short writes and EINTR (unless a
// signal asked us to stop: kAborted). `name` appears in errors; EPIPE is
// reported as the reading side having gone away.
Status WriteFully(int fd, ByteSpan data, const std::string& name);
// The same for several pieces in order, with writev(2): one system call
// where the descriptor takes everything at once. Empty pieces are allowed.
Status WriteVectorFully(int fd, std::span<const ByteSpan> pieces, const std::string& name);

// "/a/b//" -> "/a/b"; "/" stays "/".
std::string StripTrailingSlashes(std::string path);

}  // namespace hotbackup

#endif  // HOTBACKUP_IO_FILE_IO_H_
