// A full disk during --extract, --copy_back and --move_back (a small tmpfs
// mounted by the test; skipped without the privilege to mount): one ERROR
// line, nothing left on the full filesystem, the archive and the backup
// directory as they were.
#include <sys/mount.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>

#include "hotbackup/archive/archive_stream.h"
#include "hotbackup/io/output_file.h"
#include "support/sandbox_server.h"
#include "support/test_support.h"

namespace hotbackup {
namespace {

namespace fs = std::filesystem;
using test::BinaryPath;
using test::ProcessResult;
using test::Run;
using test::TempDir;

// A tmpfs of `megabytes` at `path`, unmounted when it goes.
class SmallFilesystem {
 public:
  SmallFilesystem(const std::string& path, int megabytes) : path_(path) {
    fs::create_directories(path);
    const std::string options = "size=" + std::to_string(megabytes) + "m";
    mounted_ = mount("hotbackup-test", path.c_str(), "tmpfs", MS_NOSUID | MS_NODEV,
                     options.c_str()) == 0;
  }
  ~SmallFilesystem() {
    if (mounted_) umount2(path_.c_str(), MNT_DETACH);
  }
  bool mounted() const { return mounted_; }

 private:
  std::string path_;
  bool mounted_ = false;
};

void MakeBackupArchive(const std::string& src, const std::string& archive) {
  fs::create_directories(src + "/db");
  test::WriteFile(src + "/000001.sst", test::RandomBytes(3 << 20, 1));
  test::WriteFile(src + "/000002.sst", test::RandomBytes(3 << 20, 2));
  test::WriteFile(src + "/000003.log", test::RandomBytes(100000, 3));
  test::WriteFile(src + "/CURRENT", "MANIFEST-000004\n");
  test::WriteFile(src + "/MANIFEST-000004", "m");
  test::WriteFile(src + "/db/t.frm", "frm");
  std::unique_ptr<OutputFile> out;
  REQUIRE(OutputFile::Create(archive, &out).ok());
  std::unique_ptr<ArchiveStream> stream;
  REQUIRE(ArchiveStream::Open(StreamOptions{}, out.get(), &stream).ok());
  for (const char* p : {"000001.sst", "000002.sst", "000003.log", "CURRENT", "MANIFEST-000004",
                        "db/t.frm"}) {
    REQUIRE(stream->AddFile(src + "/" + p, p).ok());
  }
  REQUIRE(stream->AddManifest(test::TestManifest("tar")).ok());
  REQUIRE(stream->Finish().ok());
}

TEST_CASE("ENOSPC: extract, copy-back and move-back on a full filesystem leave nothing and "
          "keep their source",
          "[e2e][enospc]") {
  TempDir work;
  SmallFilesystem small(work / "small", 4);
  if (!small.mounted()) {
    WARN("cannot mount a tmpfs here (needs CAP_SYS_ADMIN): the full-disk cases are not run");
    return;
  }
  MakeBackupArchive(work / "src", work / "a.tar");
  const std::string archive_before = test::ReadFile(work / "a.tar");

  // --extract onto the full filesystem.
  ProcessResult r = Run({BinaryPath(), "--extract", "--input=" + (work / "a.tar"),
                         "--backup_dir=" + (work / "small/backup")});
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.stderr_text, Catch::Contains("No space left on device"));
  CHECK(test::CountErrorLines(r.stderr_text) == 1);
  CHECK(fs::is_empty(work / "small"));
  CHECK(test::ReadFile(work / "a.tar") == archive_before);

  // A backup directory elsewhere, copied and moved back onto it.
  const std::string backup = work / "backup";
  REQUIRE(Run({BinaryPath(), "--extract", "--input=" + (work / "a.tar"), "--backup_dir=" + backup})
              .exit_code == 0);
  for (const char* mode : {"--copy_back", "--move_back"}) {
    INFO(mode);
    const std::string data = work / "small/data";
    r = Run({BinaryPath(), mode, "--datadir=" + data, "--rocksdb_datadir=" + data + "/#rocksdb",
             "--rocksdb_waldir=" + data + "/#rocksdb", "--backup_dir=" + backup});
    INFO(r.stderr_text);
    CHECK(r.exit_code == 1);
    CHECK_THAT(r.stderr_text, Catch::Contains("No space left on device"));
    CHECK(test::CountErrorLines(r.stderr_text) == 1);
    CHECK(fs::is_empty(work / "small"));
    ProcessResult v = Run({BinaryPath(), "--verify", "--backup_dir=" + backup});
    INFO(v.stderr_text);
    CHECK(v.exit_code == 0);  // every file back, intact
  }
}

}  // namespace
}  // namespace hotbackup
