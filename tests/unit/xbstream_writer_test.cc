// The XBSTREAM encoder against hand-computed bytes and the format's rules.
#include <zlib.h>

#include <catch2/catch.hpp>

#include "hotbackup/archive_writer.h"
#include "hotbackup/crc32.h"
#include "hotbackup/xbstream_format.h"
#include "support/test_support.h"

namespace hotbackup {
namespace {

using test::ParseXbstream;
using test::RandomBytes;

constexpr size_t kChunk = xbstream::kChunkPayloadSize;

std::string Encode(const std::vector<std::pair<std::string, std::string>>& files) {
  StringSink sink;
  std::unique_ptr<ArchiveWriter> writer = NewXbstreamWriter(&sink);
  for (const auto& [path, contents] : files) {
    FileEntry e;
    e.archive_path = path;
    e.size = contents.size();
    REQUIRE(writer->BeginFile(e).ok());
    // Feed in uneven pieces, so chunking does not depend on the caller's sizes.
    size_t pos = 0, step = 1;
    while (pos < contents.size()) {
      size_t n = std::min(step, contents.size() - pos);
      REQUIRE(writer->Append(AsBytes(contents.data() + pos, n)).ok());
      pos += n;
      step = step * 7 + 3;
    }
    REQUIRE(writer->EndFile().ok());
  }
  REQUIRE(writer->Finish().ok());
  CHECK(sink.finished());
  return sink.contents();
}

std::string Hex(const std::string& s) {
  static const char* kDigits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : s) {
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  return out;
}

TEST_CASE("Crc32: matches zlib's check values", "[unit][xbstream]") {
  std::string check = "123456789";
  CHECK(Crc32(0, AsBytes(check.data(), check.size())) == 0xCBF43926u);
  std::string hello = "hello world\n";
  CHECK(Crc32(0, AsBytes(hello.data(), hello.size())) == 0xaf083b2du);
  // Incremental equals one-shot.
  uint32_t crc = Crc32(0, AsBytes(hello.data(), 5));
  CHECK(Crc32(crc, AsBytes(hello.data() + 5, hello.size() - 5)) == 0xaf083b2du);
  CHECK(Crc32(0, {}) == 0u);
}

TEST_CASE("XbstreamWriter: the reference example byte for byte", "[unit][xbstream]") {
  // mbstream -c a.txt, where a.txt holds "hello world\n" (from the format reference).
  const std::string expected_hex =
      "58425354434b3031" "00" "50" "05000000" "612e747874"
      "0c00000000000000" "0000000000000000" "2d3b08af"
      "68656c6c6f20776f726c640a"
      "58425354434b3031" "00" "45" "05000000" "612e747874";
  CHECK(Hex(Encode({{"a.txt", "hello world\n"}})) == expected_hex);
}

TEST_CASE("XbstreamWriter: an empty file is a single E chunk", "[unit][xbstream]") {
  std::string out = Encode({{"db/empty.frm", ""}});
  CHECK(out.size() == 14 + 12);
  auto chunks = ParseXbstream(out);
  REQUIRE(chunks.size() == 1);
  CHECK(chunks[0].type == 'E');
  CHECK(chunks[0].path == "db/empty.frm");
}

TEST_CASE("XbstreamWriter: payloads split at exactly 10 MiB", "[unit][xbstream]") {
  struct Case {
    size_t size;
    std::vector<size_t> chunk_sizes;
  };
  std::vector<Case> cases = {
      {1, {1}},
      {kChunk - 1, {kChunk - 1}},
      {kChunk, {kChunk}},
      {kChunk + 1, {kChunk, 1}},
      {2 * kChunk, {kChunk, kChunk}},
      {2 * kChunk + 5, {kChunk, kChunk, 5}},
  };
  for (const Case& c : cases) {
    CAPTURE(c.size);
    std::string contents = RandomBytes(c.size, static_cast<uint32_t>(c.size));
    auto chunks = ParseXbstream(Encode({{"f.sst", contents}}));
    REQUIRE(chunks.size() == c.chunk_sizes.size() + 1);
    uint64_t offset = 0;
    std::string joined;
    for (size_t i = 0; i < c.chunk_sizes.size(); ++i) {
      CHECK(chunks[i].type == 'P');
      CHECK(chunks[i].path == "f.sst");
      CHECK(chunks[i].payload.size() == c.chunk_sizes[i]);
      CHECK(chunks[i].payload_offset == offset);
      CHECK(chunks[i].checksum ==
            Crc32(0, AsBytes(chunks[i].payload.data(), chunks[i].payload.size())));
      offset += chunks[i].payload.size();
      joined += chunks[i].payload;
    }
    CHECK(chunks.back().type == 'E');
    CHECK(joined == contents);
  }
}

TEST_CASE("XbstreamWriter: several files keep their own offsets", "[unit][xbstream]") {
  std::string a = RandomBytes(kChunk + 10, 1), b = RandomBytes(3, 2);
  auto chunks = ParseXbstream(Encode({{"a", a}, {"db/b", b}, {"c", ""}}));
  REQUIRE(chunks.size() == 6);
  CHECK((chunks[0].path == "a" && chunks[0].payload_offset == 0));
  CHECK((chunks[1].path == "a" && chunks[1].payload_offset == kChunk));
  CHECK((chunks[2].type == 'E' && chunks[2].path == "a"));
  CHECK((chunks[3].path == "db/b" && chunks[3].payload == b && chunks[3].payload_offset == 0));
  CHECK((chunks[4].type == 'E' && chunks[4].path == "db/b"));
  CHECK((chunks[5].type == 'E' && chunks[5].path == "c"));
}

TEST_CASE("XbstreamWriter: paths up to 511 bytes, longer is a clear error", "[unit][xbstream]") {
  std::string longest(511, 'x');
  auto chunks = ParseXbstream(Encode({{longest, "data"}}));
  CHECK(chunks[0].path == longest);

  StringSink sink;
  auto writer = NewXbstreamWriter(&sink);
  FileEntry e;
  e.archive_path = std::string(512, 'y');
  Status s = writer->BeginFile(e);
  CHECK(s.code() == Status::Code::kInvalidArgument);
  CHECK_THAT(s.message(), Catch::Contains("512 bytes is too long"));
}

TEST_CASE("XbstreamWriter: refuses more or fewer bytes than declared", "[unit][xbstream]") {
  StringSink sink;
  auto writer = NewXbstreamWriter(&sink);
  FileEntry e;
  e.archive_path = "f";
  e.size = 4;
  REQUIRE(writer->BeginFile(e).ok());
  CHECK_FALSE(writer->Append(AsBytes("hello", 5)).ok());

  auto writer2 = NewXbstreamWriter(&sink);
  REQUIRE(writer2->BeginFile(e).ok());
  REQUIRE(writer2->Append(AsBytes("abc", 3)).ok());
  Status s = writer2->EndFile();
  CHECK_THAT(s.message(), Catch::Contains("ended after 3 of 4 bytes"));
}

}  // namespace
}  // namespace hotbackup

namespace hotbackup {
namespace {

TEST_CASE("Crc32: equals zlib at every length and alignment", "[unit][xbstream]") {
  const std::string data = test::RandomBytes((1 << 20) + 300, 42);
  const auto* bytes = reinterpret_cast<const uint8_t*>(data.data());
  for (size_t offset = 0; offset < 16; ++offset) {
    for (size_t size = 0; size < 1100; size += (size < 200 ? 1 : 37)) {
      CAPTURE(offset, size);
      uint32_t seed = static_cast<uint32_t>(size * 2654435761u);
      REQUIRE(Crc32(seed, AsBytes(bytes + offset, size)) ==
              static_cast<uint32_t>(crc32_z(seed, bytes + offset, size)));
    }
  }
  // Large buffers, and chained calls that split them anywhere.
  REQUIRE(Crc32(0, AsBytes(bytes, data.size())) == static_cast<uint32_t>(crc32_z(0, bytes, data.size())));
  uint32_t chained = Crc32(0, AsBytes(bytes, 100003));
  chained = Crc32(chained, AsBytes(bytes + 100003, data.size() - 100003));
  CHECK(chained == static_cast<uint32_t>(crc32_z(0, bytes, data.size())));
}

}  // namespace
}  // namespace hotbackup
