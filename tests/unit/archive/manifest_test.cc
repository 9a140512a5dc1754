#include "hotbackup/archive/manifest.h"

#include <catch2/catch.hpp>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <random>

#include "hotbackup/archive/archive_stream.h"
#include "hotbackup/archive/checksum.h"
#include "support/test_support.h"

namespace hotbackup {
namespace {

Manifest Sample(size_t files) {
  Manifest m;
  m.tool_version = "0.1.0";
  m.server_version = "10.11.19-MariaDB";
  m.stream = "xbstream";
  m.rounds = 3;
  m.start_time = "2026-11-23T21:10:00Z";
  m.end_time = "2026-11-23T21:12:31Z";
  for (size_t i = 0; i < files; ++i) {
    m.files.push_back({"db/t\"" + std::to_string(i) + "\\.frm", i * 1000, 0x0123456789abcdefull + i});
  }
  return m;
}

TEST_CASE("Manifest: serializes and parses back, with or without files", "[unit][manifest]") {
  for (size_t n : {size_t{0}, size_t{1}, size_t{3}}) {
    CAPTURE(n);
    Manifest m = Sample(n);
    std::string json = SerializeManifest(m);
    Manifest back;
    Status s = ParseManifest(json, &back);
    INFO(s.message() << "\n" << json);
    REQUIRE(s.ok());
    CHECK(back.server_version == m.server_version);
    CHECK(back.rounds == 3);
    CHECK(back.end_time == m.end_time);
    REQUIRE(back.files.size() == n);
    for (size_t i = 0; i < n; ++i) {
      CHECK(back.files[i].path == m.files[i].path);
      CHECK(back.files[i].size == m.files[i].size);
      CHECK(back.files[i].xxh3 == m.files[i].xxh3);
    }
  }
}

TEST_CASE("Manifest: the binlog position round-trips, with and without a replication source",
          "[unit][manifest]") {
  for (bool with_source : {false, true}) {
    CAPTURE(with_source);
    Manifest m = Sample(2);
    BinlogPosition b;
    b.consistent = true;
    b.log_bin = true;
    b.file = "mysql-bin.000003";
    b.position = 4711;
    b.gtid_binlog_pos = "0-1-320,1-2-7";
    b.gtid_current_pos = "0-1-320";
    b.server_id = 1;
    b.commit_block_ms = 3.25;
    if (with_source) {
      b.source = ReplicationSource{"10.0.0.1", 3307, "bin.000007", 99, "0-1-318", "Slave_Pos"};
    }
    m.binlog = b;
    const std::string json = SerializeManifest(m);
    Manifest back;
    REQUIRE(ParseManifest(json, &back).ok());
    REQUIRE(back.binlog.has_value());
    CHECK(back.binlog->consistent);
    CHECK(back.binlog->file == "mysql-bin.000003");
    CHECK(back.binlog->position == 4711);
    CHECK(back.binlog->gtid_binlog_pos == "0-1-320,1-2-7");
    CHECK(back.binlog->gtid_current_pos == "0-1-320");
    CHECK(back.binlog->server_id == 1);
    CHECK(back.binlog->commit_block_ms == 3.25);
    REQUIRE(back.binlog->source.has_value() == with_source);
    if (with_source) {
      CHECK(back.binlog->source->master_host == "10.0.0.1");
      CHECK(back.binlog->source->master_port == 3307);
      CHECK(back.binlog->source->master_log_file == "bin.000007");
      CHECK(back.binlog->source->master_log_pos == 99);
      CHECK(back.binlog->source->gtid_slave_pos == "0-1-318");
      CHECK(back.binlog->source->using_gtid == "Slave_Pos");
    }
    REQUIRE(back.files.size() == 2);
  }
  // A manifest without one (an older backup) parses with no position.
  Manifest back;
  REQUIRE(ParseManifest(SerializeManifest(Sample(1)), &back).ok());
  CHECK_FALSE(back.binlog.has_value());
}

// The file line as it was built before AppendManifestFileLine, entirely by
// nlohmann and the standard library: the reference for its bytes.
std::string ReferenceFileLine(const ManifestFile& f, bool first) {
  return std::string(first ? "\n    " : ",\n    ") + "{\"path\":" + nlohmann::json(f.path).dump() +
         ",\"size\":" + std::to_string(f.size) + ",\"xxh3\":\"" + FormatChecksum(f.xxh3) + "\"}";
}

// Valid UTF-8 paths of every kind the fast path must tell apart.
std::vector<std::string> LinePaths() {
  std::vector<std::string> paths = {
      "",
      "a",
      "000012.sst",
      "db/t1.frm",
      "#rocksdb/MANIFEST-000005",
      "with space/and  two",
      "q\"uote",
      "\"",
      "back\\slash",
      "\\",
      "\\\"\\\"",
      "/leading/and/trailing/",
      "ctl\x01\x1f",
      "nl\n tab\t cr\r bs\b ff\f",
      std::string("nul\0byte", 8),
      "del\x7f",
      "db2/utf8-\xc3\xa9t\xc3\xa9.frm",
      "\xe6\x97\xa5\xe6\x9c\xac/\xe8\xaa\x9e",  // three-byte sequences
      "emoji-\xf0\x9f\x98\x80",                 // a four-byte sequence
      "\xc2\x80\xc2\xa0\xef\xbf\xbf",           // U+0080, U+00A0, U+FFFF
      "mixed \"q\" \\ \xc3\xa9 \x01 \x7f end",
      std::string(4096, 'x'),
      std::string(600, 'y') + "\"" + std::string(600, 'z'),
  };
  std::string printable;
  for (int c = 0x20; c <= 0x7e; ++c) printable += static_cast<char>(c);
  paths.push_back(printable);
  for (int c = 0; c <= 0x7f; ++c) paths.push_back(std::string(1, static_cast<char>(c)));
  return paths;
}

TEST_CASE("Manifest: file lines are byte for byte nlohmann's", "[unit][manifest]") {
  const std::vector<uint64_t> sizes = {
      0, 1, 9, 10, 99, 100, 4294967296ull, (1ull << 63) + 12345, UINT64_MAX - 1, UINT64_MAX};
  std::mt19937_64 rng(7);
  std::vector<uint64_t> sums = {0, 1, 0xf, UINT64_MAX, 0x0123456789abcdefull, 0xfedcba98765432ull};
  for (int i = 0; i < 10; ++i) sums.push_back(rng());
  for (const std::string& path : LinePaths()) {
    for (uint64_t size : sizes) {
      for (uint64_t sum : sums) {
        for (bool first : {true, false}) {
          ManifestFile f{path, size, sum};
          std::string expected = ReferenceFileLine(f, first);
          CAPTURE(path, size, sum, first);
          REQUIRE(ManifestFileLine(f, first) == expected);
          std::string appended = "earlier lines";
          AppendManifestFileLine(f, first, &appended);
          REQUIRE(appended == "earlier lines" + expected);
        }
      }
    }
  }
}

TEST_CASE("Manifest: random paths give nlohmann's file lines", "[unit][manifest]") {
  // Mostly letters, with the bytes that need escaping and valid UTF-8
  // sprinkled in, at random places.
  const std::string bytes = "Z0/. ~\"\\\x01\n\x1f\x7f";
  const std::vector<std::string> utf8 = {"\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x92\xa9"};
  std::mt19937_64 rng(11);
  for (int i = 0; i < 5000; ++i) {
    std::string path;
    const size_t len = rng() % 40;
    for (size_t j = 0; j < len; ++j) {
      // Seven times in eight a letter: many lines take the fast path.
      const uint64_t r = rng() % 64;
      if (r < 56) {
        path += static_cast<char>('a' + r % 26);
      } else if (r < 62) {
        path += bytes[rng() % bytes.size()];
      } else {
        path += utf8[rng() % utf8.size()];
      }
    }
    ManifestFile f{path, rng(), rng()};
    const bool first = i == 0;
    CAPTURE(path);
    REQUIRE(ManifestFileLine(f, first) == ReferenceFileLine(f, first));
  }
}

TEST_CASE("Manifest: a path that is not UTF-8 goes out in hex and parses back", "[unit][manifest]") {
  // JSON strings cannot carry such a path (nlohmann's dump() throws); a stray
  // Latin-1 name in a datadir must not stop a backup nor lose its bytes.
  Manifest m = Sample(0);
  for (const std::string& path :
       {std::string("\xff"), std::string("db/trunc\xc3"), std::string("overlong\xc0\xaf"),
        std::string("surrogate\xed\xa0\x80"), std::string("latin1-\xe9t\xe9.frm")}) {
    CAPTURE(path);
    ManifestFile f{path, 1, 2};
    CHECK_THROWS_AS(ReferenceFileLine(f, false), nlohmann::json::type_error);
    std::string out = "kept";
    AppendManifestFileLine(f, false, &out);
    CHECK_THAT(out, Catch::StartsWith("kept,\n    {\"path_hex\":\""));
    m.files.push_back(f);
  }
  m.files.push_back({"plain.frm", 3, 4});
  Manifest back;
  Status s = ParseManifest(SerializeManifest(m), &back);
  INFO(s.message());
  REQUIRE(s.ok());
  REQUIRE(back.files.size() == m.files.size());
  for (size_t i = 0; i < m.files.size(); ++i) CHECK(back.files[i].path == m.files[i].path);
  CHECK_THAT(SerializeManifest(m), Catch::Contains("\"path_hex\":\"6c6174696e312de974e92e66726d\""));

  // A damaged hex path is refused, not half-read.
  for (const char* bad : {"\"abc\"", "\"zz\"", "\"4G\""}) {
    std::string text = SerializeManifest(m);
    size_t at = text.find("\"path_hex\":") + 11;
    text.replace(at, text.find(',', at) - at, bad);
    CAPTURE(bad);
    CHECK(ParseManifest(text, &back).code() == Status::Code::kCorruption);
  }
}

TEST_CASE("Manifest: lines appended one by one parse back", "[unit][manifest]") {
  Manifest m = Sample(0);
  std::mt19937_64 rng(5);
  for (const std::string& path : LinePaths()) m.files.push_back({path, rng(), rng()});
  m.files.push_back({"max", UINT64_MAX, UINT64_MAX});
  m.files.push_back({"zero", 0, 0});
  std::string json = ManifestHeader(m);
  for (size_t i = 0; i < m.files.size(); ++i) AppendManifestFileLine(m.files[i], i == 0, &json);
  json += ManifestTrailer(true);
  CHECK(json == SerializeManifest(m));

  Manifest back;
  Status s = ParseManifest(json, &back);
  INFO(s.message());
  REQUIRE(s.ok());
  REQUIRE(back.files.size() == m.files.size());
  for (size_t i = 0; i < m.files.size(); ++i) {
    CAPTURE(i, m.files[i].path);
    CHECK(back.files[i].path == m.files[i].path);
    CHECK(back.files[i].size == m.files[i].size);
    CHECK(back.files[i].xxh3 == m.files[i].xxh3);
  }
}

TEST_CASE("Manifest: refuses an unknown version or a damaged document", "[unit][manifest]") {
  std::string json = SerializeManifest(Sample(2));
  Manifest m;
  std::string v2 = json;
  v2.replace(v2.find("\"version\": 1"), 12, "\"version\": 2");
  CHECK(ParseManifest(v2, &m).code() == Status::Code::kNotSupported);
  CHECK(ParseManifest(json.substr(0, json.size() / 2), &m).code() == Status::Code::kCorruption);
  std::string bad_sum = json;
  bad_sum.replace(bad_sum.find("0123456789abcdef"), 16, "0123456789abcdeZ");
  CHECK(ParseManifest(bad_sum, &m).code() == Status::Code::kCorruption);
}

TEST_CASE("Manifest: a stream of many files spills its list and still writes it whole",
          "[unit][manifest]") {
  test::TempDir dir;
  const size_t kFiles = 6000;  // about 500 KB of lines: more than is kept in memory
  for (size_t i = 0; i < kFiles; ++i) test::WriteFile(dir / ("f" + std::to_string(i)), std::to_string(i));
  StringSink sink;
  StreamOptions options;
  options.format = ArchiveFormat::kXbstream;
  std::unique_ptr<ArchiveStream> stream;
  REQUIRE(ArchiveStream::Open(options, &sink, &stream).ok());
  for (size_t i = 0; i < kFiles; ++i) {
    std::string name = "f" + std::to_string(i);
    REQUIRE(stream->AddFile(dir / name, "db/" + name).ok());
  }
  REQUIRE(stream->AddManifest(Sample(0)).ok());
  REQUIRE(stream->Finish().ok());

  std::string json;
  for (const test::XbstreamChunk& c : test::ParseXbstream(sink.contents())) {
    if (c.path == kManifestPath) json += c.payload;
  }
  Manifest m;
  REQUIRE(ParseManifest(json, &m).ok());
  REQUIRE(m.files.size() == kFiles);
  CHECK(m.files[0].path == "db/f0");
  CHECK(m.files[kFiles - 1].path == "db/f" + std::to_string(kFiles - 1));
  CHECK(m.files[4321].size == 4);
}

}  // namespace
}  // namespace hotbackup
