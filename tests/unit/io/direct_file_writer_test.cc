// DirectFileWriter: exact bytes at every size around the block and buffer
// boundaries, one writer for many files, the page cache left alone for large
// ones, errors surfacing.
#include "hotbackup/io/direct_file_writer.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstring>
#include <random>
#include <vector>

#include "hotbackup/io/output_file.h"
#include "hotbackup/io/unique_fd.h"
#include "support/test_support.h"

namespace hotbackup {
namespace {

using test::RandomBytes;
using test::ResidentPages;
using test::ReadFile;
using test::TempDir;

// Writes `data` as one file through `writer`, in pieces of random sizes.
Status WriteInPieces(DirectFileWriter* writer, int fd, const std::string& name,
                     const std::string& data, uint32_t seed) {
  HOTBACKUP_RETURN_IF_ERROR(writer->Begin(fd, name));
  std::mt19937 rng(seed);
  size_t at = 0;
  while (at < data.size()) {
    size_t n = std::min(data.size() - at, static_cast<size_t>(rng() % (3u << 20)) + 1);
    HOTBACKUP_RETURN_IF_ERROR(writer->Write(AsBytes(data.data() + at, n)));
    at += n;
  }
  return writer->Finish();
}

TEST_CASE("DirectFileWriter: every size around blocks and buffers comes back exact",
          "[unit][output]") {
  TempDir dir;
  const size_t kBuf = DirectFileWriter::kBufferSize;
  const size_t sizes[] = {0, 1, 4095, 4096, 4097, kBuf - 1, kBuf, kBuf + 1, 3 * kBuf + 5,
                          5 * kBuf + 4096};
  uint32_t seed = 1;
  DirectFileWriter writer;  // one for every file, as --extract uses it
  for (size_t size : sizes) {
    INFO("size " << size);
    std::string path = dir / ("f" + std::to_string(size));
    UniqueFd fd(open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
    REQUIRE(fd.valid());
    std::string data = RandomBytes(size, seed++);
    REQUIRE(WriteInPieces(&writer, fd.get(), path, data, seed).ok());
    CHECK_FALSE(writer.in_file());
    // Small files go through the page cache in one write(2).
    if (size < DirectFileWriter::kBufferSize) CHECK_FALSE(writer.wrote_direct());
    // The descriptor is left as a plain writer's would be: at the end, no
    // O_DIRECT.
    CHECK(lseek(fd.get(), 0, SEEK_CUR) == static_cast<off_t>(size));
    CHECK((fcntl(fd.get(), F_GETFL) & O_DIRECT) == 0);
    fd.Close();
    CHECK(ReadFile(path) == data);
  }
}

TEST_CASE("DirectFileWriter: the written file is not in the page cache", "[unit][output]") {
  TempDir dir;
  std::string data = RandomBytes(8 * DirectFileWriter::kBufferSize + 100, 7);
  if (!test::DirectWritesBypassPageCache(dir.path())) {
    WARN("O_DIRECT writes in " << dir.path() << " are refused or cached (tmpfs)");
    return;
  }
  std::string direct_path = dir / "direct";
  UniqueFd fd(open(direct_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  REQUIRE(fd.valid());
  DirectFileWriter writer;
  REQUIRE(WriteInPieces(&writer, fd.get(), direct_path, data, 3).ok());
  CHECK(writer.wrote_direct());
  REQUIRE(fsync(fd.get()) == 0);
  const size_t pages = data.size() / static_cast<size_t>(sysconf(_SC_PAGESIZE));
  // Only the tail, written through the cache, may be there.
  CHECK(ResidentPages(direct_path) <= 1);

  // The same bytes written plainly stay cached: what the check above would
  // see without O_DIRECT.
  std::string plain_path = dir / "plain";
  test::WriteFile(plain_path, data);
  CHECK(ResidentPages(plain_path) > pages / 2);
}

TEST_CASE("DirectFileWriter: a write that fails is reported, and the next file is fine",
          "[unit][output]") {
  TempDir dir;
  std::string path = dir / "readonly";
  test::WriteFile(path, "");
  UniqueFd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));  // every write fails: EBADF
  REQUIRE(fd.valid());
  DirectFileWriter writer;
  // One full buffer, handed to the thread: its failure may come back from
  // Write already, and must from Finish otherwise.
  std::string data = RandomBytes(DirectFileWriter::kBufferSize + 10, 9);
  REQUIRE(writer.Begin(fd.get(), "backup.xbs").ok());
  Status written = writer.Write(AsBytes(data.data(), data.size()));
  Status finished = writer.Finish();
  Status s = written.ok() ? finished : written;
  CHECK(s.errno_value() == EBADF);
  CHECK_THAT(s.message(), Catch::StartsWith("write to backup.xbs: "));

  std::string good_path = dir / "good";
  UniqueFd good(open(good_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  REQUIRE(good.valid());
  REQUIRE(WriteInPieces(&writer, good.get(), good_path, data, 4).ok());
  good.Close();
  CHECK(ReadFile(good_path) == data);
}

TEST_CASE("DirectFileWriter: one file at a time", "[unit][output]") {
  TempDir dir;
  std::string a = dir / "a", b = dir / "b";
  UniqueFd fa(open(a.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  UniqueFd fb(open(b.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  REQUIRE((fa.valid() && fb.valid()));
  DirectFileWriter writer;
  REQUIRE(writer.Begin(fa.get(), a).ok());
  CHECK(writer.Begin(fb.get(), b).code() == Status::Code::kInvalidArgument);
  REQUIRE(writer.Write(AsBytes("x", 1)).ok());
  REQUIRE(writer.Finish().ok());
  CHECK(ReadFile(a) == "x");
  CHECK(writer.Write(AsBytes("y", 1)).code() == Status::Code::kInvalidArgument);
}

TEST_CASE("DirectFileWriter: refuses a descriptor that is not at the start", "[unit][output]") {
  TempDir dir;
  std::string path = dir / "f";
  UniqueFd fd(open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  REQUIRE(fd.valid());
  REQUIRE(write(fd.get(), "abc", 3) == 3);
  DirectFileWriter writer;
  Status s = writer.Begin(fd.get(), path);
  CHECK(s.code() == Status::Code::kInvalidArgument);
  CHECK_FALSE(writer.in_file());
  REQUIRE(lseek(fd.get(), 0, SEEK_SET) == 0);  // at the start, but not empty
  CHECK(writer.Begin(fd.get(), path).code() == Status::Code::kInvalidArgument);
}

// A small tmpfs (it takes O_DIRECT since Linux 6.6) fills up: ENOSPC, named.
TEST_CASE("DirectFileWriter: a full file system is a clear ENOSPC error", "[unit][output]") {
  TempDir dir;
  std::string mount_point = dir / "small";
  REQUIRE(mkdir(mount_point.c_str(), 0700) == 0);
  if (mount("hotbackup-test", mount_point.c_str(), "tmpfs", 0, "size=2m") != 0) {
    WARN("cannot mount a tmpfs here (" << std::strerror(errno) << ")");
    return;
  }
  struct Unmount {
    std::string path;
    ~Unmount() { umount2(path.c_str(), MNT_DETACH); }
  } unmount{mount_point};

  std::string path = mount_point + "/backup.xbs";
  std::unique_ptr<OutputFile> out;
  REQUIRE(OutputFile::Create(path, &out).ok());
  std::string data = RandomBytes(4 * DirectFileWriter::kBufferSize, 11);
  Status s = out->Write(AsBytes(data.data(), data.size()));
  if (s.ok()) s = out->Finish();
  if (!out->writes_direct()) WARN("this kernel's tmpfs refuses O_DIRECT");
  CHECK(s.errno_value() == ENOSPC);
  CHECK(s.message() == "write to " + path + ": No space left on device");
  out.reset();
  CHECK(test::ListFiles(mount_point).empty());  // no partial file left
}

}  // namespace
}  // namespace hotbackup
