// TarWriter: what it writes, read back by libarchive's reader and compared
// byte for byte with what plain libarchive writes for the same entries (the
// real GNU tar and bsdtar are the end-to-end tests' job).
#include <archive.h>
#include <archive_entry.h>
#include <grp.h>
#include <pwd.h>

#include <catch2/catch.hpp>
#include <cstring>
#include <random>

#include "archive/scoped_utf8_locale.h"
#include "hotbackup/archive/archive_writer.h"
#include "hotbackup/archive/ustar_format.h"
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
  ScopedUtf8Locale utf8;  // as the writer: UTF-8 names read back without a warning
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

// --- Byte identity with plain libarchive -----------------------------------

std::string UserNameOf(uid_t uid) {
  passwd* pw = getpwuid(uid);
  return pw ? pw->pw_name : "";
}
std::string GroupNameOf(gid_t gid) {
  group* gr = getgrgid(gid);
  return gr ? gr->gr_name : "";
}

// Plain libarchive, set up as TarWriter was before it wrote plain headers
// itself: pax_restricted, no blocking, the C.UTF-8 locale, owner names from
// the user and group databases, the archive padded to 10 KiB records.
class ReferenceTar {
 public:
  ReferenceTar() {
    ScopedUtf8Locale utf8;
    a_ = archive_write_new();
    REQUIRE(archive_write_set_format_pax_restricted(a_) == ARCHIVE_OK);
    REQUIRE(archive_write_set_bytes_per_block(a_, 0) == ARCHIVE_OK);
    REQUIRE(archive_write_open2(a_, this, nullptr, &ReferenceTar::Write, nullptr, nullptr) ==
            ARCHIVE_OK);
  }
  // Abandoned: writes nothing more (libarchive would pad an open entry).
  ~ReferenceTar() {
    abandoned_ = true;
    archive_write_free(a_);
  }
  ReferenceTar(const ReferenceTar&) = delete;
  ReferenceTar& operator=(const ReferenceTar&) = delete;

  void BeginFile(const FileEntry& f, const std::string& uname, const std::string& gname) {
    ScopedUtf8Locale utf8;
    archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, f.archive_path.c_str());
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, f.permissions & 07777);
    archive_entry_set_size(e, static_cast<la_int64_t>(f.size));
    archive_entry_set_mtime(e, f.mtime.tv_sec, f.mtime.tv_nsec);
    archive_entry_set_uid(e, f.uid);
    archive_entry_set_gid(e, f.gid);
    archive_entry_set_uname(e, uname.empty() ? nullptr : uname.c_str());
    archive_entry_set_gname(e, gname.empty() ? nullptr : gname.c_str());
    int rc = archive_write_header(a_, e);
    archive_entry_free(e);
    REQUIRE((rc == ARCHIVE_OK || rc == ARCHIVE_WARN));
  }
  void BeginFile(const FileEntry& f) { BeginFile(f, UserNameOf(f.uid), GroupNameOf(f.gid)); }

  void Add(const FileEntry& f, const std::string& data) {
    BeginFile(f);
    if (!data.empty()) {
      REQUIRE(archive_write_data(a_, data.data(), data.size()) ==
              static_cast<la_ssize_t>(data.size()));
    }
    REQUIRE(archive_write_finish_entry(a_) == ARCHIVE_OK);
  }

  const std::string& Finish() {
    REQUIRE(archive_write_close(a_) == ARCHIVE_OK);
    if (bytes_.size() % 10240 != 0) bytes_.append(10240 - bytes_.size() % 10240, '\0');
    return bytes_;
  }

  const std::string& bytes() const { return bytes_; }

 private:
  static la_ssize_t Write(archive*, void* client_data, const void* buffer, size_t length) {
    ReferenceTar* self = static_cast<ReferenceTar*>(client_data);
    if (self->abandoned_) return -1;
    self->bytes_.append(static_cast<const char*>(buffer), length);
    return static_cast<la_ssize_t>(length);
  }

  archive* a_ = nullptr;
  std::string bytes_;
  bool abandoned_ = false;
};

// "" when equal, else where and how two archives first differ.
std::string Difference(const std::string& actual, const std::string& expected) {
  if (actual == expected) return "";
  size_t i = 0;
  while (i < actual.size() && i < expected.size() && actual[i] == expected[i]) ++i;
  return "first difference at byte " + std::to_string(i) + " (block " + std::to_string(i / 512) +
         ", offset " + std::to_string(i % 512) + "); sizes " + std::to_string(actual.size()) +
         " and " + std::to_string(expected.size());
}

// What libarchive's pax_restricted writer does with an entry, and so what
// TarWriter must do.
enum class Expect {
  kPlain,         // plain ustar header: written without libarchive
  kPax,           // libarchive adds a pax extended header
  kConservative,  // libarchive writes plain ustar, but TarWriter leaves it to libarchive
};

struct HeaderCase {
  std::string name;
  FileEntry entry;
  Expect expect;
};

std::vector<HeaderCase> HeaderCases() {
  std::vector<HeaderCase> cases;
  auto add = [&cases](std::string name, Expect expect, auto change) {
    FileEntry e{"db/t1.frm", 1000, 0640, {1700000000, 0}, 0, 0};
    change(e);
    cases.push_back({std::move(name), e, expect});
  };
  auto path = [&add](std::string name, Expect expect, std::string p) {
    add(std::move(name), expect, [&p](FileEntry& e) { e.archive_path = p; });
  };
  const std::string n100(100, 'n');
  path("one-byte path", Expect::kPlain, "a");
  path("100-byte path", Expect::kPlain, "db/" + std::string(97, 'n'));
  path("100-byte path without a slash", Expect::kPlain, n100);
  path("101-byte path split after one byte", Expect::kPlain, "d/" + std::string(99, 'n'));
  path("101-byte path without a slash", Expect::kPax, n100 + "n");
  path("101-byte path ending in its only slash", Expect::kPax, n100 + "/");
  path("102-byte path with a 100-byte name", Expect::kPlain, "d/" + n100);
  path("name of 101 bytes after the last slash", Expect::kPax, "abc/" + n100 + "n");
  path("150-byte path with slashes", Expect::kPlain,
       std::string(40, 'a') + "/" + std::string(40, 'b') + "/" + std::string(68, 'c'));
  path("255-byte path with slashes", Expect::kPlain, std::string(154, 'p') + "/" + n100);
  path("256-byte path: full prefix and name", Expect::kPlain, std::string(155, 'p') + "/" + n100);
  path("prefix of 156 bytes", Expect::kPax, std::string(156, 'p') + "/" + std::string(99, 'n'));
  path("300-byte path with slashes", Expect::kPax,
       std::string(99, 'a') + "/" + std::string(99, 'b') + "/" + n100);
  path("leading slash, split after the next one", Expect::kPlain,
       "/" + std::string(50, 'a') + "/" + std::string(60, 'b'));
  path("leading slash as the only split point", Expect::kPax, "/" + n100);
  path("spaces, quotes and shell characters", Expect::kPlain,
       "db/it's a \"t\" ;$(rm -rf x) `y` & z|w\\v.frm");
  path("UTF-8 file name", Expect::kPax, "db/caf\xc3\xa9.frm");
  path("UTF-8 directory name", Expect::kPax, "\xe6\x97\xa5\xe6\x9c\xac/t.frm");
  path("bytes that are not UTF-8", Expect::kPax, "db/\xff\xfe.frm");
  path("tab", Expect::kConservative, "db/a\tb.frm");
  path("DEL", Expect::kConservative, "db/a\x7f.frm");
  for (uint64_t size : {0ull, 1ull, 511ull, 512ull, 513ull, (8ull << 30) - 1}) {
    add("size " + std::to_string(size), Expect::kPlain, [size](FileEntry& e) { e.size = size; });
  }
  add("size 8 GiB", Expect::kPax, [](FileEntry& e) { e.size = 8ull << 30; });
  struct MtimeCase {
    time_t sec;
    long nsec;
    Expect expect;
  };
  for (MtimeCase m : {MtimeCase{1700000000, 123456789, Expect::kPlain},
                      {0, 0, Expect::kPlain},
                      {0, 999999999, Expect::kPlain},
                      {0x7ffffffe, 1, Expect::kPlain},
                      {0x7fffffff, 0, Expect::kPax},
                      {time_t{1} << 33, 0, Expect::kPax},
                      {-1, 0, Expect::kPax},
                      {-1, 500000000, Expect::kPax}}) {
    add("mtime " + std::to_string(m.sec) + "." + std::to_string(m.nsec), m.expect,
        [m](FileEntry& e) {
          e.mtime = {m.sec, m.nsec};
        });
  }
  for (uint32_t id : {0u, 1000u, 0777777u, 01000000u, 07777777u, 010000000u, 4000000000u}) {
    Expect expect = id <= 0777777u ? Expect::kPlain : Expect::kPax;
    add("uid " + std::to_string(id), expect, [id](FileEntry& e) { e.uid = id; });
    add("gid " + std::to_string(id), expect, [id](FileEntry& e) { e.gid = id; });
  }
  for (mode_t mode : {0600, 0644, 0755, 04755, 07777}) {
    add("mode " + std::to_string(mode), Expect::kPlain,
        [mode](FileEntry& e) { e.permissions = mode; });
  }
  return cases;
}

// Whether libarchive wrote exactly one plain ustar header.
bool IsPlainUstar(const std::string& header) {
  return header.size() == ustar::kBlockSize && header[ustar::kTypeflagOffset] == '0';
}

TEST_CASE("ustar::EncodePlainHeader: libarchive's bytes, for exactly the entries it writes plain",
          "[unit][tar]") {
  for (const HeaderCase& c : HeaderCases()) {
    INFO(c.name);
    std::string uname = UserNameOf(c.entry.uid), gname = GroupNameOf(c.entry.gid);
    ReferenceTar ref;
    ref.BeginFile(c.entry, uname, gname);
    CHECK(IsPlainUstar(ref.bytes()) == (c.expect != Expect::kPax));
    uint8_t block[ustar::kBlockSize];
    bool plain = ustar::EncodePlainHeader(c.entry, uname, gname, block);
    CHECK(plain == (c.expect == Expect::kPlain));
    if (plain) CHECK(Difference(std::string(block, block + sizeof(block)), ref.bytes()) == "");
  }
}

TEST_CASE("ustar::EncodePlainHeader: owner names as libarchive stores them", "[unit][tar]") {
  struct NameCase {
    std::string uname, gname;
    Expect expect;
  };
  const std::string n31(31, 'u'), n32(32, 'u');
  for (const NameCase& c : std::vector<NameCase>{{"", "", Expect::kPlain},
                                                 {"a", "b", Expect::kPlain},
                                                 {"mysql", "", Expect::kPlain},
                                                 {"", "mysql", Expect::kPlain},
                                                 {n31, n31, Expect::kPlain},
                                                 {n32, "g", Expect::kPax},
                                                 {"u", n32, Expect::kPax},
                                                 {"caf\xc3\xa9", "g", Expect::kPax},
                                                 {"u", "caf\xc3\xa9", Expect::kPax},
                                                 {"a b", "c-d_e.f$", Expect::kPlain},
                                                 {"a\tb", "g", Expect::kConservative}}) {
    INFO("uname '" << c.uname << "' gname '" << c.gname << "'");
    FileEntry e{"db/t1.frm", 4096, 0640, {1700000000, 0}, 1000, 1000};
    ReferenceTar ref;
    ref.BeginFile(e, c.uname, c.gname);
    CHECK(IsPlainUstar(ref.bytes()) == (c.expect != Expect::kPax));
    uint8_t block[ustar::kBlockSize];
    bool plain = ustar::EncodePlainHeader(e, c.uname, c.gname, block);
    CHECK(plain == (c.expect == Expect::kPlain));
    if (plain) CHECK(Difference(std::string(block, block + sizeof(block)), ref.bytes()) == "");
  }
}

TEST_CASE("TarWriter: the same archive as plain libarchive, byte for byte", "[unit][tar]") {
  StringSink sink;
  auto w = MustOpen(&sink);
  ReferenceTar ref;
  uint32_t seed = 1;
  for (const HeaderCase& c : HeaderCases()) {
    FileEntry e = c.entry;
    if (e.size > 70000) continue;  // huge sizes: see the next test
    std::string data = test::RandomBytes(e.size, seed++);
    ref.Add(e, data);
    REQUIRE(w->BeginFile(e).ok());
    // In two pieces, to cover appends that do not line up with blocks.
    REQUIRE(w->Append(AsBytes(data.data(), data.size() / 3)).ok());
    REQUIRE(w->Append(AsBytes(data.data() + data.size() / 3, data.size() - data.size() / 3)).ok());
    REQUIRE(w->EndFile().ok());
  }
  REQUIRE(w->Finish().ok());
  CHECK(Difference(sink.contents(), ref.Finish()) == "");
}

TEST_CASE("TarWriter: headers of 8 GiB - 1 and 8 GiB files match libarchive's", "[unit][tar]") {
  for (uint64_t size : {(8ull << 30) - 1, 8ull << 30}) {
    INFO("size " << size);
    StringSink sink;
    auto w = MustOpen(&sink);
    ReferenceTar ref;
    FileEntry e{"db/huge.sst", size, 0644, {1700000000, 5}, 1000, 1000};
    REQUIRE(w->BeginFile(e).ok());
    ref.BeginFile(e);
    CHECK(Difference(sink.contents(), ref.bytes()) == "");
    // Both abandoned here: neither may pad the entry out to 8 GiB of zeros.
    size_t before = sink.contents().size();
    w.reset();
    CHECK(sink.contents().size() == before);
  }
}

TEST_CASE("TarWriter: random mixes of plain and pax entries match libarchive", "[unit][tar]") {
  std::mt19937 rng(20240601);
  auto pick = [&rng](auto const& options) { return options[rng() % options.size()]; };
  const std::vector<std::string> dirs = {"db",
                                         "./db",
                                         std::string(60, 'd'),
                                         std::string(60, 'd') + "/" + std::string(60, 'e'),
                                         std::string(160, 'f'),
                                         "caf\xc3\xa9",
                                         "a b;$(c)"};
  const std::vector<std::string> names = {"t.frm", std::string(99, 'n'), std::string(101, 'n'),
                                          "\xe2\x82\xac.frm", "x\"y'z.frm"};
  const std::vector<uint64_t> sizes = {0, 1, 511, 512, 513, 1024, 4097, 8192};
  const std::vector<time_t> seconds = {0, 1700000000, 0x7ffffffe, 0x7fffffff, -1};
  const std::vector<uint32_t> ids = {0, 1000, 0777777, 01000000};
  const std::vector<mode_t> modes = {0600, 0644, 0755, 04755};
  StringSink sink;
  auto w = MustOpen(&sink);
  ReferenceTar ref;
  for (uint32_t i = 0; i < 1500; ++i) {
    FileEntry e{pick(dirs) + "/" + pick(names),
                pick(sizes),
                pick(modes),
                {pick(seconds), static_cast<long>(rng() % 1000000000)},
                pick(ids),
                pick(ids)};
    std::string data = test::RandomBytes(e.size, i);
    INFO("entry " << i << ": " << e.archive_path);
    ref.Add(e, data);
    REQUIRE(w->BeginFile(e).ok());
    REQUIRE(w->Append(AsBytes(data.data(), data.size())).ok());
    REQUIRE(w->EndFile().ok());
  }
  REQUIRE(w->Finish().ok());
  CHECK(Difference(sink.contents(), ref.Finish()) == "");
}

TEST_CASE("TarWriter: plain and pax entries interleave in one readable archive", "[unit][tar]") {
  // Ends with a plain entry or with a pax one: the end blocks and the
  // padding to 10 KiB must come out right after either.
  for (bool plain_last : {true, false}) {
    INFO("plain entry last: " << plain_last);
    StringSink sink;
    auto w = MustOpen(&sink);
    std::vector<std::pair<FileEntry, std::string>> files = {
        {{"db/a.frm", 0, 0640, {1700000000, 0}, 0, 0}, ""},
        {{std::string(120, 'l') + ".frm", 513, 0600, {1600000000, 0}, 0, 0},
         test::RandomBytes(513, 2)},
        {{"db/b.frm", 4096, 0644, {1500000000, 7}, 1000, 1000}, test::RandomBytes(4096, 3)},
        {{"db/\xc3\xa9t\xc3\xa9.frm", 1, 0644, {1500000000, 0}, 0, 0}, "x"},
        {{"db/c.frm", 511, 0755, {1400000000, 0}, 0777777, 0}, test::RandomBytes(511, 4)},
        {{"db/d.frm", 100, 0644, {-100, 0}, 0, 0}, test::RandomBytes(100, 5)},
    };
    if (!plain_last) files.push_back({{"db/big-uid.frm", 3, 0644, {1, 0}, 01000000, 0}, "abc"});
    for (const auto& [entry, data] : files) {
      REQUIRE(w->BeginFile(entry).ok());
      REQUIRE(w->Append(AsBytes(data.data(), data.size())).ok());
      REQUIRE(w->EndFile().ok());
    }
    REQUIRE(w->Finish().ok());
    CHECK(sink.finished());
    CHECK(sink.contents().size() % 10240 == 0);

    auto entries = ReadTar(sink.contents());
    REQUIRE(entries.size() == files.size());
    for (size_t i = 0; i < files.size(); ++i) {
      INFO("entry " << i);
      CHECK(entries[i].path == files[i].first.archive_path);
      CHECK(entries[i].size == static_cast<int64_t>(files[i].first.size));
      CHECK(entries[i].data == files[i].second);
      CHECK(entries[i].mode == static_cast<int>(files[i].first.permissions));
      CHECK(entries[i].mtime == files[i].first.mtime.tv_sec);
    }
  }
}

TEST_CASE("TarWriter: an entry left open is closed by the next one or by Finish", "[unit][tar]") {
  StringSink sink;
  auto w = MustOpen(&sink);
  FileEntry a{"a", 3, 0644, {1, 0}, 0, 0};
  FileEntry b{"b", 5, 0644, {1, 0}, 0, 0};
  REQUIRE(w->BeginFile(a).ok());
  REQUIRE(w->Append(AsBytes("abc", 3)).ok());
  REQUIRE(w->BeginFile(b).ok());
  REQUIRE(w->Append(AsBytes("defgh", 5)).ok());
  REQUIRE(w->Finish().ok());
  auto entries = ReadTar(sink.contents());
  REQUIRE(entries.size() == 2);
  CHECK(entries[0].data == "abc");
  CHECK(entries[1].data == "defgh");

  // But never short.
  StringSink sink2;
  auto w2 = MustOpen(&sink2);
  REQUIRE(w2->BeginFile(a).ok());
  REQUIRE(w2->Append(AsBytes("ab", 2)).ok());
  Status s = w2->BeginFile(b);
  CHECK(s.code() == Status::Code::kInvalidArgument);
  CHECK_THAT(s.message(), Catch::Contains("short of its declared size"));
}

TEST_CASE("TarWriter: a sink failing inside a plain entry surfaces its own error", "[unit][tar]") {
  // Fails its `fail_at`-th write: the header, the data, the padding.
  struct CountingSink final : ByteSink {
    int fail_at = 0;
    int writes = 0;
    Status Write(ByteSpan) override {
      return ++writes == fail_at ? Status::IOError("write to stdout", EPIPE) : Status::OK();
    }
    Status Finish() override { return Status::OK(); }
  };
  for (int fail_at : {1, 2, 3}) {
    INFO("failing write " << fail_at);
    CountingSink sink;
    sink.fail_at = fail_at;
    auto w = MustOpen(&sink);
    FileEntry e{"db/t.frm", 5, 0644, {1, 0}, 0, 0};
    Status s = w->BeginFile(e);
    if (s.ok()) s = w->Append(AsBytes("abcde", 5));
    if (s.ok()) s = w->EndFile();
    REQUIRE_FALSE(s.ok());
    CHECK(sink.writes == fail_at);
    CHECK(s.errno_value() == EPIPE);
    CHECK_THAT(s.message(), Catch::Contains("write to stdout"));
    // And it stays failed, with the same error, writing nothing more.
    Status again = w->Finish();
    CHECK(again.errno_value() == EPIPE);
    CHECK(sink.writes == fail_at);
  }
}

}  // namespace
}  // namespace hotbackup
