// DirectoryCache: openat pairs that name the same file as the whole path.
#include "hotbackup/io/directory_cache.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstring>

#include <catch2/catch.hpp>
#include <filesystem>

#include "support/test_support.h"

namespace hotbackup {
namespace {

using test::TempDir;
using test::WriteFile;

// What openat(Resolve(path)) reads.
std::string ReadThrough(DirectoryCache& cache, const std::string& path, int* dir_fd) {
  const DirectoryCache::Location at = cache.Resolve(path);
  *dir_fd = at.dir_fd;
  UniqueFd fd(openat(at.dir_fd, at.name.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return "<" + std::string(strerror(errno)) + ">";
  char buf[64];
  ssize_t n = read(fd.get(), buf, sizeof(buf));
  return std::string(buf, n > 0 ? static_cast<size_t>(n) : 0);
}

TEST_CASE("DirectoryCache: opens the file the path names, one descriptor per directory",
          "[unit][reader]") {
  TempDir dir;
  std::filesystem::create_directories(dir / "a");
  std::filesystem::create_directories(dir / "b");
  WriteFile(dir / "a/1", "a1");
  WriteFile(dir / "a/2", "a2");
  WriteFile(dir / "b/1", "b1");
  DirectoryCache cache;
  int fd_a1, fd_a2, fd_b1, fd_a1_again;
  CHECK(ReadThrough(cache, dir / "a/1", &fd_a1) == "a1");
  CHECK(ReadThrough(cache, dir / "a/2", &fd_a2) == "a2");
  CHECK(fd_a1 != AT_FDCWD);
  CHECK(fd_a2 == fd_a1);  // kept while the directory stays the same
  CHECK(ReadThrough(cache, dir / "b/1", &fd_b1) == "b1");
  CHECK(fd_b1 != AT_FDCWD);
  CHECK(ReadThrough(cache, dir / "a/1", &fd_a1_again) == "a1");

  // A missing file or directory fails as open(2) of the whole path would.
  int fd;
  CHECK(ReadThrough(cache, dir / "a/missing", &fd) == "<No such file or directory>");
  CHECK(ReadThrough(cache, dir / "nodir/1", &fd) == "<No such file or directory>");
  CHECK(fd == AT_FDCWD);
  // A file where a directory should be.
  CHECK(ReadThrough(cache, dir / "a/1/x", &fd) == "<Not a directory>");
}

TEST_CASE("DirectoryCache: Forget drops a directory that was replaced", "[unit][reader]") {
  TempDir dir;
  std::filesystem::create_directories(dir / "a");
  WriteFile(dir / "a/1", "old");
  DirectoryCache cache;
  int fd;
  CHECK(ReadThrough(cache, dir / "a/1", &fd) == "old");
  std::filesystem::remove_all(dir / "a");
  std::filesystem::create_directories(dir / "a");
  WriteFile(dir / "a/2", "new");
  // The kept descriptor names the removed directory...
  CHECK(ReadThrough(cache, dir / "a/2", &fd) == "<No such file or directory>");
  // ...until forgotten.
  cache.Forget();
  CHECK(ReadThrough(cache, dir / "a/2", &fd) == "new");
}

TEST_CASE("DirectoryCache: paths without a directory part, or at the root", "[unit][reader]") {
  TempDir dir;
  WriteFile(dir / "f", "top");
  DirectoryCache cache;
  // Called with temporaries: the name is the Location's own copy.
  DirectoryCache::Location at = cache.Resolve("f");
  CHECK(at.dir_fd == AT_FDCWD);
  CHECK(at.name == "f");
  at = cache.Resolve("/etc");  // the directory "/"
  CHECK(at.dir_fd != AT_FDCWD);
  CHECK(at.name == "etc");
  at = cache.Resolve("dir/");  // no last component: left to open(2)
  CHECK(at.dir_fd == AT_FDCWD);
  CHECK(at.name == "dir/");
  // Relative to the current directory, as open(2) is.
  const std::string cwd = std::filesystem::current_path();
  std::filesystem::current_path(dir.path());
  int fd;
  CHECK(ReadThrough(cache, "./f", &fd) == "top");
  std::filesystem::current_path(cwd);
}

}  // namespace
}  // namespace hotbackup
