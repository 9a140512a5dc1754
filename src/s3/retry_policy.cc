// Backoff with full jitter (the AWS architecture blog's "Exponential Backoff
// And Jitter"): waits spread out so parallel workers do not retry in step.
#include "hotbackup/s3/retry_policy.h"

#include <algorithm>
#include <cmath>

namespace hotbackup {

bool IsTransientS3Error(long http_status, std::string_view s3_code) {
  if (s3_code == "RequestTimeout" || s3_code == "SlowDown" || s3_code == "InternalError" ||
      s3_code == "ServiceUnavailable") {
    return true;
  }
  switch (http_status) {
    case 408:
    case 429:
    case 500:
    case 502:
    case 503:
    case 504:
      return true;
    default:
      return false;
  }
}

RetrySchedule::RetrySchedule(const RetryPolicy& policy, uint64_t seed)
    : policy_(policy), random_(seed) {}

double RetrySchedule::NextDelay() {
  Clock::time_point now = Clock::now();
  if (failures_++ == 0) first_failure_ = now;
  double ceiling = std::min(policy_.max_delay_seconds,
                            policy_.initial_delay_seconds * std::ldexp(1.0, std::min(failures_ - 1, 30)));
  double delay = std::uniform_real_distribution<double>(0.0, ceiling)(random_);
  double elapsed = std::chrono::duration<double>(now - first_failure_).count();
  if (elapsed + delay > policy_.budget_seconds) return -1;
  return delay;
}

double RetrySchedule::seconds_since_first_failure() const {
  if (failures_ == 0) return 0;
  return std::chrono::duration<double>(Clock::now() - first_failure_).count();
}

}  // namespace hotbackup
