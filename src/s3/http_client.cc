// libcurl's easy interface, one handle reused for every request so the
// connection stays open between them (curl_easy_reset keeps it).
#include "hotbackup/s3/http_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <mutex>

#include "hotbackup/util/interrupt.h"

namespace hotbackup {
namespace {

void GlobalInitOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct ReadState {
  ByteSpan body;
  size_t offset = 0;
};

size_t ReadBody(char* buffer, size_t size, size_t count, void* user) {
  auto* state = static_cast<ReadState*>(user);
  size_t n = std::min(size * count, state->body.size() - state->offset);
  std::memcpy(buffer, state->body.data() + state->offset, n);
  state->offset += n;
  return n;
}

// libcurl may ask to send the body again (a redirect, an auth retry).
int SeekBody(void* user, curl_off_t offset, int origin) {
  auto* state = static_cast<ReadState*>(user);
  if (origin != SEEK_SET || offset < 0 || static_cast<size_t>(offset) > state->body.size()) {
    return CURL_SEEKFUNC_FAIL;
  }
  state->offset = static_cast<size_t>(offset);
  return CURL_SEEKFUNC_OK;
}

size_t WriteBody(char* data, size_t size, size_t count, void* user) {
  static_cast<std::string*>(user)->append(data, size * count);
  return size * count;
}

std::string Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return std::string(s);
}

// Each response's headers, one line per call; a new status line (after a
// 100 Continue) starts the list again.
size_t WriteHeader(char* data, size_t size, size_t count, void* user) {
  auto* headers = static_cast<HttpHeaders*>(user);
  std::string_view line(data, size * count);
  if (line.starts_with("HTTP/")) {
    headers->clear();
  } else if (size_t colon = line.find(':'); colon != std::string_view::npos) {
    std::string name(line.substr(0, colon));
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return std::tolower(c); });
    headers->emplace_back(std::move(name), Trim(line.substr(colon + 1)));
  }
  return size * count;
}

struct ProgressState {
  const std::atomic<bool>* cancel;
  bool interruptible;
};

int Progress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  auto* state = static_cast<const ProgressState*>(user);
  if (state->interruptible && InterruptSignal() != 0) return 1;
  return state->cancel != nullptr && state->cancel->load(std::memory_order_relaxed) ? 1 : 0;
}

// Failures that another attempt cannot fix: the URL or TLS setup is wrong.
bool IsPermanent(CURLcode code) {
  switch (code) {
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
    case CURLE_NOT_BUILT_IN:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CACERT_BADFILE:
      return true;
    default:
      return false;
  }
}

struct SlistDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};

}  // namespace

struct HttpClient::Handle {
  CURL* curl = nullptr;
  ~Handle() {
    if (curl != nullptr) curl_easy_cleanup(curl);
  }
};

const std::string* HttpResponse::Header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (key == name) return &value;
  }
  return nullptr;
}

HttpClient::HttpClient(HttpTimeouts timeouts)
    : handle_(std::make_unique<Handle>()), timeouts_(timeouts) {
  GlobalInitOnce();
  handle_->curl = curl_easy_init();
}

HttpClient::~HttpClient() = default;

Status HttpClient::Perform(const HttpRequest& request, HttpResponse* response) {
  CURL* curl = handle_->curl;
  if (curl == nullptr) return Status::Remote("libcurl could not make a handle");
  curl_easy_reset(curl);
  // The body's memory is kept: a caller reading ranges hands the same
  // buffer back for each, so it is not allocated and faulted in anew.
  response->status = 0;
  response->headers.clear();
  response->body.clear();
  response->body.reserve(request.expected_response_size);

  std::unique_ptr<curl_slist, SlistDeleter> headers;
  auto add_header = [&](const std::string& line) {
    curl_slist* next = curl_slist_append(headers.get(), line.c_str());
    if (next != nullptr) {
      headers.release();
      headers.reset(next);
    }
  };
  for (const auto& [name, value] : request.headers) add_header(name + ": " + value);
  // No "Expect: 100-continue" round trip before each part's body: S3
  // answers errors after the body just as well.
  add_header("Expect:");
  add_header("Content-Type:");  // never libcurl's form default on POST

  ReadState body{request.body, 0};
  curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
  // The path exactly as signed: an S3 key may hold "./" and "../"
  // segments, which libcurl would otherwise squash (RFC 3986 dot-segment
  // removal), sending a path whose signature no longer matches (403), or
  // naming another object.
  curl_easy_setopt(curl, CURLOPT_PATH_AS_IS, 1L);
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);  // threads, and our own SIGINT handling
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, timeouts_.connect_seconds);
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1024L);
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, timeouts_.stall_seconds);
  curl_easy_setopt(curl, CURLOPT_TCP_KEEPALIVE, 1L);
  // Large buffers: parts and ranges are megabytes, moved in few calls.
  curl_easy_setopt(curl, CURLOPT_BUFFERSIZE, 512L * 1024);
  curl_easy_setopt(curl, CURLOPT_UPLOAD_BUFFERSIZE, 2L * 1024 * 1024);
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, WriteBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &response->body);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, WriteHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &response->headers);
  curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, Progress);
  ProgressState progress{cancel_, interruptible_};
  curl_easy_setopt(curl, CURLOPT_XFERINFODATA, &progress);
  char error[CURL_ERROR_SIZE] = "";
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);

  if (request.method == "GET") {
    curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
  } else if (request.method == "HEAD") {
    curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  } else if (request.method == "PUT") {
    curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
  } else if (request.method == "POST") {
    curl_easy_setopt(curl, CURLOPT_POST, 1L);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(request.body.size()));
  } else {
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  }
  if (request.method == "PUT" || request.method == "POST") {
    curl_easy_setopt(curl, CURLOPT_READFUNCTION, ReadBody);
    curl_easy_setopt(curl, CURLOPT_READDATA, &body);
    curl_easy_setopt(curl, CURLOPT_SEEKFUNCTION, SeekBody);
    curl_easy_setopt(curl, CURLOPT_SEEKDATA, &body);
  }

  CURLcode code = curl_easy_perform(curl);
  if (code == CURLE_OK) {
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response->status);
    return Status::OK();
  }
  // The caller names the request; libcurl's text names the host and port.
  std::string what = error[0] != '\0' ? error : curl_easy_strerror(code);
  if (code == CURLE_ABORTED_BY_CALLBACK) {
    Status interrupted = interruptible_ ? CheckInterrupted() : Status::OK();
    return interrupted.ok() ? Status::Aborted("cancelled") : interrupted;
  }
  if (IsPermanent(code)) return Status::InvalidArgument(what);
  return Status::Remote(what);
}

}  // namespace hotbackup
