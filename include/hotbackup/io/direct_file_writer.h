// DirectFileWriter: sequential writes to a regular file with O_DIRECT, from
// the start of the file, behind the caller.
//
// Why: bytes written through the page cache are copied into page-cache pages
// first. That copy evicts what the database host had cached (a backup of N
// GiB pushes N GiB through the cache), and it costs far more than the
// copy itself where fresh pages are expensive to touch: in a VM whose
// hypervisor takes back free memory (virtio-balloon free page reporting), a
// GiB written into freshly reported pages took 4-5 s of system time here,
// against 0.2 s with O_DIRECT. With O_DIRECT the device reads our own
// (reused) buffers and the page cache is left alone.
//
// Data is gathered into block-aligned buffers; each full buffer is written
// by a background thread while the caller fills the other one, so the
// device's time overlaps the caller's as with writeback. The tail that does
// not fill a block is written by Finish without O_DIRECT.
//
// Open fails (and the caller writes through the page cache instead) where the
// file system does not take O_DIRECT. Errors name `name` as WriteFully's do;
// after an error every later call returns it. Not thread-safe: one caller.
#ifndef HOTBACKUP_IO_DIRECT_FILE_WRITER_H_
#define HOTBACKUP_IO_DIRECT_FILE_WRITER_H_

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "hotbackup/io/aligned_buffer.h"
#include "hotbackup/io/byte_sink.h"
#include "hotbackup/util/status.h"

namespace hotbackup {

class DirectFileWriter {
 public:
  // Size of each of the two buffers: the unit of every O_DIRECT write.
  static constexpr size_t kBufferSize = size_t{1} << 20;

  // `fd`: a regular file opened for writing, empty, at offset 0, which the
  // writer does not own and which must stay open until Finish or
  // destruction. Turns O_DIRECT on for it; kNotSupported-like errors (the
  // file system refuses O_DIRECT) come back as a non-OK Status and leave the
  // descriptor as it was.
  static Status Open(int fd, const std::string& name, std::unique_ptr<DirectFileWriter>* out);

  // Waits for the write in flight (its result is lost: call Finish to see
  // errors) and stops the thread.
  ~DirectFileWriter();

  DirectFileWriter(const DirectFileWriter&) = delete;
  DirectFileWriter& operator=(const DirectFileWriter&) = delete;

  // Appends `data`; returns once it is copied (or an earlier write failed).
  Status Write(ByteSpan data);

  // Writes what is left (the last partial block through the page cache, with
  // O_DIRECT turned off again) and waits for every write. Does not fsync.
  Status Finish();

 private:
  DirectFileWriter(int fd, std::string name);
  void WriterLoop();
  // Waits until the thread has no buffer; returns its first error.
  Status WaitIdle();
  Status WriteAt(const uint8_t* data, size_t size, uint64_t offset);

  const int fd_;
  const std::string name_;
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
