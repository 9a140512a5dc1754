// TakeFilesFromBase (incremental_restore.h) on real directories: a base made
// as --extract leaves one, an incremental's manifest built by hand. A base
// file of a restored mode that we own is hard-linked; one of another mode or
// owner is copied with its mode masked and its time kept; a missing or
// changed file, and a base that is not the parent, are errors naming them;
// without a target the base is only checked. The end-to-end tests
// (tests/e2e/incremental_e2e_test.cc, hostile_archive_e2e_test.cc) run
// links across filesystems, symbolic links and FIFOs through the binary.
#include "hotbackup/restore/incremental_restore.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <string>

#include "hotbackup/archive/checksum.h"
#include "hotbackup/archive/manifest.h"
#include "hotbackup/io/unique_fd.h"
#include "hotbackup/util/sha256.h"
#include "support/test_support.h"

namespace hotbackup {
namespace {

namespace fs = std::filesystem;
using test::TempDir;

ManifestFile Listed(const std::string& path, const std::string& data, const std::string& in = "") {
  FileChecksum checksum;
  checksum.Update(AsBytes(data.data(), data.size()));
  return {path, data.size(), checksum.Digest(), "", in};
}

mode_t ModeOf(const std::string& path) {
  struct stat st;
  REQUIRE(lstat(path.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

// A full backup "full" extracted in `base` (files 0640, as --extract leaves
// them), and the manifest of an incremental on top of it that sends
// db/t.frm and holds the two SSTs in the base.
struct Chain {
  std::string base;
  std::string sst10 = test::RandomBytes(70000, 10);
  std::string sst11 = test::RandomBytes(5000, 11);
  Manifest inc;

  explicit Chain(const std::string& dir) : base(dir) {
    fs::create_directories(base + "/db");
    test::WriteFile(base + "/000010.sst", sst10);
    test::WriteFile(base + "/db/000011.sst", sst11);
    test::WriteFile(base + "/db/t.frm", "frm v1");
    for (const char* f : {"000010.sst", "db/000011.sst", "db/t.frm"}) {
      REQUIRE(chmod((base + "/" + f).c_str(), 0640) == 0);
    }
    Manifest full = test::TestManifest("tar");
    full.backup_id = "full";
    full.start_time = "2026-11-29T00:00:00Z";
    full.files = {Listed("000010.sst", sst10), Listed("db/000011.sst", sst11),
                  Listed("db/t.frm", "frm v1")};
    const std::string json = SerializeManifest(full);
    test::WriteFile(base + "/" + kManifestPath, json);
    inc = test::TestManifest("tar");
    inc.backup_id = "inc";
    inc.parent = ManifestParent{"full", Sha256Hex(json), full.start_time};
    inc.files = {Listed("db/t.frm", "frm v2"), Listed("000010.sst", sst10, "full"),
                 Listed("db/000011.sst", sst11, "full")};
  }
};

// An empty target directory and a descriptor on it.
struct Target {
  std::string path;
  UniqueFd fd;
  explicit Target(const std::string& dir) : path(dir) {
    fs::create_directories(path);
    fd = UniqueFd(open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    REQUIRE(fd.valid());
  }
};

TEST_CASE("TakeFilesFromBase: our files of a restored mode linked, the others copied",
          "[unit][restore][incremental]") {
  TempDir work;
  Chain chain(work / "full");
  Target target(work / "inc");
  const uid_t other_user = test::kServerUser;
  SECTION("a mode that is not a restored one") {
    REQUIRE(chmod((chain.base + "/db/000011.sst").c_str(), 0644) == 0);
  }
  SECTION("another user's file") {
    if (geteuid() != 0) {
      WARN("not root: a file of another user cannot be made");
      return;
    }
    REQUIRE(chown((chain.base + "/db/000011.sst").c_str(), other_user, other_user) == 0);
  }
  struct stat base_st;
  REQUIRE(stat((chain.base + "/db/000011.sst").c_str(), &base_st) == 0);
  const timespec when{1500000000, 123456789};
  const timespec times[2] = {when, when};
  REQUIRE(utimensat(AT_FDCWD, (chain.base + "/db/000011.sst").c_str(), times, 0) == 0);

  BaseFileStats stats;
  Status s = TakeFilesFromBase(chain.base + "/", chain.inc, target.fd.get(), &stats);
  INFO(s.message());
  REQUIRE(s.ok());
  CHECK(stats.files == 2);
  CHECK(stats.linked == 1);
  CHECK(stats.bytes == chain.sst10.size() + chain.sst11.size());
  // Only the files marked "in": the sent one is the archive's to write.
  CHECK(test::ListFiles(target.path) == std::vector<std::string>{"000010.sst", "db/000011.sst"});
  CHECK(fs::hard_link_count(target.path + "/000010.sst") == 2);
  CHECK(test::ReadFile(target.path + "/000010.sst") == chain.sst10);

  const std::string copy = target.path + "/db/000011.sst";
  CHECK(fs::hard_link_count(copy) == 1);
  CHECK(test::ReadFile(copy) == chain.sst11);
  CHECK(ModeOf(copy) == 0640);
  struct stat st;
  REQUIRE(stat(copy.c_str(), &st) == 0);
  CHECK(st.st_uid == geteuid());
  CHECK(st.st_mtim.tv_sec == when.tv_sec);
  CHECK(st.st_mtim.tv_nsec == when.tv_nsec);
  // The base is never written to.
  REQUIRE(stat((chain.base + "/db/000011.sst").c_str(), &st) == 0);
  CHECK(st.st_mode == base_st.st_mode);
  CHECK(st.st_uid == base_st.st_uid);
}

TEST_CASE("TakeFilesFromBase: a missing or changed base file is an error naming it",
          "[unit][restore][incremental]") {
  TempDir work;
  Chain chain(work / "full");
  Target target(work / "inc");
  BaseFileStats stats;
  Status s;
  SECTION("missing") {
    fs::remove(chain.base + "/db/000011.sst");
    s = TakeFilesFromBase(chain.base, chain.inc, target.fd.get(), &stats);
    CHECK(s.message() == "--incremental_base_dir " + chain.base +
                             " lacks db/000011.sst (held by backup full): No such file or "
                             "directory; the base directory is incomplete");
  }
  SECTION("its directory missing") {
    fs::remove_all(chain.base + "/db");
    s = TakeFilesFromBase(chain.base, chain.inc, target.fd.get(), &stats);
    CHECK_THAT(s.message(), Catch::Contains(" lacks db/000011.sst (held by backup full)"));
  }
  SECTION("a byte changed") {
    std::string changed = chain.sst11;
    changed[100] ^= 1;
    test::WriteFile(chain.base + "/db/000011.sst", changed);
    s = TakeFilesFromBase(chain.base, chain.inc, target.fd.get(), &stats);
    CHECK_THAT(s.message(), Catch::StartsWith("--incremental_base_dir " + chain.base +
                                              ": db/000011.sst does not match the manifest (its "
                                              "checksum differs; expected 5000 bytes, "));
  }
  SECTION("a byte more") {
    test::WriteFile(chain.base + "/db/000011.sst", chain.sst11 + "x");
    s = TakeFilesFromBase(chain.base, chain.inc, target.fd.get(), &stats);
    CHECK_THAT(s.message(), Catch::Contains("(its size differs; expected 5000 bytes, "));
    CHECK(s.message().find("5001") == std::string::npos);  // what was found is not shown
  }
  SECTION("a directory in its place") {
    fs::remove(chain.base + "/db/000011.sst");
    fs::create_directories(chain.base + "/db/000011.sst");
    s = TakeFilesFromBase(chain.base, chain.inc, target.fd.get(), &stats);
    CHECK(s.message() ==
          "--incremental_base_dir " + chain.base + ": db/000011.sst is not a regular file");
  }
  CHECK(s.code() == Status::Code::kCorruption);
  CHECK(stats.files <= 1);  // 000010.sst comes first and was taken
}

TEST_CASE("TakeFilesFromBase: a base that is not the parent is refused before anything is taken",
          "[unit][restore][incremental]") {
  TempDir work;
  Chain chain(work / "full");
  Target target(work / "inc");
  const std::string manifest = chain.base + "/" + kManifestPath;
  const std::string refused = "--incremental_base_dir " + chain.base +
                              " is not the backup full taken 2026-11-29T00:00:00Z "
                              "this incremental builds on: ";
  BaseFileStats stats;
  Status s;
  SECTION("its manifest edited") {
    test::WriteFile(manifest, test::ReadFile(manifest) + " ");
    s = TakeFilesFromBase(chain.base, chain.inc, target.fd.get(), &stats);
    CHECK(s.message() == refused +
                             "its manifest differs from the one this incremental was "
                             "taken against (edited, or another backup)");
  }
  SECTION("another backup") {
    Manifest other = test::TestManifest("tar");
    other.backup_id = "other";
    other.start_time = "2026-11-28T00:00:00Z";
    test::WriteFile(manifest, SerializeManifest(other));
    s = TakeFilesFromBase(chain.base, chain.inc, target.fd.get(), &stats);
    CHECK(s.message() == refused + "it holds backup other taken 2026-11-28T00:00:00Z");
  }
  SECTION("no manifest") {
    fs::remove(manifest);
    s = TakeFilesFromBase(chain.base, chain.inc, target.fd.get(), &stats);
    CHECK_THAT(s.message(), Catch::StartsWith(refused));
  }
  CHECK(s.code() == Status::Code::kInvalidArgument);
  CHECK(fs::is_empty(target.path));
  CHECK(stats.files == 0);
}

TEST_CASE("TakeFilesFromBase: without a target the base is only checked",
          "[unit][restore][incremental]") {
  TempDir work;
  Chain chain(work / "full");
  const auto before = test::ListFiles(chain.base);
  BaseFileStats stats;
  REQUIRE(TakeFilesFromBase(chain.base, chain.inc, -1, &stats).ok());
  CHECK(stats.files == 2);
  CHECK(stats.linked == 0);
  CHECK(stats.bytes == chain.sst10.size() + chain.sst11.size());
  CHECK(fs::hard_link_count(chain.base + "/000010.sst") == 1);
  CHECK(test::ListFiles(chain.base) == before);
  const BaseFileStats expected = ExpectedFromBase(chain.inc);
  CHECK(expected.files == stats.files);
  CHECK(expected.bytes == stats.bytes);

  test::WriteFile(chain.base + "/000010.sst", "short");
  BaseFileStats damaged;
  CHECK(TakeFilesFromBase(chain.base, chain.inc, -1, &damaged).code() == Status::Code::kCorruption);

  Manifest full = chain.inc;
  full.parent.reset();
  Status s = TakeFilesFromBase(chain.base, full, -1, &damaged);
  CHECK(s.code() == Status::Code::kInvalidArgument);
  CHECK(s.message() == "not an incremental backup");
}

}  // namespace
}  // namespace hotbackup
