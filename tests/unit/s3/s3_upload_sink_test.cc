#include "hotbackup/s3/s3_upload_sink.h"

#include <catch2/catch.hpp>

using namespace hotbackup;

TEST_CASE("S3 upload: parts double every 1,000 so 10,000 parts hold S3's largest object",
          "[unit][s3]") {
  S3UploadOptions options;  // 8 MiB, doubling every 1,000 parts
  CHECK(S3UploadSink::PartSize(1, options) == size_t{8} << 20);
  CHECK(S3UploadSink::PartSize(1000, options) == size_t{8} << 20);
  CHECK(S3UploadSink::PartSize(1001, options) == size_t{16} << 20);
  CHECK(S3UploadSink::PartSize(2001, options) == size_t{32} << 20);
  uint64_t total = 0;
  size_t largest = 0;
  for (int part = 1; part <= kS3MaxParts; ++part) {
    size_t size = S3UploadSink::PartSize(part, options);
    CHECK(size >= kS3MinPartSize);
    largest = std::max(largest, size);
    total += size;
  }
  CHECK(largest <= kS3MaxPartSize);
  CHECK(total >= (uint64_t{5} << 40));  // S3's object size limit, 5 TiB
}

TEST_CASE("S3 upload: sizes never pass S3's 5 GiB part limit", "[unit][s3]") {
  S3UploadOptions options;
  options.first_part_size = size_t{1} << 30;
  options.parts_per_size = 1;
  CHECK(S3UploadSink::PartSize(1, options) == size_t{1} << 30);
  CHECK(S3UploadSink::PartSize(3, options) == size_t{4} << 30);
  CHECK(S3UploadSink::PartSize(4, options) == kS3MaxPartSize);
  CHECK(S3UploadSink::PartSize(kS3MaxParts, options) == kS3MaxPartSize);
}
