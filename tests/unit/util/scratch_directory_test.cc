#include "hotbackup/util/scratch_directory.h"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>

#include "support/test_support.h"

namespace hotbackup {
namespace {

namespace fs = std::filesystem;

// A pid no process has now.
pid_t DeadPid() {
  for (pid_t pid = 4000000; pid > 1000; pid -= 997) {
    if (kill(pid, 0) != 0 && errno == ESRCH) return pid;
  }
  FAIL("no free pid");
  return 0;
}

struct ScopedTmpdir {
  explicit ScopedTmpdir(const std::string& dir) {
    const char* old = getenv("TMPDIR");
    had_ = old != nullptr;
    if (had_) old_ = old;
    setenv("TMPDIR", dir.c_str(), 1);
  }
  ~ScopedTmpdir() {
    if (had_) setenv("TMPDIR", old_.c_str(), 1);
    else unsetenv("TMPDIR");
  }
  bool had_ = false;
  std::string old_;
};

TEST_CASE("ScratchDirectory: private, removed on the way out, a dead run's swept", "[unit][scratch]") {
  test::TempDir tmp;
  ScopedTmpdir scoped(tmp.path());
  const std::string dead = tmp / ("myrocks_hotbackup-unit." + std::to_string(DeadPid()) + ".abcdef");
  const std::string alive = tmp / ("myrocks_hotbackup-unit." + std::to_string(getppid()) + ".abcdef");
  const std::string other_kind = tmp / ("myrocks_hotbackup-other." + std::to_string(DeadPid()) + ".x");
  for (const std::string& d : {dead, alive, other_kind}) fs::create_directories(d + "/sub");
  std::string made;
  {
    ScratchDirectory scratch;
    REQUIRE(scratch.Create("unit").ok());
    made = scratch.path();
    struct stat st;
    REQUIRE(stat(made.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0700);
    CHECK_THAT(made, Catch::StartsWith(tmp / ("myrocks_hotbackup-unit." + std::to_string(getpid()) + ".")));
    test::WriteFile(made + "/log", "x");
  }
  CHECK_FALSE(fs::exists(made));
  CHECK_FALSE(fs::exists(dead));
  // A live process keeps its directory, whatever program it is (another
  // build of the tool, a test binary). Another kind is left to its runs.
  CHECK(fs::exists(alive));
  CHECK(fs::exists(other_kind));
}

}  // namespace
}  // namespace hotbackup
