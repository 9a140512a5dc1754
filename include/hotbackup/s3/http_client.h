// HttpClient: HTTP/1.1 exchanges through one libcurl easy handle, so that a
// run of requests reuses one kept-alive connection. One thread at a time;
// the S3 client keeps one per worker.
//
// Perform returns OK whenever a response arrived, whatever its status (the
// caller judges 4xx/5xx). A failure on the way (refused, reset, timed out,
// name not resolved) is kRemote and counts as transient; a URL libcurl
// cannot use at all (bad scheme, bad syntax, a TLS certificate that does
// not verify) is kInvalidArgument and is not worth retrying. A signal
// (util/interrupt.h) or the cancel flag aborts a transfer within about a
// second: kAborted.
//
// A URL's path is sent byte for byte as given, "./" and "../" segments
// included: it is what the request was signed with.
//
// A transfer that moves less than 1 KiB/s for `stall_seconds` is abandoned
// (kRemote), so a server that stops answering mid-body cannot hang a backup.
#ifndef HOTBACKUP_S3_HTTP_CLIENT_H_
#define HOTBACKUP_S3_HTTP_CLIENT_H_

#include <atomic>
#include <memory>
#include <string>
#include <string_view>

#include "hotbackup/io/byte_sink.h"
#include "hotbackup/s3/sigv4.h"
#include "hotbackup/util/status.h"

namespace hotbackup {

struct HttpRequest {
  std::string method;  // GET, HEAD, PUT, POST, DELETE
  std::string url;
  HttpHeaders headers;
  ByteSpan body;  // sent with PUT and POST; must stay valid during Perform
  size_t expected_response_size = 0;  // a hint: the body's memory is reserved up front
};

struct HttpResponse {
  long status = 0;
  HttpHeaders headers;  // names in lower case, values trimmed
  std::string body;

  // The first header of that (lower-case) name, or null.
  const std::string* Header(std::string_view name) const;
};

struct HttpTimeouts {
  long connect_seconds = 10;
  long stall_seconds = 30;
};

class HttpClient {
 public:
  explicit HttpClient(HttpTimeouts timeouts = {});
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // When set, a transfer is aborted once *cancel becomes true.
  void set_cancel_flag(const std::atomic<bool>* cancel) { cancel_ = cancel; }
  // Whether a signal aborts the transfer (default yes). The clean-up a
  // signal sets off (aborting a multipart upload) must itself get through.
  void set_interruptible(bool interruptible) { interruptible_ = interruptible; }

  // Fills *response; its body's capacity is reused.
  Status Perform(const HttpRequest& request, HttpResponse* response);

 private:
  struct Handle;
  std::unique_ptr<Handle> handle_;
  HttpTimeouts timeouts_;
  const std::atomic<bool>* cancel_ = nullptr;
  bool interruptible_ = true;
};

}  // namespace hotbackup

#endif  // HOTBACKUP_S3_HTTP_CLIENT_H_
