// S3DownloadSource: the input stage for --input=s3://BUCKET/KEY, a
// ByteSource that reads an object with ranged GETs in parallel and hands
// the bytes out in order.
//
// `parallel` worker threads fetch chunks of `chunk_size` bytes ahead of the
// reader, at most parallel + 1 chunks beyond the one being read, so memory
// stays within (parallel + 2) x chunk_size. Every GET carries If-Match with
// the ETag seen when the source opened: an object replaced during a restore
// fails (kChanged) instead of mixing two backups. Each GET is retried as
// S3Client says. Not thread-safe: one reader.
#ifndef HOTBACKUP_S3_S3_DOWNLOAD_SOURCE_H_
#define HOTBACKUP_S3_S3_DOWNLOAD_SOURCE_H_

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "hotbackup/io/byte_source.h"
#include "hotbackup/s3/s3_client.h"
#include "hotbackup/s3/s3_url.h"

namespace hotbackup {

struct S3DownloadOptions {
  int parallel = 4;
  // 16 MiB: bench/s3 found fewer, larger ranges faster at every parallelism
  // (each GET costs radosgw a request and the client a round trip).
  size_t chunk_size = size_t{16} << 20;
};

class S3DownloadSource final : public ByteSource {
 public:
  // kNotFound (one line naming the URL) when there is no such object.
  // `client` must outlive the source.
  static Status Open(S3Client* client, const S3Url& url, const S3DownloadOptions& options,
                     std::unique_ptr<S3DownloadSource>* source);
  ~S3DownloadSource() override;

  Status Read(std::span<uint8_t> buffer, size_t* n) override;

  uint64_t size() const { return info_.size; }

 private:
  S3DownloadSource(S3Client* client, S3Url url, S3DownloadOptions options, S3ObjectInfo info);
  void Worker();

  S3Client* client_;
  S3Url url_;
  S3DownloadOptions options_;
  S3ObjectInfo info_;
  uint64_t chunks_ = 0;

  std::string current_;      // the chunk being read
  size_t current_pos_ = 0;
  uint64_t next_to_read_ = 0;  // chunk index

  std::mutex mu_;
  std::condition_variable changed_;
  uint64_t next_to_fetch_ = 0;            // guarded by mu_
  uint64_t reading_ = 0;                  // guarded: the chunk the reader is on
  std::map<uint64_t, std::string> ready_;  // guarded: fetched, not yet read
  std::vector<std::string> spare_;         // guarded: read chunks, their memory reused
  Status error_;                          // guarded
  bool stopping_ = false;                 // guarded
  std::atomic<bool> cancel_{false};
  std::vector<std::thread> workers_;
};

}  // namespace hotbackup

#endif  // HOTBACKUP_S3_S3_DOWNLOAD_SOURCE_H_
