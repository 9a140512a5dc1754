// ZstdSource: reads back what ZstdSink writes, frame after frame, and says
// kCorruption for anything else.
#include "hotbackup/compress/zstd_source.h"

#include <zstd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstring>

#include "hotbackup/compress/zstd_sink.h"
#include "support/test_support.h"

namespace hotbackup {
namespace {

std::string Compress(const std::string& plain, int level = 3) {
  StringSink out;
  std::unique_ptr<ByteSink> zstd;
  REQUIRE(NewZstdSink({level, 0}, &out, &zstd).ok());
  REQUIRE(zstd->Write(AsBytes(plain.data(), plain.size())).ok());
  REQUIRE(zstd->Finish().ok());
  return out.contents();
}

// Everything `compressed` decompresses to, read `read_size` bytes at a time.
Status Decompress(const std::string& compressed, std::string* plain, size_t step = SIZE_MAX,
                  size_t read_size = 70000) {
  StringSource source(compressed, step);
  std::unique_ptr<ByteSource> zstd;
  HOTBACKUP_RETURN_IF_ERROR(NewZstdSource(&source, &zstd));
  plain->clear();
  std::vector<uint8_t> buffer(read_size);
  for (;;) {
    size_t n = 0;
    HOTBACKUP_RETURN_IF_ERROR(zstd->Read(buffer, &n));
    if (n == 0) return Status::OK();
    plain->append(reinterpret_cast<const char*>(buffer.data()), n);
  }
}

std::string Sample(size_t size) {
  std::string s;
  while (s.size() < size) s += "row " + std::to_string(s.size() % 977) + " value;";
  s.resize(size);
  return s;
}

TEST_CASE("ZstdSource: reads back what ZstdSink wrote, in any read sizes", "[unit][zstd]") {
  const std::string plain = Sample(3 * 1024 * 1024 + 7) + test::RandomBytes(300000, 5);
  const std::string compressed = Compress(plain);
  REQUIRE(compressed.compare(0, kZstdMagicSize, kZstdMagic) == 0);
  for (size_t step : {size_t{1} << 20, size_t{4099}, size_t{1}}) {
    for (size_t read_size : {size_t{1}, size_t{70000}}) {
      if (step == 1 && read_size == 1) continue;  // slow, adds nothing
      CAPTURE(step, read_size);
      std::string back;
      REQUIRE(Decompress(compressed, &back, step, read_size).ok());
      CHECK(back == plain);
    }
  }
}

TEST_CASE("ZstdSource: frames back to back decompress to their concatenation", "[unit][zstd]") {
  const std::string a = Sample(200000), b = test::RandomBytes(100000, 6), c = "tail";
  std::string back;
  REQUIRE(Decompress(Compress(a) + Compress(b, 1) + Compress(c), &back, 4099).ok());
  CHECK(back == a + b + c);
}

TEST_CASE("ZstdSource: an empty input is an empty stream", "[unit][zstd]") {
  std::string back = "x";
  REQUIRE(Decompress("", &back).ok());
  CHECK(back.empty());
}

TEST_CASE("ZstdSource: a truncated frame is kCorruption", "[unit][zstd]") {
  const std::string compressed = Compress(Sample(500000) + test::RandomBytes(100000, 7));
  for (size_t keep :
       {size_t{2}, size_t{4}, size_t{20}, compressed.size() / 2, compressed.size() - 1}) {
    CAPTURE(keep);
    std::string back;
    Status s = Decompress(compressed.substr(0, keep), &back);
    CHECK(s.code() == Status::Code::kCorruption);
  }
  // Cut after a whole first frame, inside the second.
  const std::string two = Compress("first") + compressed.substr(0, 100);
  std::string back;
  Status s = Decompress(two, &back);
  CHECK(s.code() == Status::Code::kCorruption);
  CHECK_THAT(s.message(), Catch::Contains("truncated"));
}

TEST_CASE("ZstdSource: a corrupt frame is kCorruption", "[unit][zstd]") {
  const std::string plain = Sample(500000);
  const std::string compressed = Compress(plain);
  SECTION("not zstd at all") {
    std::string back;
    Status s = Decompress("this is not a zstd frame at all", &back);
    CHECK(s.code() == Status::Code::kCorruption);
    CHECK_THAT(s.message(), Catch::StartsWith("zstd: "));
  }
  SECTION("a flipped byte in the content checksum") {
    std::string bad = compressed;
    bad.back() ^= 0x01;  // the frame's last 4 bytes are its checksum
    std::string back;
    Status s = Decompress(bad, &back);
    CHECK(s.code() == Status::Code::kCorruption);
    CHECK_THAT(s.message(), Catch::Contains("hecksum"));
  }
  SECTION("garbage after a valid frame") {
    std::string back;
    Status s = Decompress(compressed + "garbage!", &back);
    CHECK(s.code() == Status::Code::kCorruption);
  }
}

}  // namespace
}  // namespace hotbackup
