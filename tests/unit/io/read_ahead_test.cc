// ReadAhead: several direct reads in flight, blocks still in order, and the
// same change detection as FileReader.
#include "hotbackup/io/read_ahead.h"

#include <unistd.h>

#include <catch2/catch.hpp>

#include "support/test_support.h"

namespace hotbackup {
namespace {

using test::RandomBytes;
using test::TempDir;
using test::WriteFile;

// The blocks of the oldest queued file, up to its end (or an error).
Status ReadQueuedFile(ReadAhead& ahead, std::string* out) {
  for (;;) {
    ByteSpan block;
    HOTBACKUP_RETURN_IF_ERROR(ahead.Next(&block));
    if (block.empty()) return Status::OK();
    out->append(reinterpret_cast<const char*>(block.data()), block.size());
  }
}

Status ReadAll(ReadAhead& ahead, const FileReader& file, std::string* out) {
  ahead.Add(&file);
  Status s = ReadQueuedFile(ahead, out);
  ahead.Finish();
  HOTBACKUP_RETURN_IF_ERROR(s);
  return file.CheckUnchanged();
}

TEST_CASE("ReadAhead: exact contents around block and alignment sizes", "[unit][reader]") {
  TempDir dir;
  const size_t kBlock = 64 * 1024;
  ReadAhead ahead(kBlock, 3);
  for (ReadMode mode : {ReadMode::kDirect, ReadMode::kBuffered}) {
    for (size_t size : {size_t{0}, size_t{1}, size_t{4095}, size_t{4096}, size_t{4097}, kBlock - 1, kBlock,
                        kBlock + 1, 3 * kBlock, 3 * kBlock + 5, 10 * kBlock + 4097}) {
      CAPTURE(size, mode == ReadMode::kDirect);
      std::string path = dir / ("f" + std::to_string(size));
      std::string contents = RandomBytes(size, static_cast<uint32_t>(size));
      WriteFile(path, contents);
      FileReader file;
      REQUIRE(file.Open(path, mode).ok());
      std::string got;
      Status s = ReadAll(ahead, file, &got);  // the same pool, file after file
      INFO(s.message());
      REQUIRE(s.ok());
      CHECK(got == contents);
    }
  }
}

TEST_CASE("ReadAhead: a file that grows or shrinks is a change", "[unit][reader]") {
  TempDir dir;
  const size_t kBlock = 64 * 1024;
  ReadAhead ahead(kBlock, 4);
  for (size_t size : {size_t{5000}, kBlock * 2}) {  // also a multiple of the block
    CAPTURE(size);
    std::string path = dir / "f";
    WriteFile(path, RandomBytes(size, 1));
    FileReader grow;
    REQUIRE(grow.Open(path, ReadMode::kDirect).ok());
    WriteFile(path, RandomBytes(size + 100, 1));
    std::string got;
    Status s = ReadAll(ahead, grow, &got);
    CHECK(s.code() == Status::Code::kChanged);
    CHECK_THAT(s.message(), Catch::Contains("grew"));

    // Growth is tolerated where the policy says so: the prefix is read.
    WriteFile(path, RandomBytes(size, 1));
    FileReader tolerant;
    REQUIRE(tolerant.Open(path, ReadMode::kDirect, GrowthPolicy::kReadSizeAtOpen).ok());
    WriteFile(path, RandomBytes(size + 100, 1));
    got.clear();
    REQUIRE(ReadAll(ahead, tolerant, &got).ok());
    CHECK(got == RandomBytes(size + 100, 1).substr(0, size));

    WriteFile(path, RandomBytes(size, 1));
    FileReader shrink;
    REQUIRE(shrink.Open(path, ReadMode::kDirect).ok());
    REQUIRE(truncate(path.c_str(), 100) == 0);
    got.clear();
    s = ReadAll(ahead, shrink, &got);
    CHECK(s.code() == Status::Code::kChanged);
    CHECK_THAT(s.message(), Catch::Contains("shrank"));
  }
}

TEST_CASE("ReadAhead: stopping mid-file leaves the pool reusable", "[unit][reader]") {
  TempDir dir;
  const size_t kBlock = 4096;
  std::string contents = RandomBytes(kBlock * 50, 3);
  WriteFile(dir / "f", contents);
  ReadAhead ahead(kBlock, 4);
  {
    FileReader file;
    REQUIRE(file.Open(dir / "f", ReadMode::kDirect).ok());
    ahead.Add(&file);
    ByteSpan block;
    REQUIRE(ahead.Next(&block).ok());
    REQUIRE(block.size() == kBlock);
    ahead.Finish();  // as on an error: the file may now go away
  }
  FileReader again;
  REQUIRE(again.Open(dir / "f", ReadMode::kDirect).ok());
  std::string got;
  REQUIRE(ReadAll(ahead, again, &got).ok());
  CHECK(got == contents);
}

TEST_CASE("ReadAhead: queued files come out in order, each with its own end", "[unit][reader]") {
  TempDir dir;
  const size_t kBlock = 4096 * 4;
  ReadAhead ahead(kBlock, 3);
  // Sizes around the block, and files shorter than the pool's depth, so
  // reads of several files are in flight at once.
  const std::vector<size_t> sizes = {3 * kBlock, 1, kBlock, 0, 2 * kBlock + 7, kBlock - 1, 5 * kBlock};
  std::vector<std::unique_ptr<FileReader>> files;
  std::vector<std::string> contents;
  for (size_t i = 0; i < sizes.size(); ++i) {
    std::string path = dir / ("f" + std::to_string(i));
    contents.push_back(RandomBytes(sizes[i], static_cast<uint32_t>(i + 7)));
    WriteFile(path, contents.back());
    files.push_back(std::make_unique<FileReader>());
    REQUIRE(files.back()->Open(path, ReadMode::kDirect).ok());
  }
  // Half queued up front, the rest while the first files are being consumed.
  for (size_t i = 0; i < 4; ++i) ahead.Add(files[i].get());
  for (size_t i = 0; i < files.size(); ++i) {
    CAPTURE(i, sizes[i]);
    if (i + 4 < files.size()) ahead.Add(files[i + 4].get());
    CHECK(ahead.Queued(files[i].get()));
    std::string got;
    Status s = ReadQueuedFile(ahead, &got);
    INFO(s.message());
    REQUIRE(s.ok());
    CHECK(got == contents[i]);
    CHECK_FALSE(ahead.Queued(files[i].get()));  // the reader may go now
    files[i].reset();
  }
  ByteSpan block;
  REQUIRE(ahead.Next(&block).ok());
  CHECK(block.empty());  // nothing queued
}

TEST_CASE("ReadAhead: a change in a queued file shows when that file is read", "[unit][reader]") {
  TempDir dir;
  const size_t kBlock = 4096;
  std::string first = RandomBytes(kBlock * 2 + 1, 1);
  WriteFile(dir / "a", first);
  WriteFile(dir / "b", RandomBytes(kBlock * 8, 2));
  FileReader a, b;
  REQUIRE(a.Open(dir / "a", ReadMode::kDirect).ok());
  REQUIRE(b.Open(dir / "b", ReadMode::kDirect).ok());
  REQUIRE(truncate((dir / "b").c_str(), kBlock * 6) == 0);  // b shrinks after open
  ReadAhead ahead(kBlock, 4);
  ahead.Add(&a);
  ahead.Add(&b);
  std::string got;
  REQUIRE(ReadQueuedFile(ahead, &got).ok());  // a is intact
  CHECK(got == first);
  got.clear();
  Status s = ReadQueuedFile(ahead, &got);
  CHECK(s.code() == Status::Code::kChanged);
  CHECK_THAT(s.message(), Catch::Contains("shrank") && Catch::Contains("/b"));
  ahead.Finish();
}

TEST_CASE("ReadAhead: Finish drops every queued file", "[unit][reader]") {
  TempDir dir;
  const size_t kBlock = 4096;
  std::string contents = RandomBytes(kBlock * 9, 4);
  WriteFile(dir / "f", contents);
  ReadAhead ahead(kBlock, 4);
  {
    FileReader a, b;
    REQUIRE(a.Open(dir / "f", ReadMode::kDirect).ok());
    REQUIRE(b.Open(dir / "f", ReadMode::kDirect).ok());
    ahead.Add(&a);
    ahead.Add(&b);
    ByteSpan block;
    REQUIRE(ahead.Next(&block).ok());
    ahead.Finish();
    CHECK_FALSE(ahead.Queued(&a));
    CHECK_FALSE(ahead.Queued(&b));
  }
  FileReader again;
  REQUIRE(again.Open(dir / "f", ReadMode::kDirect).ok());
  std::string got;
  REQUIRE(ReadAll(ahead, again, &got).ok());
  CHECK(got == contents);
}

}  // namespace
}  // namespace hotbackup
