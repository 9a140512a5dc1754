// OutputFile: atomic files, pipes, and the failures a DBA meets in cron jobs.
#include "hotbackup/io/output_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>

#include "support/test_support.h"

namespace hotbackup {
namespace {

using test::ListFiles;
using test::RandomBytes;
using test::ReadFile;
using test::TempDir;

TEST_CASE("OutputFile: a file appears only when finished", "[unit][output]") {
  TempDir dir;
  std::string path = dir / "backup.tar";
  std::string data = RandomBytes(3 * 1024 * 1024 + 5, 1);  // larger than the buffer
  std::unique_ptr<OutputFile> out;
  REQUIRE(OutputFile::Create(path, &out).ok());
  REQUIRE(out->Write(AsBytes(data.data(), 10)).ok());
  REQUIRE(out->Write(AsBytes(data.data() + 10, data.size() - 10)).ok());
  CHECK(access(path.c_str(), F_OK) != 0);  // still under its temporary name
  auto during = ListFiles(dir.path());
  REQUIRE(during.size() == 1);
  CHECK_THAT(during[0], Catch::EndsWith(".partial"));
  REQUIRE(out->Finish().ok());
  CHECK(out->bytes_written() == data.size());
  CHECK(ReadFile(path) == data);
  CHECK(ListFiles(dir.path()) == std::vector<std::string>{"backup.tar"});
  struct stat st;
  REQUIRE(stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);  // a backup is readable by its owner only
}

TEST_CASE("OutputFile: a file it creates bypasses the page cache", "[unit][output]") {
  TempDir dir;
  std::string path = dir / "backup.xbs";
  std::string data = RandomBytes(6 * 1024 * 1024 + 3, 2);
  std::unique_ptr<OutputFile> out;
  REQUIRE(OutputFile::Create(path, &out).ok());
  for (size_t at = 0; at < data.size(); at += 100000) {
    REQUIRE(out->Write(AsBytes(data.data() + at, std::min<size_t>(100000, data.size() - at))).ok());
  }
  REQUIRE(out->Finish().ok());
  if (test::DirectWritesBypassPageCache(dir.path())) {
    CHECK(out->writes_direct());
    CHECK(test::ResidentPages(path) <= 1);  // the last partial page; checked before reading
  } else {
    WARN("O_DIRECT writes in " << dir.path() << " are refused or cached (tmpfs)");
  }
  CHECK(ReadFile(path) == data);
  CHECK(test::ListFiles(dir.path()) == std::vector<std::string>{"backup.xbs"});
}

TEST_CASE("OutputFile: an abandoned file leaves nothing behind", "[unit][output]") {
  TempDir dir;
  std::string path = dir / "backup.tar";
  test::WriteFile(path, "previous good backup");
  {
    std::unique_ptr<OutputFile> out;
    REQUIRE(OutputFile::Create(path, &out).ok());
    REQUIRE(out->Write(AsBytes("partial", 7)).ok());
  }  // destroyed without Finish, as on an error
  CHECK(ListFiles(dir.path()) == std::vector<std::string>{"backup.tar"});
  CHECK(ReadFile(path) == "previous good backup");
}

TEST_CASE("OutputFile: a reader that goes away is a clear EPIPE error", "[unit][output]") {
  int fds[2];
  REQUIRE(pipe(fds) == 0);
  close(fds[0]);  // nobody reads
  std::unique_ptr<OutputFile> out;
  REQUIRE(OutputFile::FromDescriptor(fds[1], "stdout", &out).ok());
  std::string data = RandomBytes(2 << 20, 1);
  Status s = out->Write(AsBytes(data.data(), data.size()));
  if (s.ok()) s = out->Finish();
  CHECK(s.errno_value() == EPIPE);
  CHECK_THAT(s.message(), Catch::Contains("write to stdout (the reading side went away)"));
  close(fds[1]);
}

TEST_CASE("OutputFile: a full disk is a clear ENOSPC error", "[unit][output]") {
  std::unique_ptr<OutputFile> out;
  REQUIRE(OutputFile::Create("/dev/full", &out).ok());
  Status s = out->Write(AsBytes("x", 1));
  if (s.ok()) s = out->Finish();
  CHECK(s.errno_value() == ENOSPC);
  CHECK(s.message() == "write to /dev/full: No space left on device");
}

TEST_CASE("OutputFile: refuses to write an archive to a terminal", "[unit][output]") {
  test::PseudoTerminal pty;
  if (!pty.ok()) {
    WARN("no pseudo-terminals here");
    return;
  }
  std::unique_ptr<OutputFile> out;
  Status s = OutputFile::FromDescriptor(pty.slave(), "stdout", &out);
  CHECK(s.code() == Status::Code::kInvalidArgument);
  CHECK_THAT(s.message(), Catch::Contains("stdout is a terminal"));
}

TEST_CASE("OutputFile: enlarges a pipe it writes to", "[unit][output]") {
  int fds[2];
  REQUIRE(pipe(fds) == 0);
  int before = fcntl(fds[1], F_GETPIPE_SZ);
  std::unique_ptr<OutputFile> out;
  REQUIRE(OutputFile::FromDescriptor(fds[1], "pipe", &out).ok());
  CHECK(fcntl(fds[1], F_GETPIPE_SZ) > before);
  close(fds[0]);
  close(fds[1]);
}

TEST_CASE("OutputFile: refuses a directory as output", "[unit][output]") {
  TempDir dir;
  std::unique_ptr<OutputFile> out;
  Status s = OutputFile::Create(dir.path(), &out);
  CHECK_THAT(s.message(), Catch::Contains("is a directory"));
}

}  // namespace
}  // namespace hotbackup
