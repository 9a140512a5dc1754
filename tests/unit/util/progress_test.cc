// ProgressReporter's log mode: the original's line, once per GB.
#include "hotbackup/util/progress.h"

#include <fcntl.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "support/test_support.h"

namespace hotbackup {
namespace {

// Captures what the code under test writes to stderr.
class StderrCapture {
 public:
  StderrCapture() : path_(dir_ / "stderr") {
    saved_ = dup(STDERR_FILENO);
    int fd = open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(fd, STDERR_FILENO);
    close(fd);
  }
  ~StderrCapture() { Restore(); }
  std::string Restore() {
    if (saved_ >= 0) {
      dup2(saved_, STDERR_FILENO);
      close(saved_);
      saved_ = -1;
    }
    return test::ReadFile(path_);
  }

 private:
  test::TempDir dir_;
  std::string path_;
  int saved_ = -1;
};

TEST_CASE("ProgressReporter: one line per GB sent, in the original's format", "[unit][progress]") {
  StderrCapture capture;
  {
    ProgressReporter progress(/*live=*/false);
    progress.SetTarget(4ull << 30);
    for (int i = 0; i < 10; ++i) progress.AddSent(256ull << 20);  // 2.5 GB in all
  }
  std::string out = capture.Restore();
  INFO(out);
  CHECK(std::count(out.begin(), out.end(), '\n') == 2);
  CHECK_THAT(out, Catch::Contains("INFO Backup Progress: 25.00%   Sent   1.00 GB of   4.00 GB data, "
                                  "Transfer Speed: "));
  CHECK_THAT(out, Catch::Contains("INFO Backup Progress: 50.00%   Sent   2.00 GB of   4.00 GB data"));
}

}  // namespace
}  // namespace hotbackup
