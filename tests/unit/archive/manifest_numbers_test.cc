// ParseManifest and the numbers of a damaged manifest: found by
// tests/fuzz/manifest_fuzzer. nlohmann's get<int>() of a number that does not
// fit (1e20, a float) was undefined behaviour (UBSan: "outside the range of
// representable values of type 'int'"); such a manifest is now kCorruption.
#include <string>

#include <catch2/catch.hpp>

#include "hotbackup/archive/manifest.h"
#include "hotbackup/util/sha256.h"

namespace hotbackup {
namespace {

// A valid manifest with `field`'s value replaced by `value`.
std::string WithValue(const std::string& field, const std::string& value) {
  Manifest m;
  m.backup_id = "0123456789abcdef0123456789abcdef";
  m.tool_version = "0.1.0";
  m.server_version = "10.11.19-MariaDB-0+deb12u1";
  m.stream = "tar";
  m.rounds = 2;
  m.start_time = "2026-11-23T21:10:00Z";
  m.end_time = "2026-11-23T21:12:31Z";
  BinlogPosition b;
  b.file = "mysql-bin.000003";
  b.position = 1234;
  b.server_id = 7;
  ReplicationSource r;
  r.master_port = 3306;
  r.master_log_pos = 4711;
  b.source = r;
  m.binlog = b;
  m.files.push_back({"000012.sst", 700, 42});
  std::string json = SerializeManifest(m);
  Manifest check;
  REQUIRE(ParseManifest(json, &check).ok());
  // The digest line (version 2) covers the rest: edit, then digest again.
  const size_t digest_size = ManifestDigestLine(std::string(64, '0')).size();
  std::string body = json.substr(0, json.size() - digest_size);
  const std::string key = "\"" + field + "\":";
  size_t at = body.find(key);
  REQUIRE(at != std::string::npos);
  at += key.size();
  while (body[at] == ' ') ++at;
  const size_t end = body.find_first_of(",}\n", at);
  body = body.substr(0, at) + value + body.substr(end);
  return body + ManifestDigestLine(Sha256Hex(body));
}

TEST_CASE("Manifest: numbers that are not integers in range are refused", "[unit][manifest]") {
  for (const char* field :
       {"version", "rounds", "position", "server_id", "master_port", "master_log_pos", "size"}) {
    for (const char* value : {"118446744073709551616", "1e20", "-1e300", "1.5", "-1.5"}) {
      CAPTURE(field, value);
      Manifest m;
      const Status s = ParseManifest(WithValue(field, value), &m);
      CHECK(s.code() == Status::Code::kCorruption);
    }
  }
  for (const char* field : {"version", "rounds", "master_port"}) {  // ints
    for (const char* value : {"2147483648", "-2147483649", "18446744073709551615"}) {
      CAPTURE(field, value);
      Manifest m;
      CHECK(ParseManifest(WithValue(field, value), &m).code() == Status::Code::kCorruption);
    }
  }
  for (const char* field : {"position", "server_id", "master_log_pos", "size"}) {  // uint64_t
    CAPTURE(field);
    Manifest m;
    CHECK(ParseManifest(WithValue(field, "-1"), &m).code() == Status::Code::kCorruption);
    CHECK(ParseManifest(WithValue(field, "18446744073709551615"), &m).ok());
  }
}

// The fuzzer's input, as it found it (a seed manifest whose version grew
// past 2^64, so that nlohmann stored it as a double).
TEST_CASE("Manifest: a version past 2^64 is refused, not converted", "[unit][manifest]") {
  const std::string json = R"({
  "format": "myrocks_hotbackup manifest",
  "version": 118446744073709551616,
  "tool_version": "0.1.0",
  "server_version": "10'11.19-MariaDB-0+deb12u1",
  "stream": "tar",
  "rounds": 2,
  "start_time": "2026-11-23T21:10:00Z",
  "end_time": "2026-11-23T21:12:30Z",
  "checksum": "xxh3-64",
  "files": [
    {"path":"000012.sst","size":700,"xxh3":"0123456789abcdef"}
  ]
})";
  Manifest m;
  const Status s = ParseManifest(json, &m);
  CHECK(s.code() == Status::Code::kCorruption);
  CHECK_THAT(s.message(), Catch::Contains("version"));
}

}  // namespace
}  // namespace hotbackup
