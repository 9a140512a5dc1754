// S3UploadSink: the write stage for --output=s3://BUCKET/KEY, a ByteSink
// that turns the stream into one S3 multipart upload.
//
// Bytes fill a part; a full part goes to one of `parallel` worker threads,
// which upload parts side by side (UploadPart, its SHA-256 signed, retried
// as S3Client says). Parts come from a pool of parallel + 1 buffers, so
// Write blocks when every buffer is in flight: memory stays at most
// (parallel + 1) x the part size. Parts are `first_part_size` (8 MiB) for
// the first 1,000, and double every 1,000 after that, so S3's 10,000 parts
// always reach its 5 TiB object limit without knowing the size in advance
// (8 MiB parts up to 8 GB, 16 MiB up to 24 GB, 32 MiB up to 56 GB, ...).
//
// Open starts the upload, so wrong credentials, a missing bucket or an
// unreachable endpoint are known before a backup asks its server for
// anything. The object exists under its key only once Finish has sent the
// last part and CompleteMultipartUpload succeeded (then its size is checked
// with HEAD). A sink destroyed without a successful Finish stops its workers
// and aborts the upload, so a failed or interrupted backup leaves nothing
// under the key. (A process killed outright cannot; its parts stay as an
// incomplete upload, invisible as an object, until the bucket's lifecycle
// rule for incomplete uploads removes them.)
//
// Not thread-safe: one producer, as every ByteSink.
#ifndef HOTBACKUP_S3_S3_UPLOAD_SINK_H_
#define HOTBACKUP_S3_S3_UPLOAD_SINK_H_

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "hotbackup/io/byte_sink.h"
#include "hotbackup/s3/s3_client.h"
#include "hotbackup/s3/s3_url.h"

namespace hotbackup {

struct S3UploadOptions {
  int parallel = 4;
  size_t first_part_size = size_t{8} << 20;
  int parts_per_size = 1000;  // parts of one size before the size doubles
};

inline constexpr int kS3MaxParts = 10000;
inline constexpr size_t kS3MaxPartSize = size_t{5} << 30;
inline constexpr size_t kS3MinPartSize = size_t{5} << 20;

class S3UploadSink final : public ByteSink {
 public:
  // `client` must outlive the sink.
  static Status Open(S3Client* client, const S3Url& url, const S3UploadOptions& options,
                     std::unique_ptr<S3UploadSink>* sink);
  ~S3UploadSink() override;

  Status Write(ByteSpan data) override;
  Status Finish() override;

  uint64_t bytes_written() const { return bytes_written_; }
  int parts() const { return next_part_number_ - 1; }
  const S3Url& url() const { return url_; }

  // The size of part `part_number` (1-based).
  static size_t PartSize(int part_number, const S3UploadOptions& options);

 private:
  struct Part {
    int number = 0;
    std::vector<uint8_t> data;
    size_t size = 0;
  };

  S3UploadSink(S3Client* client, S3Url url, S3UploadOptions options, std::string upload_id);
  void Worker();
  // The next empty part, waiting for a buffer to come back if all are out.
  Status NextPart(std::unique_ptr<Part>* part);
  Status Submit(std::unique_ptr<Part> part);
  Status WaitForUploads();
  void StopWorkers();
  Status Abort();

  S3Client* client_;
  S3Url url_;
  S3UploadOptions options_;
  std::string upload_id_;
  std::unique_ptr<Part> current_;
  int next_part_number_ = 1;
  uint64_t bytes_written_ = 0;
  bool finished_ = false;

  std::mutex mu_;
  std::condition_variable changed_;
  std::deque<std::unique_ptr<Part>> queue_;       // full parts, waiting for a worker
  std::vector<std::unique_ptr<Part>> free_;       // buffers back from the workers
  int buffers_ = 0;                               // allocated, in any state
  int in_flight_ = 0;                             // parts being uploaded
  std::map<int, std::string> etags_;              // part number -> ETag
  Status error_;                                  // the first failure of a worker
  bool stopping_ = false;
  std::atomic<bool> cancel_{false};
  std::vector<std::thread> workers_;
};

}  // namespace hotbackup

#endif  // HOTBACKUP_S3_S3_UPLOAD_SINK_H_
