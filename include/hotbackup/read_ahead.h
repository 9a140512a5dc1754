// ReadAhead: keeps several reads of one file in flight, for O_DIRECT.
//
// Direct reads get no kernel read-ahead, so a single reader waits for the
// device on every block. ReadAhead owns `depth` aligned buffers of
// `block_size` bytes and as many worker threads; while the caller encodes
// block i, blocks i+1 .. i+depth-1 are being read. Blocks come out in file
// order. Memory is depth x block_size whatever the file size.
//
// It checks what FileReader::Read checks: a block short of the size known at
// open means the file shrank (kChanged); bytes past it mean it grew (kChanged,
// or ignored under GrowthPolicy::kReadSizeAtOpen). Not thread-safe: one
// caller; the FileReader must stay open until Finish or the next Start.
#ifndef HOTBACKUP_READ_AHEAD_H_
#define HOTBACKUP_READ_AHEAD_H_

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include "hotbackup/aligned_buffer.h"
#include "hotbackup/byte_sink.h"
#include "hotbackup/file_reader.h"

namespace hotbackup {

class ReadAhead {
 public:
  ReadAhead(size_t block_size, int depth);
  ~ReadAhead();
  ReadAhead(const ReadAhead&) = delete;
  ReadAhead& operator=(const ReadAhead&) = delete;

  // Starts reading `file` from its beginning (after Finish of any previous file).
  void Start(const FileReader* file);
  // The next block; empty at the end of the file. Valid until the next call.
  Status Next(ByteSpan* block);
  // Waits for reads still in flight; call before the FileReader goes away.
  void Finish();

 private:
  struct Slot {
    AlignedBuffer buffer;
    uint64_t offset = 0;
    size_t got = 0;
    Status status;
    bool done = false;
  };

  void Issue(size_t block);
  void WorkerLoop();

  const size_t block_size_;
  std::vector<Slot> slots_;
  std::vector<std::thread> workers_;
  std::mutex mu_;
  std::condition_variable work_ready_;
  std::condition_variable slot_done_;
  std::deque<size_t> queue_;  // slot indices to read
  size_t in_flight_ = 0;
  bool stopping_ = false;

  const FileReader* file_ = nullptr;
  uint64_t size_ = 0;
  size_t blocks_ = 0;      // in the file
  size_t next_block_ = 0;  // the next one Next returns
  bool returned_ = false;  // a block is out with the caller
};

}  // namespace hotbackup

#endif  // HOTBACKUP_READ_AHEAD_H_
