// FileReader at sizes around the O_DIRECT alignment, in both modes, and its
// view of files changing underneath.
#include "hotbackup/io/file_reader.h"

#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "hotbackup/io/aligned_buffer.h"
#include "support/test_support.h"

namespace hotbackup {
namespace {

using test::RandomBytes;
using test::TempDir;
using test::WriteFile;

constexpr size_t kTenMiB = 10 * 1024 * 1024;

// Reads the whole file through `reader` with a buffer of `buffer_size`.
Status ReadAll(FileReader& reader, size_t buffer_size, std::string* out) {
  AlignedBuffer buffer(buffer_size);
  for (;;) {
    size_t n = 0;
    HOTBACKUP_RETURN_IF_ERROR(reader.Read(buffer.span(), &n));
    if (n == 0) break;
    out->append(reinterpret_cast<const char*>(buffer.data()), n);
  }
  return reader.CheckUnchanged();
}

TEST_CASE("FileReader: exact contents at sizes around the alignment", "[unit][reader]") {
  TempDir dir;  // /tmp is ext4 here, where O_DIRECT works
  const size_t sizes[] = {0, 1, 4095, 4096, 4097, kTenMiB - 1, kTenMiB + 1};
  for (ReadMode mode : {ReadMode::kBuffered, ReadMode::kDirect}) {
    for (size_t size : sizes) {
      // Buffers smaller than, equal to and larger than the file.
      for (size_t buffer_size : {size_t{4096}, size_t{1} << 20}) {
        CAPTURE(size, buffer_size, mode == ReadMode::kDirect);
        std::string path = dir / ("f" + std::to_string(size));
        std::string contents = RandomBytes(size, static_cast<uint32_t>(size + 7));
        WriteFile(path, contents);
        FileReader reader;
        REQUIRE(reader.Open(path, mode).ok());
        CHECK(reader.size() == size);
        std::string got;
        Status s = ReadAll(reader, buffer_size, &got);
        REQUIRE(s.ok());
        CHECK(got.size() == contents.size());
        CHECK(got == contents);
      }
    }
  }
}

TEST_CASE("FileReader: direct mode really bypasses the cache where it can",
          "[unit][reader]") {
  TempDir dir;
  std::string path = dir / "f";
  WriteFile(path, RandomBytes(kDirectIoMinFileSize, 3));
  FileReader reader;
  REQUIRE(reader.Open(path, ReadMode::kDirect).ok());
  // /tmp is on ext4 on these machines; if it ever is not, this says so.
  CHECK(reader.direct());
  FileReader buffered;
  REQUIRE(buffered.Open(path, ReadMode::kBuffered).ok());
  CHECK_FALSE(buffered.direct());
  // A small file is read through the page cache even in direct mode.
  WriteFile(dir / "small", RandomBytes(kDirectIoMinFileSize - 1, 3));
  FileReader small;
  REQUIRE(small.Open(dir / "small", ReadMode::kDirect).ok());
  CHECK_FALSE(small.direct());
}

// ramfs refuses O_DIRECT at open (EINVAL); tmpfs accepts it since Linux 6.6.
// Mounting one needs root, which the test machines give.
class RamfsMount {
 public:
  explicit RamfsMount(const std::string& dir) : dir_(dir) {
    mounted_ = mount("ramfs", dir.c_str(), "ramfs", 0, nullptr) == 0;
  }
  ~RamfsMount() {
    if (mounted_) umount2(dir_.c_str(), MNT_DETACH);
  }
  bool mounted() const { return mounted_; }

 private:
  std::string dir_;
  bool mounted_ = false;
};

TEST_CASE("FileReader: falls back to buffered reads where O_DIRECT is refused",
          "[unit][reader]") {
  TempDir dir;
  RamfsMount ramfs(dir.path());
  if (!ramfs.mounted()) {
    WARN("cannot mount ramfs here (not root?): O_DIRECT fallback not exercised");
    return;
  }
  for (size_t size : {size_t{0}, size_t{4097}, kTenMiB + 1}) {
    std::string path = dir / ("f" + std::to_string(size));
    std::string contents = RandomBytes(size, 11);
    WriteFile(path, contents);
    FileReader reader;
    REQUIRE(reader.Open(path, ReadMode::kDirect).ok());
    CHECK_FALSE(reader.direct());
    std::string got;
    REQUIRE(ReadAll(reader, 1 << 20, &got).ok());
    CHECK(got == contents);
  }
}

TEST_CASE("FileReader: a file that grows while read is a change", "[unit][reader]") {
  for (ReadMode mode : {ReadMode::kBuffered, ReadMode::kDirect}) {
    TempDir dir;
    std::string path = dir / "f";
    WriteFile(path, RandomBytes(kDirectIoMinFileSize + 5000, 1));
    FileReader reader;
    REQUIRE(reader.Open(path, mode).ok());
    CHECK(reader.direct() == (mode == ReadMode::kDirect));
    WriteFile(path, RandomBytes(kDirectIoMinFileSize + 9000, 1));  // same inode, longer
    std::string got;
    Status s = ReadAll(reader, 1 << 20, &got);
    CHECK(s.code() == Status::Code::kChanged);
    CHECK_THAT(s.message(), Catch::Contains("grew"));
  }
}

TEST_CASE("FileReader: a file that shrinks while read is a change", "[unit][reader]") {
  for (ReadMode mode : {ReadMode::kBuffered, ReadMode::kDirect}) {
    TempDir dir;
    std::string path = dir / "f";
    WriteFile(path, RandomBytes(kDirectIoMinFileSize + 50000, 1));
    FileReader reader;
    REQUIRE(reader.Open(path, mode).ok());
    CHECK(reader.direct() == (mode == ReadMode::kDirect));
    REQUIRE(truncate(path.c_str(), 1000) == 0);
    std::string got;
    Status s = ReadAll(reader, 4096, &got);
    CHECK(s.code() == Status::Code::kChanged);
    CHECK_THAT(s.message(), Catch::Contains("shrank"));
  }
}

TEST_CASE("FileReader: link count and ctime changes are not errors", "[unit][reader]") {
  // What the live server does to a hard-linked SST it compacts away: the
  // checkpoint keeps one link, the server drops the other.
  TempDir dir;
  std::string data = dir / "000042.sst";
  std::string link = dir / "checkpoint.sst";
  std::string contents = RandomBytes(3 * 1024 * 1024 + 17, 5);
  WriteFile(data, contents);
  REQUIRE(::link(data.c_str(), link.c_str()) == 0);
  for (ReadMode mode : {ReadMode::kBuffered, ReadMode::kDirect}) {
    FileReader reader;
    REQUIRE(reader.Open(link, mode).ok());
    CHECK(reader.stat_at_open().st_nlink == (mode == ReadMode::kBuffered ? 2 : 1));
    AlignedBuffer buffer(1 << 20);
    size_t n = 0;
    REQUIRE(reader.Read(buffer.span(), &n).ok());
    std::string got(reinterpret_cast<const char*>(buffer.data()), n);
    if (mode == ReadMode::kBuffered) {
      REQUIRE(unlink(data.c_str()) == 0);  // nlink 2 -> 1, ctime changes
    } else {
      REQUIRE(chmod(link.c_str(), 0600) == 0);  // ctime changes again
    }
    REQUIRE(ReadAll(reader, 1 << 20, &got).ok());
    CHECK(got == contents);
  }
}

TEST_CASE("FileReader: clear errors for missing files and directories", "[unit][reader]") {
  TempDir dir;
  FileReader reader;
  Status missing = reader.Open(dir / "nope", ReadMode::kBuffered);
  CHECK(missing.code() == Status::Code::kIoError);
  CHECK_THAT(missing.message(), Catch::Contains("nope: No such file or directory"));
  Status directory = reader.Open(dir.path(), ReadMode::kBuffered);
  CHECK_THAT(directory.message(), Catch::Contains("not a regular file"));
}

TEST_CASE("FileReader: direct reads refuse unaligned buffers", "[unit][reader]") {
  TempDir dir;
  WriteFile(dir / "f", RandomBytes(kDirectIoMinFileSize, 1));
  FileReader reader;
  REQUIRE(reader.Open(dir / "f", ReadMode::kDirect).ok());
  REQUIRE(reader.direct());
  AlignedBuffer buffer(8192);
  size_t n = 0;
  Status s = reader.Read(std::span<uint8_t>(buffer.data() + 1, 4096), &n);
  CHECK(s.code() == Status::Code::kInvalidArgument);
}

TEST_CASE("FileReader: a short read at the size is the end, without another read",
          "[unit][reader]") {
  TempDir dir;
  std::string contents = RandomBytes(5000, 9);
  WriteFile(dir / "f", contents);
  for (GrowthPolicy growth : {GrowthPolicy::kFail, GrowthPolicy::kReadSizeAtOpen}) {
    FileReader r;
    REQUIRE(r.Open(dir / "f", ReadMode::kBuffered, growth).ok());
    CHECK_FALSE(r.at_end());
    std::string buffer(65536, '\0');
    size_t n = 0;
    REQUIRE(r.Read(std::span<uint8_t>(reinterpret_cast<uint8_t*>(buffer.data()), 4096), &n).ok());
    CHECK(n == 4096);
    CHECK_FALSE(r.at_end());  // a full read says nothing about the end
    REQUIRE(r.Read(std::span<uint8_t>(reinterpret_cast<uint8_t*>(buffer.data()), buffer.size()), &n).ok());
    CHECK(n == 904);
    CHECK(r.at_end());
    REQUIRE(r.Read(std::span<uint8_t>(reinterpret_cast<uint8_t*>(buffer.data()), buffer.size()), &n).ok());
    CHECK(n == 0);  // what the skipped read would have said
    CHECK(r.CheckUnchanged().ok());
  }
  // A file that grew past its size is not at its end: it is a change.
  FileReader grow;
  REQUIRE(grow.Open(dir / "f", ReadMode::kBuffered).ok());
  WriteFile(dir / "f", contents + "more");
  std::string buffer(65536, '\0');
  size_t n = 0;
  Status s = grow.Read(std::span<uint8_t>(reinterpret_cast<uint8_t*>(buffer.data()), buffer.size()), &n);
  CHECK(s.code() == Status::Code::kChanged);
  CHECK_FALSE(grow.at_end());
}

TEST_CASE("FileReader: a change after the last read shows unless one read saw it all",
          "[unit][reader]") {
  TempDir dir;
  std::string contents = RandomBytes(5000, 9);
  std::string buffer(65536, '\0');
  auto span = [&](size_t n) { return std::span<uint8_t>(reinterpret_cast<uint8_t*>(buffer.data()), n); };
  size_t n = 0;
  // Two reads: the size is checked again afterwards.
  WriteFile(dir / "f", contents);
  FileReader twice;
  REQUIRE(twice.Open(dir / "f", ReadMode::kBuffered).ok());
  REQUIRE(twice.Read(span(4096), &n).ok());
  REQUIRE(twice.Read(span(buffer.size()), &n).ok());
  REQUIRE(twice.at_end());
  WriteFile(dir / "f", contents + "more");
  CHECK(twice.CheckUnchanged().code() == Status::Code::kChanged);
  // One read that ended at the size: that read is the whole observation.
  WriteFile(dir / "f", contents);
  FileReader once;
  REQUIRE(once.Open(dir / "f", ReadMode::kBuffered).ok());
  REQUIRE(once.Read(span(buffer.size()), &n).ok());
  REQUIRE(n == contents.size());
  REQUIRE(once.at_end());
  WriteFile(dir / "f", contents + "more");
  CHECK(once.CheckUnchanged().ok());
  // A single read that stopped before the size says nothing about the end.
  WriteFile(dir / "f", contents);
  FileReader partial;
  REQUIRE(partial.Open(dir / "f", ReadMode::kBuffered).ok());
  REQUIRE(partial.Read(span(100), &n).ok());
  REQUIRE(truncate((dir / "f").c_str(), 100) == 0);
  CHECK(partial.CheckUnchanged().code() == Status::Code::kChanged);
}

}  // namespace
}  // namespace hotbackup
