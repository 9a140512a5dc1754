// Backups of a real MyRocks server (binlog on, writers committing) into a
// real S3 server (Ceph radosgw): both formats, zstd, and an incremental
// whose base manifest is read from the bucket; the objects read back with
// s3cmd and the stock readers and with --extract --input=s3://, restored
// into servers whose tables match the source. Faults: the gateway stopped
// and restarted mid-upload, the backup killed (SIGKILL: no object) or
// stopped (SIGTERM: the upload aborted too).
#include <signal.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <thread>

#include "hotbackup/archive/manifest.h"
#include "support/s3_server.h"
#include "support/sandbox_server.h"
#include "support/test_support.h"
#include "support/writers.h"

namespace hotbackup {
namespace {

namespace fs = std::filesystem;
using test::BinaryPath;
using test::CountWriterTransactions;
using test::GtidSequence;
using test::ProcessResult;
using test::Run;
using test::S3Server;
using test::SandboxServer;
using test::TempDir;
using test::TrimTrailing;

std::unique_ptr<SandboxServer> StartSource(int rows) {
  SandboxServer::Settings settings;
  settings.server_args = {"--log-bin=mysql-bin", "--binlog-format=ROW", "--server-id=1",
                          "--rocksdb_default_cf_options=target_file_size_base=4m"};
  auto server = std::make_unique<SandboxServer>(settings);
  server->Sql("CREATE DATABASE t; USE t; "
              "CREATE TABLE t.bulk (id INT PRIMARY KEY, pad VARCHAR(200)) ENGINE=ROCKSDB; "
              "INSERT INTO t.bulk SELECT seq, REPEAT(MD5(seq), 6) FROM seq_1_to_" +
              std::to_string(rows) + "; SET GLOBAL rocksdb_force_flush_memtable_now = 1; " +
              test::kWritersTableDdl);
  return server;
}

// The binary, with the S3 server's keys in its environment (and HOME
// pointing at `home`, so no ~/.aws of the machine's is read).
std::vector<std::string> Tool(const S3Server& s3, const std::string& home,
                              std::vector<std::string> args) {
  std::vector<std::string> argv = {"env", "-u", "AWS_PROFILE", "-u", "AWS_SESSION_TOKEN",
                                   "HOME=" + home};
  for (const std::string& e : s3.Environment()) argv.push_back(e);
  argv.push_back(BinaryPath());
  argv.push_back("--s3_endpoint=" + s3.endpoint());
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

std::unique_ptr<SandboxServer> Restore(const std::string& backup_dir, const std::string& data) {
  ProcessResult r = Run({BinaryPath(), "--move_back", "--datadir=" + data,
                         "--rocksdb_datadir=" + data + "/#rocksdb",
                         "--rocksdb_waldir=" + data + "/#rocksdb", "--backup_dir=" + backup_dir});
  INFO("move_back: " << r.stderr_text);
  REQUIRE(r.exit_code == 0);
  SandboxServer::Settings settings;
  settings.datadir_from = data;
  settings.server_args = {"--log-bin=mysql-bin", "--binlog-format=ROW", "--server-id=7"};
  return std::make_unique<SandboxServer>(settings);
}

Manifest ReadManifest(const std::string& path) {
  Manifest m;
  Status s = ParseManifest(test::ReadFile(path), &m);
  INFO(path << ": " << s.message());
  REQUIRE(s.ok());
  return m;
}

// The peak resident memory of one run, in MiB.
double PeakMib(const std::vector<std::string>& argv, int* exit_code) {
  return test::PeakRssKib(argv, exit_code) / 1024.0;
}

bool Available() {
  if (S3Server::Available()) return true;
  WARN("the Ceph packages or s3cmd are missing (scripts/setup installs them); skipped");
  return false;
}

TEST_CASE("S3: full and incremental backups under writers into a bucket restore to matching "
          "servers, through the stock tools and through --extract",
          "[server][s3]") {
  if (!Available()) return;
  auto source = StartSource(120000);
  const uint64_t baseline =
      GtidSequence(TrimTrailing(source->Sql("SELECT @@global.gtid_binlog_pos")));
  S3Server s3;
  s3.CreateBucket("backups");
  TempDir work;
  const std::string cp = "--checkpoint_dir=" + (work / "cp");
  const std::string socket = "--socket=" + source->socket();

  // Full: XBSTREAM + zstd, several rounds, writers committing throughout.
  ProcessResult r;
  {
    test::Writers writers(source->socket(), 4);
    writers.WaitForCommits(20);
    r = Run(Tool(s3, work.path(),
                 {socket, cp, "--stream=xbstream", "--compress=zstd", "--compress_threads=2",
                  "--interval=1", "--avg_mbytes_per_sec=8", "--s3_parallel=3",
                  "--output=s3://backups/db1/full.xbs.zst"}));
    writers.Stop();
    REQUIRE(writers.error().empty());
  }
  INFO(r.stderr_text);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.stderr_text,
             Catch::Contains("Saved the manifest as s3://backups/db1/full.xbs.zst.manifest.json"));
  const std::string full_sums = source->Sql("CHECKSUM TABLE t.bulk EXTENDED");
  CHECK(s3.ListObjects("backups") ==
        std::vector<std::string>{"db1/full.xbs.zst", "db1/full.xbs.zst.manifest.json"});
  CHECK(s3.ListMultipartUploads("backups").empty());

  // The stock tools: s3cmd get | zstd -d | mbstream -x, then a server.
  s3.S3cmd({"get", "s3://backups/db1/full.xbs.zst", work / "full.xbs.zst"});
  REQUIRE(Run({"zstd", "-q", "-d", work / "full.xbs.zst", "-o", work / "full.xbs"}).exit_code == 0);
  fs::create_directories(work / "stock");
  REQUIRE(Run({"mbstream", "-x", "-C", work / "stock"}, work / "full.xbs").exit_code == 0);
  const Manifest full = ReadManifest(work / "stock/myrocks_hotbackup_manifest.json");
  REQUIRE(full.binlog.has_value());
  // The manifest object beside the archive is the archive's own manifest.
  s3.S3cmd({"get", "s3://backups/db1/full.xbs.zst.manifest.json", work / "full.manifest.json"});
  CHECK(test::ReadFile(work / "full.manifest.json") ==
        test::ReadFile(work / "stock/myrocks_hotbackup_manifest.json"));
  {
    auto restored = Restore(work / "stock", work / "r1/data");
    CHECK(restored->Sql("CHECKSUM TABLE t.bulk EXTENDED") == full_sums);
    CHECK(CountWriterTransactions(*restored) ==
          GtidSequence(full.binlog->gtid_binlog_pos) - baseline);
  }

  // Changes, then an incremental (tar, no compression) whose base manifest
  // is the object in the bucket.
  source->Sql("USE t; INSERT INTO t.bulk SELECT seq, REPEAT(SHA1(seq), 4) FROM seq_500001_to_510000; "
              "SET GLOBAL rocksdb_force_flush_memtable_now = 1;");
  {
    test::Writers writers(source->socket(), 4);
    writers.WaitForCommits(20);
    r = Run(Tool(s3, work.path(),
                 {socket, cp, "--incremental_base=s3://backups/db1/full.xbs.zst.manifest.json",
                  "--output=s3://backups/db1/inc1.tar",
                  "--save_manifest=s3://backups/manifests/inc1.json"}));
    writers.Stop();
    REQUIRE(writers.error().empty());
  }
  INFO(r.stderr_text);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.stderr_text, Catch::Contains("Incremental backup on top of backup " + full.backup_id));
  // The full's SSTs were not sent again.
  CHECK_THAT(r.stderr_text, Catch::Contains("are held by earlier backups, not sent"));
  CHECK_THAT(r.stderr_text, !Catch::Contains("Incremental: 0 SST files"));
  const std::string inc_sums = source->Sql("CHECKSUM TABLE t.bulk EXTENDED");
  // --save_manifest names where the manifest goes instead of beside the archive.
  CHECK(s3.ListObjects("backups") ==
        std::vector<std::string>{"db1/full.xbs.zst", "db1/full.xbs.zst.manifest.json",
                                 "db1/inc1.tar", "manifests/inc1.json"});

  // GNU tar reads the object s3cmd fetches.
  s3.S3cmd({"get", "s3://backups/db1/inc1.tar", work / "inc1.tar"});
  REQUIRE(Run({"tar", "-tf", work / "inc1.tar"}).exit_code == 0);
  CHECK(fs::file_size(work / "inc1.tar") < fs::file_size(work / "full.xbs"));

  // Ours, straight from the bucket: the full, then the incremental on it.
  r = Run(Tool(s3, work.path(), {"--extract", "--input=s3://backups/db1/full.xbs.zst",
                                 "--backup_dir=" + (work / "full")}));
  INFO(r.stderr_text);
  REQUIRE(r.exit_code == 0);
  r = Run(Tool(s3, work.path(),
               {"--extract", "--input=s3://backups/db1/inc1.tar", "--backup_dir=" + (work / "inc1"),
                "--incremental_base_dir=" + (work / "full")}));
  INFO(r.stderr_text);
  REQUIRE(r.exit_code == 0);
  const Manifest inc = ReadManifest(work / "inc1/myrocks_hotbackup_manifest.json");
  s3.S3cmd({"get", "s3://backups/manifests/inc1.json", work / "inc1.manifest.json"});
  CHECK(test::ReadFile(work / "inc1.manifest.json") ==
        test::ReadFile(work / "inc1/myrocks_hotbackup_manifest.json"));
  REQUIRE(inc.binlog.has_value());
  auto restored = Restore(work / "inc1", work / "r2/data");
  CHECK(restored->Sql("CHECKSUM TABLE t.bulk EXTENDED") == inc_sums);
  // Every GTID since the baseline is a writer's transaction, but for the
  // one INSERT above.
  CHECK(CountWriterTransactions(*restored) ==
        GtidSequence(inc.binlog->gtid_binlog_pos) - baseline - 1);
}

TEST_CASE("S3: a backup rides out the gateway restarting mid-upload and restores",
          "[server][s3]") {
  if (!Available()) return;
  auto source = StartSource(300000);
  S3Server s3;
  s3.CreateBucket("backups");
  TempDir work;
  std::string sums;
  int exit_code;
  std::string log;
  {
    test::Writers writers(source->socket(), 2);
    writers.WaitForCommits(10);
    test::BackgroundProcess backup(
        Tool(s3, work.path(),
             {"--socket=" + source->socket(), "--checkpoint_dir=" + (work / "cp"),
              "--avg_mbytes_per_sec=4", "--s3_parallel=2", "--output=s3://backups/b.tar"}));
    // Once parts are going up, take the gateway away for a few seconds.
    for (int i = 0; i < 300 && s3.ListMultipartUploads("backups").empty(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    std::this_thread::sleep_for(std::chrono::seconds(3));  // parts are in flight by now
    REQUIRE(s3.StopGateway().empty());
    std::this_thread::sleep_for(std::chrono::seconds(4));
    REQUIRE(s3.StartGateway().empty());
    exit_code = backup.Wait();
    log = backup.StderrText();
    writers.Stop();
    REQUIRE(writers.error().empty());
  }
  INFO(log);
  REQUIRE(exit_code == 0);
  CHECK_THAT(log, Catch::Contains("retrying in"));  // it did meet the outage
  sums = source->Sql("CHECKSUM TABLE t.bulk EXTENDED");
  ProcessResult r = Run(Tool(s3, work.path(), {"--extract", "--input=s3://backups/b.tar",
                                               "--backup_dir=" + (work / "b")}));
  INFO(r.stderr_text);
  REQUIRE(r.exit_code == 0);
  auto restored = Restore(work / "b", work / "r/data");
  CHECK(restored->Sql("CHECKSUM TABLE t.bulk EXTENDED") == sums);
}

TEST_CASE("S3: a backup killed mid-upload leaves no object, one stopped by SIGTERM aborts its "
          "upload",
          "[server][s3]") {
  if (!Available()) return;
  auto source = StartSource(300000);  // about 25 MB: 12 s at 2 MB/s
  S3Server s3;
  s3.CreateBucket("backups");
  TempDir work;
  for (int sig : {SIGKILL, SIGTERM}) {
    INFO("signal " << sig);
    const size_t uploads_before = s3.ListMultipartUploads("backups").size();
    test::BackgroundProcess backup(
        Tool(s3, work.path(),
             {"--socket=" + source->socket(), "--checkpoint_dir=" + (work / "cp"),
              "--avg_mbytes_per_sec=2", "--output=s3://backups/k.tar"}));
    // Mid-upload: the upload exists, and after 6 s at 2 MB/s its first
    // 8 MiB part has gone up.
    bool uploading = false;
    for (int i = 0; i < 300 && !uploading; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      uploading = s3.ListMultipartUploads("backups").size() > uploads_before;
    }
    REQUIRE(uploading);
    std::this_thread::sleep_for(std::chrono::seconds(6));
    REQUIRE(kill(backup.pid(), sig) == 0);
    const int code = backup.Wait();
    INFO(backup.StderrText());
    CHECK(code == 128 + sig);
    CHECK(s3.ListObjects("backups").empty());
    if (sig == SIGTERM) {
      // Stopped, not killed: it aborted its own upload on the way out.
      CHECK(s3.ListMultipartUploads("backups").size() == uploads_before);
      CHECK(test::CountErrorLines(backup.StderrText()) == 1);
      test::ExpectNoCheckpointLeft(work / "cp");
    }
  }
}

TEST_CASE("S3: a backup refused for an InnoDB table with rows leaves no object and no upload",
          "[server][s3][mixed]") {
  if (!Available()) return;
  auto source = StartSource(1000);
  source->Sql("CREATE TABLE t.legacy (id INT PRIMARY KEY) ENGINE=InnoDB; "
              "INSERT INTO t.legacy VALUES (1), (2), (3)");
  S3Server s3;
  s3.CreateBucket("backups");
  TempDir work;
  test::Writers writers(source->socket(), 2);
  writers.WaitForCommits(10);
  ProcessResult r = Run(Tool(s3, work.path(),
                             {"--socket=" + source->socket(), "--checkpoint_dir=" + (work / "cp"),
                              "--output=s3://backups/refused.tar"}));
  writers.Stop();
  INFO(r.stderr_text);
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.stderr_text, Catch::Contains("t.legacy (InnoDB, ~"));
  CHECK(test::CountErrorLines(r.stderr_text) == 1);
  CHECK(s3.ListObjects("backups").empty());
  CHECK(s3.ListMultipartUploads("backups").empty());
  test::ExpectNoCheckpointLeft(work / "cp");
}

TEST_CASE("S3: a backup into S3 and a restore from it stay within their memory bound",
          "[server][s3]") {
  if (!Available()) return;
  auto source = StartSource(300000);
  S3Server s3;
  s3.CreateBucket("backups");
  TempDir work;
  const std::vector<std::string> backup = {"--socket=" + source->socket(),
                                           "--checkpoint_dir=" + (work / "cp"),
                                           "--stream=xbstream", "--s3_parallel=4"};
  auto with = [&](std::vector<std::string> extra) {
    std::vector<std::string> args = backup;
    args.insert(args.end(), extra.begin(), extra.end());
    return Tool(s3, work.path(), args);
  };
  int code = -1;
  const double to_file = PeakMib(with({"--output=" + (work / "b.xbs")}), &code);
  REQUIRE(code == 0);
  const double to_s3 = PeakMib(with({"--output=s3://backups/b.xbs"}), &code);
  REQUIRE(code == 0);
  const double from_file = PeakMib(Tool(s3, work.path(), {"--verify", "--input=" + (work / "b.xbs")}), &code);
  REQUIRE(code == 0);
  const double from_s3 = PeakMib(
      Tool(s3, work.path(), {"--verify", "--s3_parallel=4", "--input=s3://backups/b.xbs"}), &code);
  REQUIRE(code == 0);
  INFO("backup to a file " << to_file << " MiB, to S3 " << to_s3 << " MiB; verify from a file "
                           << from_file << " MiB, from S3 " << from_s3 << " MiB");
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  WARN("sanitizer build: the memory bound is checked by the Release build only");
#else
  // s3_upload_sink.h: at most parallel + 1 parts of 8 MiB; s3_download_source.h:
  // parallel + 2 chunks of 16 MiB; 8 MiB more for libcurl and the threads.
  CHECK(to_s3 <= to_file + 5 * 8 + 8);
  CHECK(from_s3 <= from_file + 6 * 16 + 8);
#endif
}

}  // namespace
}  // namespace hotbackup
