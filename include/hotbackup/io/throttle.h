// Throttle: keeps a byte stream's average rate at or under a limit.
//
// Callers report bytes as they move them; Pace() sleeps just long enough that
// the total so far has taken at least total/rate seconds. Called once per
// read block (the pipeline shrinks blocks when throttled so the pauses are
// short and the rate smooth). Not thread-safe.
#ifndef HOTBACKUP_IO_THROTTLE_H_
#define HOTBACKUP_IO_THROTTLE_H_

#include <chrono>
#include <cstdint>

#include "hotbackup/util/status.h"

namespace hotbackup {

class Throttle {
 public:
  // 0 = unlimited.
  explicit Throttle(uint64_t bytes_per_second) : rate_(bytes_per_second) {}

  uint64_t rate() const { return rate_; }

  // Accounts for `bytes` and sleeps as needed; kAborted on a signal.
  Status Pace(uint64_t bytes);

 private:
  using Clock = std::chrono::steady_clock;
  uint64_t rate_;
  uint64_t total_ = 0;
  Clock::time_point start_{};
  bool started_ = false;
};

}  // namespace hotbackup

#endif  // HOTBACKUP_IO_THROTTLE_H_
