// ProgressReporter: tells the DBA how far a backup has come.
//
// Log mode (stderr not a terminal, e.g. cron): the original tool's line each
// time another GB of SST data has been sent:
//   "Backup Progress: 42.00%   Sent   1.00 GB of   2.38 GB data, Transfer Speed: 512.00 MB/s"
// Terminal mode: a single live line, redrawn at most 4 times a second, with
// percent, bytes, rate and ETA; cleared before any other log line is needed.
// Not thread-safe.
#ifndef HOTBACKUP_UTIL_PROGRESS_H_
#define HOTBACKUP_UTIL_PROGRESS_H_

#include <chrono>
#include <cstdint>

namespace hotbackup {

class ProgressReporter {
 public:
  // `live` selects terminal mode.
  explicit ProgressReporter(bool live);
  ~ProgressReporter();

  // The SST bytes this backup expects to send in total (grows across rounds).
  void SetTarget(uint64_t total_bytes) { target_ = total_bytes; }
  // Accounts for SST bytes just sent.
  void AddSent(uint64_t bytes);
  // Erases the live line so a log line can follow; it reappears on the next update.
  void Clear();

  uint64_t sent() const { return sent_; }

 private:
  using Clock = std::chrono::steady_clock;
  void Draw();

  const bool live_;
  uint64_t target_ = 0;
  uint64_t sent_ = 0;
  uint64_t sent_at_last_line_ = 0;
  Clock::time_point start_;
  Clock::time_point last_line_;
  Clock::time_point last_draw_{};
  bool drawn_ = false;
};

}  // namespace hotbackup

#endif  // HOTBACKUP_UTIL_PROGRESS_H_
