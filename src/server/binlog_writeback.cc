// Writing the server's binlog back to disk during a backup, a little at a
// time. See binlog_writeback.h for why.
#include "hotbackup/server/binlog_writeback.h"

#include <fcntl.h>
#include <unistd.h>

#include <fstream>
#include <utility>

namespace hotbackup {

std::string CurrentBinlogFromIndex(const std::string& index_path, const std::string& datadir) {
  std::ifstream in(index_path);
  if (!in) return "";
  std::string line, last;
  while (std::getline(in, line)) {
    if (!line.empty()) last = line;
  }
  if (last.empty()) return "";
  if (last.front() == '/') return last;
  return datadir + "/" + last;
}

BinlogWriteback::~BinlogWriteback() { Stop(); }

void BinlogWriteback::Start(const std::string& index_path, const std::string& datadir,
                            std::chrono::milliseconds period) {
  if (thread_.joinable()) return;
  stop_ = false;
  thread_ = std::thread(&BinlogWriteback::Run, this, index_path, datadir, period);
}

BinlogWriteback::Counts BinlogWriteback::Stop() {
  if (thread_.joinable()) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stop_ = true;
    }
    wake_.notify_all();
    thread_.join();
  }
  return counts_;
}

void BinlogWriteback::Run(std::string index_path, std::string datadir,
                          std::chrono::milliseconds period) {
  std::string path;
  int fd = -1;
  std::unique_lock<std::mutex> lock(mutex_);
  while (!wake_.wait_for(lock, period, [this] { return stop_; })) {
    lock.unlock();
    // Rotation: the index names the new file before anything is written to it.
    std::string current = CurrentBinlogFromIndex(index_path, datadir);
    if (!current.empty() && current != path) {
      if (fd >= 0) close(fd);
      fd = open(current.c_str(), O_RDONLY | O_CLOEXEC);
      path = current;
      if (fd >= 0) ++counts_.files;
    }
    if (fd >= 0 && sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE) == 0) ++counts_.requests;
    lock.lock();
  }
  if (fd >= 0) close(fd);
}

}  // namespace hotbackup
