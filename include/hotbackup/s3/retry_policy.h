// RetryPolicy: when an S3 request that failed is sent again.
//
// Transient failures (no response at all, HTTP 408/429/500/502/503/504, S3's
// RequestTimeout, SlowDown, InternalError) are retried with exponential
// backoff and full jitter: the n-th wait is random in [0, min(max_delay,
// initial_delay * 2^(n-1))]. A request gives up once `budget_seconds` have
// passed since its first failure, as xbcloud and wal-g do. Everything else
// (403 SignatureDoesNotMatch, 404 NoSuchBucket, ...) is final at once.
#ifndef HOTBACKUP_S3_RETRY_POLICY_H_
#define HOTBACKUP_S3_RETRY_POLICY_H_

#include <chrono>
#include <cstdint>
#include <random>
#include <string_view>

namespace hotbackup {

struct RetryPolicy {
  double initial_delay_seconds = 0.2;
  double max_delay_seconds = 20;
  double budget_seconds = 300;
};

// Whether an HTTP answer with this status and S3 error code ("" if none)
// is worth sending again.
bool IsTransientS3Error(long http_status, std::string_view s3_code);

// The waits of one request's retries.
class RetrySchedule {
 public:
  using Clock = std::chrono::steady_clock;
  explicit RetrySchedule(const RetryPolicy& policy, uint64_t seed = std::random_device{}());

  // After a transient failure: the seconds to wait before the next attempt,
  // or a negative value once the budget is spent (the wait would end past
  // it).
  double NextDelay();
  int failures() const { return failures_; }
  double seconds_since_first_failure() const;

 private:
  RetryPolicy policy_;
  std::mt19937_64 random_;
  int failures_ = 0;
  Clock::time_point first_failure_;
};

}  // namespace hotbackup

#endif  // HOTBACKUP_S3_RETRY_POLICY_H_
