#include "hotbackup/archive/manifest.h"

#include <catch2/catch.hpp>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <random>

#include "hotbackup/archive/archive_stream.h"
#include "hotbackup/archive/checksum.h"
#include "hotbackup/util/sha256.h"
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
  m.backup_id = "00112233445566778899aabbccddeeff";
  m.db_id = "d2a1c5e0-9c1e-4f7e-8c55-0a1b2c3d4e5f";
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

TEST_CASE("Manifest: tables left out round-trip, absent when there are none, and are described",
          "[unit][manifest]") {
  Manifest m = Sample(2);
  CHECK(SerializeManifest(m).find("left_out") == std::string::npos);
  m.left_out.push_back({"shop", "legacy", "InnoDB", 1000, 1589248});
  m.left_out.push_back({"crm", "no\xff-utf8", "Mroonga", 3, 16384});
  Manifest back;
  REQUIRE(ParseManifest(SerializeManifest(m), &back).ok());
  REQUIRE(back.left_out.size() == 2);
  CHECK(back.left_out[0] == m.left_out[0]);
  CHECK(back.left_out[1].engine == "Mroonga");
  CHECK(back.left_out[1].rows == 3);
  CHECK(DescribeLeftOutTables(back.left_out, 1) ==
        "shop.legacy (InnoDB, ~1000 rows, 1.5 MB) and 1 more");
  // A damaged list is refused, as any malformed manifest.
  std::string json = SerializeManifest(m);
  json.replace(json.find("\"rows\":1000"), 11, "\"rows\":\"x\"");
  CHECK_FALSE(ParseManifest(json, &back).ok());
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
  // The lines are written for any path; a reader takes only the ones that
  // stay below a directory (archive_path.h): those go round, the others are
  // refused.
  for (const std::string& path : LinePaths()) {
    if (ValidateArchivePath(path).ok()) {
      m.files.push_back({path, rng(), rng()});
      continue;
    }
    Manifest unsafe = Sample(0);
    unsafe.files.push_back({path, 1, 1});
    Manifest refused;
    CAPTURE(path);
    CHECK(ParseManifest(SerializeManifest(unsafe), &refused).code() == Status::Code::kCorruption);
  }
  m.files.push_back({"max", UINT64_MAX, UINT64_MAX});
  m.files.push_back({"zero", 0, 0});
  std::string json = ManifestHeader(m);
  for (size_t i = 0; i < m.files.size(); ++i) AppendManifestFileLine(m.files[i], i == 0, &json);
  json += ManifestFilesEnd(true);
  json += ManifestDigestLine(Sha256Hex(json));
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

// The text with its digest line made again for its (edited) body: what a
// careful forger would do, so that the check behind the digest is reached.
std::string Redigest(const std::string& json) {
  const size_t body_end = json.rfind("\"sha256\": ");
  const std::string body = json.substr(0, body_end);
  return body + ManifestDigestLine(Sha256Hex(body));
}

TEST_CASE("Manifest: refuses an unknown version or a damaged document", "[unit][manifest]") {
  std::string json = SerializeManifest(Sample(2));
  Manifest m;
  REQUIRE(ParseManifest(json, &m).ok());
  std::string v3 = json;
  v3.replace(v3.find("\"version\": 2"), 12, "\"version\": 3");
  CHECK(ParseManifest(Redigest(v3), &m).code() == Status::Code::kNotSupported);
  CHECK(ParseManifest(json.substr(0, json.size() / 2), &m).code() == Status::Code::kCorruption);
  std::string bad_sum = json;
  bad_sum.replace(bad_sum.find("0123456789abcdef"), 16, "0123456789abcdeZ");
  CHECK(ParseManifest(bad_sum, &m).code() == Status::Code::kCorruption);
  Status s = ParseManifest(Redigest(bad_sum), &m);
  CHECK(s.code() == Status::Code::kCorruption);
  CHECK_THAT(s.message(), Catch::Contains("bad checksum"));
}

TEST_CASE("Manifest: its sha256 line catches any edit, a cut and trailing bytes",
          "[unit][manifest]") {
  const std::string json = SerializeManifest(Sample(3));
  Manifest m;
  REQUIRE(ParseManifest(json, &m).ok());
  // Every byte before the digest line, changed in a way that keeps valid
  // JSON where it can: a digit, a letter, a blank.
  size_t edits = 0;
  for (size_t at = 0; at + 80 < json.size(); at += 7) {
    std::string edited = json;
    edited[at] = edited[at] == '1' ? '2' : edited[at] == ' ' ? '\t' : '1';
    Status s = ParseManifest(edited, &m);
    CAPTURE(at, json[at]);
    CHECK(s.code() == Status::Code::kCorruption);
    ++edits;
  }
  CHECK(edits > 50);
  // The size of a file edited and the digest recomputed: accepted (the
  // digest is a check, not a signature), and the edit is what is read.
  std::string resized = json;
  resized.replace(resized.find("\"size\":1000"), 11, "\"size\":1001");
  REQUIRE(ParseManifest(Redigest(resized), &m).ok());
  CHECK(m.files[1].size == 1001);
  Status s = ParseManifest(resized, &m);
  CHECK(s.code() == Status::Code::kCorruption);
  CHECK_THAT(s.message(), Catch::Contains("sha256 does not match"));
  CHECK(ParseManifest(json + "\n", &m).code() == Status::Code::kCorruption);
  CHECK(ParseManifest(json.substr(0, json.size() - 3), &m).code() == Status::Code::kCorruption);
  std::string no_id = json;
  const std::string id_field = "\"backup_id\": \"00112233445566778899aabbccddeeff\"";
  no_id.replace(no_id.find(id_field), id_field.size(), "\"backup_id\": \"\"");
  CHECK(ParseManifest(Redigest(no_id), &m).code() == Status::Code::kCorruption);
}

TEST_CASE("Manifest: an incremental's parent, SST keys and base files round-trip",
          "[unit][manifest]") {
  Manifest m = Sample(0);
  m.parent = ManifestParent{"ffeeddccbbaa99887766554433221100", std::string(64, 'a'),
                            "2026-11-22T01:00:00Z"};
  m.files.push_back({"000012.sst", 15157254, 42, "db-id/SESSION0123456789/12", ""});
  m.files.push_back({"000009.sst", 777, 43, "db-id/SESSIONABCDEFGHIJ/9", m.parent->backup_id});
  m.files.push_back({"000010.sst", 778, 44, "SST Writer/SESSION/1", "0123"});
  m.files.push_back({"t/a.frm", 10, 45, "", ""});
  const std::string json = SerializeManifest(m);
  Manifest back;
  Status s = ParseManifest(json, &back);
  INFO(s.message() << "\n" << json);
  REQUIRE(s.ok());
  CHECK(back.version == 2);
  CHECK(back.backup_id == m.backup_id);
  CHECK(back.db_id == m.db_id);
  REQUIRE(back.incremental());
  CHECK(back.parent->backup_id == m.parent->backup_id);
  CHECK(back.parent->sha256 == m.parent->sha256);
  CHECK(back.parent->start_time == m.parent->start_time);
  REQUIRE(back.files.size() == 4);
  for (size_t i = 0; i < 4; ++i) {
    CHECK(back.files[i].sst == m.files[i].sst);
    CHECK(back.files[i].in == m.files[i].in);
  }
  CHECK_THAT(json, Catch::Contains("\"sst\":\"db-id/SESSION0123456789/12\"}"));

  // A file "in" another backup only makes sense in an incremental, and
  // never names the backup itself.
  Manifest full = m;
  full.parent.reset();
  CHECK(ParseManifest(SerializeManifest(full), &back).code() == Status::Code::kCorruption);
  Manifest self = m;
  self.files[1].in = self.backup_id;
  CHECK(ParseManifest(SerializeManifest(self), &back).code() == Status::Code::kCorruption);
  Manifest bad_parent = m;
  bad_parent.parent->sha256 = "abc";
  CHECK(ParseManifest(SerializeManifest(bad_parent), &back).code() == Status::Code::kCorruption);
}

TEST_CASE("Manifest: a version 1 manifest (before ids and digests) is still read",
          "[unit][manifest]") {
  const std::string v1 =
      "{\n  \"format\": \"myrocks_hotbackup manifest\",\n  \"version\": 1,\n"
      "  \"tool_version\": \"0.1.0\",\n  \"server_version\": \"10.11\",\n"
      "  \"stream\": \"tar\",\n  \"rounds\": 2,\n  \"start_time\": \"a\",\n"
      "  \"end_time\": \"b\",\n  \"checksum\": \"xxh3-64\",\n  \"files\": [\n"
      "    {\"path\":\"000012.sst\",\"size\":5,\"xxh3\":\"0000000000000001\"}\n  ]\n}\n";
  Manifest m;
  Status s = ParseManifest(v1, &m);
  INFO(s.message());
  REQUIRE(s.ok());
  CHECK(m.version == 1);
  CHECK(m.backup_id.empty());
  CHECK_FALSE(m.incremental());
  REQUIRE(m.files.size() == 1);
  CHECK(m.files[0].sst.empty());
}

TEST_CASE("Manifest: backup ids are 32 hex digits and differ", "[unit][manifest]") {
  const std::string a = NewBackupId(), b = NewBackupId();
  CHECK(a.size() == 32);
  CHECK(a.find_first_not_of("0123456789abcdef") == std::string::npos);
  CHECK(a != b);
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

TEST_CASE("Manifest: a spilled stream with base files writes the same bytes to its copy",
          "[unit][manifest]") {
  test::TempDir dir;
  const size_t kFiles = 3000;
  for (size_t i = 0; i < kFiles; ++i) test::WriteFile(dir / ("f" + std::to_string(i)), "abc");
  StringSink sink;
  StreamOptions options;
  options.format = ArchiveFormat::kTar;
  std::unique_ptr<ArchiveStream> stream;
  REQUIRE(ArchiveStream::Open(options, &sink, &stream).ok());
  Manifest header = Sample(0);
  header.parent = ManifestParent{"0123", std::string(64, 'b'), "then"};
  for (size_t i = 0; i < kFiles; ++i) {
    const std::string name = "f" + std::to_string(i);
    REQUIRE(stream->AddFile(dir / name, name, GrowthPolicy::kFail, "db/s/" + std::to_string(i)).ok());
    // Base files interleaved, as a backup lists them after its own.
    if (i % 1000 == 0) {
      REQUIRE(stream->ListFileFromBase({"b" + std::to_string(i), 7, 8, "db/t/1", "0123"}).ok());
    }
  }
  CHECK(stream->ListFileFromBase({"nobody", 7, 8, "", ""}).code() ==
        Status::Code::kInvalidArgument);
  StringSink copy;
  REQUIRE(stream->AddManifest(header, &copy).ok());
  REQUIRE(stream->Finish().ok());
  CHECK_FALSE(copy.finished());  // the caller finishes it once the archive is complete

  Manifest m;
  Status s = ParseManifest(copy.contents(), &m);
  INFO(s.message());
  REQUIRE(s.ok());
  REQUIRE(m.files.size() == kFiles + 3);
  CHECK(m.files[0].sst == "db/s/0");
  CHECK(m.files[1].path == "b0");
  CHECK(m.files[1].in == "0123");
  CHECK(m.files.back().sst == "db/s/" + std::to_string(kFiles - 1));
  // The archive's manifest entry holds exactly the copy's bytes.
  CHECK_THAT(sink.contents(), Catch::Contains(copy.contents()));

  // A manifest without its id would not parse back: refused when written.
  StringSink other;
  REQUIRE(ArchiveStream::Open(options, &other, &stream).ok());
  Manifest no_id = Sample(0);
  no_id.backup_id.clear();
  CHECK(stream->AddManifest(no_id).code() == Status::Code::kInvalidArgument);
}

}  // namespace
}  // namespace hotbackup
