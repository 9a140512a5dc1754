// ReadAhead: keeps several reads in flight over a queue of files, for O_DIRECT.
//
// Direct reads get no kernel read-ahead, so a single reader waits for the
// device on every block. ReadAhead owns `depth` aligned buffers of
// `block_size` bytes and as many worker threads; while the caller encodes
// one block, the next depth-1 are being read. Files are queued with Add and
// read one after the other as one sequence, so the first blocks of the next
// file are already on their way while the last blocks of the current one are
// consumed: the device does not idle at file boundaries. Blocks come out in
// order. Memory is depth x block_size whatever the file sizes or count.
//
// It checks what FileReader::Read checks: a block short of the size known at
// open means the file shrank (kChanged); bytes past it mean it grew (kChanged,
// or ignored under GrowthPolicy::kReadSizeAtOpen). Not thread-safe: one
// caller. A queued FileReader must stay open until Next has returned the end
// of that file, or until Finish.
#ifndef HOTBACKUP_IO_READ_AHEAD_H_
#define HOTBACKUP_IO_READ_AHEAD_H_

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include "hotbackup/io/aligned_buffer.h"
#include "hotbackup/io/byte_sink.h"
#include "hotbackup/io/file_reader.h"

namespace hotbackup {

class ReadAhead {
 public:
  ReadAhead(size_t block_size, int depth);
  ~ReadAhead();
  ReadAhead(const ReadAhead&) = delete;
  ReadAhead& operator=(const ReadAhead&) = delete;

  // Queues `file` (read from its beginning) after the files already queued.
  void Add(const FileReader* file);
  // The next block of the oldest queued file. Empty at the end of that
  // file, which leaves the queue; the next call continues with the next
  // file. A block is valid until the next call. After an error, call Finish.
  Status Next(ByteSpan* block);
  // Drops every queued file and waits for the reads still in flight.
  void Finish();
  // Whether `file` is queued.
  bool Queued(const FileReader* file) const;

 private:
  struct Slot {
    AlignedBuffer buffer;
    const FileReader* file = nullptr;
    uint64_t offset = 0;
    size_t got = 0;
    Status status;
    bool done = true;
  };
  // A queued file's blocks are numbered first .. first + blocks - 1 in one
  // sequence over all files; block n lives in slot n % depth.
  struct Job {
    const FileReader* file;
    uint64_t first;
    uint64_t blocks;
  };

  // Issues reads into every free slot. Requires mu_.
  void TopUp();
  void WorkerLoop();

  const size_t block_size_;
  std::vector<Slot> slots_;
  std::vector<std::thread> workers_;
  mutable std::mutex mu_;
  std::condition_variable work_ready_;
  std::condition_variable slot_done_;
  std::deque<size_t> queue_;  // slot indices to read
  size_t in_flight_ = 0;
  bool stopping_ = false;

  std::deque<Job> jobs_;   // queued files, oldest first
  uint64_t end_ = 0;       // one past the last block of the last queued file
  uint64_t issued_ = 0;    // blocks issued so far
  uint64_t next_ = 0;      // the block Next returns next
  bool returned_ = false;  // block next_ - 1 is out with the caller
};

}  // namespace hotbackup

#endif  // HOTBACKUP_IO_READ_AHEAD_H_
