// bench_s3_copy: a file into or out of S3 through the binary's own S3 stage.
//
// The myrocks_hotbackup binary always streams a backup; to compare its
// transfers with s3cmd and boto3 on the same bytes, this driver sends a
// plain file through the same S3UploadSink (--output=s3://) or reads an
// object through the same S3DownloadSource (--input=s3://), with the same
// part sizes, parallelism, SigV4 payload hashes and retries.
//
//   bench_s3_copy put FILE s3://BUCKET/KEY [--endpoint URL] [--parallel N]
//                 [--part_size_mb N]
//   bench_s3_copy get s3://BUCKET/KEY FILE [--endpoint URL] [--parallel N]
//                 [--chunk_mb N]
//
// --parallel, --part_size_mb (S3UploadOptions::first_part_size) and
// --chunk_mb (S3DownloadOptions::chunk_size) default to the binary's own
// defaults; bench/s3 sweeps them.
//
// Credentials as the binary reads them (AWS_ACCESS_KEY_ID, ...). One summary
// line on stderr: bytes, seconds, MB/s.
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "hotbackup/io/file_io.h"
#include "hotbackup/io/output_file.h"
#include "hotbackup/io/unique_fd.h"
#include "hotbackup/s3/s3_client.h"
#include "hotbackup/s3/s3_download_source.h"
#include "hotbackup/s3/s3_upload_sink.h"
#include "hotbackup/util/status.h"

namespace {

using hotbackup::Status;

constexpr size_t kBuffer = size_t{4} << 20;

Status Put(hotbackup::S3Client* client, const std::string& path, const hotbackup::S3Url& url,
           int parallel, size_t part_size, uint64_t* bytes) {
  hotbackup::UniqueFd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return Status::IOError("open " + path, errno);
  hotbackup::S3UploadOptions options;
  options.parallel = parallel;
  if (part_size != 0) options.first_part_size = part_size;
  std::unique_ptr<hotbackup::S3UploadSink> sink;
  HOTBACKUP_RETURN_IF_ERROR(hotbackup::S3UploadSink::Open(client, url, options, &sink));
  std::vector<uint8_t> buffer(kBuffer);
  for (;;) {
    ssize_t n = read(fd.get(), buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::IOError("read " + path, errno);
    if (n == 0) break;
    HOTBACKUP_RETURN_IF_ERROR(sink->Write(hotbackup::ByteSpan(buffer.data(), n)));
  }
  HOTBACKUP_RETURN_IF_ERROR(sink->Finish());
  *bytes = sink->bytes_written();
  return Status::OK();
}

Status Get(hotbackup::S3Client* client, const hotbackup::S3Url& url, const std::string& path,
           int parallel, size_t chunk_size, uint64_t* bytes) {
  hotbackup::S3DownloadOptions options;
  options.parallel = parallel;
  if (chunk_size != 0) options.chunk_size = chunk_size;
  std::unique_ptr<hotbackup::S3DownloadSource> source;
  HOTBACKUP_RETURN_IF_ERROR(hotbackup::S3DownloadSource::Open(client, url, options, &source));
  std::unique_ptr<hotbackup::OutputFile> out;
  HOTBACKUP_RETURN_IF_ERROR(hotbackup::OutputFile::Create(path, &out));
  std::vector<uint8_t> buffer(kBuffer);
  for (;;) {
    size_t n = 0;
    HOTBACKUP_RETURN_IF_ERROR(source->Read(buffer, &n));
    if (n == 0) break;
    HOTBACKUP_RETURN_IF_ERROR(out->Write(hotbackup::ByteSpan(buffer.data(), n)));
  }
  HOTBACKUP_RETURN_IF_ERROR(out->Finish());
  *bytes = out->bytes_written();
  return Status::OK();
}

}  // namespace

int main(int argc, char** argv) {
  const char* usage =
      "usage: bench_s3_copy put FILE s3://BUCKET/KEY | get s3://BUCKET/KEY FILE "
      "[--endpoint URL] [--parallel N] [--part_size_mb N] [--chunk_mb N]\n";
  if (argc < 4) {
    std::fputs(usage, stderr);
    return 2;
  }
  const std::string verb = argv[1];
  hotbackup::S3Config config;
  int parallel = hotbackup::S3UploadOptions{}.parallel;
  size_t part_size = 0;   // 0: S3UploadOptions' default
  size_t chunk_size = 0;  // 0: S3DownloadOptions' default
  for (int i = 4; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--endpoint") == 0) {
      config.endpoint = argv[i + 1];
    } else if (std::strcmp(argv[i], "--parallel") == 0) {
      parallel = std::atoi(argv[i + 1]);
    } else if (std::strcmp(argv[i], "--part_size_mb") == 0) {
      part_size = static_cast<size_t>(std::atoi(argv[i + 1])) << 20;
    } else if (std::strcmp(argv[i], "--chunk_mb") == 0) {
      chunk_size = static_cast<size_t>(std::atoi(argv[i + 1])) << 20;
      if (chunk_size == 0) {
        std::fputs(usage, stderr);
        return 2;
      }
    } else {
      std::fputs(usage, stderr);
      return 2;
    }
  }
  Status s = hotbackup::LoadS3Credentials(&config.credentials);
  hotbackup::S3Url url;
  if (s.ok()) s = hotbackup::ParseS3Url(verb == "put" ? argv[3] : argv[2], &url);
  if (!s.ok()) {
    std::fprintf(stderr, "bench_s3_copy: %s\n", s.message().c_str());
    return 1;
  }
  hotbackup::S3Client client(config);
  auto start = std::chrono::steady_clock::now();
  uint64_t bytes = 0;
  if (verb == "put") {
    s = Put(&client, argv[2], url, parallel, part_size, &bytes);
  } else if (verb == "get") {
    s = Get(&client, url, argv[3], parallel, chunk_size, &bytes);
  } else {
    std::fputs(usage, stderr);
    return 2;
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!s.ok()) {
    std::fprintf(stderr, "bench_s3_copy: %s\n", s.message().c_str());
    return 1;
  }
  std::fprintf(stderr, "bench_s3_copy: %s %llu bytes in %.3f s, %.1f MB/s\n", verb.c_str(),
               static_cast<unsigned long long>(bytes), seconds, bytes / seconds / 1e6);
  return 0;
}
