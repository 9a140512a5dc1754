// The S3 stage against a real S3 server (Ceph radosgw, support/s3_server.h):
// multipart uploads in parallel parts and ranged downloads read back byte
// for byte, an unfinished upload leaving nothing, the gateway stopped and
// restarted mid-upload, frozen mid-upload (SIGSTOP: only the stall timeout
// notices), the retry budget running out, an object replaced mid-download; and the command line's refusals (wrong credentials, a
// missing bucket or object, an unreachable endpoint), each one line, quickly.
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <thread>

#include "hotbackup/s3/s3_client.h"
#include "hotbackup/s3/s3_download_source.h"
#include "hotbackup/s3/s3_upload_sink.h"
#include "support/s3_server.h"
#include "support/sandbox_server.h"
#include "support/test_support.h"

namespace hotbackup {
namespace {

namespace fs = std::filesystem;
using test::BinaryPath;
using test::ProcessResult;
using test::S3Server;
using test::TempDir;

S3Config ConfigFor(const S3Server& server) {
  S3Config config;
  config.endpoint = server.endpoint();
  config.credentials.access_key_id = server.access_key();
  config.credentials.secret_access_key = server.secret_key();
  config.credentials.source = "the test";
  return config;
}

// Writes `data` in pieces of uneven sizes, as the archive stages do.
void WriteUnevenly(ByteSink* sink, const std::string& data) {
  size_t pos = 0;
  size_t step = 1;
  while (pos < data.size()) {
    size_t n = std::min(data.size() - pos, step);
    REQUIRE(sink->Write(AsBytes(data.data() + pos, n)).ok());
    pos += n;
    step = step * 7 % 3000017 + 1;
  }
}

std::string ReadAll(ByteSource* source) {
  std::string out;
  std::vector<uint8_t> buffer(100003);
  for (;;) {
    size_t n = 0;
    Status s = source->Read(buffer, &n);
    REQUIRE(s.ok());
    if (n == 0) return out;
    out.append(reinterpret_cast<const char*>(buffer.data()), n);
  }
}

// The binary with the server's keys in its environment and nothing of the
// caller's AWS setup.
std::vector<std::string> WithKeys(const std::string& access_key, const std::string& secret,
                                  const std::string& home, std::vector<std::string> args) {
  std::vector<std::string> argv = {"env",
                                   "-u",
                                   "AWS_PROFILE",
                                   "-u",
                                   "AWS_SESSION_TOKEN",
                                   "-u",
                                   "AWS_SHARED_CREDENTIALS_FILE",
                                   "HOME=" + home,
                                   "AWS_ACCESS_KEY_ID=" + access_key,
                                   "AWS_SECRET_ACCESS_KEY=" + secret,
                                   BinaryPath()};
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

bool Available() {
  if (S3Server::Available()) return true;
  WARN("the Ceph packages or s3cmd are missing (scripts/setup installs them); skipped");
  return false;
}

TEST_CASE("S3: a parallel multipart upload and parallel ranged GETs give the bytes back",
          "[s3][e2e]") {
  if (!Available()) return;
  S3Server server;
  server.CreateBucket("bkt");
  S3Client client(ConfigFor(server));
  const std::string data = test::RandomBytes((23 << 20) + 123, 11);

  S3UploadOptions upload;
  upload.parallel = 3;
  upload.first_part_size = kS3MinPartSize;
  upload.parts_per_size = 2;  // 5, 5, 10 (+ the rest) MiB: the growth is exercised
  std::unique_ptr<S3UploadSink> sink;
  const S3Url url{"bkt", "dir/backup one.xbs"};
  REQUIRE(S3UploadSink::Open(&client, url, upload, &sink).ok());
  WriteUnevenly(sink.get(), data);
  // Not there until it is complete.
  CHECK(server.ListObjects("bkt").empty());
  CHECK(server.ListMultipartUploads("bkt").size() == 1);
  Status finished = sink->Finish();
  INFO(finished.message());
  REQUIRE(finished.ok());
  CHECK(sink->parts() == 4);  // 5 + 5 + 10 + 3 MiB and 123 bytes
  CHECK(sink->bytes_written() == data.size());
  sink.reset();
  CHECK(server.ListObjects("bkt") == std::vector<std::string>{"dir/backup one.xbs"});
  CHECK(server.ListMultipartUploads("bkt").empty());

  // The stock client reads what we wrote.
  TempDir work;
  server.S3cmd({"get", "s3://bkt/dir/backup one.xbs", work / "got"});
  CHECK(test::ReadFile(work / "got") == data);

  // And ours reads it back, in chunks that do not divide the size.
  S3DownloadOptions download;
  download.parallel = 3;
  download.chunk_size = (1 << 20) + 7;
  std::unique_ptr<S3DownloadSource> source;
  REQUIRE(S3DownloadSource::Open(&client, url, download, &source).ok());
  CHECK(source->size() == data.size());
  CHECK(ReadAll(source.get()) == data);

  // An empty stream is an empty object.
  REQUIRE(S3UploadSink::Open(&client, S3Url{"bkt", "empty"}, upload, &sink).ok());
  REQUIRE(sink->Finish().ok());
  sink.reset();
  REQUIRE(S3DownloadSource::Open(&client, S3Url{"bkt", "empty"}, download, &source).ok());
  CHECK(ReadAll(source.get()).empty());
}

TEST_CASE("S3: an upload that is never finished leaves no object and no parts", "[s3][e2e]") {
  if (!Available()) return;
  S3Server server;
  server.CreateBucket("bkt");
  S3Client client(ConfigFor(server));
  {
    std::unique_ptr<S3UploadSink> sink;
    REQUIRE(S3UploadSink::Open(&client, S3Url{"bkt", "half"}, S3UploadOptions{}, &sink).ok());
    WriteUnevenly(sink.get(), test::RandomBytes(20 << 20, 3));
    CHECK(server.ListMultipartUploads("bkt").size() == 1);
  }  // destroyed without Finish: aborted
  CHECK(server.ListObjects("bkt").empty());
  CHECK(server.ListMultipartUploads("bkt").empty());
}

TEST_CASE("S3: the gateway stopped and restarted mid-upload and mid-download, retries carry both "
          "through",
          "[s3][e2e]") {
  if (!Available()) return;
  S3Server server;
  server.CreateBucket("bkt");
  S3Config config = ConfigFor(server);
  config.retry.max_delay_seconds = 2;
  S3Client client(config);
  const std::string data = test::RandomBytes(60 << 20, 5);
  S3UploadOptions upload;
  upload.parallel = 2;
  upload.first_part_size = kS3MinPartSize;
  std::unique_ptr<S3UploadSink> sink;
  REQUIRE(S3UploadSink::Open(&client, S3Url{"bkt", "k"}, upload, &sink).ok());
  const size_t first = 20 << 20;
  WriteUnevenly(sink.get(), data.substr(0, first));
  REQUIRE(server.StopGateway().empty());
  // Back in a few seconds; meanwhile the writes below fill every buffer
  // and wait, so parts really are sent to a gateway that is not there.
  std::string restarted;
  std::thread restart([&] {
    std::this_thread::sleep_for(std::chrono::seconds(3));
    restarted = server.StartGateway();
  });
  WriteUnevenly(sink.get(), data.substr(first));
  Status finished = sink->Finish();
  restart.join();
  REQUIRE(restarted.empty());
  INFO(finished.message());
  REQUIRE(finished.ok());
  sink.reset();

  // And a download through the same kind of outage: the first chunk read,
  // then the gateway gone for a few seconds while the GETs continue.
  S3DownloadOptions download;
  download.parallel = 2;
  download.chunk_size = 1 << 20;
  std::unique_ptr<S3DownloadSource> source;
  REQUIRE(S3DownloadSource::Open(&client, S3Url{"bkt", "k"}, download, &source).ok());
  std::string got(1 << 20, '\0');
  size_t n = 0;
  REQUIRE(ReadFully(source.get(), std::span<uint8_t>(reinterpret_cast<uint8_t*>(got.data()), got.size()), &n).ok());
  REQUIRE(n == got.size());
  REQUIRE(server.StopGateway().empty());
  std::thread restart_again([&] {
    std::this_thread::sleep_for(std::chrono::seconds(3));
    restarted = server.StartGateway();
  });
  got += ReadAll(source.get());
  restart_again.join();
  REQUIRE(restarted.empty());
  CHECK(got == data);
}

TEST_CASE("S3: a gateway that hangs mid-upload is given up on after the stall timeout and the "
          "parts are sent again",
          "[s3][e2e]") {
  if (!Available()) return;
  S3Server server;
  server.CreateBucket("bkt");
  S3Config config = ConfigFor(server);
  config.timeouts.stall_seconds = 2;
  config.retry.max_delay_seconds = 1;
  S3Client client(config);
  const int gateway = std::stoi(test::ReadFile(server.dir() + "/pids/rgw"));
  const std::string data = test::RandomBytes(40 << 20, 9);
  S3UploadOptions upload;
  upload.parallel = 2;
  upload.first_part_size = kS3MinPartSize;
  std::unique_ptr<S3UploadSink> sink;
  REQUIRE(S3UploadSink::Open(&client, S3Url{"bkt", "k"}, upload, &sink).ok());
  WriteUnevenly(sink.get(), data.substr(0, 10 << 20));
  // Frozen, not gone: connections are accepted by the kernel and never
  // answered, the case only a stall timeout catches. (libcurl averages the
  // speed over a few seconds, so a part that went into the socket buffers
  // at full speed is abandoned some 6 s after the last byte: the freeze
  // lasts longer than that.)
  TempDir log_dir;
  Status finished;
  {
    // The retry warnings go to stderr: keep them to check them.
    const int saved = dup(STDERR_FILENO);
    const int log_fd = open((log_dir / "stderr").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    REQUIRE((saved >= 0 && log_fd >= 0));
    dup2(log_fd, STDERR_FILENO);
    close(log_fd);
    REQUIRE(kill(gateway, SIGSTOP) == 0);
    std::thread thaw([&] {
      std::this_thread::sleep_for(std::chrono::seconds(12));
      kill(gateway, SIGCONT);
    });
    WriteUnevenly(sink.get(), data.substr(10 << 20));
    finished = sink->Finish();
    thaw.join();
    dup2(saved, STDERR_FILENO);
    close(saved);
  }
  const std::string log = test::ReadFile(log_dir / "stderr");
  INFO(finished.message() << "\n" << log);
  REQUIRE(finished.ok());
  CHECK_THAT(log, Catch::Contains("Operation too slow") && Catch::Contains("retrying in"));
  sink.reset();
  std::unique_ptr<S3DownloadSource> source;
  REQUIRE(S3DownloadSource::Open(&client, S3Url{"bkt", "k"}, S3DownloadOptions{}, &source).ok());
  CHECK(ReadAll(source.get()) == data);
}

TEST_CASE("S3: past the retry budget an upload fails with one message and is aborted",
          "[s3][e2e]") {
  if (!Available()) return;
  S3Server server;
  server.CreateBucket("bkt");
  S3Config config = ConfigFor(server);
  config.retry.budget_seconds = 2;
  config.retry.max_delay_seconds = 0.5;
  S3Client client(config);
  S3UploadOptions upload;
  upload.parallel = 2;
  upload.first_part_size = kS3MinPartSize;
  std::unique_ptr<S3UploadSink> sink;
  REQUIRE(S3UploadSink::Open(&client, S3Url{"bkt", "k"}, upload, &sink).ok());
  REQUIRE(sink->Write(AsBytes(std::string(6 << 20, 'x').data(), 6 << 20)).ok());
  REQUIRE(server.StopGateway().empty());
  auto start = std::chrono::steady_clock::now();
  Status s;
  const std::string block(1 << 20, 'y');
  for (int i = 0; i < 200 && s.ok(); ++i) s = sink->Write(AsBytes(block.data(), block.size()));
  if (s.ok()) s = sink->Finish();
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  REQUIRE_FALSE(s.ok());
  CHECK(s.code() == Status::Code::kRemote);
  CHECK_THAT(s.message(), Catch::Contains("s3://bkt/k: PUT part") && Catch::Contains("gave up"));
  CHECK(s.message().find('\n') == std::string::npos);
  CHECK(seconds < 60);  // the budget, not the default 300 s
  // The abort on the way out outlasts a short outage.
  std::string restarted;
  std::thread restart([&] { restarted = server.StartGateway(); });
  sink.reset();
  restart.join();
  REQUIRE(restarted.empty());
  CHECK(server.ListMultipartUploads("bkt").empty());
  CHECK(server.ListObjects("bkt").empty());
}

TEST_CASE("S3: an object replaced during a download is an error, not a mix of two",
          "[s3][e2e]") {
  if (!Available()) return;
  S3Server server;
  server.CreateBucket("bkt");
  S3Client client(ConfigFor(server));
  TempDir work;
  test::WriteFile(work / "a", test::RandomBytes(12 << 20, 1));
  test::WriteFile(work / "b", test::RandomBytes(12 << 20, 2));
  server.S3cmd({"put", work / "a", "s3://bkt/obj"});
  S3DownloadOptions download;
  download.parallel = 1;
  download.chunk_size = 1 << 20;
  std::unique_ptr<S3DownloadSource> source;
  REQUIRE(S3DownloadSource::Open(&client, S3Url{"bkt", "obj"}, download, &source).ok());
  std::vector<uint8_t> buffer(1 << 20);
  size_t n = 0;
  REQUIRE(source->Read(buffer, &n).ok());
  server.S3cmd({"put", work / "b", "s3://bkt/obj"});
  Status s;
  for (int i = 0; i < 20 && s.ok(); ++i) s = source->Read(buffer, &n);
  CHECK(s.code() == Status::Code::kChanged);
  CHECK_THAT(s.message(), Catch::Contains("s3://bkt/obj"));
}

TEST_CASE("S3: wrong keys, a missing bucket or object, an unreachable endpoint: one line each, "
          "quickly",
          "[s3][e2e][cli]") {
  if (!Available()) return;
  S3Server server;
  server.CreateBucket("bkt");
  TempDir home;
  const std::string nowhere = "http://127.0.0.1:" + std::to_string(test::FreeLoopbackPort());
  struct Case {
    const char* what;
    std::string key;
    std::string secret;
    std::vector<std::string> args;
    const char* expect;
  };
  const std::string endpoint = "--s3_endpoint=" + server.endpoint();
  // A backup opens its output before it asks the server for anything, so
  // a socket nobody listens on is never reached in these cases.
  const std::vector<std::string> backup = {"--socket=" + (home / "no.sock"),
                                           "--checkpoint_dir=" + (home / "cp")};
  auto with = [](std::vector<std::string> a, std::vector<std::string> b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
  };
  const std::vector<Case> cases = {
      {"wrong secret", server.access_key(), "not-the-secret-0000000000000000000000000",
       with(backup, {endpoint, "--output=s3://bkt/x"}), "SignatureDoesNotMatch"},
      {"unknown key", "NOSUCHKEY00000000000", server.secret_key(),
       with(backup, {endpoint, "--output=s3://bkt/x"}), "InvalidAccessKeyId"},
      {"missing bucket", server.access_key(), server.secret_key(),
       with(backup, {endpoint, "--output=s3://nobucket/x"}), "NoSuchBucket"},
      {"unreachable endpoint", server.access_key(), server.secret_key(),
       with(backup, {"--s3_endpoint=" + nowhere, "--output=s3://bkt/x"}), "gave up"},
      {"missing object", server.access_key(), server.secret_key(),
       {endpoint, "--extract", "--input=s3://bkt/none", "--backup_dir=" + (home / "out")},
       "s3://bkt/none: no such object"},
      {"missing base manifest", server.access_key(), server.secret_key(),
       with(backup, {endpoint, "--output=s3://bkt/x", "--incremental_base=s3://bkt/none.json"}),
       "--incremental_base: s3://bkt/none.json: no such object"},
  };
  for (const Case& c : cases) {
    INFO(c.what);
    auto start = std::chrono::steady_clock::now();
    ProcessResult r = test::Run(WithKeys(c.key, c.secret, home.path(), c.args));
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    INFO(r.stderr_text);
    CHECK(r.exit_code == 1);
    CHECK(test::CountErrorLines(r.stderr_text) == 1);
    CHECK_THAT(r.stderr_text, Catch::Contains(c.expect));
    CHECK_THAT(r.stderr_text, !Catch::Contains(c.secret));
    CHECK(seconds < 30);  // not the 300 s retry budget
  }
  CHECK(server.ListObjects("bkt").empty());
  CHECK(server.ListMultipartUploads("bkt").empty());
  CHECK_FALSE(fs::exists(home / "out"));

  // No credentials anywhere: one line saying where they were looked for.
  ProcessResult r = test::Run({"env", "-u", "AWS_ACCESS_KEY_ID", "-u", "AWS_SECRET_ACCESS_KEY",
                               "-u", "AWS_PROFILE", "-u", "AWS_SHARED_CREDENTIALS_FILE",
                               "HOME=" + home.path(), BinaryPath(), endpoint, "--output=s3://bkt/x",
                               "--socket=" + (home / "no.sock")});
  INFO(r.stderr_text);
  CHECK(r.exit_code == 1);
  CHECK(test::CountErrorLines(r.stderr_text) == 1);
  CHECK_THAT(r.stderr_text, Catch::Contains("AWS_ACCESS_KEY_ID"));
}

}  // namespace
}  // namespace hotbackup
