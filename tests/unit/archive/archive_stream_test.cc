// ArchiveStream: the pipeline over real files into an in-memory sink.
#include "hotbackup/archive/archive_stream.h"

#include <unistd.h>

#include <filesystem>
#include <map>

#include <catch2/catch.hpp>

#include "support/test_support.h"

namespace hotbackup {
namespace {

using test::ParseXbstream;
using test::RandomBytes;
using test::TempDir;
using test::WriteFile;

TEST_CASE("ValidateArchivePath: only clean relative paths", "[unit][stream]") {
  for (const char* good : {"a", "000012.sst", "db/t.frm", "a/b/c", "..a", "a..", ".hidden"}) {
    CAPTURE(good);
    CHECK(ValidateArchivePath(good).ok());
  }
  for (const char* bad : {"", "/etc/passwd", "../x", "a/../b", "a/..", "./a", "a//b", "a/", "."}) {
    CAPTURE(bad);
    CHECK(ValidateArchivePath(bad).code() == Status::Code::kInvalidArgument);
  }
}

TEST_CASE("ArchiveStream: files go through in both read modes", "[unit][stream]") {
  TempDir dir;
  std::string a = RandomBytes(5 * 1024 * 1024 + 3, 1);
  WriteFile(dir / "a.sst", a);
  WriteFile(dir / "b", "");
  for (ReadMode mode : {ReadMode::kBuffered, ReadMode::kDirect}) {
    StringSink sink;
    std::unique_ptr<ArchiveStream> stream;
    StreamOptions options;
    options.format = ArchiveFormat::kXbstream;
    options.read_mode = mode;
    REQUIRE(ArchiveStream::Open(options, &sink, &stream).ok());
    REQUIRE(stream->AddFile(dir / "a.sst", "a.sst").ok());
    REQUIRE(stream->AddFile(dir / "b", "db/b").ok());
    REQUIRE(stream->Finish().ok());
    CHECK(stream->stats().files == 2);
    CHECK(stream->stats().file_bytes == a.size());
    // Buffered, a.sst is one gathered chunk; direct, each 4 MiB read block
    // is appended whole and becomes a chunk of its own (see NewXbstreamWriter).
    auto chunks = ParseXbstream(sink.contents());
    size_t i = 0;
    std::string joined;
    for (; i < chunks.size() && chunks[i].type == 'P'; ++i) {
      CHECK(chunks[i].path == "a.sst");
      CHECK(chunks[i].payload_offset == joined.size());
      joined += chunks[i].payload;
    }
    CHECK(joined == a);
    REQUIRE(chunks.size() == i + 2);
    CHECK((chunks[i].type == 'E' && chunks[i].path == "a.sst"));
    CHECK((chunks.back().type == 'E' && chunks.back().path == "db/b"));
  }
}

TEST_CASE("ArchiveStream: a missing file is an error the stream survives", "[unit][stream]") {
  TempDir dir;
  WriteFile(dir / "a", "data");
  StringSink sink;
  std::unique_ptr<ArchiveStream> stream;
  REQUIRE(ArchiveStream::Open({}, &sink, &stream).ok());
  Status s = stream->AddFile(dir / "gone", "gone");
  CHECK(s.code() == Status::Code::kIoError);
  CHECK_THAT(s.message(), Catch::Contains("gone: No such file or directory"));
  CHECK(stream->AddFile(dir / "a", "a").ok());
  CHECK(stream->Finish().ok());
}

TEST_CASE("ArchiveStream: refuses unsafe archive paths before reading", "[unit][stream]") {
  TempDir dir;
  WriteFile(dir / "a", "data");
  StringSink sink;
  std::unique_ptr<ArchiveStream> stream;
  REQUIRE(ArchiveStream::Open({}, &sink, &stream).ok());
  CHECK_FALSE(stream->AddFile(dir / "a", "../a").ok());
  CHECK_FALSE(stream->AddFile(dir / "a", "/a").ok());
  CHECK(sink.contents().empty());
}

TEST_CASE("ArchiveStream: rejects bad zstd options at Open", "[unit][stream]") {
  StringSink sink;
  std::unique_ptr<ArchiveStream> stream;
  StreamOptions options;
  options.compression = Compression::kZstd;
  options.zstd.level = 1000;
  CHECK(ArchiveStream::Open(options, &sink, &stream).code() == Status::Code::kInvalidArgument);
}

TEST_CASE("ArchiveStream: hinted next files, right or wrong, change nothing in the archive",
          "[unit][stream]") {
  TempDir dir;
  std::vector<std::string> contents;
  // Large files (read with O_DIRECT through the pool) and small ones (buffered).
  const std::vector<size_t> sizes = {(4u << 20) * 2, 3 << 20, 1000, (1 << 20) + 5, 7, 5 << 20};
  for (size_t i = 0; i < sizes.size(); ++i) {
    contents.push_back(RandomBytes(sizes[i], static_cast<uint32_t>(i + 1)));
    WriteFile(dir / ("f" + std::to_string(i)), contents.back());
  }
  {
    // Otherwise the direct half below would not exercise the read-ahead queue.
    FileReader probe;
    REQUIRE(probe.Open(dir / "f0", ReadMode::kDirect).ok());
    CHECK(probe.direct());
  }
  for (ReadMode mode : {ReadMode::kDirect, ReadMode::kBuffered}) {
    CAPTURE(mode == ReadMode::kDirect);
    StringSink sink;
    std::unique_ptr<ArchiveStream> stream;
    StreamOptions options;
    options.format = ArchiveFormat::kXbstream;
    options.read_mode = mode;
    REQUIRE(ArchiveStream::Open(options, &sink, &stream).ok());
    for (size_t i = 0; i < sizes.size(); ++i) {
      // Right hints, except: after f1 a hint for a missing file, after f3 a
      // hint for f0 (not added next), after f5 none.
      if (i == 1) {
        stream->HintNextFile(dir / "missing");
      } else if (i == 3) {
        stream->HintNextFile(dir / "f0");
      } else if (i + 1 < sizes.size()) {
        stream->HintNextFile(dir / ("f" + std::to_string(i + 1)));
      }
      Status s = stream->AddFile(dir / ("f" + std::to_string(i)), "f" + std::to_string(i));
      INFO(s.message());
      REQUIRE(s.ok());
    }
    stream->HintNextFile(dir / "f0");  // dropped by Finish
    REQUIRE(stream->Finish().ok());
    std::map<std::string, std::string> files;
    for (const auto& chunk : ParseXbstream(sink.contents())) files[chunk.path] += chunk.payload;
    REQUIRE(files.size() == sizes.size());
    for (size_t i = 0; i < sizes.size(); ++i) CHECK(files["f" + std::to_string(i)] == contents[i]);
  }
}

TEST_CASE("ArchiveStream: a stream dropped with a prefetch in flight cleans up", "[unit][stream]") {
  TempDir dir;
  WriteFile(dir / "a", RandomBytes(3 << 20, 1));
  WriteFile(dir / "b", RandomBytes(9 << 20, 2));
  StringSink sink;
  std::unique_ptr<ArchiveStream> stream;
  StreamOptions options;
  options.read_mode = ReadMode::kDirect;
  REQUIRE(ArchiveStream::Open(options, &sink, &stream).ok());
  stream->HintNextFile(dir / "b");
  REQUIRE(stream->AddFile(dir / "a", "a").ok());
  stream.reset();  // b's reads may be in flight: must not touch freed readers
  // A missing hinted file is reported by the AddFile that adds it.
  REQUIRE(ArchiveStream::Open(options, &sink, &stream).ok());
  stream->HintNextFile(dir / "gone");
  REQUIRE(stream->AddFile(dir / "a", "a").ok());
  Status s = stream->AddFile(dir / "gone", "gone");
  CHECK(s.code() == Status::Code::kIoError);
  CHECK_THAT(s.message(), Catch::Contains("gone"));
}

TEST_CASE("ArchiveStream: a directory dropped and created again between files", "[unit][stream]") {
  // As when a database is dropped and created again during the misc phase:
  // the cached directory descriptor is stale, the path names the new one.
  TempDir dir;
  std::filesystem::create_directories(dir / "db");
  WriteFile(dir / "db/t1.frm", "old");
  StringSink sink;
  std::unique_ptr<ArchiveStream> stream;
  StreamOptions options;
  options.format = ArchiveFormat::kXbstream;
  REQUIRE(ArchiveStream::Open(options, &sink, &stream).ok());
  REQUIRE(stream->AddFile(dir / "db/t1.frm", "db/t1.frm").ok());
  std::filesystem::remove_all(dir / "db");
  std::filesystem::create_directories(dir / "db");
  WriteFile(dir / "db/t2.frm", "new");
  Status s = stream->AddFile(dir / "db/t2.frm", "db/t2.frm");
  INFO(s.message());
  REQUIRE(s.ok());
  // A file that is really gone is still an error.
  CHECK(stream->AddFile(dir / "db/t3.frm", "db/t3.frm").code() == Status::Code::kIoError);
  REQUIRE(stream->Finish().ok());
  std::map<std::string, std::string> files;
  for (const auto& chunk : ParseXbstream(sink.contents())) files[chunk.path] += chunk.payload;
  CHECK(files["db/t1.frm"] == "old");
  CHECK(files["db/t2.frm"] == "new");
}

TEST_CASE("ArchiveStream: a manifest list that cannot be spilled ends the stream", "[unit][stream]") {
  TempDir dir;
  WriteFile(dir / "f", "x");
  const char* old_tmpdir = getenv("TMPDIR");
  const std::string saved = old_tmpdir ? old_tmpdir : "";
  setenv("TMPDIR", (dir / "missing").c_str(), 1);
  StringSink sink;
  std::unique_ptr<ArchiveStream> stream;
  StreamOptions options;
  options.format = ArchiveFormat::kXbstream;
  REQUIRE(ArchiveStream::Open(options, &sink, &stream).ok());
  Status s;
  // Long names fill the in-memory part of the list (256 KiB) quickly.
  for (int i = 0; i < 2000 && s.ok(); ++i) {
    s = stream->AddFile(dir / "f", "d/" + std::string(400, 'n') + std::to_string(i));
  }
  if (old_tmpdir) {
    setenv("TMPDIR", saved.c_str(), 1);
  } else {
    unsetenv("TMPDIR");
  }
  CHECK(s.code() == Status::Code::kIoError);
  CHECK_THAT(s.message(), Catch::Contains("temporary file"));
  // The file went into the archive but not into its list: no more files.
  CHECK(stream->AddFile(dir / "f", "g").code() == Status::Code::kInvalidArgument);
}

}  // namespace
}  // namespace hotbackup
