// ReadXbstream into an in-memory EntrySink: streams our XbstreamWriter
// wrote and mbstream's reference example read back entry by entry and byte
// by byte, in reads of every size; hand-made chunks for interleaving and for
// each kind of damage (truncation anywhere, bad magic, flags, type, lengths,
// CRC, offsets), each refused with its own message at its archive offset.
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "hotbackup/archive/archive_reader.h"
#include "hotbackup/archive/archive_writer.h"
#include "hotbackup/archive/crc32.h"
#include "hotbackup/archive/xbstream_format.h"
#include "hotbackup/util/coding.h"
#include "support/test_support.h"
#include "unit/archive/reader_fakes.h"

namespace hotbackup {
namespace {

using test::MemoryEntry;
using test::MemoryEntrySink;

Status Read(const std::string& bytes, MemoryEntrySink* sink, size_t max_read = SIZE_MAX,
            size_t fail_at = SIZE_MAX) {
  return test::ReadArchiveBytes(ReadXbstream, bytes, sink, max_read, fail_at);
}

std::string Fixed32(uint32_t v) {
  uint8_t b[4];
  EncodeFixed32(b, v);
  return std::string(reinterpret_cast<char*>(b), 4);
}

std::string Fixed64(uint64_t v) {
  uint8_t b[8];
  EncodeFixed64(b, v);
  return std::string(reinterpret_cast<char*>(b), 8);
}

// A chunk laid out field after field as xbstream_format.h's table says.
std::string Prefix(char type, const std::string& path, uint8_t flags = 0) {
  return std::string("XBSTCK01") + static_cast<char>(flags) + type +
         Fixed32(static_cast<uint32_t>(path.size())) + path;
}

std::string PayloadChunk(const std::string& path, const std::string& payload, uint64_t offset,
                         uint8_t flags = 0) {
  return Prefix('P', path, flags) + Fixed64(payload.size()) + Fixed64(offset) +
         Fixed32(Crc32(0, AsBytes(payload.data(), payload.size()))) + payload;
}

std::string EndChunk(const std::string& path) { return Prefix('E', path); }

std::string Encode(const std::vector<std::pair<std::string, std::string>>& files) {
  StringSink sink;
  std::unique_ptr<ArchiveWriter> writer = NewXbstreamWriter(&sink);
  for (const auto& [path, contents] : files) {
    FileEntry e;
    e.archive_path = path;
    e.size = contents.size();
    REQUIRE(writer->BeginFile(e).ok());
    REQUIRE(writer->Append(AsBytes(contents.data(), contents.size())).ok());
    REQUIRE(writer->EndFile().ok());
  }
  REQUIRE(writer->Finish().ok());
  return sink.contents();
}

// Expects `bytes` refused with kCorruption and `message` in the message;
// returns the whole message.
std::string ExpectRefused(const std::string& bytes, const std::string& message,
                          MemoryEntrySink* sink) {
  Status s = Read(bytes, sink);
  INFO(s.message());
  CHECK(s.code() == Status::Code::kCorruption);
  CHECK_THAT(s.message(), Catch::Contains(message));
  return s.message();
}

TEST_CASE("ReadXbstream: mbstream's reference example", "[unit][xbstream]") {
  // mbstream -c a.txt, where a.txt holds "hello world\n" (xbstream_writer_test.cc).
  // clang-format off
  const unsigned char bytes[] = {
      'X', 'B', 'S', 'T', 'C', 'K', '0', '1', 0, 'P', 5, 0, 0, 0, 'a', '.', 't', 'x', 't',
      12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x2d, 0x3b, 0x08, 0xaf,
      'h', 'e', 'l', 'l', 'o', ' ', 'w', 'o', 'r', 'l', 'd', '\n',
      'X', 'B', 'S', 'T', 'C', 'K', '0', '1', 0, 'E', 5, 0, 0, 0, 'a', '.', 't', 'x', 't'};
  // clang-format on
  MemoryEntrySink sink;
  Status s = Read(std::string(reinterpret_cast<const char*>(bytes), sizeof(bytes)), &sink);
  INFO(s.message());
  REQUIRE(s.ok());
  REQUIRE(sink.entries().size() == 1);
  const MemoryEntry& e = sink.entries()[0];
  CHECK(e.path == "a.txt");
  CHECK(e.data == "hello world\n");
  CHECK(e.ended);
  CHECK_FALSE(e.directory);
  // XBSTREAM records neither mode nor time.
  CHECK(e.permissions == 0640);
  CHECK(e.mtime.tv_nsec == UTIME_OMIT);
}

TEST_CASE("ReadXbstream: what XbstreamWriter wrote comes back, in reads of any size",
          "[unit][xbstream]") {
  const std::string big = test::RandomBytes(xbstream::kChunkPayloadSize + 3, 5);  // two chunks
  const std::vector<std::pair<std::string, std::string>> files = {
      {"000010.sst", big},
      {"db/t.frm", "frm bytes"},
      {"db/empty.frm", ""},
      {std::string(xbstream::kMaxPathLength - 1, 'p'), "longest path"},
      {"caf\xc3\xa9/\xff\xfe.frm", "not UTF-8"}};
  const std::string stream = Encode(files);
  for (size_t max_read : {size_t{1} << 30, size_t{4099}}) {
    CAPTURE(max_read);
    MemoryEntrySink sink;
    Status s = Read(stream, &sink, max_read);
    INFO(s.message());
    REQUIRE(s.ok());
    REQUIRE(sink.entries().size() == files.size());
    for (size_t i = 0; i < files.size(); ++i) {
      CAPTURE(i);
      CHECK(sink.entries()[i].path == files[i].first);
      CHECK(sink.entries()[i].data.size() == files[i].second.size());
      CHECK(sink.entries()[i].data == files[i].second);
      CHECK(sink.entries()[i].ended);
    }
    CHECK(sink.open_files() == 0);
    // The empty file: a begin and an end, no write.
    CHECK_THAT(sink.trace(), Catch::Contains("+db/empty.frm -db/empty.frm "));
  }
  // Byte by byte through every header (the big file left out: slow).
  const std::vector<std::pair<std::string, std::string>> small(files.begin() + 1, files.end());
  MemoryEntrySink sink;
  REQUIRE(Read(Encode(small), &sink, 1).ok());
  REQUIRE(sink.entries().size() == small.size());
  for (size_t i = 0; i < small.size(); ++i) CHECK(sink.entries()[i].data == small[i].second);
}

TEST_CASE("ReadXbstream: an empty stream holds no entries", "[unit][xbstream]") {
  MemoryEntrySink sink;
  CHECK(Read("", &sink).ok());
  CHECK(sink.entries().empty());
}

TEST_CASE("ReadXbstream: interleaved files each get their own bytes in order", "[unit][xbstream]") {
  const std::string stream = PayloadChunk("a.sst", "aaa", 0) + PayloadChunk("b.sst", "bb", 0) +
                             PayloadChunk("a.sst", "AAAA", 3) + EndChunk("b.sst") +
                             PayloadChunk("a.sst", "!", 7) + EndChunk("a.sst");
  MemoryEntrySink sink;
  Status s = Read(stream, &sink, 7);
  INFO(s.message());
  REQUIRE(s.ok());
  CHECK(sink.trace() == "+a.sst +b.sst -b.sst -a.sst ");
  REQUIRE(sink.entries().size() == 2);
  CHECK(sink.entries()[0].data == "aaaAAAA!");
  CHECK(sink.entries()[1].data == "bb");
}

TEST_CASE("ReadXbstream: a file that comes again after its end is begun again",
          "[unit][xbstream]") {
  // The reader does not remember ended files; the sink refuses the second
  // one (ExtractTarget: "the archive holds a.sst twice").
  const std::string stream = PayloadChunk("a.sst", "one", 0) + EndChunk("a.sst") +
                             PayloadChunk("a.sst", "two", 0) + EndChunk("a.sst");
  MemoryEntrySink sink;
  REQUIRE(Read(stream, &sink).ok());
  CHECK(sink.trace() == "+a.sst -a.sst +a.sst -a.sst ");
}

TEST_CASE("ReadXbstream: the ignorable flag is accepted, any other refused", "[unit][xbstream]") {
  MemoryEntrySink ok_sink;
  REQUIRE(Read(PayloadChunk("a.sst", "x", 0, 0x01) + EndChunk("a.sst"), &ok_sink).ok());
  CHECK(ok_sink.entries().at(0).data == "x");
  for (int flags : {0x02, 0x80, 0x03}) {
    CAPTURE(flags);
    MemoryEntrySink sink;
    ExpectRefused(PayloadChunk("a.sst", "x", 0, static_cast<uint8_t>(flags)),
                  "unknown chunk flags " + std::to_string(flags) + " (archive offset 0)", &sink);
    CHECK(sink.entries().empty());
  }
}

TEST_CASE("ReadXbstream: truncation anywhere is refused, naming where", "[unit][xbstream]") {
  const std::string first = PayloadChunk("a.sst", "0123456789", 0);
  const std::string stream = first + EndChunk("a.sst");
  struct Case {
    size_t keep;
    std::string message;
  };
  const size_t fields = 14 + 5;  // where the payload fields start
  const std::vector<Case> cases = {
      {1, "truncated inside a chunk header (archive offset 0)"},
      {13, "truncated inside a chunk header (archive offset 0)"},
      {16, "truncated inside a chunk header (archive offset 0)"},  // inside the path
      {fields + 3, "truncated inside the chunk header of a.sst (archive offset 0)"},
      {fields + 19, "truncated inside the chunk header of a.sst (archive offset 0)"},
      {fields + 20 + 4, "truncated inside the payload of a.sst at file offset 4 (archive offset " +
                            std::to_string(fields + 20 + 4) + ")"},
      {first.size(), "the stream ends before the end chunk of a.sst (truncated) (archive offset " +
                         std::to_string(first.size()) + ")"},
      {first.size() + 3,
       "truncated inside a chunk header (archive offset " + std::to_string(first.size()) + ")"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.keep);
    MemoryEntrySink sink;
    ExpectRefused(stream.substr(0, c.keep), c.message, &sink);
    CHECK(sink.open_files() <= 1);
    for (const MemoryEntry& e : sink.entries()) CHECK_FALSE(e.ended);
  }
}

TEST_CASE("ReadXbstream: damaged chunks are refused, each with its own message",
          "[unit][xbstream]") {
  const std::string good = PayloadChunk("a.sst", "payload", 0) + EndChunk("a.sst");
  MemoryEntrySink sink;
  SECTION("no magic where the second chunk starts") {
    std::string b = good;
    const size_t second = good.size() - EndChunk("a.sst").size();
    b[second + 3] = 'x';
    ExpectRefused(
        b,
        "no chunk magic where a chunk should start (archive offset " + std::to_string(second) + ")",
        &sink);
  }
  SECTION("not XBSTREAM at all") {
    ExpectRefused(std::string(100, 'z'), "no chunk magic", &sink);
    CHECK(sink.entries().empty());
  }
  SECTION("an unknown chunk type") {
    ExpectRefused(Prefix('S', "a.sst"), "unsupported chunk type 'S' for a.sst (archive offset 0)",
                  &sink);
    CHECK(sink.entries().empty());
  }
  SECTION("a path length of 0") {
    ExpectRefused(Prefix('E', ""), "path length 0 out of range (archive offset 0)", &sink);
  }
  SECTION("a path length of 512") {
    ExpectRefused(EndChunk(std::string(512, 'p')), "path length 512 out of range", &sink);
  }
  SECTION("a path length near 4 GiB is refused, not allocated") {
    std::string b = Prefix('E', "a");
    b.replace(10, 4, Fixed32(0xffffffffu));
    ExpectRefused(b, "path length 4294967295 out of range", &sink);
  }
  SECTION("a flipped payload byte") {
    std::string b = good;
    b[14 + 5 + 20 + 2] ^= 0x01;
    const std::string refused =
        ExpectRefused(b, "CRC mismatch in a.sst at file offset 0: stored ", &sink);
    CHECK_THAT(refused, Catch::EndsWith("(archive offset 0)"));
    REQUIRE(sink.entries().size() == 1);
    CHECK_FALSE(sink.entries()[0].ended);
  }
  SECTION("a flipped stored CRC") {
    std::string b = good;
    b[14 + 5 + 16] ^= 0x55;
    const uint32_t crc = Crc32(0, AsBytes("payload", 7));
    char expected[64];
    std::snprintf(expected, sizeof(expected), "stored %08x, computed %08x", crc ^ 0x55, crc);
    ExpectRefused(b, expected, &sink);
  }
  SECTION("a payload length past the end of the stream") {
    std::string b = good;
    b.replace(14 + 5, 8, Fixed64(uint64_t{1} << 62));
    ExpectRefused(b, "truncated inside the payload of a.sst", &sink);
  }
  SECTION("a payload length shorter than the payload") {
    std::string b = good;
    b.replace(14 + 5, 8, Fixed64(3));
    // "pay" fails its CRC before the rest is read as a chunk.
    ExpectRefused(b, "CRC mismatch in a.sst at file offset 0", &sink);
  }
  SECTION("an offset that skips bytes") {
    ExpectRefused(PayloadChunk("a.sst", "first!", 0) + PayloadChunk("a.sst", "third", 12),
                  "out-of-order chunk for a.sst: file offset 12, expected 6", &sink);
    REQUIRE(sink.entries().size() == 1);
    CHECK(sink.entries()[0].data == "first!");
  }
  SECTION("an offset that goes back") {
    ExpectRefused(PayloadChunk("a.sst", "second", 6) + PayloadChunk("a.sst", "first!", 0),
                  "out-of-order chunk for a.sst: file offset 6, expected 0 (archive offset 0)",
                  &sink);
  }
}

TEST_CASE("ReadXbstream: paths reach the sink as they are, its refusal stops the read",
          "[unit][xbstream]") {
  const std::string stream = PayloadChunk("db/t.frm", "ok", 0) + EndChunk("db/t.frm") +
                             PayloadChunk("../evil", "x", 0) + EndChunk("../evil") +
                             PayloadChunk("/etc/evil", "y", 0) + EndChunk("/etc/evil");
  MemoryEntrySink sink;
  REQUIRE(Read(stream, &sink).ok());
  CHECK(sink.trace() == "+db/t.frm -db/t.frm +../evil -../evil +/etc/evil -/etc/evil ");

  MemoryEntrySink refusing;
  refusing.FailBeginOf("../evil");
  Status s = Read(stream, &refusing);
  const size_t at = PayloadChunk("db/t.frm", "ok", 0).size() + EndChunk("db/t.frm").size();
  CHECK(s.code() == Status::Code::kInvalidArgument);
  CHECK(s.message() ==
        "xbstream (archive offset " + std::to_string(at) + "): fake sink: refusing ../evil");
  CHECK(refusing.trace() == "+db/t.frm -db/t.frm ");  // nothing after the refusal
  CHECK(refusing.writes() == 1);
}

TEST_CASE("ReadXbstream: an error of the source is returned as it is", "[unit][xbstream]") {
  const std::string stream = PayloadChunk("a.sst", std::string(1000, 'a'), 0) + EndChunk("a.sst");
  MemoryEntrySink sink;
  Status s = Read(stream, &sink, SIZE_MAX, 500);
  CHECK(s.code() == Status::Code::kIoError);
  CHECK_THAT(s.message(), Catch::StartsWith("fake source: read failed"));
}

}  // namespace
}  // namespace hotbackup
