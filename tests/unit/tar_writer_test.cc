// TarWriter: what libarchive writes for us, read back by libarchive's reader
// (the real GNU tar and bsdtar are the end-to-end tests' job).
#include <archive.h>
#include <archive_entry.h>

#include <catch2/catch.hpp>

#include "hotbackup/archive_writer.h"
#include "support/test_support.h"

namespace hotbackup {
namespace {

struct ReadEntry {
  std::string path;
  int64_t size;
  int mode;
  int64_t mtime;
  std::string data;
};

std::vector<ReadEntry> ReadTar(const std::string& bytes) {
  std::vector<ReadEntry> out;
  archive* a = archive_read_new();
  archive_read_support_format_tar(a);
  REQUIRE(archive_read_open_memory(a, bytes.data(), bytes.size()) == ARCHIVE_OK);
  archive_entry* e;
  while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
    ReadEntry r{archive_entry_pathname(e), archive_entry_size(e),
                static_cast<int>(archive_entry_perm(e)), archive_entry_mtime(e), ""};
    char buf[65536];
    la_ssize_t n;
    while ((n = archive_read_data(a, buf, sizeof(buf))) > 0) r.data.append(buf, n);
    out.push_back(r);
  }
  archive_read_free(a);
  return out;
}

std::unique_ptr<ArchiveWriter> MustOpen(ByteSink* sink) {
  std::unique_ptr<ArchiveWriter> w;
  REQUIRE(NewTarWriter(sink, &w).ok());
  return w;
}

TEST_CASE("TarWriter: one archive, padded to 10 KiB records, entries intact", "[unit][tar]") {
  StringSink sink;
  auto w = MustOpen(&sink);
  std::string long_path = std::string(150, 'd') + "/" + std::string(120, 'f');
  std::string big = test::RandomBytes(70000, 1);
  FileEntry a{"a.sst", big.size(), 0640, {1700000000, 5}, 0, 0};
  FileEntry b{long_path, 3, 0600, {1600000000, 0}, 0, 0};
  FileEntry c{"db/empty.frm", 0, 0644, {1500000000, 0}, 0, 0};
  REQUIRE(w->BeginFile(a).ok());
  REQUIRE(w->Append(AsBytes(big.data(), 1000)).ok());
  REQUIRE(w->Append(AsBytes(big.data() + 1000, big.size() - 1000)).ok());
  REQUIRE(w->EndFile().ok());
  REQUIRE(w->BeginFile(b).ok());
  REQUIRE(w->Append(AsBytes("xyz", 3)).ok());
  REQUIRE(w->EndFile().ok());
  REQUIRE(w->BeginFile(c).ok());
  REQUIRE(w->EndFile().ok());
  REQUIRE(w->Finish().ok());
  CHECK(sink.finished());
  CHECK(sink.contents().size() % 10240 == 0);

  auto entries = ReadTar(sink.contents());
  REQUIRE(entries.size() == 3);
  CHECK(entries[0].path == "a.sst");
  CHECK(entries[0].data == big);
  CHECK(entries[0].mode == 0640);
  CHECK(entries[0].mtime == 1700000000);
  CHECK(entries[1].path == long_path);
  CHECK(entries[1].data == "xyz");
  CHECK(entries[1].mode == 0600);
  CHECK(entries[2].path == "db/empty.frm");
  CHECK(entries[2].size == 0);
}

TEST_CASE("TarWriter: sizes of 8 GiB and more get a pax size record", "[unit][tar]") {
  StringSink sink;
  auto w = MustOpen(&sink);
  const uint64_t size = (8ull << 30) + 1;
  FileEntry e{"huge.sst", size, 0644, {1700000000, 0}, 0, 0};
  REQUIRE(w->BeginFile(e).ok());
  CHECK_THAT(sink.contents(), Catch::Contains("size=8589934593\n"));
  // Too few bytes must not be papered over with zeros.
  Status s = w->EndFile();
  CHECK(s.code() == Status::Code::kInvalidArgument);
  CHECK_THAT(s.message(), Catch::Contains("short of its declared size"));
  // Abandoning the writer must not pad the entry out to 8 GiB of zeros.
  size_t before = sink.contents().size();
  w.reset();
  CHECK(sink.contents().size() == before);
}

TEST_CASE("TarWriter: refuses bytes beyond the declared size", "[unit][tar]") {
  StringSink sink;
  auto w = MustOpen(&sink);
  FileEntry e{"f", 2, 0644, {}, 0, 0};
  REQUIRE(w->BeginFile(e).ok());
  CHECK_FALSE(w->Append(AsBytes("abc", 3)).ok());
}

TEST_CASE("TarWriter: a failing sink surfaces its own error", "[unit][tar]") {
  struct FailingSink final : ByteSink {
    Status Write(ByteSpan) override { return Status::IOError("write to stdout", EPIPE); }
    Status Finish() override { return Status::OK(); }
  } sink;
  auto w = MustOpen(&sink);
  FileEntry e{"f", 2, 0644, {}, 0, 0};
  Status s = w->BeginFile(e);
  if (s.ok()) s = w->Append(AsBytes("ab", 2));
  if (s.ok()) s = w->EndFile();
  if (s.ok()) s = w->Finish();
  CHECK(s.errno_value() == EPIPE);
  CHECK_THAT(s.message(), Catch::Contains("write to stdout"));
}

}  // namespace
}  // namespace hotbackup
