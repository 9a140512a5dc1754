// ExtractTarget driven as a reader drives it (entry_sink.h), into a real
// temporary directory: the tree grows under a locked "<dir>.extracting-*"
// sibling and takes its name only at a successful Commit, with restored
// modes and the archive's times; every refusal (unsafe or repeated paths,
// calls out of order, a truncated archive, a manifest that does not match)
// leaves neither the directory nor the temporary one. The end-to-end tests
// (tests/e2e/extract_e2e_test.cc) run the same through the binary and the
// readers; here each case is one call.
#include "hotbackup/restore/extract_target.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <string>
#include <vector>

#include "hotbackup/archive/checksum.h"
#include "hotbackup/archive/manifest.h"
#include "hotbackup/io/unique_fd.h"
#include "hotbackup/util/sha256.h"
#include "support/test_support.h"

namespace hotbackup {
namespace {

namespace fs = std::filesystem;
using test::TempDir;

constexpr timespec kMtime{1600000000, 500};

ManifestFile Listed(const std::string& path, const std::string& data) {
  FileChecksum checksum;
  checksum.Update(AsBytes(data.data(), data.size()));
  return {path, data.size(), checksum.Digest(), "", ""};
}

// One file as a reader gives it: begin, its bytes in two writes, end.
Status Feed(ExtractTarget* target, const std::string& path, const std::string& data,
            mode_t mode = 0644) {
  HOTBACKUP_RETURN_IF_ERROR(target->BeginFile(path, mode, kMtime));
  const size_t half = data.size() / 2;
  HOTBACKUP_RETURN_IF_ERROR(target->Write(path, AsBytes(data.data(), half)));
  HOTBACKUP_RETURN_IF_ERROR(target->Write(path, AsBytes(data.data() + half, data.size() - half)));
  return target->EndFile(path);
}

Status FeedManifest(ExtractTarget* target, const Manifest& manifest) {
  return Feed(target, kManifestPath, SerializeManifest(manifest));
}

// The names in `dir`, sorted.
std::vector<std::string> Entries(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

mode_t ModeOf(const std::string& path) {
  struct stat st;
  REQUIRE(lstat(path.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

TEST_CASE("ExtractTarget: files grow under a locked temporary directory renamed at Commit",
          "[unit][restore][extract]") {
  TempDir work;
  const std::string parent = work / "r";  // made by Open
  const std::string dir = parent + "/backup";
  const std::string big = test::RandomBytes(3 * 1024 * 1024 + 5, 1);  // O_DIRECT from 1 MiB on
  const std::string small = "frm bytes";
  Manifest manifest = test::TestManifest("xbstream");
  manifest.files = {Listed("000010.sst", big), Listed("db/t.frm", small)};

  ExtractTarget target;
  REQUIRE(target.Open(dir).ok());
  std::vector<std::string> names = Entries(parent);
  REQUIRE(names.size() == 1);
  CHECK(names[0].starts_with(std::string("backup") + kExtractingInfix));
  CHECK(names[0].size() == std::string("backup").size() + std::string(kExtractingInfix).size() + 6);
  const std::string temp = parent + "/" + names[0];
  {
    // Held by the target: another extraction can tell it is alive.
    UniqueFd other(open(temp.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    REQUIRE(other.valid());
    CHECK(flock(other.get(), LOCK_EX | LOCK_NB) != 0);
    ExtractTarget second;
    Status s = second.Open(dir);
    CHECK(s.code() == Status::Code::kInvalidArgument);
    CHECK_THAT(s.message(), Catch::Contains("another --extract into " + dir + " is running"));
  }

  // Interleaved, as XBSTREAM may send them: the big file goes through the
  // direct writer, the small one beside it with plain writes.
  REQUIRE(target.MakeDirectory("db/").ok());
  REQUIRE(target.BeginFile("000010.sst", 04755, kMtime).ok());
  REQUIRE(target.BeginFile("db/t.frm", 0666, timespec{1500000000, 0}).ok());
  for (size_t at = 0; at < big.size(); at += 1000000) {
    const size_t n = std::min<size_t>(1000000, big.size() - at);
    REQUIRE(target.Write("000010.sst", AsBytes(big.data() + at, n)).ok());
    if (at == 0) REQUIRE(target.Write("db/t.frm", AsBytes(small.data(), small.size())).ok());
  }
  REQUIRE(target.EndFile("db/t.frm").ok());
  REQUIRE(target.EndFile("000010.sst").ok());
  REQUIRE(FeedManifest(&target, manifest).ok());
  CHECK(test::ReadFile(temp + "/db/t.frm") == small);
  CHECK_FALSE(fs::exists(dir));  // nothing under the real name before Commit

  Manifest read;
  Status s = target.Commit(&read);
  INFO(s.message());
  REQUIRE(s.ok());
  CHECK(Entries(parent) == std::vector<std::string>{"backup"});
  CHECK(Entries(dir) == std::vector<std::string>{"000010.sst", "db", kManifestPath});
  CHECK(test::ReadFile(dir + "/000010.sst") == big);
  CHECK(test::ReadFile(dir + "/db/t.frm") == small);
  CHECK(test::ReadFile(dir + "/" + kManifestPath) == SerializeManifest(manifest));
  CHECK(read.backup_id == manifest.backup_id);
  CHECK(read.files.empty());  // only the files to take from a base
  // Modes as restored_attributes.h has them; the archive's times.
  CHECK(ModeOf(dir) == 0750);
  CHECK(ModeOf(dir + "/db") == 0750);
  CHECK(ModeOf(dir + "/000010.sst") == 0750);
  CHECK(ModeOf(dir + "/db/t.frm") == 0640);
  struct stat st;
  REQUIRE(stat((dir + "/000010.sst").c_str(), &st) == 0);
  CHECK(st.st_mtim.tv_sec == kMtime.tv_sec);
  CHECK(st.st_mtim.tv_nsec == kMtime.tv_nsec);
  REQUIRE(stat((dir + "/db/t.frm").c_str(), &st) == 0);
  CHECK(st.st_mtim.tv_sec == 1500000000);
  CHECK(target.stats().files == 3);
  CHECK(target.stats().bytes == big.size() + small.size() + SerializeManifest(manifest).size());
}

TEST_CASE("ExtractTarget: an existing empty directory is filled, a file is refused",
          "[unit][restore][extract]") {
  TempDir work;
  Manifest manifest = test::TestManifest("tar");
  manifest.files = {Listed("f", "data")};
  fs::create_directories(work / "empty");
  {
    ExtractTarget target;
    REQUIRE(target.Open(work / "empty/").ok());  // a trailing slash is the same directory
    REQUIRE(Feed(&target, "f", "data").ok());
    REQUIRE(FeedManifest(&target, manifest).ok());
    Manifest read;
    REQUIRE(target.Commit(&read).ok());
  }
  CHECK(test::ReadFile(work / "empty/f") == "data");
  test::WriteFile(work / "file", "not a directory");
  ExtractTarget target;
  Status s = target.Open(work / "file");
  CHECK(s.code() == Status::Code::kInvalidArgument);
  CHECK_THAT(s.message(), Catch::Contains("is not a directory"));
  CHECK(Entries(work.path()) == std::vector<std::string>{"empty", "file"});
}

TEST_CASE("ExtractTarget: a refused entry or archive leaves no directory behind",
          "[unit][restore][extract]") {
  TempDir work;
  const std::string dir = work / "backup";
  Manifest manifest = test::TestManifest("tar");
  manifest.files = {Listed("a", "aaa"), Listed("db/b", "bb")};
  Status s;
  {
    ExtractTarget target;
    REQUIRE(target.Open(dir).ok());
    REQUIRE(Feed(&target, "a", "aaa").ok());
    SECTION("an unsafe file path") {
      for (const char* bad : {"../evil", "/etc/evil", "db//x", "./a", "db/.."}) {
        CAPTURE(bad);
        s = target.BeginFile(bad, 0644, kMtime);
        CHECK(s.code() == Status::Code::kInvalidArgument);
        CHECK_THAT(s.message(), Catch::StartsWith("unsafe path in archive: "));
      }
    }
    SECTION("an unsafe directory path") {
      s = target.MakeDirectory("../evil/");
      CHECK(s.code() == Status::Code::kInvalidArgument);
      CHECK_THAT(s.message(), Catch::StartsWith("unsafe path in archive: "));
    }
    SECTION("a path that came already") {
      s = target.BeginFile("a", 0644, kMtime);
      CHECK(s.code() == Status::Code::kCorruption);
      CHECK(s.message() == "the archive holds a twice");
      REQUIRE(target.BeginFile("db/b", 0644, kMtime).ok());
      CHECK(target.BeginFile("db/b", 0644, kMtime).message() == "the archive holds db/b twice");
      REQUIRE(FeedManifest(&target, manifest).ok());
      CHECK(FeedManifest(&target, manifest).message() ==
            std::string("the archive holds ") + kManifestPath + " twice");
    }
    SECTION("a file below a file") {
      s = target.BeginFile("a/b", 0644, kMtime);
      CHECK_FALSE(s.ok());
    }
    SECTION("bytes or an end outside an entry") {
      s = target.Write("db/b", AsBytes("x", 1));
      CHECK(s.code() == Status::Code::kCorruption);
      CHECK(s.message() == "data for db/b outside its entry");
      CHECK(target.EndFile("db/b").message() == "end of db/b without its start");
      CHECK(target.Write("a", AsBytes("x", 1)).message() == "data for a outside its entry");
    }
    SECTION("the archive ends inside a file") {
      REQUIRE(FeedManifest(&target, manifest).ok());
      REQUIRE(target.BeginFile("db/b", 0644, kMtime).ok());
      Manifest read;
      s = target.Commit(&read);
      CHECK(s.code() == Status::Code::kCorruption);
      CHECK(s.message() == "the archive ends inside db/b (truncated)");
    }
    SECTION("no manifest") {
      REQUIRE(Feed(&target, "db/b", "bb").ok());
      Manifest read;
      s = target.Commit(&read);
      CHECK(s.code() == Status::Code::kCorruption);
      CHECK_THAT(s.message(), Catch::Contains(std::string("has no ") + kManifestPath));
    }
    SECTION("a manifest that is not one") {
      REQUIRE(Feed(&target, kManifestPath, "{\"format\": \"something else\"}").ok());
      Manifest read;
      CHECK(target.Commit(&read).code() == Status::Code::kCorruption);
    }
    SECTION("the manifest and the files differ") {
      Manifest read;
      SECTION("in size") {
        REQUIRE(Feed(&target, "db/b", "bbb").ok());
        REQUIRE(FeedManifest(&target, manifest).ok());
        s = target.Commit(&read);
        CHECK(s.message() == "size mismatch for db/b: 3 bytes, the manifest says 2");
      }
      SECTION("in bytes") {
        REQUIRE(Feed(&target, "db/b", "bB").ok());
        REQUIRE(FeedManifest(&target, manifest).ok());
        s = target.Commit(&read);
        CHECK_THAT(s.message(), Catch::StartsWith("checksum mismatch for db/b: "));
      }
      SECTION("a file the manifest does not list") {
        REQUIRE(Feed(&target, "db/b", "bb").ok());
        REQUIRE(Feed(&target, "extra", "x").ok());
        REQUIRE(FeedManifest(&target, manifest).ok());
        s = target.Commit(&read);
        CHECK(s.message() == "not in the manifest: extra");
      }
      SECTION("a listed file the archive lacks") {
        REQUIRE(FeedManifest(&target, manifest).ok());
        s = target.Commit(&read);
        CHECK(s.message() == "missing from the archive: db/b");
      }
      CHECK(s.code() == Status::Code::kCorruption);
    }
    CHECK_FALSE(fs::exists(dir));
  }
  // Destroyed without a successful Commit: its temporary tree is gone.
  CHECK(fs::is_empty(work.path()));
}

TEST_CASE("ExtractTarget: without a directory it writes nothing and checks the same",
          "[unit][restore][extract]") {
  TempDir work;
  // The working directory is where a stray relative write would land.
  struct RestoreWorkingDirectory {
    fs::path old = fs::current_path();
    ~RestoreWorkingDirectory() { fs::current_path(old); }
  } restore_cwd;
  fs::current_path(work.path());
  Manifest manifest = test::TestManifest("tar");
  manifest.files = {Listed("db/a", "aaa")};
  ExtractTarget target;
  REQUIRE(target.Open("").ok());
  REQUIRE(target.MakeDirectory("db").ok());
  CHECK(target.MakeDirectory("../x").code() == Status::Code::kInvalidArgument);
  SECTION("intact") {
    REQUIRE(Feed(&target, "db/a", "aaa").ok());
    REQUIRE(FeedManifest(&target, manifest).ok());
    Manifest read;
    REQUIRE(target.Commit(&read).ok());
    CHECK(target.stats().files == 2);
  }
  SECTION("damaged") {
    REQUIRE(Feed(&target, "db/a", "aab").ok());
    REQUIRE(FeedManifest(&target, manifest).ok());
    Manifest read;
    CHECK_THAT(target.Commit(&read).message(), Catch::StartsWith("checksum mismatch for db/a"));
  }
  CHECK(fs::is_empty(work.path()));
}

TEST_CASE("ExtractTarget: an incremental takes its base's files at Commit, a full one none",
          "[unit][restore][extract][incremental]") {
  TempDir work;
  // The base: a full backup as --extract leaves it.
  const std::string base = work / "full";
  const std::string sst = test::RandomBytes(5000, 2);
  Manifest full = test::TestManifest("tar");
  full.backup_id = "full";
  full.files = {Listed("000010.sst", sst), Listed("db/t.frm", "frm v1")};
  {
    ExtractTarget target;
    REQUIRE(target.Open(base).ok());
    REQUIRE(Feed(&target, "000010.sst", sst).ok());
    REQUIRE(Feed(&target, "db/t.frm", "frm v1").ok());
    REQUIRE(FeedManifest(&target, full).ok());
    Manifest read;
    REQUIRE(target.Commit(&read).ok());
    Manifest unused;
    ExtractTarget again;
    REQUIRE(again.Open(work / "full-again").ok());
    REQUIRE(Feed(&again, "000010.sst", sst).ok());
    REQUIRE(Feed(&again, "db/t.frm", "frm v1").ok());
    REQUIRE(FeedManifest(&again, full).ok());
    Status s = again.Commit(&unused, base);
    CHECK(s.code() == Status::Code::kInvalidArgument);
    CHECK_THAT(s.message(), Catch::Contains("the archive is a full backup, which takes nothing"));
  }
  CHECK_FALSE(fs::exists(work / "full-again"));

  Manifest inc = test::TestManifest("tar");
  inc.backup_id = "inc";
  inc.start_time = "2026-11-30T00:00:00Z";
  inc.parent = ManifestParent{"full", Sha256Hex(test::ReadFile(base + "/" + kManifestPath)),
                              "2026-11-29T00:00:00Z"};
  ManifestFile held = Listed("000010.sst", sst);
  held.in = "full";
  inc.files = {Listed("db/t.frm", "frm v2"), held};
  const std::string dir = work / "inc";
  ExtractTarget target;
  REQUIRE(target.Open(dir).ok());
  REQUIRE(Feed(&target, "db/t.frm", "frm v2").ok());
  REQUIRE(FeedManifest(&target, inc).ok());
  Manifest read;
  SECTION("with its base") {
    Status s = target.Commit(&read, base);
    INFO(s.message());
    REQUIRE(s.ok());
    REQUIRE(read.files.size() == 1);
    CHECK(read.files[0].path == "000010.sst");
    CHECK(test::ReadFile(dir + "/000010.sst") == sst);
    CHECK(test::ReadFile(dir + "/db/t.frm") == "frm v2");
    CHECK(fs::hard_link_count(dir + "/000010.sst") == 2);
    CHECK(target.base_stats().files == 1);
    CHECK(target.base_stats().linked == 1);
    CHECK(target.base_stats().bytes == sst.size());
    CHECK(test::ReadFile(base + "/db/t.frm") == "frm v1");
  }
  SECTION("without it") {
    Status s = target.Commit(&read);
    CHECK(s.code() == Status::Code::kInvalidArgument);
    CHECK_THAT(s.message(), Catch::Contains("--extract needs --incremental_base_dir"));
  }
  SECTION("with the archive holding a file its manifest says is in the base") {
    REQUIRE(Feed(&target, "000010.sst", sst).ok());
    Status s = target.Commit(&read, base);
    CHECK(s.code() == Status::Code::kCorruption);
    CHECK(s.message() == "the archive holds 000010.sst, which its manifest says is in backup full");
  }
}

}  // namespace
}  // namespace hotbackup
