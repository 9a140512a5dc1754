// End to end through the library: a hostile tree streamed in every format x
// compression, read back by the real tools (GNU tar, bsdtar, mbstream, zstd)
// and compared byte for byte; and one file over 8 GiB.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstring>
#include <filesystem>
#include <thread>

#include "hotbackup/archive/archive_stream.h"
#include "hotbackup/io/output_file.h"
#include "support/test_support.h"

namespace hotbackup {
namespace {

namespace fs = std::filesystem;
using test::CompareFiles;
using test::GenerateNastyTree;
using test::ListFiles;
using test::Run;
using test::TempDir;

// Streams `paths` (relative to `root`) into a new archive file at `archive`.
void WriteArchive(const StreamOptions& options, const std::string& root,
                  const std::vector<std::string>& paths, const std::string& archive) {
  std::unique_ptr<OutputFile> out;
  REQUIRE(OutputFile::Create(archive, &out).ok());
  std::unique_ptr<ArchiveStream> stream;
  REQUIRE(ArchiveStream::Open(options, out.get(), &stream).ok());
  for (const std::string& p : paths) {
    Status s = stream->AddFile(root + "/" + p, p);
    INFO(s.message());
    REQUIRE(s.ok());
  }
  Status s = stream->Finish();
  INFO(s.message());
  REQUIRE(s.ok());
  CHECK(stream->stats().files == paths.size());
}

// Extraction must be silent: a warning from the reader is a defect too.
void ExpectClean(const test::ProcessResult& r, const std::string& what) {
  INFO(what << " stderr: " << r.stderr_text);
  CHECK(r.exit_code == 0);
  CHECK(r.stderr_text.empty());
}

void ExpectSameTree(const std::string& src, const std::string& out,
                    const std::vector<std::string>& paths, const std::string& what) {
  INFO(what);
  CHECK(CompareFiles(src, out, paths) == "");
  CHECK(ListFiles(out) == paths);  // nothing missing, nothing extra (no PWNED)
}

void RoundTrip(ArchiveFormat format, Compression compression, ReadMode mode) {
  REQUIRE(test::HaveTool("tar"));
  REQUIRE(test::HaveTool("bsdtar"));
  REQUIRE(test::HaveTool("mbstream"));
  REQUIRE(test::HaveTool("zstd"));
  TempDir work;
  const std::string src = work / "src";
  fs::create_directory(src);
  std::vector<std::string> paths = GenerateNastyTree(src);

  StreamOptions options;
  options.format = format;
  options.compression = compression;
  options.zstd = {1, 2};
  options.read_mode = mode;
  const std::string archive = work / "archive";
  WriteArchive(options, src, paths, archive);

  std::string plain = archive;
  if (compression == Compression::kZstd) {
    ExpectClean(Run({"zstd", "-q", "-t", archive}), "zstd -t");
    plain = work / "archive.plain";
    ExpectClean(Run({"zstd", "-q", "-dc", archive}, "", plain), "zstd -dc");
  }

  if (format == ArchiveFormat::kTar) {
    const std::string gnu = work / "gnu";
    fs::create_directory(gnu);
    ExpectClean(Run({"tar", "-xf", plain, "-C", gnu}), "GNU tar -x");
    ExpectSameTree(src, gnu, paths, "GNU tar");

    const std::string bsd = work / "bsd";
    fs::create_directory(bsd);
    ExpectClean(Run({"bsdtar", "-xf", plain, "-C", bsd}), "bsdtar -x");
    ExpectSameTree(src, bsd, paths, "bsdtar");

    if (compression == Compression::kZstd) {  // bsdtar reads the .zst directly too
      const std::string bsd_zst = work / "bsd_zst";
      fs::create_directory(bsd_zst);
      ExpectClean(Run({"bsdtar", "-xf", archive, "-C", bsd_zst}), "bsdtar -x (zstd)");
      ExpectSameTree(src, bsd_zst, paths, "bsdtar zstd");
    }
  } else {
    const std::string mb = work / "mb";
    fs::create_directory(mb);
    // mbstream creates one level of parent directory, never deeper ones; real
    // backups are at most db/file deep. Give it the skeleton.
    for (const std::string& p : paths) fs::create_directories(fs::path(mb + "/" + p).parent_path());
    ExpectClean(Run({"mbstream", "-x", "-C", mb}, plain), "mbstream -x");
    // mbstream does not restore modes or mtimes: compare the bytes only.
    for (const std::string& p : paths) {
      INFO(p);
      CHECK(test::ReadFile(src + "/" + p) == test::ReadFile(mb + "/" + p));
    }
    CHECK(ListFiles(mb) == paths);
  }
}

TEST_CASE("Engine e2e: tar, plain", "[e2e][engine]") {
  RoundTrip(ArchiveFormat::kTar, Compression::kNone, ReadMode::kBuffered);
}
TEST_CASE("Engine e2e: tar, plain, O_DIRECT", "[e2e][engine]") {
  RoundTrip(ArchiveFormat::kTar, Compression::kNone, ReadMode::kDirect);
}
TEST_CASE("Engine e2e: tar, zstd", "[e2e][engine]") {
  RoundTrip(ArchiveFormat::kTar, Compression::kZstd, ReadMode::kBuffered);
}
TEST_CASE("Engine e2e: tar, zstd, O_DIRECT", "[e2e][engine]") {
  RoundTrip(ArchiveFormat::kTar, Compression::kZstd, ReadMode::kDirect);
}
TEST_CASE("Engine e2e: xbstream, plain", "[e2e][engine]") {
  RoundTrip(ArchiveFormat::kXbstream, Compression::kNone, ReadMode::kBuffered);
}
TEST_CASE("Engine e2e: xbstream, plain, O_DIRECT", "[e2e][engine]") {
  RoundTrip(ArchiveFormat::kXbstream, Compression::kNone, ReadMode::kDirect);
}
TEST_CASE("Engine e2e: xbstream, zstd", "[e2e][engine]") {
  RoundTrip(ArchiveFormat::kXbstream, Compression::kZstd, ReadMode::kBuffered);
}
TEST_CASE("Engine e2e: xbstream, zstd, O_DIRECT", "[e2e][engine]") {
  RoundTrip(ArchiveFormat::kXbstream, Compression::kZstd, ReadMode::kDirect);
}

TEST_CASE("Engine e2e: xbstream refuses a path of 512 bytes with a clear error", "[e2e][engine]") {
  TempDir work;
  std::string dir = work / std::string(250, 'a');
  fs::create_directory(dir);
  std::string name = std::string(250, 'a') + "/" + std::string(250, 'b');
  test::WriteFile(work / name, "x");
  std::string archive_path = name + "/" + "c";  // any path of 512+ bytes
  archive_path = std::string(512, 'p');
  StringSink sink;
  std::unique_ptr<ArchiveStream> stream;
  StreamOptions options;
  options.format = ArchiveFormat::kXbstream;
  REQUIRE(ArchiveStream::Open(options, &sink, &stream).ok());
  Status s = stream->AddFile(work / name, archive_path);
  CHECK(s.code() == Status::Code::kInvalidArgument);
  CHECK_THAT(s.message(), Catch::Contains("too long"));
  // The same file under a 501-byte name is fine.
  REQUIRE(ArchiveStream::Open(options, &sink, &stream).ok());
  CHECK(stream->AddFile(work / name, name).ok());
}

// Data at the start, in the middle and at the unaligned end of a sparse
// file just over 8 GiB; everything else is a hole that reads as zeros.
struct SparseLayout {
  uint64_t size = (8ull << 30) + 4097;
  std::vector<std::pair<uint64_t, std::string>> extents;
};

TEST_CASE("Engine e2e: a sparse file over 8 GiB through a pipe into GNU tar", "[e2e][engine][big]") {
  TempDir work;
  SparseLayout layout;
  layout.extents = {{0, test::RandomBytes(100000, 1)},
                    {(4ull << 30) + 123, test::RandomBytes(5000, 2)},
                    {layout.size - 3000, test::RandomBytes(3000, 3)}};
  const std::string big = work / "big.sst";
  {
    UniqueFd fd(open(big.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644));
    REQUIRE(fd.valid());
    REQUIRE(ftruncate(fd.get(), static_cast<off_t>(layout.size)) == 0);
    for (const auto& [offset, data] : layout.extents) {
      REQUIRE(pwrite(fd.get(), data.data(), data.size(), static_cast<off_t>(offset)) ==
              static_cast<ssize_t>(data.size()));
    }
  }
  test::WriteFile(work / "small.frm", "small");

  int archive_pipe[2], data_pipe[2], err_pipe[2];
  REQUIRE(pipe2(archive_pipe, O_CLOEXEC) == 0);
  REQUIRE(pipe2(data_pipe, O_CLOEXEC) == 0);
  REQUIRE(pipe2(err_pipe, O_CLOEXEC) == 0);
  // GNU tar writes the extracted file's bytes to its stdout (-O).
  int tar = test::Spawn({"tar", "-xOf", "-", "big.sst"}, archive_pipe[0], data_pipe[1], err_pipe[1]);
  close(archive_pipe[0]);
  close(data_pipe[1]);
  close(err_pipe[1]);

  Status write_status;
  std::thread writer([&] {
    std::unique_ptr<OutputFile> out;
    write_status = OutputFile::FromDescriptor(archive_pipe[1], "pipe", &out);
    std::unique_ptr<ArchiveStream> stream;
    if (write_status.ok()) write_status = ArchiveStream::Open({}, out.get(), &stream);
    if (write_status.ok()) write_status = stream->AddFile(work / "small.frm", "small.frm");
    if (write_status.ok()) write_status = stream->AddFile(big, "big.sst");
    if (write_status.ok()) write_status = stream->Finish();
    close(archive_pipe[1]);
  });

  // Check tar's output as it streams: extents byte for byte, zeros elsewhere.
  std::vector<char> buf(1 << 20);
  uint64_t offset = 0;
  std::string mismatch;
  for (;;) {
    ssize_t n = read(data_pipe[0], buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    for (ssize_t i = 0; i < n && mismatch.empty();) {
      uint64_t pos = offset + static_cast<uint64_t>(i);
      bool in_extent = false;
      for (const auto& [start, data] : layout.extents) {
        if (pos >= start && pos < start + data.size()) {
          size_t len = std::min<size_t>(static_cast<size_t>(n - i), start + data.size() - pos);
          if (std::memcmp(buf.data() + i, data.data() + (pos - start), len) != 0) {
            mismatch = "extent bytes differ near " + std::to_string(pos);
          }
          i += static_cast<ssize_t>(len);
          in_extent = true;
          break;
        }
      }
      if (!in_extent) {
        if (buf[static_cast<size_t>(i)] != 0) mismatch = "non-zero byte at " + std::to_string(pos);
        ++i;
        // Skip quickly through zeros up to the next extent or the buffer end.
        uint64_t next = UINT64_MAX;
        for (const auto& e : layout.extents) {
          if (e.first > pos) next = std::min(next, e.first);
        }
        ssize_t end = static_cast<ssize_t>(std::min<uint64_t>(static_cast<uint64_t>(n), next - offset));
        for (; i < end && mismatch.empty(); ++i) {
          if (buf[static_cast<size_t>(i)] != 0) mismatch = "non-zero byte at " + std::to_string(offset + i);
        }
      }
    }
    offset += static_cast<uint64_t>(n);
  }
  close(data_pipe[0]);
  writer.join();
  std::string tar_err;
  char ebuf[4096];
  ssize_t en;
  while ((en = read(err_pipe[0], ebuf, sizeof(ebuf))) > 0) tar_err.append(ebuf, en);
  close(err_pipe[0]);
  int tar_exit = test::Wait(tar);

  INFO("writer: " << write_status.message() << "; tar: " << tar_err);
  CHECK(write_status.ok());
  CHECK(tar_exit == 0);
  CHECK(tar_err.empty());
  CHECK(mismatch == "");
  CHECK(offset == layout.size);
}

}  // namespace
}  // namespace hotbackup
