#include "hotbackup/server/checkpoint.h"

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
    CheckpointRootLock first;
    REQUIRE(PrepareCheckpointRoot(root, &first).ok());
    CHECK(first.held());
    CHECK(test::TrimTrailing(test::ReadFile(root + "/" + kCheckpointLockName)) ==
          std::to_string(getpid()));
    CheckpointRootLock second;
    Status s = PrepareCheckpointRoot(root, &second);
    CHECK(s.code() == Status::Code::kInvalidArgument);
    CHECK_THAT(s.message(), Catch::Contains("another backup (pid " + std::to_string(getpid()) + ")"));
    CHECK_FALSE(second.held());
  }
  CHECK(fs::is_empty(root));
  CheckpointRootLock again;
  CHECK(PrepareCheckpointRoot(root, &again).ok());
}

TEST_CASE("Checkpoint root: a dead run's round directories are removed, nothing else",
          "[unit][checkpoint]") {
  test::TempDir dir;
  const std::string root = dir / "cp";
  for (const char* d : {"3", "4.tmp", "5.misc", "12abc", "keep.tmp", "lost+found"}) {
    fs::create_directories(root + "/" + d + "/sub");
    test::WriteFile(root + "/" + d + "/sub/000001.sst", "x");
  }
  test::WriteFile(root + "/notes.txt", "mine");
  test::WriteFile(root + "/7", "a file named like a round");
  CheckpointRootLock lock;
  REQUIRE(PrepareCheckpointRoot(root, &lock).ok());
  for (const char* gone : {"3", "4.tmp", "5.misc", "7"}) CHECK_FALSE(fs::exists(root + "/" + gone));
  for (const char* kept : {"12abc", "keep.tmp", "lost+found", "notes.txt"}) {
    CHECK(fs::exists(root + "/" + kept));
  }
}

}  // namespace
}  // namespace hotbackup
