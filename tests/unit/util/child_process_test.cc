#include "hotbackup/util/child_process.h"

#include <fcntl.h>
#include <signal.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <thread>

#include "hotbackup/io/unique_fd.h"
#include "support/test_support.h"

namespace hotbackup {
namespace {

TEST_CASE("Child process: lines from stdout, input on stdin, the exit code", "[unit][child]") {
  ChildProcess child;
  ChildProcess::Setup setup;
  setup.stdin_pipe = true;
  setup.capture_stdout = true;
  REQUIRE(child.Start({"sh", "-c", "echo first; read x; echo \"got $x\"; exit 3"}, setup).ok());
  std::string line;
  bool eof = false;
  REQUIRE(child.ReadLine(10, &line, &eof).ok());
  CHECK(line == "first");
  CHECK_FALSE(eof);
  REQUIRE(child.WriteStdinAndClose("hello\n").ok());
  REQUIRE(child.ReadLine(10, &line, &eof).ok());
  CHECK(line == "got hello");
  REQUIRE(child.ReadLine(10, &line, &eof).ok());
  CHECK(eof);
  bool exited = false;
  int code = -1;
  REQUIRE(child.Wait(10, &exited, &code).ok());
  CHECK(exited);
  CHECK(code == 3);
  CHECK_FALSE(child.running());
}

TEST_CASE("Child process: only the descriptors asked for are inherited", "[unit][child]") {
  test::TempDir dir;
  UniqueFd fd(open(dir.path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  REQUIRE(fd.valid());
  const std::string test_it = "test -d /proc/self/fd/" + std::to_string(fd.get());
  for (bool inherit : {false, true}) {
    ChildProcess child;
    ChildProcess::Setup setup;
    if (inherit) setup.inherited_fds = {fd.get()};
    REQUIRE(child.Start({"sh", "-c", test_it}, setup).ok());
    bool exited = false;
    int code = -1;
    REQUIRE(child.Wait(10, &exited, &code).ok());
    CHECK(exited);
    CHECK(code == (inherit ? 0 : 1));
  }
  // Still close-on-exec here.
  CHECK((fcntl(fd.get(), F_GETFD) & FD_CLOEXEC) != 0);
}

TEST_CASE("Child process: a missing program is kNotSupported, a timeout is reported",
          "[unit][child]") {
  ChildProcess missing;
  Status s = missing.Start({"/nonexistent/program"}, {});
  CHECK(s.code() == Status::Code::kNotSupported);
  CHECK_FALSE(IsExecutable("/nonexistent/program"));
  CHECK(IsExecutable("sh"));

  ChildProcess quiet;
  ChildProcess::Setup setup;
  setup.capture_stdout = true;
  REQUIRE(quiet.Start({"sleep", "30"}, setup).ok());
  std::string line;
  bool eof = false;
  s = quiet.ReadLine(0.2, &line, &eof);
  CHECK(s.code() == Status::Code::kIoError);
  bool exited = true;
  int code = 0;
  REQUIRE(quiet.Wait(0.2, &exited, &code).ok());
  CHECK_FALSE(exited);
}

TEST_CASE("Child process: Stop ends the child and what it started, and reaps them",
          "[unit][child]") {
  test::TempDir dir;
  const std::string pid_file = dir / "grandchild.pid";
  pid_t grandchild = 0;
  {
    ChildProcess child;
    // A grandchild that ignores SIGTERM: only the group's SIGKILL ends it.
    REQUIRE(child
                .Start({"sh", "-c", "sh -c 'trap \"\" TERM; echo $$ > " + pid_file +
                                        "; sleep 60' & wait"},
                       {})
                .ok());
    REQUIRE(test::WaitForPath(pid_file, 10));
    while (test::ReadFile(pid_file).empty()) {
    }
    grandchild = std::stoi(test::ReadFile(pid_file));
    CHECK(kill(grandchild, 0) == 0);
    const auto start = std::chrono::steady_clock::now();
    child.Stop(1);
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(10));
    CHECK_FALSE(child.running());
  }
  // Gone (or a zombie of init's for a moment): poll until it is reaped.
  bool gone = false;
  for (int i = 0; i < 100 && !gone; ++i) {
    gone = kill(grandchild, 0) != 0;
    if (!gone) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  CHECK(gone);
}

}  // namespace
}  // namespace hotbackup
