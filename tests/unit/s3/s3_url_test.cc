// s3://BUCKET/KEY parsing: S3's bucket naming rules, keys kept verbatim,
// and one-line messages naming what was given.
#include "hotbackup/s3/s3_url.h"

#include <catch2/catch.hpp>

namespace hotbackup {
namespace {

TEST_CASE("S3Url: a bucket and a key with slashes", "[unit][s3]") {
  S3Url url;
  REQUIRE(ParseS3Url("s3://my-backups.eu/hosts/db1/2024-05-01.tar.zst", &url).ok());
  CHECK(url.bucket == "my-backups.eu");
  CHECK(url.key == "hosts/db1/2024-05-01.tar.zst");
  CHECK(url.ToString() == "s3://my-backups.eu/hosts/db1/2024-05-01.tar.zst");
}

TEST_CASE("S3Url: keys with spaces, unicode and reserved characters are kept verbatim",
          "[unit][s3]") {
  S3Url url;
  const std::string key = "dir/my backup \xc3\xa9t\xc3\xa9 100%+?#=&.tar";
  REQUIRE(ParseS3Url("s3://bucket/" + key, &url).ok());
  CHECK(url.key == key);
  REQUIRE(ParseS3Url("s3://bucket//leading/slash/", &url).ok());
  CHECK(url.key == "/leading/slash/");
  REQUIRE(ParseS3Url("s3://bucket/" + std::string(1024, 'k'), &url).ok());
  CHECK(url.key.size() == 1024);
}

TEST_CASE("S3Url: bucket names at the length limits", "[unit][s3]") {
  S3Url url;
  CHECK(ParseS3Url("s3://abc/k", &url).ok());
  CHECK(ParseS3Url("s3://" + std::string(63, 'a') + "/k", &url).ok());
  CHECK(ParseS3Url("s3://1.2-3/k", &url).ok());
}

TEST_CASE("S3Url: bad buckets are refused", "[unit][s3]") {
  const char* bad[] = {
      "s3://MyBucket/key",     // upper case
      "s3://ab/key",           // too short
      "s3://under_score/key",  // '_' not allowed
      "s3://-bucket/key",      // starts with '-'
      "s3://bucket./key",      // ends with '.'
      "s3:///key",             // empty
  };
  for (const char* text : bad) {
    S3Url url;
    Status s = ParseS3Url(text, &url);
    INFO(text);
    CHECK(s.code() == Status::Code::kInvalidArgument);
    CHECK(s.message().find(text) != std::string::npos);
    CHECK(s.message().find("bucket") != std::string::npos);
  }
  S3Url url;
  CHECK_FALSE(ParseS3Url("s3://" + std::string(64, 'a') + "/k", &url).ok());
}

TEST_CASE("S3Url: a missing or empty key is refused", "[unit][s3]") {
  for (const char* text : {"s3://", "s3://bucket", "s3://bucket/"}) {
    S3Url url;
    Status s = ParseS3Url(text, &url);
    INFO(text);
    CHECK(s.code() == Status::Code::kInvalidArgument);
    CHECK(s.message().find(std::string("'") + text + "'") != std::string::npos);
  }
  S3Url url;
  Status s = ParseS3Url("s3://bucket/" + std::string(1025, 'k'), &url);
  CHECK(s.code() == Status::Code::kInvalidArgument);
  CHECK(s.message().find("1024") != std::string::npos);
}

TEST_CASE("S3Url: only s3:// URLs are S3 URLs", "[unit][s3]") {
  CHECK(IsS3Url("s3://bucket/key"));
  CHECK(IsS3Url("s3://"));
  CHECK_FALSE(IsS3Url("/var/backups/s3://x"));
  CHECK_FALSE(IsS3Url("https://bucket.s3.amazonaws.com/key"));
  CHECK_FALSE(IsS3Url("s3:/bucket/key"));
  S3Url url;
  CHECK(ParseS3Url("backup.tar", &url).code() == Status::Code::kInvalidArgument);
}

TEST_CASE("S3Url: messages stay on one line", "[unit][s3]") {
  S3Url url;
  Status s = ParseS3Url("s3://Bad\nBucket/k", &url);
  CHECK(s.code() == Status::Code::kInvalidArgument);
  CHECK(s.message().find('\n') == std::string::npos);
  CHECK(s.message().find("Bad\\x0aBucket") != std::string::npos);
}

TEST_CASE("S3Url: WithKeySuffix names the object beside", "[unit][s3]") {
  S3Url url;
  REQUIRE(ParseS3Url("s3://bucket/dir/backup.tar.zst", &url).ok());
  S3Url manifest = WithKeySuffix(url, ".manifest.json");
  CHECK(manifest.bucket == "bucket");
  CHECK(manifest.key == "dir/backup.tar.zst.manifest.json");
  CHECK(manifest.ToString() == "s3://bucket/dir/backup.tar.zst.manifest.json");
  CHECK(url.key == "dir/backup.tar.zst");  // the original is unchanged
}

}  // namespace
}  // namespace hotbackup
