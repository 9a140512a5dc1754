// S3Client: the S3 REST calls a backup and a restore make, signed with
// SigV4 (sigv4.h), sent through a pool of HttpClients (one per concurrent
// caller, each keeping its connection), retried as RetryPolicy says.
//
// Addressing: with an endpoint ("http://127.0.0.1:7480") every URL is
// path-style, endpoint/bucket/key; without one, AWS's regional endpoint
// https://BUCKET.s3.REGION.amazonaws.com/key (path-style for a bucket with
// a dot, which a wildcard certificate cannot match).
//
// Until the store has answered at least once, a request that gets no answer
// is retried only for `first_contact_budget_seconds`: a wrong or unreachable
// endpoint fails in seconds, while an outage in the middle of a backup is
// ridden out for the whole retry budget.
//
// Errors are one line naming the object and the call: "s3://b/k: PUT part
// 12: HTTP 403 SignatureDoesNotMatch (...)". They never carry a credential.
// Every method is thread-safe. A call given a `cancel` flag gives up (kAborted)
// soon after it becomes true, in a transfer or in a wait between retries.
#ifndef HOTBACKUP_S3_S3_CLIENT_H_
#define HOTBACKUP_S3_S3_CLIENT_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "hotbackup/io/byte_sink.h"
#include "hotbackup/s3/http_client.h"
#include "hotbackup/s3/retry_policy.h"
#include "hotbackup/s3/s3_credentials.h"
#include "hotbackup/s3/s3_url.h"
#include "hotbackup/s3/s3_xml.h"
#include "hotbackup/util/status.h"

namespace hotbackup {

struct S3Config {
  std::string endpoint;  // "" = AWS
  std::string region = "us-east-1";
  S3Credentials credentials;
  RetryPolicy retry;
  double first_contact_budget_seconds = 5;
  HttpTimeouts timeouts;
};

struct S3ObjectInfo {
  uint64_t size = 0;
  std::string etag;
};

// The URL of `url`'s object as addressed above, without a query; *host is
// the Host header's value and *encoded_path the path, both as signed.
std::string S3ObjectUrl(const S3Config& config, const S3Url& url, std::string* host,
                        std::string* encoded_path);

class S3Client {
 public:
  explicit S3Client(S3Config config);
  ~S3Client();
  S3Client(const S3Client&) = delete;
  S3Client& operator=(const S3Client&) = delete;

  // kNotFound when there is no such object (or bucket).
  Status HeadObject(const S3Url& url, S3ObjectInfo* info);
  // A whole object of at most `max_size` bytes (a manifest).
  Status GetObject(const S3Url& url, uint64_t max_size, std::string* data);
  // Bytes [offset, offset + length) of the object whose ETag is `etag`
  // (If-Match: an object replaced during a restore is an error, kChanged,
  // not a mix of two backups). *data's memory is reused for the bytes.
  Status GetRange(const S3Url& url, uint64_t offset, uint64_t length, const std::string& etag,
                  std::string* data, const std::atomic<bool>* cancel = nullptr);
  // Gone already counts as done. Clean-up on a failure path: retried for
  // 15 s at most, and not stopped by a signal.
  Status DeleteObject(const S3Url& url);

  Status CreateMultipartUpload(const S3Url& url, std::string* upload_id);
  // The part's SHA-256 is signed, so the store refuses a part damaged on the way.
  Status UploadPart(const S3Url& url, const std::string& upload_id, int part_number,
                    ByteSpan data, std::string* etag, const std::atomic<bool>* cancel = nullptr);
  Status CompleteMultipartUpload(const S3Url& url, const std::string& upload_id,
                                 const std::vector<CompletedPart>& parts);
  // Retried for at most `budget_seconds` (it runs on the way out of a
  // failed backup, which should not hang on it).
  Status AbortMultipartUpload(const S3Url& url, const std::string& upload_id,
                              double budget_seconds);

  const S3Config& config() const { return config_; }

 private:
  struct Call;
  Status Execute(const Call& call, HttpResponse* response);
  std::unique_ptr<HttpClient> Borrow();
  void Return(std::unique_ptr<HttpClient> client);

  S3Config config_;
  std::mutex mu_;
  std::vector<std::unique_ptr<HttpClient>> idle_;  // guarded by mu_
  std::atomic<bool> contacted_{false};
};

}  // namespace hotbackup

#endif  // HOTBACKUP_S3_S3_CLIENT_H_
