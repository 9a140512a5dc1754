// FileReader: reads one regular file from start to end, buffered or with
// O_DIRECT, and tells whether it changed underneath.
//
// Direct reads bypass the page cache (as a server running with
// rocksdb_use_direct_reads expects of its neighbours). Only files of
// kDirectIoMinFileSize and more are read that way: for a small file (.frm,
// CURRENT) a direct read is a device round trip where the page cache
// already holds it, which made a schema of 10,000 tables 45x slower. They need the buffer
// address and the read length aligned to kDirectIoAlignment; the file's
// unaligned tail is read by asking for a whole aligned block and accepting
// the short count at end of file. Where a filesystem refuses O_DIRECT
// (tmpfs, some FUSE) the reader falls back to buffered reads and logs that
// once per process.
//
// A change of size while reading is an error (kChanged). A change of link
// count or ctime is not: RocksDB files are immutable, and the live server
// unlinking a hard-linked SST after compaction changes both without touching
// the data. For files a live server appends to (an error log in the
// datadir), GrowthPolicy::kReadSizeAtOpen reads the first size-at-open bytes
// and ignores growth; shrinking is still an error. Not thread-safe.
#ifndef HOTBACKUP_IO_FILE_READER_H_
#define HOTBACKUP_IO_FILE_READER_H_

#include <sys/stat.h>

#include <span>
#include <string>

#include "hotbackup/io/unique_fd.h"
#include "hotbackup/util/status.h"

namespace hotbackup {

enum class ReadMode { kBuffered, kDirect };

inline constexpr uint64_t kDirectIoMinFileSize = 1 << 20;
enum class GrowthPolicy { kFail, kReadSizeAtOpen };

class FileReader {
 public:
  FileReader() = default;
  FileReader(FileReader&&) = default;
  FileReader& operator=(FileReader&&) = default;

  // Opens `path`, which must be a regular file. Symbolic links are followed.
  Status Open(const std::string& path, ReadMode mode,
              GrowthPolicy growth = GrowthPolicy::kFail);

  // As Open, for the file `name` relative to the directory `dir_fd` (or
  // AT_FDCWD), as openat(2); `path` names it in messages.
  Status OpenAt(int dir_fd, const char* name, const std::string& path, ReadMode mode,
                GrowthPolicy growth = GrowthPolicy::kFail);

  // As Open, for a file already open as `fd` whose fstat(2) is `st`
  // (which must describe a regular file); `path` names it in messages.
  Status Adopt(UniqueFd fd, const struct stat& st, const std::string& path, ReadMode mode,
               GrowthPolicy growth = GrowthPolicy::kFail);

  // The file's metadata as of Open.
  const struct stat& stat_at_open() const { return stat_; }
  uint64_t size() const { return static_cast<uint64_t>(stat_.st_size); }
  // Whether reads actually bypass the page cache (false after a fallback).
  bool direct() const { return direct_; }

  // Reads the next bytes of the file into `buffer`, setting *n to the count
  // (0 only at end of file). The whole buffer may be used; in direct mode its
  // address and size must be multiples of kDirectIoAlignment. Fails with
  // kChanged if the file turns out longer or shorter than at Open.
  Status Read(std::span<uint8_t> buffer, size_t* n);

  // Whether the last Read reached the end of the file: the size known at
  // Open was read and the file ended there (or grew, under kReadSizeAtOpen).
  // The next Read would return 0; the caller may skip it.
  bool at_end() const { return at_end_; }

  // Reads up to buffer.size() bytes at `offset` without moving the reader's
  // position; may be called from several threads at once (pread). Same
  // alignment rules as Read. No change detection: see ReadAhead.
  Status ReadAt(uint64_t offset, std::span<uint8_t> buffer, size_t* n) const;

  // After the last Read: fails with kChanged if the size differs from Open.
  // Without a system call when a single Read returned the whole file and
  // reached its end (at_end()): that read saw the size unchanged.
  Status CheckUnchanged() const;

  GrowthPolicy growth() const { return growth_; }

  const std::string& path() const { return path_; }

 private:
  Status FallBackToBuffered(const char* why);
  // The rest of Open once fd_ and stat_ are set.
  Status Prepare(ReadMode mode);

  UniqueFd fd_;
  std::string path_;
  struct stat stat_ {};
  uint64_t offset_ = 0;
  bool direct_ = false;
  bool at_end_ = false;
  uint64_t reads_ = 0;  // successful Read calls
  GrowthPolicy growth_ = GrowthPolicy::kFail;
};

}  // namespace hotbackup

#endif  // HOTBACKUP_IO_FILE_READER_H_
