// ReadTar into an in-memory EntrySink: archives our TarWriter wrote read
// back entry by entry (paths that need pax, modes, times, bytes) in reads
// of every size; hand-made archives (libarchive's writer) for directories,
// the entry types a backup never holds (links, FIFOs, devices, sparse
// files), truncation and a damaged header, each refused with its message.
#include <archive.h>
#include <archive_entry.h>
#include <sys/sysmacros.h>

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "archive/scoped_utf8_locale.h"
#include "hotbackup/archive/archive_reader.h"
#include "hotbackup/archive/archive_writer.h"
#include "support/test_support.h"
#include "unit/archive/reader_fakes.h"

namespace hotbackup {
namespace {

using test::MemoryEntry;
using test::MemoryEntrySink;

Status Read(const std::string& bytes, MemoryEntrySink* sink, size_t max_read = SIZE_MAX,
            size_t fail_at = SIZE_MAX) {
  return test::ReadArchiveBytes(ReadTar, bytes, sink, max_read, fail_at);
}

std::string Encode(const std::vector<std::pair<FileEntry, std::string>>& files) {
  StringSink sink;
  std::unique_ptr<ArchiveWriter> writer;
  REQUIRE(NewTarWriter(&sink, &writer).ok());
  for (const auto& [entry, contents] : files) {
    REQUIRE(writer->BeginFile(entry).ok());
    REQUIRE(writer->Append(AsBytes(contents.data(), contents.size())).ok());
    REQUIRE(writer->EndFile().ok());
  }
  REQUIRE(writer->Finish().ok());
  return sink.contents();
}

// An entry of a hand-made archive: a regular file unless `type` says
// otherwise; `link` is a symbolic link's target or a hard link's.
struct RawEntry {
  std::string path;
  std::string data;
  mode_t type = AE_IFREG;
  std::string link;
  bool hard_link = false;
  bool sparse = false;  // a hole of 64 KiB, then `data`
};

la_ssize_t AppendToString(archive*, void* out, const void* buffer, size_t length) {
  static_cast<std::string*>(out)->append(static_cast<const char*>(buffer), length);
  return static_cast<la_ssize_t>(length);
}

// A pax archive of `entries`, written by libarchive.
std::string RawTar(const std::vector<RawEntry>& entries) {
  ScopedUtf8Locale utf8;
  std::string out;
  archive* a = archive_write_new();
  REQUIRE(archive_write_set_format_pax(a) == ARCHIVE_OK);
  REQUIRE(archive_write_open(a, &out, nullptr, AppendToString, nullptr) == ARCHIVE_OK);
  for (const RawEntry& r : entries) {
    archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, r.path.c_str());
    archive_entry_set_filetype(e, r.type);
    archive_entry_set_perm(e, r.type == AE_IFDIR ? 0755 : 0644);
    archive_entry_set_mtime(e, 1700000000, 0);
    if (r.type == AE_IFLNK) archive_entry_set_symlink(e, r.link.c_str());
    if (r.hard_link) archive_entry_set_hardlink(e, r.link.c_str());
    if (r.type == AE_IFCHR) archive_entry_set_rdev(e, makedev(1, 3));
    const size_t hole = r.sparse ? 65536 : 0;
    if (r.type == AE_IFREG && !r.hard_link) {
      archive_entry_set_size(e, static_cast<la_int64_t>(hole + r.data.size()));
    }
    if (r.sparse) archive_entry_sparse_add_entry(e, hole, static_cast<la_int64_t>(r.data.size()));
    REQUIRE(archive_write_header(a, e) == ARCHIVE_OK);
    if (!r.data.empty()) {
      if (r.sparse) {
        // libarchive's writer wants the file's every byte, hole included.
        const std::string zeros(hole, '\0');
        REQUIRE(archive_write_data(a, zeros.data(), zeros.size()) ==
                static_cast<la_ssize_t>(zeros.size()));
      }
      REQUIRE(archive_write_data(a, r.data.data(), r.data.size()) ==
              static_cast<la_ssize_t>(r.data.size()));
    }
    archive_entry_free(e);
  }
  REQUIRE(archive_write_close(a) == ARCHIVE_OK);
  archive_write_free(a);
  return out;
}

std::string ExpectRefused(const std::string& bytes, const std::string& message,
                          MemoryEntrySink* sink) {
  Status s = Read(bytes, sink);
  INFO(s.message());
  CHECK(s.code() == Status::Code::kCorruption);
  CHECK_THAT(s.message(), Catch::Contains(message));
  return s.message();
}

TEST_CASE("ReadTar: what TarWriter wrote comes back, in reads of any size", "[unit][tar]") {
  const std::string big = test::RandomBytes(70000, 3);
  const std::vector<std::pair<FileEntry, std::string>> files = {
      {{"000010.sst", big.size(), 0640, {1700000000, 0}, 0, 0}, big},
      {{std::string(150, 'd') + "/" + std::string(120, 'f'), 3, 0600, {1600000000, 0}, 0, 0},
       "xyz"},
      {{"caf\xc3\xa9/\xff\xfe.frm", 9, 0644, {1500000000, 0}, 0, 0}, "not UTF-8"},
      {{"db/empty.frm", 0, 0660, {time_t{1} << 33, 0}, 0, 0}, ""},
      {{"db/setuid", 1, 04755, {1, 0}, 0, 0}, "s"}};
  const std::string tar = Encode(files);
  for (size_t max_read : {size_t{1} << 30, size_t{511}, size_t{1}}) {
    CAPTURE(max_read);
    MemoryEntrySink sink;
    Status s = Read(tar, &sink, max_read);
    INFO(s.message());
    REQUIRE(s.ok());
    REQUIRE(sink.entries().size() == files.size());
    for (size_t i = 0; i < files.size(); ++i) {
      CAPTURE(i);
      const MemoryEntry& e = sink.entries()[i];
      CHECK(e.path == files[i].first.archive_path);
      CHECK(e.data == files[i].second);
      // The archive's bits as they are: the sink masks them.
      CHECK(e.permissions == files[i].first.permissions);
      CHECK(e.mtime.tv_sec == files[i].first.mtime.tv_sec);
      CHECK(e.mtime.tv_nsec == 0);
      CHECK(e.ended);
      CHECK_FALSE(e.directory);
    }
    CHECK(sink.open_files() == 0);
  }
}

TEST_CASE("ReadTar: an archive of no entries, and no archive", "[unit][tar]") {
  MemoryEntrySink sink;
  CHECK(Read(Encode({}), &sink).ok());
  CHECK(Read(std::string(1024, '\0'), &sink).ok());
  CHECK(sink.entries().empty());
  ExpectRefused(std::string(2000, 'z'), "tar: open: Unrecognized archive format", &sink);
  CHECK(sink.entries().empty());
}

TEST_CASE("ReadTar: directories become MakeDirectory, files in between keep their order",
          "[unit][tar]") {
  const std::string tar = RawTar(
      {{"db", "", AE_IFDIR}, {"db/t.frm", "frm"}, {"db/sub/", "", AE_IFDIR}, {"db/sub/x", "x"}});
  MemoryEntrySink sink;
  Status s = Read(tar, &sink);
  INFO(s.message());
  REQUIRE(s.ok());
  CHECK(sink.trace() == "d:db/ +db/t.frm -db/t.frm d:db/sub/ +db/sub/x -db/sub/x ");
  CHECK(sink.entries().at(1).data == "frm");
  CHECK(sink.entries().at(1).permissions == 0644);
}

TEST_CASE("ReadTar: links, FIFOs, devices and sparse files are refused", "[unit][tar]") {
  MemoryEntrySink sink;
  const RawEntry before{"a.sst", "aaa"};
  SECTION("a symbolic link") {
    ExpectRefused(RawTar({before, {"db", "", AE_IFLNK, "/tmp"}, {"db/evil.frm", "x"}}),
                  "tar: refusing the symbolic link db -> /tmp: a backup holds only "
                  "regular files and directories (near archive offset ",
                  &sink);
    CHECK(sink.trace() == "+a.sst -a.sst ");
  }
  SECTION("a hard link") {
    ExpectRefused(RawTar({before, {"b.sst", "", AE_IFREG, "a.sst", true}}),
                  "tar: refusing the hard link b.sst: a backup holds only regular files", &sink);
    CHECK(sink.trace() == "+a.sst -a.sst ");
  }
  SECTION("a FIFO") {
    ExpectRefused(RawTar({before, {"db/fifo", "", AE_IFIFO}}),
                  "tar: refusing db/fifo, which is not a regular file or a directory", &sink);
    CHECK(sink.trace() == "+a.sst -a.sst ");
  }
  SECTION("a character device") {
    ExpectRefused(RawTar({{"null", "", AE_IFCHR}}),
                  "tar: refusing null, which is not a regular file or a directory", &sink);
    CHECK(sink.entries().empty());
  }
  SECTION("a sparse file") {
    RawEntry sparse{"holes.sst", "data after a hole"};
    sparse.sparse = true;
    ExpectRefused(RawTar({sparse}), "tar: holes.sst is sparse, which a backup never is", &sink);
    REQUIRE(sink.entries().size() == 1);
    CHECK_FALSE(sink.entries()[0].ended);
  }
}

TEST_CASE("ReadTar: truncated and damaged archives are refused, naming where", "[unit][tar]") {
  const std::string big = test::RandomBytes(100000, 4);
  const std::string tar = Encode({{{"a.sst", big.size(), 0640, {1700000000, 0}, 0, 0}, big},
                                  {{"b.sst", 3, 0640, {1700000000, 0}, 0, 0}, "bbb"}});
  const size_t second_header = 512 + (big.size() + 511) / 512 * 512;
  MemoryEntrySink sink;
  SECTION("inside a payload") {
    ExpectRefused(tar.substr(0, 512 + 5000), "tar: read data of a.sst: Truncated tar archive",
                  &sink);
    REQUIRE(sink.entries().size() == 1);
    CHECK_FALSE(sink.entries()[0].ended);
    CHECK(sink.entries()[0].data == big.substr(0, sink.entries()[0].data.size()));
  }
  SECTION("inside a header") {
    const std::string refused = ExpectRefused(tar.substr(0, second_header + 100),
                                              "tar: read header: Truncated tar archive", &sink);
    CHECK_THAT(refused, Catch::Contains("(near archive offset "));
    CHECK(sink.trace() == "+a.sst -a.sst ");
    CHECK(sink.entries()[0].data == big);
  }
  SECTION("a header whose checksum does not match") {
    std::string b = tar;
    b[second_header + 1] ^= 0x01;  // in b.sst's name
    ExpectRefused(b, "tar: read header: ", &sink);
    CHECK(sink.trace() == "+a.sst -a.sst ");
  }
}

TEST_CASE("ReadTar: paths reach the sink as they are, its refusal stops the read", "[unit][tar]") {
  const std::string tar = RawTar({{"db/t.frm", "ok"}, {"db/../../evil", "x"}, {"/tmp/evil", "y"}});
  MemoryEntrySink sink;
  Status s = Read(tar, &sink);
  INFO(s.message());
  REQUIRE(s.ok());
  CHECK(sink.trace() == "+db/t.frm -db/t.frm +db/../../evil -db/../../evil +/tmp/evil -/tmp/evil ");

  MemoryEntrySink refusing;
  refusing.FailBeginOf("db/../../evil");
  s = Read(tar, &refusing);
  CHECK(s.code() == Status::Code::kInvalidArgument);
  CHECK_THAT(s.message(), Catch::StartsWith("tar (near archive offset "));
  CHECK_THAT(s.message(), Catch::EndsWith("): fake sink: refusing db/../../evil"));
  CHECK(refusing.trace() == "+db/t.frm -db/t.frm ");
}

TEST_CASE("ReadTar: an error of the source is returned as it is", "[unit][tar]") {
  const std::string big = test::RandomBytes(100000, 5);
  const std::string tar = Encode({{{"a.sst", big.size(), 0640, {1700000000, 0}, 0, 0}, big}});
  MemoryEntrySink sink;
  Status s = Read(tar, &sink, 4096, 20000);
  CHECK(s.code() == Status::Code::kIoError);
  CHECK_THAT(s.message(), Catch::StartsWith("fake source: read failed"));
}

}  // namespace
}  // namespace hotbackup
