// DirectFileWriter: writes regular files start to end, one at a time, with
// O_DIRECT for every file of a megabyte or more, behind the caller.
//
// Why: bytes written through the page cache are first copied into
// page-cache pages. That evicts what the host had cached (a backup or a
// restore of N GiB pushes N GiB through the cache), and it costs far more
// than the copy itself where fresh pages are expensive to touch: in a VM
// whose hypervisor takes back free memory (virtio-balloon free page
// reporting), a GiB written into reported pages took 4-5 s of system time
// here, against 0.2 s with O_DIRECT, which lets the device read our own
// reused buffers instead.
//
// Data is gathered into two block-aligned buffers: the caller fills one while
// a thread writes the other, so the device's time overlaps the caller's as
// with writeback. A file is switched to O_DIRECT when its first buffer fills;
// a smaller file is written with one ordinary write(2) at Finish (a direct
// write of a few KiB would be a device round trip per file), as is the last
// partial block of a large one. Where the file system refuses O_DIRECT, the
// same writes go through the page cache.
//
// Errors name the file as WriteFully's do ("write to NAME: ..."); after an
// error, Write returns it until Finish, which returns it and frees the
// writer for the next file. Not thread-safe: one caller.
#ifndef HOTBACKUP_IO_DIRECT_FILE_WRITER_H_
#define HOTBACKUP_IO_DIRECT_FILE_WRITER_H_

#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "hotbackup/io/aligned_buffer.h"
#include "hotbackup/io/byte_sink.h"
#include "hotbackup/util/status.h"

namespace hotbackup {

class DirectFileWriter {
 public:
  // Size of each of the two buffers: the unit of every O_DIRECT write, and
  // the size from which a file is written with O_DIRECT.
  static constexpr size_t kBufferSize = size_t{1} << 20;

  // Allocates the buffers and starts the thread.
  DirectFileWriter();
  // Waits for a write in flight (its result is lost: Finish reports errors).
  ~DirectFileWriter();
  DirectFileWriter(const DirectFileWriter&) = delete;
  DirectFileWriter& operator=(const DirectFileWriter&) = delete;

  // Starts a file: `fd` is an empty regular file open for writing, at
  // offset 0 (refused otherwise), not owned, open until Finish. `name`
  // appears in errors. Refused while another file is in progress.
  Status Begin(int fd, std::string name);
  bool in_file() const { return fd_ >= 0; }

  // Appends to the file; returns once `data` is copied (or with the error
  // of an earlier write).
  Status Write(ByteSpan data);

  // Ends the file: writes what is left, waits for every write, turns
  // O_DIRECT off again and leaves the descriptor's position at the end of
  // the file (as plain writes would). Does not fsync. Afterwards the writer
  // takes the next file, also after an error.
  Status Finish();

  // Whether the current or last file went to the device with O_DIRECT.
  bool wrote_direct() const { return direct_; }

 private:
  void WriterLoop();
  // Waits until the thread holds no buffer; returns its first error.
  Status WaitIdle();
  Status WriteAt(const uint8_t* data, size_t size, uint64_t offset);

  int fd_ = -1;
  std::string name_;
  bool direct_ = false;
  AlignedBuffer filling_;  // the caller's
  size_t filled_ = 0;
  uint64_t offset_ = 0;  // where the next full buffer goes

  std::mutex mutex_;
  std::condition_variable changed_;
  AlignedBuffer pending_;  // the thread's, while `busy_`
  uint64_t pending_offset_ = 0;
  bool busy_ = false;
  bool stop_ = false;
  Status error_;
  std::thread thread_;
};

}  // namespace hotbackup

#endif  // HOTBACKUP_IO_DIRECT_FILE_WRITER_H_
