// ZstdSink: one valid frame, whatever the level and thread count.
#include "hotbackup/compress/zstd_sink.h"

#include <malloc.h>
#include <zstd.h>

#include <algorithm>

#include <catch2/catch.hpp>

#include "support/test_support.h"

namespace hotbackup {
namespace {

std::string Decompress(const std::string& frame) {
  unsigned long long size = ZSTD_getFrameContentSize(frame.data(), frame.size());
  std::string out;
  ZSTD_DCtx* d = ZSTD_createDCtx();
  ZSTD_inBuffer in{frame.data(), frame.size(), 0};
  std::string buf(1 << 16, '\0');
  size_t rc = 1;
  while (in.pos < in.size) {
    ZSTD_outBuffer o{buf.data(), buf.size(), 0};
    rc = ZSTD_decompressStream(d, &o, &in);
    REQUIRE_FALSE(ZSTD_isError(rc));
    out.append(buf.data(), o.pos);
  }
  ZSTD_freeDCtx(d);
  CHECK(rc == 0);  // the frame is complete, and nothing follows it
  (void)size;
  return out;
}

// Compressible input, like database pages.
std::string Sample(size_t size) {
  std::string s;
  while (s.size() < size) s += "row " + std::to_string(s.size() % 977) + " value;";
  s.resize(size);
  return s;
}

TEST_CASE("ZstdSink: round trips at several levels and thread counts", "[unit][zstd]") {
  std::string input = Sample(9 * 1024 * 1024 + 3) + test::RandomBytes(2 << 20, 9);
  for (int level : {-5, 1, 3, 19}) {
    for (int threads : {0, 2}) {
      if (level == 19 && threads == 0) continue;  // slow, adds nothing
      CAPTURE(level, threads);
      StringSink out;
      std::unique_ptr<ByteSink> zstd;
      REQUIRE(NewZstdSink({level, threads}, &out, &zstd).ok());
      for (size_t pos = 0; pos < input.size(); pos += 100000) {
        size_t n = std::min<size_t>(100000, input.size() - pos);
        REQUIRE(zstd->Write(AsBytes(input.data() + pos, n)).ok());
      }
      REQUIRE(zstd->Finish().ok());
      CHECK(out.finished());
      CHECK(out.contents().size() < input.size());
      CHECK(ZSTD_findFrameCompressedSize(out.contents().data(), out.contents().size()) ==
            out.contents().size());  // exactly one frame, no padding
      CHECK(Decompress(out.contents()) == input);
    }
  }
}

// Heap in use by every thread: arenas and mmap'ed blocks.
size_t HeapInUse() {
  struct mallinfo2 m = mallinfo2();
  return m.uordblks + m.hblkhd;
}

TEST_CASE("ZstdSink: two workers at level 3 hold under 32 MiB of heap", "[unit][zstd]") {
  // libzstd's default 8 MiB jobs held 40 MiB of input ring and 8 MiB per
  // output buffer here, over 60 MiB.
  const size_t before = HeapInUse();
  const std::string input = Sample(8 << 20) + test::RandomBytes(16 << 20, 5);
  const size_t baseline = HeapInUse();
  StringSink out;
  std::unique_ptr<ByteSink> zstd;
  REQUIRE(NewZstdSink({3, 2}, &out, &zstd).ok());
  size_t peak = 0;
  for (size_t pos = 0; pos < input.size(); pos += 1 << 20) {
    const size_t n = std::min<size_t>(1 << 20, input.size() - pos);
    REQUIRE(zstd->Write(AsBytes(input.data() + pos, n)).ok());
    // The compressed copy grows in `out`; count only what the sink holds.
    peak = std::max(peak, HeapInUse() - baseline - out.contents().capacity());
  }
  REQUIRE(zstd->Finish().ok());
  CHECK(Decompress(out.contents()) == input);
  if (baseline == before) return;  // a sanitizer's allocator: mallinfo2 sees nothing
  CHECK(peak < (32u << 20));
}

TEST_CASE("ZstdSink: an empty input is still one valid frame", "[unit][zstd]") {
  StringSink out;
  std::unique_ptr<ByteSink> zstd;
  REQUIRE(NewZstdSink({}, &out, &zstd).ok());
  REQUIRE(zstd->Finish().ok());
  CHECK_FALSE(out.contents().empty());
  CHECK(Decompress(out.contents()).empty());
}

TEST_CASE("ZstdSink: rejects levels and thread counts libzstd refuses", "[unit][zstd]") {
  StringSink out;
  std::unique_ptr<ByteSink> zstd;
  Status s = NewZstdSink({ZstdMaxLevel() + 1, 0}, &out, &zstd);
  CHECK(s.code() == Status::Code::kInvalidArgument);
  CHECK_THAT(s.message(), Catch::Contains("compression level"));
  CHECK_FALSE(NewZstdSink({3, -1}, &out, &zstd).ok());
  CHECK(NewZstdSink({ZstdMinLevel(), 0}, &out, &zstd).ok());
}

}  // namespace
}  // namespace hotbackup
