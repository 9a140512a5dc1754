#include "hotbackup/server/checkpoint.h"

#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>

#include "support/test_support.h"

namespace hotbackup {
namespace {

namespace fs = std::filesystem;

TEST_CASE("Checkpoint root: one backup at a time, the lock file gone after it",
          "[unit][checkpoint]") {
  test::TempDir dir;
  const std::string root = dir / "cp";
  {
    CheckpointRoot first;
    REQUIRE(first.Prepare(root).ok());
    CHECK(first.held());
    CHECK(test::TrimTrailing(test::ReadFile(root + "/" + kCheckpointLockName)) ==
          std::to_string(getpid()));
    CheckpointRoot second;
    Status s = second.Prepare(root);
    CHECK(s.code() == Status::Code::kInvalidArgument);
    CHECK_THAT(s.message(), Catch::Contains("another backup (pid " + std::to_string(getpid()) + ")"));
    CHECK_FALSE(second.held());
  }
  CHECK(fs::is_empty(root));
  CheckpointRoot again;
  CHECK(again.Prepare(root).ok());
}

TEST_CASE("Checkpoint root: a dead run's journaled rounds are removed, nothing else",
          "[unit][checkpoint]") {
  test::TempDir dir;
  const std::string root = dir / "cp";
  for (const char* d : {"3", "4.tmp", "5.misc", "6", "20241201", "12abc", "keep.tmp", "lost+found"}) {
    fs::create_directories(root + "/" + d + "/sub");
    test::WriteFile(root + "/" + d + "/sub/000001.sst", "x");
  }
  test::WriteFile(root + "/notes.txt", "mine");
  test::WriteFile(root + "/123", "a file named like a round");
  // What a killed run leaves: its journal names rounds 3, 4 and 5 (not 6).
  test::WriteFile(root + "/" + kCheckpointLockName, "99999\nround 3\nround 4\nround 5\nround ../x\n");
  chmod((root + "/" + kCheckpointLockName).c_str(), 0600);
  CheckpointRoot lock;
  REQUIRE(lock.Prepare(root).ok());
  for (const char* gone : {"3", "4.tmp", "5.misc"}) CHECK_FALSE(fs::exists(root + "/" + gone));
  for (const char* kept : {"6", "20241201", "12abc", "keep.tmp", "lost+found", "notes.txt", "123"}) {
    CHECK(fs::exists(root + "/" + kept));
  }
  // Round names skip what is there: 6 is taken (not ours), so round 6 is "7".
  std::string name;
  REQUIRE(lock.NewRoundName(6, &name).ok());
  CHECK(name == "7");
  REQUIRE(lock.NewRoundName(7, &name).ok());
  CHECK(name == "8");
  CHECK_THAT(test::ReadFile(root + "/" + kCheckpointLockName), Catch::Contains("round 7\nround 8\n"));
}

TEST_CASE("Checkpoint root: a lock file that is not ours is replaced, never written through",
          "[unit][checkpoint]") {
  test::TempDir dir;
  const std::string root = dir / "cp";
  fs::create_directories(root);
  SECTION("a symbolic link") {
    test::WriteFile(dir / "victim", "precious");
    fs::create_symlink(dir / "victim", root + "/" + kCheckpointLockName);
  }
  SECTION("a hard link") {
    test::WriteFile(dir / "victim", "precious");
    fs::create_hard_link(dir / "victim", root + "/" + kCheckpointLockName);
  }
  CheckpointRoot lock;
  REQUIRE(lock.Prepare(root).ok());
  CHECK(test::ReadFile(dir / "victim") == "precious");
  struct stat st;
  REQUIRE(lstat((root + "/" + kCheckpointLockName).c_str(), &st) == 0);
  CHECK(S_ISREG(st.st_mode));
  CHECK(st.st_nlink == 1);
}

TEST_CASE("Pinned directories: writes stay in the directory opened, whatever its name becomes",
          "[unit][checkpoint]") {
  test::TempDir dir;
  const std::string root = dir / "cp";
  fs::create_directories(root);
  fs::create_directories(dir / "canary");
  CheckpointRoot lock;
  REQUIRE(lock.Prepare(root).ok());
  StagingDirectory staging;
  REQUIRE(staging.Create(lock, "1").ok());
  struct stat st;
  REQUIRE(stat((root + "/1.misc").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0700);
  // Another user swaps the name for a link to somewhere else.
  fs::rename(root + "/1.misc", root + "/moved");
  fs::create_directory_symlink(dir / "canary", root + "/1.misc");
  test::WriteFile(staging.path() + "/file", "staged");
  CHECK(fs::is_empty(dir / "canary"));
  CHECK(test::ReadFile(root + "/moved/file") == "staged");
  REQUIRE(staging.Remove().ok());
  CHECK(fs::is_empty(root + "/moved"));
  CHECK(fs::is_symlink(root + "/1.misc"));  // not ours: left alone
  CHECK(fs::is_empty(dir / "canary"));
}

TEST_CASE("Pinned directories: a directory taken over is ours, 0700, with regular files only",
          "[unit][checkpoint]") {
  test::TempDir dir;
  const std::string root = dir / "cp";
  fs::create_directories(root + "/ckpt");
  for (const char* name : {"000007.sst", "CURRENT", "MANIFEST-000004", "OPTIONS-000011"}) {
    test::WriteFile(root + "/ckpt/" + name, "x");
  }
  chmod((root + "/ckpt").c_str(), 0777);
  PinnedDirectory parent;
  REQUIRE(PinnedDirectory::Open(root, &parent).ok());
  PinnedDirectory taken;
  REQUIRE(TakeOverDirectoryAt(parent, "ckpt", &taken).ok());
  struct stat st;
  REQUIRE(fstat(taken.fd(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0700);
  CHECK(st.st_uid == geteuid());

  // Whatever else another user placed there before the take-over is refused, named.
  std::string odd;
  SECTION("a symbolic link") {
    odd = "000008.sst";
    fs::create_symlink("/etc/passwd", root + "/ckpt/" + odd);
  }
  SECTION("a directory") {
    odd = "sub";
    fs::create_directory(root + "/ckpt/" + odd);
  }
  SECTION("a FIFO") {
    odd = "000009.sst";
    REQUIRE(mkfifo((root + "/ckpt/" + odd).c_str(), 0600) == 0);
  }
  PinnedDirectory again;
  Status s = TakeOverDirectoryAt(parent, "ckpt", &again);
  CHECK(s.code() == Status::Code::kInvalidArgument);
  CHECK_THAT(s.message(), Catch::Contains("ckpt/" + odd + " is not a regular file"));
}

}  // namespace
}  // namespace hotbackup
