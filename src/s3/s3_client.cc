// One Execute loop for every call: sign (anew per attempt: the date is part
// of the signature), send, classify, wait, send again.
#include "hotbackup/s3/s3_client.h"

#include <chrono>
#include <thread>

#include "hotbackup/util/interrupt.h"
#include "hotbackup/util/log.h"
#include "hotbackup/util/sha256.h"

namespace hotbackup {

struct S3Client::Call {
  std::string what;  // "s3://b/k: PUT part 3", for messages
  std::string method;
  S3Url url;
  HttpHeaders query{};
  HttpHeaders headers{};  // signed and sent
  ByteSpan body{};
  const std::atomic<bool>* cancel = nullptr;
  size_t expected_response_size = 0;
  double budget_seconds = -1;  // < 0: the policy's
  bool interruptible = true;   // false for the clean-up after a signal
};

namespace {

std::string Describe(const S3Url& url, const std::string& call) {
  return url.ToString() + ": " + call;
}

// Sleeps `seconds` unless a signal (when `interruptible`) or `cancel` comes
// first.
Status WaitBeforeRetry(double seconds, const std::atomic<bool>* cancel, bool interruptible) {
  auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  for (;;) {
    if (interruptible) HOTBACKUP_RETURN_IF_ERROR(CheckInterrupted());
    if (cancel != nullptr && cancel->load()) return Status::Aborted("cancelled");
    if (std::chrono::steady_clock::now() >= end) return Status::OK();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

// What to tell a user about a refusal that retrying will not change.
std::string Hint(const std::string& code) {
  if (code == "SignatureDoesNotMatch" || code == "InvalidAccessKeyId" || code == "AccessDenied") {
    return "; check the credentials (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, or "
           "~/.aws/credentials) and the region (--s3_region)";
  }
  if (code == "NoSuchBucket") return "; the bucket does not exist";
  if (code == "PermanentRedirect" || code == "AuthorizationHeaderMalformed" ||
      code == "IllegalLocationConstraintException") {
    return "; the bucket is in another region than --s3_region says";
  }
  return "";
}

}  // namespace

std::string S3ObjectUrl(const S3Config& config, const S3Url& url, std::string* host,
                        std::string* encoded_path) {
  if (!config.endpoint.empty()) {
    // scheme://host[:port][/prefix]: a prefix (a store behind a proxy
    // path) is part of the path that is signed.
    std::string endpoint = config.endpoint;
    while (!endpoint.empty() && endpoint.back() == '/') endpoint.pop_back();
    size_t host_start = endpoint.find("://");
    host_start = host_start == std::string::npos ? 0 : host_start + 3;
    size_t host_end = endpoint.find('/', host_start);
    if (host_end == std::string::npos) host_end = endpoint.size();
    *host = endpoint.substr(host_start, host_end - host_start);
    *encoded_path = endpoint.substr(host_end) + UriEncodePath(url.bucket, url.key);
    return endpoint.substr(0, host_end) + *encoded_path;
  }
  std::string regional = "s3." + config.region + ".amazonaws.com";
  if (url.bucket.find('.') != std::string::npos) {
    *host = regional;
    *encoded_path = UriEncodePath(url.bucket, url.key);
  } else {
    *host = url.bucket + "." + regional;
    *encoded_path = UriEncodePath("", url.key);
  }
  return "https://" + *host + *encoded_path;
}

S3Client::S3Client(S3Config config) : config_(std::move(config)) {}
S3Client::~S3Client() = default;

std::unique_ptr<HttpClient> S3Client::Borrow() {
  std::lock_guard<std::mutex> lock(mu_);
  if (idle_.empty()) return std::make_unique<HttpClient>(config_.timeouts);
  std::unique_ptr<HttpClient> client = std::move(idle_.back());
  idle_.pop_back();
  return client;
}

void S3Client::Return(std::unique_ptr<HttpClient> client) {
  std::lock_guard<std::mutex> lock(mu_);
  idle_.push_back(std::move(client));
}

Status S3Client::Execute(const Call& call, HttpResponse* response) {
  std::string host;
  std::string path;
  std::string base_url = S3ObjectUrl(config_, call.url, &host, &path);
  std::string query = CanonicalQueryString(call.query);
  HttpRequest request;
  request.method = call.method;
  request.url = query.empty() ? base_url : base_url + "?" + query;
  request.body = call.body;
  request.expected_response_size = call.expected_response_size;
  SigV4Request to_sign;
  to_sign.method = call.method;
  to_sign.host = host;
  to_sign.encoded_path = path;
  to_sign.query = call.query;
  to_sign.headers = call.headers;
  to_sign.payload_sha256 =
      Sha256Hex(std::string_view(reinterpret_cast<const char*>(call.body.data()), call.body.size()));

  RetrySchedule schedule(config_.retry);
  for (;;) {
    request.headers = call.headers;
    for (auto& header : SignV4(to_sign, config_.credentials, config_.region, time(nullptr))) {
      request.headers.push_back(std::move(header));
    }
    std::unique_ptr<HttpClient> client = Borrow();
    client->set_cancel_flag(call.cancel);
    client->set_interruptible(call.interruptible);
    Status sent = client->Perform(request, response);
    client->set_cancel_flag(nullptr);
    client->set_interruptible(true);
    Return(std::move(client));

    std::string failure;
    if (sent.ok()) {
      contacted_ = true;
      if (response->status >= 200 && response->status < 300) return Status::OK();
      S3Error error;
      bool has_error = ParseS3Error(response->body, &error);
      failure = "HTTP " + std::to_string(response->status);
      if (has_error) {
        failure += " " + error.code;
        if (!error.message.empty()) failure += " (" + error.message + ")";
      }
      if (!IsTransientS3Error(response->status, error.code)) {
        std::string message = Describe(call.url, call.what) + ": " + failure + Hint(error.code);
        if (response->status == 404) return Status::NotFound(message);
        if (response->status == 412) return Status::Changed(message);
        return Status::Remote(message);
      }
    } else if (sent.code() == Status::Code::kRemote) {
      failure = sent.message();
    } else {
      return sent.WithContext(Describe(call.url, call.what));
    }

    double budget = call.budget_seconds >= 0 ? call.budget_seconds
                    : contacted_.load()      ? config_.retry.budget_seconds
                                             : config_.first_contact_budget_seconds;
    double delay = schedule.NextDelay();
    if (delay < 0 || schedule.seconds_since_first_failure() + delay > budget) {
      return Status::Remote(Describe(call.url, call.what) + ": " + failure + "; gave up after " +
                            std::to_string(schedule.failures()) + " attempt" +
                            (schedule.failures() == 1 ? "" : "s") + " in " +
                            std::to_string(static_cast<int>(schedule.seconds_since_first_failure())) +
                            " s");
    }
    // The 1st, 2nd, 4th, 8th... failure of a request: an outage of minutes
    // is a few lines per worker, not one per attempt.
    const int n = schedule.failures();
    if ((n & (n - 1)) == 0) {
      HB_LOG_WARN("%s: %s; retrying in %.1f s (attempt %d)", Describe(call.url, call.what).c_str(),
                  failure.c_str(), delay, n + 1);
    }
    HOTBACKUP_RETURN_IF_ERROR(WaitBeforeRetry(delay, call.cancel, call.interruptible));
  }
}

Status S3Client::HeadObject(const S3Url& url, S3ObjectInfo* info) {
  Call call{.what = "HEAD", .method = "HEAD", .url = url};
  HttpResponse response;
  Status s = Execute(call, &response);
  if (s.code() == Status::Code::kNotFound) {
    return Status::NotFound(url.ToString() + ": no such object (or bucket)");
  }
  HOTBACKUP_RETURN_IF_ERROR(s);
  const std::string* length = response.Header("content-length");
  const std::string* etag = response.Header("etag");
  if (length == nullptr || etag == nullptr) {
    return Status::Remote(url.ToString() + ": HEAD: no Content-Length or ETag in the answer");
  }
  info->size = std::stoull(*length);
  info->etag = *etag;
  return Status::OK();
}

Status S3Client::GetObject(const S3Url& url, uint64_t max_size, std::string* data) {
  S3ObjectInfo info;
  HOTBACKUP_RETURN_IF_ERROR(HeadObject(url, &info));
  if (info.size > max_size) {
    return Status::InvalidArgument(url.ToString() + " is " + std::to_string(info.size) +
                                   " bytes, more than the " + std::to_string(max_size) +
                                   " expected");
  }
  if (info.size == 0) {
    data->clear();
    return Status::OK();
  }
  return GetRange(url, 0, info.size, info.etag, data);
}

Status S3Client::GetRange(const S3Url& url, uint64_t offset, uint64_t length,
                          const std::string& etag, std::string* data,
                          const std::atomic<bool>* cancel) {
  std::string range = "bytes=" + std::to_string(offset) + "-" + std::to_string(offset + length - 1);
  Call call{.what = "GET " + range,
            .method = "GET",
            .url = url,
            .headers = {{"range", range}, {"if-match", etag}},
            .cancel = cancel,
            .expected_response_size = length};
  RetrySchedule short_reads(config_.retry);
  HttpResponse response;
  response.body = std::move(*data);  // its memory, for the body
  for (;;) {
    HOTBACKUP_RETURN_IF_ERROR(Execute(call, &response));
    if (response.body.size() == length) {
      *data = std::move(response.body);
      return Status::OK();
    }
    // A connection cut inside the body: libcurl reports most; an answer of
    // the wrong length is treated the same way.
    double delay = short_reads.NextDelay();
    std::string failure = "got " + std::to_string(response.body.size()) + " of " +
                          std::to_string(length) + " bytes";
    if (delay < 0) return Status::Remote(Describe(url, call.what) + ": " + failure);
    HB_LOG_WARN("%s: %s; retrying", Describe(url, call.what).c_str(), failure.c_str());
    HOTBACKUP_RETURN_IF_ERROR(WaitBeforeRetry(delay, cancel, true));
  }
}

Status S3Client::DeleteObject(const S3Url& url) {
  Call call{.what = "DELETE",
            .method = "DELETE",
            .url = url,
            .budget_seconds = 15,
            .interruptible = false};
  HttpResponse response;
  Status s = Execute(call, &response);
  return s.code() == Status::Code::kNotFound ? Status::OK() : s;
}

Status S3Client::CreateMultipartUpload(const S3Url& url, std::string* upload_id) {
  Call call{.what = "CreateMultipartUpload",
            .method = "POST",
            .url = url,
            .query = {{"uploads", ""}}};
  HttpResponse response;
  HOTBACKUP_RETURN_IF_ERROR(Execute(call, &response));
  return ParseUploadId(response.body, upload_id).WithContext(url.ToString());
}

Status S3Client::UploadPart(const S3Url& url, const std::string& upload_id, int part_number,
                            ByteSpan data, std::string* etag, const std::atomic<bool>* cancel) {
  Call call{.what = "PUT part " + std::to_string(part_number),
            .method = "PUT",
            .url = url,
            .query = {{"partNumber", std::to_string(part_number)}, {"uploadId", upload_id}},
            .body = data,
            .cancel = cancel};
  HttpResponse response;
  HOTBACKUP_RETURN_IF_ERROR(Execute(call, &response));
  const std::string* tag = response.Header("etag");
  if (tag == nullptr || tag->empty()) {
    return Status::Remote(Describe(url, call.what) + ": no ETag in the answer");
  }
  *etag = *tag;
  return Status::OK();
}

Status S3Client::CompleteMultipartUpload(const S3Url& url, const std::string& upload_id,
                                         const std::vector<CompletedPart>& parts) {
  std::string body = CompleteMultipartUploadXml(parts);
  Call call{.what = "CompleteMultipartUpload",
            .method = "POST",
            .url = url,
            .query = {{"uploadId", upload_id}},
            .headers = {{"content-type", "application/xml"}},
            .body = AsBytes(body.data(), body.size())};
  HttpResponse response;
  HOTBACKUP_RETURN_IF_ERROR(Execute(call, &response));
  return ParseCompleteMultipartUploadResult(response.body).WithContext(url.ToString());
}

Status S3Client::AbortMultipartUpload(const S3Url& url, const std::string& upload_id,
                                      double budget_seconds) {
  Call call{.what = "AbortMultipartUpload",
            .method = "DELETE",
            .url = url,
            .query = {{"uploadId", upload_id}},
            .budget_seconds = budget_seconds,
            .interruptible = false};
  HttpResponse response;
  Status s = Execute(call, &response);
  // Already gone (aborted, or completed by a race we lost): nothing to undo.
  if (s.code() == Status::Code::kNotFound) return Status::OK();
  return s;
}

}  // namespace hotbackup
