// InputFile: a named file or standard input as a ByteSource, with the
// one-line errors --extract and --verify print.
#include "hotbackup/io/input_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>

#include "support/test_support.h"

namespace hotbackup {
namespace {

namespace fs = std::filesystem;

using test::RandomBytes;
using test::TempDir;
using test::WriteFile;

std::string ReadAll(ByteSource* source, size_t read_size = 65536) {
  std::string out;
  std::vector<uint8_t> buffer(read_size);
  for (;;) {
    size_t n = 0;
    REQUIRE(source->Read(buffer, &n).ok());
    if (n == 0) return out;
    out.append(reinterpret_cast<const char*>(buffer.data()), n);
  }
}

size_t OpenDescriptors() {
  size_t n = 0;
  for (const fs::directory_entry& e : fs::directory_iterator("/proc/self/fd")) {
    (void)e;
    ++n;
  }
  return n;
}

// Standard input replaced by `fd` for the scope.
class ScopedStdin {
 public:
  explicit ScopedStdin(int fd) : saved_(dup(STDIN_FILENO)) {
    REQUIRE(saved_ >= 0);
    REQUIRE(dup2(fd, STDIN_FILENO) == STDIN_FILENO);
  }
  ~ScopedStdin() {
    dup2(saved_, STDIN_FILENO);
    close(saved_);
  }

 private:
  int saved_;
};

TEST_CASE("InputFile: reads a named file whole and closes it when destroyed", "[unit][input]") {
  TempDir dir;
  const std::string path = dir / "backup.tar";
  const std::string data = RandomBytes(1024 * 1024 + 17, 3);
  WriteFile(path, data);
  const size_t before = OpenDescriptors();
  {
    std::unique_ptr<InputFile> in;
    REQUIRE(InputFile::Open(path, &in).ok());
    CHECK(in->name() == path);
    CHECK(OpenDescriptors() == before + 1);
    CHECK(ReadAll(in.get()) == data);
  }
  CHECK(OpenDescriptors() == before);
}

TEST_CASE("InputFile: a missing file is one line naming it", "[unit][input]") {
  TempDir dir;
  const std::string path = dir / "missing.xbs";
  std::unique_ptr<InputFile> in;
  Status s = InputFile::Open(path, &in);
  CHECK(s.code() == Status::Code::kIoError);
  CHECK(s.errno_value() == ENOENT);
  CHECK_THAT(s.message(), Catch::StartsWith("open " + path));
  CHECK(s.message().find('\n') == std::string::npos);
  CHECK(in == nullptr);
}

TEST_CASE("InputFile: a directory is refused when read", "[unit][input]") {
  TempDir dir;
  std::unique_ptr<InputFile> in;
  REQUIRE(InputFile::Open(dir.path(), &in).ok());  // open(2) takes it; read(2) does not
  std::vector<uint8_t> buffer(16);
  size_t n = 0;
  Status s = in->Read(buffer, &n);
  CHECK(s.code() == Status::Code::kIoError);
  CHECK(s.errno_value() == EISDIR);
  CHECK_THAT(s.message(), Catch::StartsWith("read " + dir.path()));
}

TEST_CASE("InputFile: stdin from a pipe, called stdin", "[unit][input]") {
  int fds[2];
  REQUIRE(pipe(fds) == 0);
  const std::string data = "archive bytes through a pipe";
  REQUIRE(write(fds[1], data.data(), data.size()) == static_cast<ssize_t>(data.size()));
  close(fds[1]);
  {
    ScopedStdin scoped(fds[0]);
    std::unique_ptr<InputFile> in;
    REQUIRE(InputFile::OpenStdin(&in).ok());
    CHECK(in->name() == "stdin");
    CHECK(ReadAll(in.get(), 5) == data);
  }
  // Not owned: standard input stays open.
  CHECK(fcntl(STDIN_FILENO, F_GETFD) != -1);
  close(fds[0]);
}

TEST_CASE("InputFile: stdin that is a terminal is refused", "[unit][input]") {
  test::PseudoTerminal pty;
  if (!pty.ok()) {
    WARN("no pseudo-terminals here");
    return;
  }
  ScopedStdin scoped(pty.slave());
  std::unique_ptr<InputFile> in;
  Status s = InputFile::OpenStdin(&in);
  CHECK(s.code() == Status::Code::kInvalidArgument);
  CHECK(s.message() == "stdin is a terminal; pipe an archive in, or use --input FILE");
  CHECK(in == nullptr);
}

}  // namespace
}  // namespace hotbackup
