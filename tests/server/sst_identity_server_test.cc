// SST identities read from files a real MyRocks server wrote: the DB id is
// the server's #rocksdb/IDENTITY, the file number the one in the file name,
// and a restart gives new files a new session id; damaged files are refused.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <set>

#include "hotbackup/server/rocksdb_files.h"
#include "hotbackup/server/sst_properties.h"
#include "support/sandbox_server.h"
#include "support/test_support.h"

namespace hotbackup {
namespace {

namespace fs = std::filesystem;
using test::SandboxServer;
using test::TempDir;
using test::TrimTrailing;

std::vector<std::string> Ssts(const std::string& rocksdb_dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(rocksdb_dir)) {
    if (IsSstFileName(e.path().filename().string())) out.push_back(e.path().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

TEST_CASE("SST identity: DB id, session id and file number of a real server's SSTs",
          "[server][sst]") {
  TempDir keep;
  std::set<std::string> sessions_before;
  std::string db_id;
  std::string datadir;
  {
    SandboxServer server;
    server.Sql(
        "CREATE DATABASE t; USE t; CREATE TABLE t.r (id INT PRIMARY KEY, v TEXT) "
        "ENGINE=ROCKSDB; INSERT INTO t.r SELECT seq, REPEAT('x', 100) FROM seq_1_to_20000; "
        "SET GLOBAL rocksdb_force_flush_memtable_now = 1");
    const std::string rocksdb_dir = server.datadir() + "/#rocksdb";
    db_id = TrimTrailing(test::ReadFile(rocksdb_dir + "/IDENTITY"));
    REQUIRE_FALSE(db_id.empty());
    const std::vector<std::string> ssts = Ssts(rocksdb_dir);
    REQUIRE_FALSE(ssts.empty());
    for (const std::string& path : ssts) {
      INFO(path);
      SstIdentity id;
      Status s = ReadSstIdentity(path, &id);
      INFO(s.message());
      REQUIRE(s.ok());
      CHECK(id.db_id == db_id);
      CHECK(id.file_number == std::stoull(fs::path(path).stem().string()));
      CHECK(id.session_id.size() == 20);
      CHECK(id.session_id.find_first_not_of("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ") ==
            std::string::npos);
      sessions_before.insert(id.session_id);
    }
    server.Stop();
    datadir = keep / "data";
    fs::rename(server.datadir(), datadir);
  }
  // The same datadir started again (as a restore would be): same DB id, a
  // new session for the files it writes.
  SandboxServer::Settings settings;
  settings.datadir_from = datadir;
  SandboxServer again(settings);
  again.Sql(
      "USE t; INSERT INTO t.r SELECT seq, REPEAT('y', 100) FROM seq_20001_to_30000; "
      "SET GLOBAL rocksdb_force_flush_memtable_now = 1");
  bool new_session_seen = false;
  for (const std::string& path : Ssts(again.datadir() + "/#rocksdb")) {
    SstIdentity id;
    REQUIRE(ReadSstIdentity(path, &id).ok());
    CHECK(id.db_id == db_id);
    new_session_seen |= sessions_before.count(id.session_id) == 0;
  }
  CHECK(new_session_seen);

  // Damage: every kind refused, none misread.
  const std::string sst = Ssts(again.datadir() + "/#rocksdb").front();
  TempDir work;
  const std::string original = test::ReadFile(sst);
  SstIdentity id;
  test::WriteFile(work / "flipped.sst", original);
  {
    // A byte of the properties block (just before the metaindex and footer).
    std::fstream f(work / "flipped.sst", std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(original.size() - 200));
    f.put(static_cast<char>(original[original.size() - 200] ^ 0x40));
  }
  Status s = ReadSstIdentity(work / "flipped.sst", &id);
  CHECK(s.code() == Status::Code::kCorruption);
  CHECK_THAT(s.message(), Catch::Contains("checksum mismatch"));
  test::WriteFile(work / "short.sst", original.substr(0, 30));
  CHECK(ReadSstIdentity(work / "short.sst", &id).code() == Status::Code::kCorruption);
  test::WriteFile(work / "cut.sst", original.substr(0, original.size() - 1));
  CHECK(ReadSstIdentity(work / "cut.sst", &id).code() == Status::Code::kCorruption);
  test::WriteFile(work / "text.sst", std::string(4096, 'a'));
  CHECK(ReadSstIdentity(work / "text.sst", &id).code() == Status::Code::kCorruption);
  CHECK(ReadSstIdentity(work / "missing.sst", &id).code() == Status::Code::kIoError);

  // ReadSstKey: the identity where there is one; for a file without (here:
  // one that is no SST at all) a key from its whole contents, equal for
  // equal bytes only.
  std::string key, key_db_id;
  REQUIRE(ReadSstKey(sst, &key, &key_db_id).ok());
  REQUIRE(ReadSstIdentity(sst, &id).ok());
  CHECK(key == id.Key());
  CHECK(key_db_id == db_id);
  test::WriteFile(work / "same.sst", std::string(4096, 'a'));
  std::string text_key, same_key, flipped_key;
  REQUIRE(ReadSstKey(work / "text.sst", &text_key, &key_db_id).ok());
  CHECK(key_db_id.empty());
  CHECK(text_key.starts_with(kContentKeyPrefix));
  CHECK(text_key.size() == std::string(kContentKeyPrefix).size() + 32);
  REQUIRE(ReadSstKey(work / "same.sst", &same_key, &key_db_id).ok());
  CHECK(same_key == text_key);
  REQUIRE(ReadSstKey(work / "flipped.sst", &flipped_key, &key_db_id).ok());
  CHECK(flipped_key.starts_with(kContentKeyPrefix));
  CHECK(flipped_key != text_key);
  CHECK(ReadSstKey(work / "missing.sst", &key, &key_db_id).code() == Status::Code::kIoError);
}

TEST_CASE("SST identity: files made by bulk loading carry the SST Writer id and distinct keys",
          "[server][sst]") {
  SandboxServer server;
  server.Sql(
      "CREATE DATABASE t; USE t; "
      "CREATE TABLE t.b1 (id INT PRIMARY KEY, v TEXT) ENGINE=ROCKSDB; "
      "CREATE TABLE t.b2 (id INT PRIMARY KEY, v TEXT) ENGINE=ROCKSDB; "
      "SET SESSION rocksdb_bulk_load = 1; "
      "INSERT INTO t.b1 SELECT seq, REPEAT('x', 100) FROM seq_1_to_20000; "
      "INSERT INTO t.b2 SELECT seq, REPEAT('y', 100) FROM seq_1_to_20000; "
      "SET SESSION rocksdb_bulk_load = 0; "
      "SET SESSION rocksdb_bulk_load = 1; "
      "INSERT INTO t.b1 SELECT seq, REPEAT('z', 100) FROM seq_20001_to_40000; "
      "SET SESSION rocksdb_bulk_load = 0");
  CHECK(TrimTrailing(server.Sql("SELECT COUNT(*) FROM t.b1")) == "40000");
  std::set<std::string> keys;
  size_t bulk_loaded = 0;
  for (const std::string& path : Ssts(server.datadir() + "/#rocksdb")) {
    SstIdentity id;
    REQUIRE(ReadSstIdentity(path, &id).ok());
    if (id.db_id != kSstWriterDbId) continue;
    ++bulk_loaded;
    INFO(path << " " << id.Key());
    CHECK(keys.insert(id.Key()).second);  // no two files share a key
  }
  CHECK(bulk_loaded >= 3);
}

}  // namespace
}  // namespace hotbackup
