// Incremental backups of a real server with the binlog on and writers
// committing: a chain full -> inc1 -> inc2 (after row changes and a manual
// compaction of one column family) restored link by link into a server that
// holds exactly the second incremental's point; the reused-file-number trap
// (an old backup restored and written to until its SST names collide with a
// newer backup's); and the refusals: a base of another server, a tampered
// manifest, a base directory that is not the parent, lacks a file or holds a
// damaged one.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <sstream>

#include "hotbackup/archive/manifest.h"
#include "hotbackup/server/rocksdb_files.h"
#include "hotbackup/util/sha256.h"
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
using test::SandboxServer;
using test::TempDir;
using test::TrimTrailing;
using test::Writers;

constexpr int kWriters = 4;

// A server with the binlog on, a bulk table in the default column family, a
// table in a column family of its own (compacted on its own later) and the
// writers' table.
std::unique_ptr<SandboxServer> StartSource() {
  SandboxServer::Settings settings;
  // Small SSTs, so the key space spans many files, as on a large server.
  settings.server_args = {"--log-bin=mysql-bin", "--binlog-format=ROW", "--server-id=1",
                          "--rocksdb_default_cf_options=target_file_size_base=1m"};
  auto server = std::make_unique<SandboxServer>(settings);
  // The writers' table in a column family of its own: their flushes and
  // compactions leave the others' files alone.
  std::string writers_ddl = test::kWritersTableDdl;
  writers_ddl.replace(writers_ddl.find("PRIMARY KEY (writer, txn, k)"), 28,
                      "PRIMARY KEY (writer, txn, k) COMMENT 'cfname=cf_w'");
  server->Sql(R"(
    CREATE DATABASE t;
    USE t;
    CREATE TABLE t.bulk (id INT PRIMARY KEY, pad VARCHAR(200)) ENGINE=ROCKSDB;
    CREATE TABLE t.part (id INT, pad VARCHAR(200), PRIMARY KEY (id) COMMENT 'cfname=cf_part')
      ENGINE=ROCKSDB;
    INSERT INTO t.bulk SELECT seq, REPEAT(MD5(seq), 6) FROM seq_1_to_100000;
    SET GLOBAL rocksdb_force_flush_memtable_now = 1;
    INSERT INTO t.bulk SELECT seq, REPEAT(MD5(seq), 6) FROM seq_100001_to_200000;
    SET GLOBAL rocksdb_force_flush_memtable_now = 1;
    SET GLOBAL rocksdb_compact_cf = 'default';
    INSERT INTO t.part SELECT seq, REPEAT(SHA1(seq), 5) FROM seq_1_to_30000;
    SET GLOBAL rocksdb_force_flush_memtable_now = 1;
  )" + writers_ddl);
  return server;
}

Manifest ReadManifest(const std::string& path) {
  Manifest m;
  Status s = ParseManifest(test::ReadFile(path), &m);
  INFO(path << ": " << s.message());
  REQUIRE(s.ok());
  return m;
}

// A backup of `server` with the given extra options; the log on failure.
ProcessResult Backup(SandboxServer& server, const std::string& checkpoint_dir,
                     std::vector<std::string> extra) {
  std::vector<std::string> argv = {BinaryPath(), "--socket=" + server.socket(),
                                   "--checkpoint_dir=" + checkpoint_dir};
  argv.insert(argv.end(), extra.begin(), extra.end());
  return Run(argv);
}

ProcessResult Extract(const std::string& archive, const std::string& dir,
                      const std::string& base_dir = "") {
  std::vector<std::string> argv = {BinaryPath(), "--extract", "--input=" + archive,
                                   "--backup_dir=" + dir};
  if (!base_dir.empty()) argv.push_back("--incremental_base_dir=" + base_dir);
  return Run(argv);
}

// --copy_back of an extracted backup into a new datadir, and a server on it.
std::unique_ptr<SandboxServer> Restore(const std::string& backup_dir, const std::string& data) {
  ProcessResult r = Run({BinaryPath(), "--copy_back", "--datadir=" + data,
                         "--rocksdb_datadir=" + data + "/#rocksdb",
                         "--rocksdb_waldir=" + data + "/#rocksdb", "--backup_dir=" + backup_dir});
  INFO("copy_back: " << r.stderr_text);
  REQUIRE(r.exit_code == 0);
  SandboxServer::Settings settings;
  settings.datadir_from = data;
  settings.server_args = {"--log-bin=mysql-bin", "--binlog-format=ROW", "--server-id=9",
                          "--skip-slave-start"};
  return std::make_unique<SandboxServer>(settings);
}

std::string StaticChecksums(SandboxServer& server) {
  return server.Sql("CHECKSUM TABLE t.bulk, t.part EXTENDED");
}

// The names GNU tar lists in an archive.
std::set<std::string> TarNames(const std::string& archive) {
  TempDir listing;
  ProcessResult r = Run({"tar", "-tf", archive}, "", listing / "names");
  REQUIRE(r.exit_code == 0);
  std::set<std::string> names;
  std::istringstream in(test::ReadFile(listing / "names"));
  for (std::string line; std::getline(in, line);) names.insert(line);
  return names;
}

struct ManifestCounts {
  size_t sent_ssts = 0, base_ssts = 0;
  uint64_t sent_sst_bytes = 0, base_sst_bytes = 0;
};

ManifestCounts Count(const Manifest& m) {
  ManifestCounts c;
  for (const ManifestFile& f : m.files) {
    if (!IsSstFileName(f.path)) continue;
    CHECK_FALSE(f.sst.empty());  // every SST carries its identity
    if (f.in.empty()) {
      ++c.sent_ssts;
      c.sent_sst_bytes += f.size;
    } else {
      ++c.base_ssts;
      c.base_sst_bytes += f.size;
    }
  }
  return c;
}

TEST_CASE("Incremental: full, then two incrementals under writers, restored as a chain",
          "[server][incremental]") {
  std::unique_ptr<SandboxServer> source = StartSource();
  auto gtid_now = [&] {
    return GtidSequence(TrimTrailing(source->Sql("SELECT @@global.gtid_binlog_pos")));
  };
  // Transactions of the source that are not the writers': subtracted from
  // the recorded position to count the writers' transactions.
  uint64_t others = gtid_now();
  auto change = [&](const std::string& sql) {
    const uint64_t before = gtid_now();
    source->Sql(sql);
    others += gtid_now() - before;
  };
  TempDir work;
  const std::string full = work / "full.xbs.zst", inc1 = work / "inc1.tar",
                    inc2 = work / "inc2.tar.zst";
  const std::string full_json = work / "full.json", inc1_json = work / "inc1.json",
                    inc2_json = work / "inc2.json";

  // Each backup runs with writers committing.
  auto backup_under_writers = [&](std::vector<std::string> extra) {
    Writers writers(source->socket(), kWriters);
    writers.WaitForCommits(20);
    const int before = writers.committed();
    ProcessResult r = Backup(*source, work / "cp", extra);
    const int after = writers.committed();
    writers.Stop();
    INFO(r.stderr_text);
    REQUIRE(writers.error().empty());
    REQUIRE(r.exit_code == 0);
    CHECK(after > before);
    test::ExpectNoCheckpointLeft(work / "cp");
    return r;
  };

  backup_under_writers({"--stream=xbstream", "--compress=zstd", "--output=" + full,
                        "--save_manifest=" + full_json});
  const Manifest full_manifest = ReadManifest(full_json);
  CHECK_FALSE(full_manifest.incremental());
  CHECK(full_manifest.db_id ==
        TrimTrailing(test::ReadFile(source->datadir() + "/#rocksdb/IDENTITY")));
  CHECK(Count(full_manifest).base_ssts == 0);

  // 5% of the bulk rows change (one range of keys), and the other column
  // family is rewritten whole by a manual compaction.
  change(R"(
    UPDATE t.bulk SET pad = REPEAT(MD5(-id), 6) WHERE id <= 10000;
    SET GLOBAL rocksdb_force_flush_memtable_now = 1;
    UPDATE t.part SET pad = REPEAT(SHA1(-id), 5) WHERE id % 10 = 0;
    SET GLOBAL rocksdb_force_flush_memtable_now = 1;
    SET GLOBAL rocksdb_compact_cf = 'cf_part';
  )");
  ProcessResult r1 = backup_under_writers(
      {"--output=" + inc1, "--incremental_base=" + full_json, "--save_manifest=" + inc1_json});
  CHECK_THAT(r1.stderr_text, Catch::Contains("Incremental backup on top of backup " +
                                             full_manifest.backup_id));
  const Manifest inc1_manifest = ReadManifest(inc1_json);
  REQUIRE(inc1_manifest.incremental());
  CHECK(inc1_manifest.parent->backup_id == full_manifest.backup_id);
  CHECK(inc1_manifest.parent->sha256 == Sha256Hex(test::ReadFile(full_json)));
  const ManifestCounts c1 = Count(inc1_manifest);
  CHECK(c1.base_ssts > 0);
  CHECK(c1.sent_ssts > 0);  // the flushed changes and the compacted column family
  // Skipped SSTs are not in the archive; the saved manifest is the archive's.
  const std::set<std::string> inc1_names = TarNames(inc1);
  for (const ManifestFile& f : inc1_manifest.files) {
    CHECK(inc1_names.count(f.path) == (f.in.empty() ? 1u : 0u));
  }
  // Every base file is a file the full backup has, under its own key.
  std::map<std::string, const ManifestFile*> full_by_path;
  for (const ManifestFile& f : full_manifest.files) full_by_path[f.path] = &f;
  for (const ManifestFile& f : inc1_manifest.files) {
    if (f.in.empty()) continue;
    INFO(f.path);
    CHECK(f.in == full_manifest.backup_id);
    REQUIRE(full_by_path.count(f.path));
    CHECK(full_by_path[f.path]->sst == f.sst);
    CHECK(full_by_path[f.path]->xxh3 == f.xxh3);
  }
  CHECK(c1.sent_sst_bytes < Count(full_manifest).sent_sst_bytes);

  change(R"(
    USE t;
    UPDATE t.bulk SET pad = REPEAT(MD5(id + 7), 6) WHERE id BETWEEN 100001 AND 110000;
    INSERT INTO t.part SELECT seq, 'new' FROM seq_30001_to_31000;
    SET GLOBAL rocksdb_force_flush_memtable_now = 1;
  )");
  // The second incremental: several throttled rounds, zstd.
  ProcessResult r2 = backup_under_writers(
      {"--output=" + inc2, "--compress=zstd", "--interval=1", "--avg_mbytes_per_sec=4",
       "--incremental_base=" + inc1_json, "--save_manifest=" + inc2_json});
  const Manifest inc2_manifest = ReadManifest(inc2_json);
  REQUIRE(inc2_manifest.incremental());
  CHECK(inc2_manifest.parent->backup_id == inc1_manifest.backup_id);
  // Each base file is held where inc1 says: in inc1's archive, or in the
  // full backup for the files inc1 itself took from there.
  std::map<std::string, const ManifestFile*> inc1_by_path;
  for (const ManifestFile& f : inc1_manifest.files) inc1_by_path[f.path] = &f;
  CHECK(Count(inc2_manifest).base_ssts > 0);
  for (const ManifestFile& f : inc2_manifest.files) {
    if (f.in.empty()) continue;
    INFO(f.path);
    REQUIRE(inc1_by_path.count(f.path));
    const ManifestFile& in_inc1 = *inc1_by_path[f.path];
    CHECK(in_inc1.sst == f.sst);
    CHECK(f.in == (in_inc1.in.empty() ? inc1_manifest.backup_id : in_inc1.in));
  }
  const std::string static_at_inc2 = StaticChecksums(*source);

  // --verify of an incremental archive checks it and says what it expects.
  ProcessResult v = Run({BinaryPath(), "--verify", "--input=" + inc2});
  INFO(v.stderr_text);
  REQUIRE(v.exit_code == 0);
  CHECK_THAT(v.stderr_text, Catch::Contains("it expects"));
  // Extracting it alone is refused, and leaves nothing.
  ProcessResult alone = Extract(inc2, work / "alone");
  CHECK(alone.exit_code == 1);
  CHECK_THAT(alone.stderr_text, Catch::Contains("--incremental_base_dir"));
  CHECK(test::CountErrorLines(alone.stderr_text) == 1);
  CHECK_FALSE(fs::exists(work / "alone"));

  // The chain, link by link; each result is complete and checks on its own.
  ProcessResult e = Extract(full, work / "d-full");
  INFO(e.stderr_text);
  REQUIRE(e.exit_code == 0);
  e = Extract(inc1, work / "d-inc1", work / "d-full");
  INFO(e.stderr_text);
  REQUIRE(e.exit_code == 0);
  CHECK_THAT(e.stderr_text, Catch::Contains("hard-linked"));
  e = Extract(inc2, work / "d-inc2", work / "d-inc1");
  INFO(e.stderr_text);
  REQUIRE(e.exit_code == 0);
  for (const char* dir : {"d-inc1", "d-inc2"}) {
    ProcessResult vd = Run({BinaryPath(), "--verify", "--backup_dir=" + (work / dir)});
    INFO(dir << ": " << vd.stderr_text);
    CHECK(vd.exit_code == 0);
  }
  // The base given to --verify: its files are checked too.
  v = Run({BinaryPath(), "--verify", "--input=" + inc2, "--incremental_base_dir=" + (work / "d-inc1")});
  INFO(v.stderr_text);
  CHECK(v.exit_code == 0);
  CHECK_THAT(v.stderr_text, Catch::Contains("Checked"));

  std::unique_ptr<SandboxServer> restored = Restore(work / "d-inc2", work / "restored/data");
  CHECK(StaticChecksums(*restored) == static_at_inc2);
  REQUIRE(inc2_manifest.binlog.has_value());
  CHECK(inc2_manifest.binlog->consistent);
  CHECK(CountWriterTransactions(*restored) ==
        GtidSequence(inc2_manifest.binlog->gtid_binlog_pos) - others);
  CHECK(TrimTrailing(restored->Sql("SELECT COUNT(*) FROM t.part")) == "31000");
  // The base directories were only read.
  ProcessResult vf = Run({BinaryPath(), "--verify", "--backup_dir=" + (work / "d-full")});
  CHECK(vf.exit_code == 0);
  CHECK_THAT(r2.stderr_text, Catch::Contains("held by earlier backups, not sent"));
}

// SST names of a directory (RocksDB's).
std::set<std::string> SstNames(const std::string& dir) {
  std::set<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (IsSstFileName(name)) names.insert(name);
  }
  return names;
}

TEST_CASE("Incremental: an old backup restored and written to until its SST names collide "
          "skips nothing wrongly",
          "[server][incremental]") {
  std::unique_ptr<SandboxServer> a = StartSource();
  TempDir work;
  ProcessResult r = Backup(*a, work / "cp", {"--output=" + (work / "old.tar"),
                                             "--save_manifest=" + (work / "old.json")});
  INFO(r.stderr_text);
  REQUIRE(r.exit_code == 0);
  // The original moves on: new SSTs, then a newer full backup.
  for (int i = 0; i < 30; ++i) {
    a->Sql("USE t; INSERT INTO t.part SELECT seq, 'a" + std::to_string(i) + "' FROM seq_" +
           std::to_string(100000 + i * 1000) + "_to_" + std::to_string(100199 + i * 1000) +
           "; SET GLOBAL rocksdb_force_flush_memtable_now = 1");
  }
  r = Backup(*a, work / "cp", {"--output=" + (work / "new.tar"),
                               "--save_manifest=" + (work / "new.json")});
  REQUIRE(r.exit_code == 0);
  const Manifest newer = ReadManifest(work / "new.json");
  std::set<std::string> newer_names;
  for (const ManifestFile& f : newer.files) {
    if (IsSstFileName(f.path)) newer_names.insert(f.path);
  }

  // The old backup restored elsewhere, and written to (other rows) until it
  // has SSTs under names the newer backup also has.
  REQUIRE(Extract(work / "old.tar", work / "d-old").exit_code == 0);
  std::unique_ptr<SandboxServer> b = Restore(work / "d-old", work / "b/data");
  const std::set<std::string> restored_names = SstNames(b->datadir() + "/#rocksdb");
  std::set<std::string> collisions;
  for (int i = 0; i < 60 && collisions.size() < 2; ++i) {
    b->Sql("USE t; INSERT INTO t.part SELECT seq, 'b" + std::to_string(i) + "' FROM seq_" +
           std::to_string(200000 + i * 1000) + "_to_" + std::to_string(200199 + i * 1000) +
           "; SET GLOBAL rocksdb_force_flush_memtable_now = 1");
    for (const std::string& name : SstNames(b->datadir() + "/#rocksdb")) {
      if (newer_names.count(name) && !restored_names.count(name)) collisions.insert(name);
    }
  }
  auto joined = [](const std::set<std::string>& names) {
    std::string out;
    for (const std::string& n : names) out += n + " ";
    return out;
  };
  INFO("newer backup's SSTs: " << joined(newer_names));
  INFO("restored: " << joined(restored_names) << " now: " << joined(SstNames(b->datadir() + "/#rocksdb")));
  REQUIRE_FALSE(collisions.empty());

  r = Backup(*b, work / "cp", {"--output=" + (work / "inc.tar"),
                               "--incremental_base=" + (work / "new.json"),
                               "--save_manifest=" + (work / "inc.json")});
  INFO(r.stderr_text);
  REQUIRE(r.exit_code == 0);
  const Manifest inc = ReadManifest(work / "inc.json");
  // The restored server is a RocksDB instance of its own (a backup carries
  // no IDENTITY), related to the original through the SSTs it restored.
  const std::string b_db_id = TrimTrailing(test::ReadFile(b->datadir() + "/#rocksdb/IDENTITY"));
  CHECK(inc.db_id == b_db_id);
  CHECK(b_db_id != newer.db_id);
  const std::set<std::string> archived = TarNames(work / "inc.tar");
  for (const std::string& name : collisions) {
    INFO("colliding name " << name);
    CHECK(archived.count(name) == 1);  // sent, not mistaken for the newer backup's file
  }
  // What it did skip are files it shares with the newer backup: the old
  // backup's own SSTs, restored.
  for (const ManifestFile& f : inc.files) {
    if (f.in.empty()) continue;
    INFO(f.path);
    CHECK(restored_names.count(f.path) == 1);
  }
  const std::string b_checksums = StaticChecksums(*b);
  const std::string b_rows = b->Sql("SELECT COUNT(*), SUM(LENGTH(pad)) FROM t.part");

  REQUIRE(Extract(work / "new.tar", work / "d-new").exit_code == 0);
  ProcessResult e = Extract(work / "inc.tar", work / "d-inc", work / "d-new");
  INFO(e.stderr_text);
  REQUIRE(e.exit_code == 0);
  std::unique_ptr<SandboxServer> restored = Restore(work / "d-inc", work / "r/data");
  CHECK(StaticChecksums(*restored) == b_checksums);
  CHECK(restored->Sql("SELECT COUNT(*), SUM(LENGTH(pad)) FROM t.part") == b_rows);
}

// The text of a manifest edited at `from` -> `to`, its digest line made
// again, as a careful forger would.
std::string EditAndRedigest(const std::string& json, const std::string& from,
                            const std::string& to) {
  std::string edited = json;
  const size_t at = edited.find(from);
  REQUIRE(at != std::string::npos);
  edited.replace(at, from.size(), to);
  const std::string body = edited.substr(0, edited.rfind("\"sha256\": "));
  return body + ManifestDigestLine(Sha256Hex(body));
}

TEST_CASE("Incremental: a base of another server, a tampered manifest, a wrong, incomplete or "
          "damaged base directory: each refused in one line",
          "[server][incremental]") {
  std::unique_ptr<SandboxServer> source = StartSource();
  TempDir work;
  const std::string cp = work / "cp";
  ProcessResult r = Backup(*source, cp, {"--output=" + (work / "full.tar"),
                                         "--save_manifest=" + (work / "full.json")});
  INFO(r.stderr_text);
  REQUIRE(r.exit_code == 0);
  const std::string full_json = test::ReadFile(work / "full.json");

  // exit_code: 1 once the server was asked (the base is another server's);
  // 2, a usage error, for a base manifest refused before anything started.
  auto refused = [&](const std::vector<std::string>& extra, const std::string& message,
                     int exit_code) {
    const std::string output = work / "refused.tar";
    std::vector<std::string> argv = extra;
    argv.push_back("--output=" + output);
    argv.push_back("--save_manifest=" + (work / "refused.json"));
    ProcessResult rr = Backup(*source, cp, argv);
    INFO(rr.stderr_text);
    CHECK(rr.exit_code == exit_code);
    if (exit_code == 2) CHECK_THAT(rr.stderr_text, !Catch::Contains("Starting backup."));
    CHECK_THAT(rr.stderr_text, Catch::Contains(message));
    CHECK(test::CountErrorLines(rr.stderr_text) == 1);
    CHECK_FALSE(fs::exists(output));
    CHECK_FALSE(fs::exists(work / "refused.json"));
    test::ExpectNoCheckpointLeft(cp);
  };

  {
    // Another server: another RocksDB instance, no SST in common.
    SandboxServer other;
    other.Sql("CREATE DATABASE o; USE o; CREATE TABLE o.x (id INT PRIMARY KEY) ENGINE=ROCKSDB; "
              "INSERT INTO o.x SELECT seq FROM seq_1_to_1000; "
              "SET GLOBAL rocksdb_force_flush_memtable_now = 1");
    ProcessResult ro = Backup(other, work / "cp-other", {"--output=" + (work / "other.tar"),
                                                         "--save_manifest=" + (work / "other.json")});
    REQUIRE(ro.exit_code == 0);
    refused({"--incremental_base=" + (work / "other.json")}, "another RocksDB instance", 1);
  }
  // A manifest edited by hand (a file's size) fails its own digest.
  test::WriteFile(work / "edited.json", [&] {
    std::string s = full_json;
    s.replace(s.find("\"size\":"), 8, "\"size\":9");
    return s;
  }());
  refused({"--incremental_base=" + (work / "edited.json")}, "sha256 does not match", 2);
  refused({"--incremental_base=" + (work / "missing.json")}, "--incremental_base", 2);

  // An incremental, and its restore against bases that are not right.
  source->Sql("UPDATE t.bulk SET pad = 'changed' WHERE id % 50 = 0; "
              "SET GLOBAL rocksdb_force_flush_memtable_now = 1");
  r = Backup(*source, cp, {"--output=" + (work / "inc.tar"),
                           "--incremental_base=" + (work / "full.json")});
  INFO(r.stderr_text);
  REQUIRE(r.exit_code == 0);
  const std::string base = work / "d-full";
  REQUIRE(Extract(work / "full.tar", base).exit_code == 0);
  Manifest inc_manifest;
  {
    TempDir scratch;
    REQUIRE(Run({"tar", "-xf", work / "inc.tar", "-C", scratch.path(), kManifestPath}).exit_code == 0);
    inc_manifest = ReadManifest(scratch / kManifestPath);
  }
  std::string base_file;
  for (const ManifestFile& f : inc_manifest.files) {
    if (!f.in.empty()) base_file = f.path;
  }
  REQUIRE_FALSE(base_file.empty());

  auto restore_refused = [&](const std::string& base_dir, const std::string& message) {
    const std::string target = work / "d-inc";
    ProcessResult rr = Extract(work / "inc.tar", target, base_dir);
    INFO(rr.stderr_text);
    CHECK(rr.exit_code == 1);
    CHECK_THAT(rr.stderr_text, Catch::Contains(message));
    CHECK(test::CountErrorLines(rr.stderr_text) == 1);
    CHECK_FALSE(fs::exists(target));
    for (const auto& e : fs::directory_iterator(work.path())) {
      CHECK_FALSE(e.path().filename().string().starts_with("d-inc.extracting-"));
    }
  };
  // The base's manifest edited and re-digested: not the parent any more.
  const std::string manifest_path = base + "/" + kManifestPath;
  const std::string good_manifest = test::ReadFile(manifest_path);
  test::WriteFile(manifest_path, EditAndRedigest(good_manifest, "\"rounds\": ", "\"rounds\": 1"));
  restore_refused(base, "is not the backup " + inc_manifest.parent->backup_id);
  test::WriteFile(manifest_path, good_manifest);
  // A file the incremental needs, missing; then damaged (same size).
  const std::string needed = base + "/" + base_file;
  fs::rename(needed, needed + ".away");
  restore_refused(base, "lacks " + base_file);
  fs::rename(needed + ".away", needed);
  {
    std::string bytes = test::ReadFile(needed);
    bytes[bytes.size() / 2] ^= 0x01;
    fs::remove(needed);  // a new inode: the backup's files stay as they were
    test::WriteFile(needed, bytes);
  }
  restore_refused(base, "does not match the manifest");
  // Rotation: the same file as base and as the saved manifest.
  fs::copy_file(work / "full.json", work / "latest.json");
  r = Backup(*source, cp, {"--output=" + (work / "inc-rotated.tar"),
                           "--incremental_base=" + (work / "latest.json"),
                           "--save_manifest=" + (work / "latest.json")});
  INFO(r.stderr_text);
  REQUIRE(r.exit_code == 0);
  const Manifest rotated = ReadManifest(work / "latest.json");
  REQUIRE(rotated.incremental());
  CHECK(rotated.parent->sha256 == Sha256Hex(full_json));
  // A full backup given a base: refused too.
  ProcessResult rf = Extract(work / "full.tar", work / "d-full2", base);
  CHECK(rf.exit_code == 1);
  CHECK_THAT(rf.stderr_text, Catch::Contains("full backup"));
}

}  // namespace
}  // namespace hotbackup
