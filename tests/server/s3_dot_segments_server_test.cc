// An S3 key with "./" and "../" segments is a key like any other (S3 does
// not resolve them): a backup to s3://bucket/a/./b/../c.tar stores exactly
// that key, not a/c.tar, and --extract reads it back. libcurl would resolve
// the segments in the request path (RFC 3986) unless told not to, and the
// path sent would not be the one signed: radosgw answers 403.
#include <catch2/catch.hpp>
#include <filesystem>

#include "support/s3_server.h"
#include "support/sandbox_server.h"
#include "support/test_support.h"

namespace hotbackup {
namespace {

using test::BinaryPath;
using test::ProcessResult;
using test::Run;
using test::S3Server;
using test::SandboxServer;
using test::TempDir;

// The binary with the S3 server's keys and nothing of the caller's AWS setup.
std::vector<std::string> Tool(const S3Server& s3, const std::string& home,
                              const std::vector<std::string>& args) {
  std::vector<std::string> argv = {"env",
                                   "-u",
                                   "AWS_PROFILE",
                                   "-u",
                                   "AWS_SESSION_TOKEN",
                                   "-u",
                                   "AWS_SHARED_CREDENTIALS_FILE",
                                   "HOME=" + home};
  for (const std::string& e : s3.Environment()) argv.push_back(e);
  argv.push_back(BinaryPath());
  argv.push_back("--s3_endpoint=" + s3.endpoint());
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

TEST_CASE("S3: a key with ./ and ../ segments is stored and read back as it is named",
          "[server][s3][security]") {
  if (!S3Server::Available()) {
    WARN("the Ceph packages or s3cmd are missing (scripts/setup installs them); skipped");
    return;
  }
  SandboxServer server;
  server.Sql(
      "CREATE DATABASE t; USE t; CREATE TABLE t.r (id INT PRIMARY KEY) ENGINE=ROCKSDB; "
      "INSERT INTO t.r SELECT seq FROM seq_1_to_1000");
  S3Server s3;
  s3.CreateBucket("dots");
  TempDir work;
  const std::string key = "a/./b/../c.tar";
  ProcessResult r = Run(Tool(s3, work.path(),
                             {"--socket=" + server.socket(), "--checkpoint_dir=" + (work / "cp"),
                              "--output=s3://dots/" + key}));
  INFO(r.stderr_text);
  REQUIRE(r.exit_code == 0);
  CHECK(s3.ListObjects("dots") == std::vector<std::string>{key, key + ".manifest.json"});

  r = Run(Tool(s3, work.path(),
               {"--extract", "--input=s3://dots/" + key, "--backup_dir=" + (work / "out")}));
  INFO(r.stderr_text);
  REQUIRE(r.exit_code == 0);
  CHECK(std::filesystem::exists(work / "out/myrocks_hotbackup_manifest.json"));
  // Nothing under the resolved name.
  r = Run(Tool(s3, work.path(), {"--verify", "--input=s3://dots/a/c.tar", "--s3_retry_seconds=0"}));
  CHECK(r.exit_code != 0);
}

}  // namespace
}  // namespace hotbackup
