// The scratch-directory helpers beside ScratchDirectory::Create: the one
// reading of $TMPDIR, and a staging directory beside its destination that is
// renamed into place or removed.
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>

#include "hotbackup/io/file_io.h"
#include "hotbackup/io/unique_fd.h"
#include "hotbackup/util/scratch_directory.h"
#include "support/test_support.h"

namespace hotbackup {
namespace {

namespace fs = std::filesystem;

// $TMPDIR set to `value` (unset for nullptr) for the scope.
class ScopedTmpdir {
 public:
  explicit ScopedTmpdir(const char* value) {
    if (const char* old = getenv("TMPDIR")) old_ = old;
    if (value) {
      setenv("TMPDIR", value, 1);
    } else {
      unsetenv("TMPDIR");
    }
  }
  ~ScopedTmpdir() {
    if (old_) {
      setenv("TMPDIR", old_->c_str(), 1);
    } else {
      unsetenv("TMPDIR");
    }
  }

 private:
  std::optional<std::string> old_;
};

TEST_CASE("TempDirectoryRoot: $TMPDIR, else /tmp", "[unit][scratch]") {
  {
    ScopedTmpdir scoped("/some/where");
    CHECK(TempDirectoryRoot() == "/some/where");
  }
  {
    ScopedTmpdir scoped("");
    CHECK(TempDirectoryRoot() == "/tmp");
  }
  {
    ScopedTmpdir scoped(nullptr);
    CHECK(TempDirectoryRoot() == "/tmp");
  }
}

TEST_CASE("CreateUnnamedTemporaryFile: in $TMPDIR, named in its error", "[unit][scratch]") {
  test::TempDir tmp;
  {
    ScopedTmpdir scoped(tmp.path().c_str());
    UniqueFd fd;
    Status s = CreateUnnamedTemporaryFile(&fd);
    if (s.errno_value() == EOPNOTSUPP || s.errno_value() == EISDIR) {
      WARN("no O_TMPFILE on this file system");
      return;
    }
    REQUIRE(s.ok());
    // The file is in $TMPDIR: it shares its file system and is not linked.
    struct stat file, dir;
    REQUIRE(fstat(fd.get(), &file) == 0);
    REQUIRE(stat(tmp.path().c_str(), &dir) == 0);
    CHECK(file.st_dev == dir.st_dev);
    CHECK(file.st_nlink == 0);
  }
  ScopedTmpdir missing((tmp / "missing").c_str());
  UniqueFd fd;
  Status s = CreateUnnamedTemporaryFile(&fd);
  CHECK(s.errno_value() == ENOENT);
  CHECK_THAT(s.message(), Catch::Contains("create a temporary file in " + tmp / "missing"));
}

TEST_CASE("ScratchDirectory::CreateBeside: private, renamed into place or removed",
          "[unit][scratch]") {
  test::TempDir tmp;
  const std::string entry = tmp / "entry";
  std::string staged;
  {
    ScratchDirectory staging;
    REQUIRE(staging.CreateBeside(entry).ok());
    staged = staging.path();
    CHECK_THAT(staged, Catch::StartsWith(entry + ".tmp-"));
    CHECK(staged.size() == entry.size() + 5 + 6);
    struct stat st;
    REQUIRE(stat(staged.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0700);
    test::WriteFile(staged + "/file", "x");
    REQUIRE(rename(staged.c_str(), entry.c_str()) == 0);
  }
  CHECK(test::ReadFile(entry + "/file") == "x");  // the renamed entry stays
  CHECK_FALSE(fs::exists(staged));
  {
    ScratchDirectory staging;
    REQUIRE(staging.CreateBeside(entry).ok());
    staged = staging.path();
    test::WriteFile(staged + "/file", "y");
  }
  CHECK_FALSE(fs::exists(staged));  // not renamed: removed with its contents
  CHECK(test::ListFiles(tmp.path()) == std::vector<std::string>{"entry/file"});

  ScratchDirectory nowhere;
  Status s = nowhere.CreateBeside(tmp / "missing/entry");
  CHECK(s.errno_value() == ENOENT);
  CHECK_THAT(s.message(), Catch::StartsWith("create " + tmp / "missing/entry.tmp-"));
  CHECK(nowhere.path().empty());
}

}  // namespace
}  // namespace hotbackup
