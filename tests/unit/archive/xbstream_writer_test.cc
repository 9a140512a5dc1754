// The XBSTREAM encoder against hand-computed bytes and the format's rules.
#include <zlib.h>

#include <catch2/catch.hpp>
#include <cstring>

#include "hotbackup/archive/archive_writer.h"
#include "hotbackup/archive/crc32.h"
#include "hotbackup/archive/xbstream_format.h"
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
    // Feed in uneven pieces, all gathered in the chunk buffer (an Append of
    // kXbstreamDirectAppendSize or more becomes chunks of its own): chunking
    // must not depend on the sizes of these pieces.
    size_t pos = 0, step = 1;
    while (pos < contents.size()) {
      size_t n = std::min({step, contents.size() - pos, kXbstreamDirectAppendSize - 1});
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

// A sink that counts its writes, to tell what went out when.
class CountingSink final : public ByteSink {
 public:
  Status Write(ByteSpan data) override {
    writes_ += 1;
    return inner_.Write(data);
  }
  Status Finish() override { return inner_.Finish(); }
  const std::string& contents() const { return inner_.contents(); }
  int writes() const { return writes_; }

 private:
  StringSink inner_;
  int writes_ = 0;
};

// Appends `pieces` of `contents` in turn as one file, then parses the stream.
std::vector<test::XbstreamChunk> EncodeInPieces(const std::string& contents,
                                                const std::vector<size_t>& pieces) {
  StringSink sink;
  std::unique_ptr<ArchiveWriter> writer = NewXbstreamWriter(&sink);
  FileEntry e;
  e.archive_path = "db/big.sst";
  e.size = contents.size();
  REQUIRE(writer->BeginFile(e).ok());
  size_t pos = 0;
  for (size_t n : pieces) {
    REQUIRE(writer->Append(AsBytes(contents.data() + pos, n)).ok());
    pos += n;
  }
  REQUIRE(pos == contents.size());
  REQUIRE(writer->EndFile().ok());
  REQUIRE(writer->Finish().ok());
  return ParseXbstream(sink.contents());
}

// Checks every 'P' chunk's path, offset and CRC, the sizes of the chunks, the
// final 'E' chunk, and that the payloads add up to `contents`.
void CheckChunks(const std::vector<test::XbstreamChunk>& chunks, const std::string& contents,
                 const std::vector<size_t>& sizes) {
  REQUIRE(chunks.size() == sizes.size() + 1);
  uint64_t offset = 0;
  std::string joined;
  for (size_t i = 0; i < sizes.size(); ++i) {
    CAPTURE(i);
    CHECK(chunks[i].type == 'P');
    CHECK(chunks[i].path == "db/big.sst");
    CHECK(chunks[i].payload.size() == sizes[i]);
    CHECK(chunks[i].payload_offset == offset);
    CHECK(chunks[i].checksum ==
          Crc32(0, AsBytes(chunks[i].payload.data(), chunks[i].payload.size())));
    offset += chunks[i].payload.size();
    joined += chunks[i].payload;
  }
  CHECK(chunks.back().type == 'E');
  CHECK(chunks.back().path == "db/big.sst");
  CHECK(joined == contents);
}

TEST_CASE("XbstreamWriter: large appends become chunks of their own, at most 10 MiB",
          "[unit][xbstream]") {
  constexpr size_t kMiB = 1 << 20;
  // As O_DIRECT reads arrive: whole blocks, a short tail; then one span
  // larger than two chunks. The 100 gathered bytes go out before it.
  const std::vector<size_t> pieces = {4 * kMiB, 3 * kMiB, 100, 25 * kMiB};
  const std::string contents = RandomBytes(32 * kMiB + 100, 3);
  CheckChunks(EncodeInPieces(contents, pieces), contents,
              {4 * kMiB, 3 * kMiB, 100, kChunk, kChunk, 5 * kMiB});
}

TEST_CASE("XbstreamWriter: the direct threshold, exactly", "[unit][xbstream]") {
  constexpr size_t kDirect = kXbstreamDirectAppendSize;
  SECTION("one byte short of it is gathered") {
    const std::string contents = RandomBytes(2 * (kDirect - 1), 4);
    CheckChunks(EncodeInPieces(contents, {kDirect - 1, kDirect - 1}), contents,
                {2 * (kDirect - 1)});
  }
  SECTION("at it, each append is a chunk") {
    const std::string contents = RandomBytes(2 * kDirect, 5);
    CheckChunks(EncodeInPieces(contents, {kDirect, kDirect}), contents, {kDirect, kDirect});
  }
  SECTION("exactly 10 MiB, and one byte more") {
    const std::string contents = RandomBytes(2 * kChunk + 1, 6);
    CheckChunks(EncodeInPieces(contents, {kChunk, kChunk + 1}), contents, {kChunk, kChunk, 1});
  }
}

TEST_CASE("XbstreamWriter: small and large appends mixed in one file", "[unit][xbstream]") {
  constexpr size_t kMiB = 1 << 20;
  // Gathered bytes are flushed as a short chunk before a large append, never
  // topped up from it: a large span is not copied, whatever came before.
  const std::string contents = RandomBytes(10 + 2 * kMiB + 7 + 11 * kMiB + 3, 7);
  CheckChunks(EncodeInPieces(contents, {4, 6, 2 * kMiB, 7, 11 * kMiB, 1, 2}), contents,
              {10, 2 * kMiB, 7, kChunk, kMiB, 3});

}

TEST_CASE("XbstreamWriter: a large append past the declared size writes nothing",
          "[unit][xbstream]") {
  constexpr size_t kMiB = 1 << 20;
  const std::string data = RandomBytes(5 * kMiB, 9);
  CountingSink sink;
  std::unique_ptr<ArchiveWriter> writer = NewXbstreamWriter(&sink);
  FileEntry e;
  e.archive_path = "db/big.sst";
  e.size = 4 * kMiB;
  REQUIRE(writer->BeginFile(e).ok());
  REQUIRE(writer->Append(AsBytes(data.data(), 2 * kMiB)).ok());
  REQUIRE(writer->Append(AsBytes(data.data(), 10)).ok());  // gathered, not yet written
  const std::string before = sink.contents();
  const int writes = sink.writes();
  // 2 MiB + 10 + 2 MiB is 10 bytes too many: refused, and the 10 gathered
  // bytes are not flushed either.
  Status s = writer->Append(AsBytes(data.data(), 2 * kMiB));
  CHECK(s.code() == Status::Code::kInvalidArgument);
  CHECK_THAT(s.message(), Catch::Contains("more bytes than the declared size of db/big.sst"));
  CHECK(sink.writes() == writes);
  CHECK(sink.contents() == before);
  // The bytes already accepted are still consistent: completing the file works.
  REQUIRE(writer->Append(AsBytes(data.data() + 10, 2 * kMiB - 10)).ok());
  REQUIRE(writer->EndFile().ok());
  auto chunks = ParseXbstream(sink.contents());
  REQUIRE(chunks.size() == 4);
  CHECK(chunks[0].payload_offset == 0);
  CHECK(chunks[0].payload.size() == 2 * kMiB);
  CHECK(chunks[1].payload_offset == 2 * kMiB);
  CHECK(chunks[1].payload.size() == 10);
  CHECK(chunks[2].payload_offset == 2 * kMiB + 10);
  CHECK(chunks[2].payload.size() == 2 * kMiB - 10);
  CHECK(chunks[3].type == 'E');
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
