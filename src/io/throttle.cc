// Average-rate throttling. Measuring against the start of the stream (not a
// sliding window) gives the average the option promises; a pause that ran
// long (a slow disk) is not "caught up" beyond the average.
#include "hotbackup/io/throttle.h"

#include "hotbackup/util/interrupt.h"

namespace hotbackup {

Status Throttle::Pace(uint64_t bytes) {
  if (rate_ == 0) return Status::OK();
  if (!started_) {
    started_ = true;
    start_ = Clock::now();
  }
  total_ += bytes;
  double due = static_cast<double>(total_) / static_cast<double>(rate_);
  double elapsed = std::chrono::duration<double>(Clock::now() - start_).count();
  if (due > elapsed) return InterruptibleSleep(due - elapsed);
  return CheckInterrupted();
}

}  // namespace hotbackup
