#include "hotbackup/s3/retry_policy.h"

#include <catch2/catch.hpp>

using namespace hotbackup;

TEST_CASE("Retry: throttling, 5xx and timeouts are transient, refusals are not", "[unit][s3]") {
  for (long status : {408L, 429L, 500L, 502L, 503L, 504L}) CHECK(IsTransientS3Error(status, ""));
  CHECK(IsTransientS3Error(503, "SlowDown"));
  CHECK(IsTransientS3Error(400, "RequestTimeout"));
  CHECK(IsTransientS3Error(200, "InternalError"));  // inside a 200 CompleteMultipartUpload
  for (long status : {400L, 403L, 404L, 405L, 409L, 412L, 501L}) {
    CHECK_FALSE(IsTransientS3Error(status, ""));
  }
  CHECK_FALSE(IsTransientS3Error(403, "SignatureDoesNotMatch"));
  CHECK_FALSE(IsTransientS3Error(404, "NoSuchBucket"));
}

TEST_CASE("Retry: waits grow exponentially with full jitter up to the cap", "[unit][s3]") {
  RetryPolicy policy{.initial_delay_seconds = 0.5, .max_delay_seconds = 4, .budget_seconds = 1e9};
  RetrySchedule schedule(policy, 42);
  double largest_seen[12] = {};
  for (int round = 0; round < 200; ++round) {
    RetrySchedule s(policy, 1000 + round);
    for (int n = 0; n < 12; ++n) {
      double d = s.NextDelay();
      double ceiling = std::min(4.0, 0.5 * (1 << n));
      REQUIRE(d >= 0);
      REQUIRE(d <= ceiling);
      largest_seen[n] = std::max(largest_seen[n], d);
    }
  }
  // Over 200 schedules the waits reach most of each ceiling: the jitter
  // spreads over the whole range, and the ceiling really grows.
  CHECK(largest_seen[0] > 0.4);
  CHECK(largest_seen[2] > 1.6);
  CHECK(largest_seen[11] > 3.2);
  CHECK(schedule.failures() == 0);
}

TEST_CASE("Retry: the budget ends the retries", "[unit][s3]") {
  RetryPolicy policy{.initial_delay_seconds = 10, .max_delay_seconds = 10, .budget_seconds = 0};
  RetrySchedule schedule(policy, 7);
  // Any positive wait would end past a budget of zero.
  double d = schedule.NextDelay();
  CHECK((d < 0 || d == 0));
  CHECK(schedule.failures() == 1);
}
