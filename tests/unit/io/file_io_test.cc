// WriteFully / WriteVectorFully: every byte in order, and errors that name
// the output.
#include "hotbackup/io/file_io.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <thread>
#include <vector>

#include "hotbackup/io/unique_fd.h"
#include "support/test_support.h"

namespace hotbackup {
namespace {

using test::RandomBytes;
using test::TempDir;

std::string ReadAll(int fd) {
  std::string out;
  char buf[65536];
  ssize_t n;
  while ((n = read(fd, buf, sizeof(buf))) > 0) out.append(buf, static_cast<size_t>(n));
  return out;
}

TEST_CASE("WriteVectorFully: pieces in order through a pipe, larger than the pipe", "[unit][output]") {
  const std::string big = RandomBytes(3 << 20, 1);
  const std::string small = RandomBytes(700, 2);
  const std::string empty;
  for (size_t count : {size_t{4}, size_t{11}}) {  // 11: more pieces than one writev takes here
    CAPTURE(count);
    std::vector<ByteSpan> pieces;
    std::string expected;
    for (size_t i = 0; i < count; ++i) {
      const std::string& s = i % 3 == 0 ? small : i % 3 == 1 ? big : empty;
      pieces.push_back(AsBytes(s.data(), s.size()));
      expected += s;
    }
    int fds[2];
    REQUIRE(pipe(fds) == 0);
    std::string got;
    std::thread reader([&] { got = ReadAll(fds[0]); });
    Status s = WriteVectorFully(fds[1], pieces, "the pipe");
    close(fds[1]);
    reader.join();
    close(fds[0]);
    INFO(s.message());
    REQUIRE(s.ok());
    CHECK(got == expected);
  }
}

TEST_CASE("WriteVectorFully: a write stopped part way keeps the prefix and says why", "[unit][output]") {
  // A file size limit makes the first writev stop short, the next one fail.
  TempDir dir;
  const std::string path = dir / "out";
  UniqueFd fd(open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600));
  REQUIRE(fd.valid());
  const std::string a = RandomBytes(1000, 3), b = RandomBytes(2 << 20, 4);
  std::vector<ByteSpan> pieces = {AsBytes(a.data(), a.size()), AsBytes(b.data(), b.size())};
  rlimit old;
  REQUIRE(getrlimit(RLIMIT_FSIZE, &old) == 0);
  struct sigaction ignore {}, previous {};
  ignore.sa_handler = SIG_IGN;
  REQUIRE(sigaction(SIGXFSZ, &ignore, &previous) == 0);
  rlimit limit = old;
  limit.rlim_cur = (1 << 20) + 100;
  REQUIRE(setrlimit(RLIMIT_FSIZE, &limit) == 0);
  Status s = WriteVectorFully(fd.get(), pieces, "out");
  setrlimit(RLIMIT_FSIZE, &old);
  sigaction(SIGXFSZ, &previous, nullptr);
  CHECK(s.code() == Status::Code::kIoError);
  CHECK(s.errno_value() == EFBIG);
  CHECK_THAT(s.message(), Catch::Contains("write to out"));
  CHECK(test::ReadFile(path) == (a + b).substr(0, (1 << 20) + 100));
}

TEST_CASE("WriteFully: a reader that went away is said in words", "[unit][output]") {
  int fds[2];
  REQUIRE(pipe(fds) == 0);
  close(fds[0]);
  Status s = WriteFully(fds[1], AsBytes("x", 1), "stdout");
  close(fds[1]);
  CHECK(s.errno_value() == EPIPE);
  CHECK_THAT(s.message(), Catch::Contains("the reading side went away"));
}

}  // namespace
}  // namespace hotbackup
