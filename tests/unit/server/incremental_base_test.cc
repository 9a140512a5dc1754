#include "hotbackup/server/incremental_base.h"

#include <catch2/catch.hpp>

#include "hotbackup/server/sst_properties.h"
#include "hotbackup/util/sha256.h"
#include "support/test_support.h"

namespace hotbackup {
namespace {

Manifest BaseManifest() {
  Manifest m;
  m.tool_version = "t";
  m.server_version = "s";
  m.stream = "tar";
  m.rounds = 2;
  m.start_time = "2026-11-22T01:00:00Z";
  m.end_time = "2026-11-22T01:10:00Z";
  m.backup_id = "bbbb";
  m.db_id = "db-A";
  m.parent = ManifestParent{"aaaa", std::string(64, '0'), "2026-11-21T01:00:00Z"};
  m.files = {
      {"000010.sst", 100, 1, "db-A/S1/10", ""},         // in this backup
      {"000007.sst", 70, 2, "db-A/S0/7", "aaaa"},       // held by its parent
      {"000012.sst", 120, 3, "SST Writer/S9/1", ""},    // bulk loaded
      {"000013.sst", 130, 4, std::string(kContentKeyPrefix) + "00ff", ""},
      {"t/a.frm", 5, 5, "", ""},
  };
  return m;
}

TEST_CASE("IncrementalBase: SSTs match by key, name and size, with the backup that holds them",
          "[unit][incremental]") {
  test::TempDir dir;
  const std::string json = SerializeManifest(BaseManifest());
  test::WriteFile(dir / "base.json", json);
  std::unique_ptr<IncrementalBase> base;
  Status s = IncrementalBase::Load(dir / "base.json", &base);
  INFO(s.message());
  REQUIRE(s.ok());
  CHECK(base->sst_count() == 4);
  const ManifestParent parent = base->AsParent();
  CHECK(parent.backup_id == "bbbb");
  CHECK(parent.sha256 == Sha256Hex(json));
  CHECK(parent.start_time == "2026-11-22T01:00:00Z");

  const ManifestFile* f = base->Find("000010.sst", 100, "db-A/S1/10");
  REQUIRE(f != nullptr);
  CHECK(f->in == "bbbb");  // its own archive holds it
  CHECK(f->xxh3 == 1);
  f = base->Find("000007.sst", 70, "db-A/S0/7");
  REQUIRE(f != nullptr);
  CHECK(f->in == "aaaa");  // still where the parent's parent put it
  // A reused number (another session), another size or another name: sent.
  CHECK(base->Find("000010.sst", 100, "db-A/S2/10") == nullptr);
  CHECK(base->Find("000010.sst", 101, "db-A/S1/10") == nullptr);
  CHECK(base->Find("000011.sst", 100, "db-A/S1/10") == nullptr);
  CHECK(base->Find("t/a.frm", 5, "") == nullptr);  // never matched: not an SST
}

TEST_CASE("IncrementalBase: the same instance or one restored from it, never another",
          "[unit][incremental]") {
  test::TempDir dir;
  test::WriteFile(dir / "base.json", SerializeManifest(BaseManifest()));
  std::unique_ptr<IncrementalBase> base;
  REQUIRE(IncrementalBase::Load(dir / "base.json", &base).ok());
  CHECK(base->CheckSameLineage("db-A", {}).ok());
  // A restored copy: a new IDENTITY, SSTs of the original.
  CHECK(base->CheckSameLineage("db-B", {"db-B", "db-A"}).ok());
  Status s = base->CheckSameLineage("db-C", {"db-C"});
  CHECK(s.code() == Status::Code::kInvalidArgument);
  CHECK_THAT(s.message(), Catch::Contains("another RocksDB instance"));
  // Bulk-loaded files are no evidence of a shared instance.
  CHECK_FALSE(base->CheckSameLineage("db-C", {kSstWriterDbId}).ok());
}

TEST_CASE("IncrementalBase: a version 1, edited or missing manifest is refused",
          "[unit][incremental]") {
  test::TempDir dir;
  std::unique_ptr<IncrementalBase> base;
  std::string json = SerializeManifest(BaseManifest());
  json[json.find("db-A/S1/10") + 3] = 'X';
  test::WriteFile(dir / "edited.json", json);
  Status s = IncrementalBase::Load(dir / "edited.json", &base);
  CHECK(s.code() == Status::Code::kCorruption);
  CHECK_THAT(s.message(), Catch::Contains("edited.json"));
  test::WriteFile(dir / "v1.json",
                  "{\"format\": \"myrocks_hotbackup manifest\", \"version\": 1, \"tool_version\": "
                  "\"0\", \"server_version\": \"s\", \"stream\": \"tar\", \"rounds\": 1, "
                  "\"start_time\": \"a\", \"end_time\": \"b\", \"checksum\": \"xxh3-64\", "
                  "\"files\": []}");
  s = IncrementalBase::Load(dir / "v1.json", &base);
  CHECK(s.code() == Status::Code::kNotSupported);
  CHECK_THAT(s.message(), Catch::Contains("version 1"));
  CHECK(IncrementalBase::Load(dir / "absent.json", &base).code() == Status::Code::kIoError);
  test::WriteFile(dir / "garbage.json", "not json");
  CHECK(IncrementalBase::Load(dir / "garbage.json", &base).code() == Status::Code::kCorruption);
}

}  // namespace
}  // namespace hotbackup
