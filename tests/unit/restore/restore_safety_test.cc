// What restore takes from outside: the one path check (archive_path.h) and
// the restored shape of files (restored_attributes.h): modes masked, the
// owner chosen, a tree put in shape through descriptors.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <string>

#include "hotbackup/archive/archive_path.h"
#include "hotbackup/archive/manifest.h"
#include "hotbackup/io/unique_fd.h"
#include "hotbackup/restore/restored_attributes.h"
#include "support/test_support.h"

namespace hotbackup {
namespace {

namespace fs = std::filesystem;
using test::TempDir;
using test::WriteFile;

mode_t ModeOf(const std::string& path) {
  struct stat st;
  REQUIRE(lstat(path.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

TEST_CASE("ValidateArchivePath: relative names below the directory only", "[unit][restore]") {
  for (const char* good : {"a", "000012.sst", "db/t.frm", "a/b/c", "..a", "a..", ".hidden",
                           "db/x;touch PWNED;.frm", "sp ace/q\"uote"}) {
    CAPTURE(good);
    CHECK(ValidateArchivePath(good).ok());
  }
  for (const char* bad : {"", "/etc/passwd", "/", "../x", "..", "a/../b", "a/..", "./a", "a/./b",
                          "a//b", "a/", ".", "../../src/secret", "//x"}) {
    CAPTURE(bad);
    CHECK(ValidateArchivePath(bad).code() == Status::Code::kInvalidArgument);
  }
  CHECK_FALSE(ValidateArchivePath(std::string("a\0b", 3)).ok());
  CHECK_FALSE(ValidateArchivePath(std::string("a/\0/b", 5)).ok());
}

TEST_CASE("ValidateArchivePath: a hostile name cannot forge a log line", "[unit][restore]") {
  Status s = ValidateArchivePath("../x\n2026-12-07 00:00:00 0 [Note] all good");
  REQUIRE_FALSE(s.ok());
  CHECK(s.message().find('\n') == std::string::npos);
  CHECK_THAT(s.message(), Catch::Contains("../x\\x0a2026"));
  CHECK(ShownArchivePath("a\\b\x7f") == "a\\\\b\\x7f");
  CHECK(ShownArchivePath(std::string(300, 'x')).size() == 256 + 3);
}

TEST_CASE("ParseManifest: a file path outside the tree is refused, \"in\" entries too",
          "[unit][restore]") {
  Manifest m = test::TestManifest("tar");
  m.backup_id = "inc";
  m.parent = ManifestParent{"full", std::string(64, '0'), "2026-11-29T00:00:00Z"};
  m.files.push_back({"db/t.frm", 3, 1, "", ""});
  Manifest parsed;
  REQUIRE(ParseManifest(SerializeManifest(m), &parsed).ok());
  for (const char* bad : {"../../src/secret", "/etc/shadow", "db//x", "a/./b"}) {
    CAPTURE(bad);
    for (const char* in : {"", "full"}) {
      Manifest hostile = m;
      hostile.files.push_back({bad, 5, 2, "", in});
      Status s = ParseManifest(SerializeManifest(hostile), &parsed);
      CHECK(s.code() == Status::Code::kCorruption);
      CHECK_THAT(s.message(), Catch::Contains("manifest: unsafe path"));
    }
  }
}

TEST_CASE("RestoredFileMode: never setuid, setgid, sticky, group-writable or for others",
          "[unit][restore]") {
  CHECK(RestoredFileMode(06755) == 0750);
  CHECK(RestoredFileMode(04755) == 0750);
  CHECK(RestoredFileMode(01777) == 0750);
  CHECK(RestoredFileMode(0666) == 0640);
  CHECK(RestoredFileMode(0660) == 0640);
  CHECK(RestoredFileMode(0644) == 0640);
  CHECK(RestoredFileMode(0640) == 0640);
  CHECK(RestoredFileMode(0600) == 0600);
  CHECK(RestoredFileMode(0444) == 0440);
  CHECK(RestoredFileMode(0) == 0);
  for (mode_t m = 0; m <= 07777; ++m) {
    const mode_t r = RestoredFileMode(m);
    CHECK((r & ~mode_t{0750}) == 0);
    CHECK(IsRestoredFileMode(r));
  }
  CHECK(IsRestoredFileMode(S_IFREG | 0640));
  CHECK_FALSE(IsRestoredFileMode(S_IFREG | 0644));
  CHECK_FALSE(IsRestoredFileMode(S_IFREG | 04750));
  CHECK(kRestoredDirectoryMode == 0750);
}

TEST_CASE("ChooseRestoredOwner: the target's owner, else the datadir's, as root only",
          "[unit][restore]") {
  struct stat mysql {};
  mysql.st_uid = 12345;
  mysql.st_gid = 23456;
  struct stat other {};
  other.st_uid = 777;
  other.st_gid = 778;
  struct stat root {};

  RestoredOwner o = ChooseRestoredOwner(true, &other, &mysql);
  CHECK(o.change);
  CHECK(o.uid == 777);
  CHECK(o.gid == 778);
  o = ChooseRestoredOwner(true, nullptr, &mysql);
  CHECK(o.change);
  CHECK(o.uid == 12345);
  CHECK(o.gid == 23456);
  CHECK_FALSE(ChooseRestoredOwner(true, nullptr, nullptr).change);
  CHECK_FALSE(ChooseRestoredOwner(true, nullptr, &root).change);
  CHECK_FALSE(ChooseRestoredOwner(true, &root, &mysql).change);  // the target's own is root
  CHECK_FALSE(ChooseRestoredOwner(false, &other, &mysql).change);
}

TEST_CASE("SecureTreeAt: modes masked in place, links and FIFOs refused", "[unit][restore]") {
  TempDir dir;
  const std::string tree = dir / "db";
  fs::create_directories(tree + "/sub");
  WriteFile(tree + "/suid", "x");
  WriteFile(tree + "/ww", "y");
  WriteFile(tree + "/sub/ok", "z");
  REQUIRE(chmod((tree + "/suid").c_str(), 06755) == 0);
  REQUIRE(chmod((tree + "/ww").c_str(), 0666) == 0);
  REQUIRE(chmod((tree + "/sub").c_str(), 01777) == 0);
  UniqueFd root(open(dir.path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  REQUIRE(root.valid());

  SECTION("regular files and directories") {
    Status s = SecureTreeAt(root.get(), "db", RestoredOwner(), tree);
    INFO(s.message());
    REQUIRE(s.ok());
    CHECK(ModeOf(tree) == 0750);
    CHECK(ModeOf(tree + "/sub") == 0750);
    CHECK(ModeOf(tree + "/suid") == 0750);
    CHECK(ModeOf(tree + "/ww") == 0640);
    const mode_t mask = umask(0);
    umask(mask);
    CHECK(ModeOf(tree + "/sub/ok") == RestoredFileMode(0666 & ~mask));
  }
  SECTION("a FIFO is refused, not opened") {
    REQUIRE(mkfifo((tree + "/sub/fifo").c_str(), 0600) == 0);
    Status s = SecureTreeAt(root.get(), "db", RestoredOwner(), tree);
    CHECK(s.code() == Status::Code::kCorruption);
    CHECK_THAT(s.message(), Catch::Contains("refusing the FIFO " + tree + "/sub/fifo"));
  }
  SECTION("a symbolic link is refused, not followed") {
    const std::string outside = dir / "outside";
    WriteFile(outside, "o");
    REQUIRE(chmod(outside.c_str(), 0666) == 0);
    REQUIRE(symlink(outside.c_str(), (tree + "/sub/link").c_str()) == 0);
    Status s = SecureTreeAt(root.get(), "db", RestoredOwner(), tree);
    CHECK(s.code() == Status::Code::kCorruption);
    CHECK_THAT(s.message(), Catch::Contains("refusing the symbolic link"));
    CHECK(ModeOf(outside) == 0666);
  }
  SECTION("as root, the owner given to every entry") {
    if (geteuid() != 0) {
      WARN("not root: ownership not exercised");
      return;
    }
    RestoredOwner owner{true, 12345, 12346};
    REQUIRE(SecureTreeAt(root.get(), "db", owner, tree).ok());
    for (const std::string& p :
         {tree, tree + "/sub", tree + "/suid", tree + "/ww", tree + "/sub/ok"}) {
      struct stat st;
      REQUIRE(lstat(p.c_str(), &st) == 0);
      CHECK(st.st_uid == 12345u);
      CHECK(st.st_gid == 12346u);
      CHECK((st.st_mode & 06000) == 0);  // the chown did not leave a setuid bit behind
    }
  }
}

}  // namespace
}  // namespace hotbackup
