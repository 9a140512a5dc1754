// An encrypted backup of a real server with the binlog on and writers
// committing: restored through our --extract and through the stock tools
// (age -d | zstd -dc | mbstream -x), each into a server whose tables match
// the recorded point; the key never reaches the log.
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <filesystem>

#include "hotbackup/archive/manifest.h"
#include "support/sandbox_server.h"
#include "support/test_support.h"
#include "support/writers.h"

namespace hotbackup {
namespace {

namespace fs = std::filesystem;
using test::BinaryPath;
using test::GtidSequence;
using test::ProcessResult;
using test::Run;
using test::SandboxServer;
using test::TempDir;
using test::TrimTrailing;

std::unique_ptr<SandboxServer> RestoreInto(const std::string& backup_dir, const std::string& data) {
  ProcessResult r = Run({BinaryPath(), "--move_back", "--datadir=" + data,
                         "--rocksdb_datadir=" + data + "/#rocksdb",
                         "--rocksdb_waldir=" + data + "/#rocksdb", "--backup_dir=" + backup_dir});
  INFO(r.stderr_text);
  REQUIRE(r.exit_code == 0);
  SandboxServer::Settings settings;
  settings.datadir_from = data;
  settings.server_args = {"--log-bin=mysql-bin", "--binlog-format=ROW", "--server-id=5"};
  return std::make_unique<SandboxServer>(settings);
}

TEST_CASE("age: an encrypted backup under writers restores through ours and through the stock "
          "tools",
          "[server][age]") {
  SandboxServer::Settings settings;
  settings.server_args = {"--log-bin=mysql-bin", "--binlog-format=ROW", "--server-id=1"};
  SandboxServer source(settings);
  source.Sql(std::string(
                 "CREATE DATABASE t; USE t; "
                 "CREATE TABLE t.bulk (id INT PRIMARY KEY, pad VARCHAR(200)) ENGINE=ROCKSDB; "
                 "INSERT INTO t.bulk SELECT seq, REPEAT(MD5(seq), 6) FROM seq_1_to_80000; "
                 "SET GLOBAL rocksdb_force_flush_memtable_now = 1; ") +
             test::kWritersTableDdl);
  const uint64_t baseline = GtidSequence(TrimTrailing(source.Sql("SELECT @@global.gtid_binlog_pos")));
  TempDir work;
  ProcessResult r = Run({"age-keygen", "-o", work / "key.txt"});
  REQUIRE(r.exit_code == 0);
  REQUIRE(Run({"age-keygen", "-y", "-o", work / "recipients.txt", work / "key.txt"}).exit_code == 0);

  const std::string archive = work / "backup.xbs.zst.age";
  {
    test::Writers writers(source.socket(), 4);
    writers.WaitForCommits(20);
    r = Run({BinaryPath(), "--socket=" + source.socket(), "--checkpoint_dir=" + (work / "cp"),
             "--stream=xbstream", "--compress=zstd", "--compress_level=1", "--compress_threads=2",
             "--encrypt_recipients_file=" + (work / "recipients.txt"), "--interval=1",
             "--avg_mbytes_per_sec=8", "--output=" + archive});
    writers.Stop();
    INFO(r.stderr_text);
    REQUIRE(writers.error().empty());
    REQUIRE(r.exit_code == 0);
  }
  CHECK_THAT(r.stderr_text, Catch::Contains("Encrypting the stream (age) to 1 recipient"));
  CHECK(test::ReadFile(archive).starts_with("age-encryption.org/v1\n"));
  const std::string key_text = test::ReadFile(work / "key.txt");
  const size_t secret_at = key_text.find("AGE-SECRET-KEY-");
  REQUIRE(secret_at != std::string::npos);
  CHECK_THAT(r.stderr_text, !Catch::Contains(key_text.substr(secret_at, 30)));
  const std::string static_sums = source.Sql("CHECKSUM TABLE t.bulk EXTENDED");

  // Ours: --extract with the identity file, then move-back.
  r = Run({BinaryPath(), "--extract", "--input=" + archive, "--backup_dir=" + (work / "ours"),
           "--decrypt_identity=" + (work / "key.txt")});
  INFO(r.stderr_text);
  REQUIRE(r.exit_code == 0);
  Manifest manifest;
  REQUIRE(ParseManifest(test::ReadFile(work / "ours/myrocks_hotbackup_manifest.json"), &manifest).ok());
  REQUIRE(manifest.binlog.has_value());
  const uint64_t recorded = GtidSequence(manifest.binlog->gtid_binlog_pos) - baseline;
  {
    auto restored = RestoreInto(work / "ours", work / "r1/data");
    CHECK(restored->Sql("CHECKSUM TABLE t.bulk EXTENDED") == static_sums);
    CHECK(test::CountWriterTransactions(*restored) == recorded);
  }

  // A passphrase instead of keys: the file must be its owner's alone.
  test::WriteFile(work / "pass", "a long passphrase for the backups\n");
  chmod((work / "pass").c_str(), 0640);
  r = Run({BinaryPath(), "--socket=" + source.socket(), "--checkpoint_dir=" + (work / "cp"),
           "--encrypt_passphrase_file=" + (work / "pass"), "--output=" + (work / "p.tar.age")});
  CHECK(r.exit_code == 2);  // refused before anything started: a usage error
  CHECK_THAT(r.stderr_text, Catch::Contains("chmod 600"));
  CHECK(test::CountErrorLines(r.stderr_text) == 1);
  CHECK_FALSE(fs::exists(work / "p.tar.age"));
  chmod((work / "pass").c_str(), 0600);
  r = Run({BinaryPath(), "--socket=" + source.socket(), "--checkpoint_dir=" + (work / "cp"),
           "--encrypt_passphrase_file=" + (work / "pass"), "--output=" + (work / "p.tar.age")});
  INFO(r.stderr_text);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.stderr_text, !Catch::Contains("long passphrase"));
  CHECK_THAT(test::ReadFile(work / "p.tar.age").substr(0, 200), Catch::Contains("-> scrypt "));
  r = Run({BinaryPath(), "--verify", "--input=" + (work / "p.tar.age"),
           "--decrypt_passphrase_file=" + (work / "pass")});
  INFO(r.stderr_text);
  CHECK(r.exit_code == 0);
  // The key file where a passphrase was used, and the other way round.
  r = Run({BinaryPath(), "--verify", "--input=" + (work / "p.tar.age"),
           "--decrypt_identity=" + (work / "key.txt")});
  CHECK(r.exit_code == 1);
  CHECK(test::CountErrorLines(r.stderr_text) == 1);

  // The stock tools: age -d | zstd -dc | mbstream -x.
  REQUIRE(Run({"age", "-d", "-i", work / "key.txt", "-o", work / "plain.xbs.zst", archive})
              .exit_code == 0);
  REQUIRE(Run({"zstd", "-q", "-d", work / "plain.xbs.zst", "-o", work / "plain.xbs"}).exit_code == 0);
  fs::create_directories(work / "stock");
  r = Run({"mbstream", "-x", "-C", work / "stock"}, work / "plain.xbs");
  INFO(r.stderr_text);
  REQUIRE(r.exit_code == 0);
  auto restored = RestoreInto(work / "stock", work / "r2/data");
  CHECK(restored->Sql("CHECKSUM TABLE t.bulk EXTENDED") == static_sums);
  CHECK(test::CountWriterTransactions(*restored) == recorded);
}

}  // namespace
}  // namespace hotbackup
