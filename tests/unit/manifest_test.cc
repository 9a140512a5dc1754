#include "hotbackup/manifest.h"

#include <catch2/catch.hpp>

#include "hotbackup/archive_stream.h"
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
