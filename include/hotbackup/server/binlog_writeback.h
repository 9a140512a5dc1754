// BinlogWriteback: the server's binary log written back to disk a little at
// a time while a backup runs, so that the commit block at the last
// checkpoint does not wait for the whole backup's worth of it.
//
// MariaDB's BACKUP STAGE BLOCK_COMMIT syncs the binlog under its log lock
// (backup_block_commit: my_sync of the binlog file). With sync_binlog=0 the
// binlog sits in the page cache until the kernel writes it back (up to
// vm.dirty_expire_centisecs, 30 s by default), so that sync writes up to
// 30 s of binlog while every writer waits: about 250 ms in bench/
// commit_latency, where the rounds of a backup used to sync a round's worth
// each. Here a thread asks the kernel every `period` to start writing the
// current binlog back (sync_file_range SYNC_FILE_RANGE_WRITE: no wait, no
// journal commit, no lock of the server's), which the kernel would do
// anyway a few seconds later; the block then syncs what came in since.
//
// The current file is the last line of the binlog index (log_bin_index), as
// the server writes it there before it writes to the file. Nothing is done
// (and nothing reported) if the index or the file cannot be read: the
// backup does not depend on it. Start and Stop from one thread; the
// destructor stops and joins.
#ifndef HOTBACKUP_SERVER_BINLOG_WRITEBACK_H_
#define HOTBACKUP_SERVER_BINLOG_WRITEBACK_H_

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

namespace hotbackup {

// The file the index's last non-empty line names, resolved against
// `datadir` when relative; "" if the index cannot be read or is empty.
std::string CurrentBinlogFromIndex(const std::string& index_path, const std::string& datadir);

class BinlogWriteback {
 public:
  struct Counts {
    uint64_t requests = 0;  // sync_file_range calls that succeeded
    uint64_t files = 0;     // binlog files opened (rotations + 1)
  };

  BinlogWriteback() = default;
  ~BinlogWriteback();
  BinlogWriteback(const BinlogWriteback&) = delete;
  BinlogWriteback& operator=(const BinlogWriteback&) = delete;

  // Starts the thread. `index_path` and `datadir` as the server reports
  // them (@@log_bin_index, @@datadir).
  void Start(const std::string& index_path, const std::string& datadir,
             std::chrono::milliseconds period);
  bool started() const { return thread_.joinable(); }
  // Stops and joins the thread; what it did. Idempotent.
  Counts Stop();

 private:
  void Run(std::string index_path, std::string datadir, std::chrono::milliseconds period);

  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;  // guarded by mutex_
  Counts counts_;      // written by the thread, read after join
};

}  // namespace hotbackup

#endif  // HOTBACKUP_SERVER_BINLOG_WRITEBACK_H_
