// Incremental restores through the real binary, on archives made with
// ArchiveStream (no server): base files hard-linked on one filesystem and
// copied across two, each checked; a symbolic link in the base refused.
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>

#include "hotbackup/archive/archive_stream.h"
#include "hotbackup/io/output_file.h"
#include "hotbackup/util/sha256.h"
#include "support/sandbox_server.h"
#include "support/test_support.h"

namespace hotbackup {
namespace {

namespace fs = std::filesystem;
using test::BinaryPath;
using test::ProcessResult;
using test::Run;
using test::TempDir;

struct Archived {
  std::vector<std::string> files;  // sent, from `root`
  std::vector<ManifestFile> from_base;
};

void MakeArchive(const std::string& root, const Archived& contents, const Manifest& header,
                 const std::string& archive) {
  std::unique_ptr<OutputFile> out;
  REQUIRE(OutputFile::Create(archive, &out).ok());
  StreamOptions options;
  options.format = ArchiveFormat::kXbstream;
  std::unique_ptr<ArchiveStream> stream;
  REQUIRE(ArchiveStream::Open(options, out.get(), &stream).ok());
  for (const std::string& p : contents.files) {
    REQUIRE(stream->AddFile(root + "/" + p, p, GrowthPolicy::kFail, "db/s/" + p).ok());
  }
  for (const ManifestFile& f : contents.from_base) REQUIRE(stream->ListFileFromBase(f).ok());
  REQUIRE(stream->AddManifest(header).ok());
  REQUIRE(stream->Finish().ok());
}

Manifest Header(const std::string& id) {
  Manifest m = test::TestManifest("xbstream");
  m.start_time = "2026-11-29T00:00:00Z";
  m.backup_id = id;
  return m;
}

ProcessResult Extract(const std::string& archive, const std::string& dir, const std::string& base) {
  return Run({BinaryPath(), "--extract", "--input=" + archive, "--backup_dir=" + dir,
              "--incremental_base_dir=" + base});
}

TEST_CASE("Incremental restore: base files linked or copied, each checked", "[e2e][incremental]") {
  TempDir work;
  const std::string src = work / "src";
  fs::create_directories(src + "/db");
  test::WriteFile(src + "/000010.sst", test::RandomBytes(300000, 1));
  test::WriteFile(src + "/000011.sst", test::RandomBytes(5000, 2));
  test::WriteFile(src + "/db/t.frm", "frm v1");
  MakeArchive(src, {{"000010.sst", "000011.sst", "db/t.frm"}, {}}, Header("full"),
              work / "full.xbs");
  ProcessResult r = Run({BinaryPath(), "--extract", "--input=" + (work / "full.xbs"),
                         "--backup_dir=" + (work / "d-full")});
  INFO(r.stderr_text);
  REQUIRE(r.exit_code == 0);
  const std::string full_json = test::ReadFile(work / "d-full" + "/" + kManifestPath);
  Manifest full;
  REQUIRE(ParseManifest(full_json, &full).ok());

  // The incremental: one new SST and the definitions sent, two SSTs held.
  test::WriteFile(src + "/000012.sst", test::RandomBytes(7000, 3));
  test::WriteFile(src + "/db/t.frm", "frm v2");
  Archived inc{{"000012.sst", "db/t.frm"}, {}};
  for (const ManifestFile& f : full.files) {
    if (f.path.ends_with(".sst")) inc.from_base.push_back({f.path, f.size, f.xxh3, f.sst, "full"});
  }
  Manifest header = Header("inc");
  header.parent = ManifestParent{"full", Sha256Hex(full_json), full.start_time};
  MakeArchive(src, inc, header, work / "inc.xbs");

  auto check_result = [&](const std::string& dir) {
    CHECK(test::ReadFile(dir + "/000010.sst") == test::ReadFile(src + "/000010.sst"));
    CHECK(test::ReadFile(dir + "/000011.sst") == test::ReadFile(src + "/000011.sst"));
    CHECK(test::ReadFile(dir + "/000012.sst") == test::ReadFile(src + "/000012.sst"));
    CHECK(test::ReadFile(dir + "/db/t.frm") == "frm v2");
    ProcessResult v = Run({BinaryPath(), "--verify", "--backup_dir=" + dir});
    INFO(v.stderr_text);
    CHECK(v.exit_code == 0);
  };

  SECTION("same filesystem: hard links") {
    r = Extract(work / "inc.xbs", work / "d-inc", work / "d-full");
    INFO(r.stderr_text);
    REQUIRE(r.exit_code == 0);
    CHECK_THAT(r.stderr_text, Catch::Contains("Took 2 files"));
    CHECK_THAT(r.stderr_text, Catch::Contains("(2 hard-linked)"));
    check_result(work / "d-inc");
    CHECK(fs::hard_link_count(work / "d-inc/000010.sst") == 2);
    CHECK(test::ReadFile(work / "d-full/db/t.frm") == "frm v1");  // the base is untouched
  }
  SECTION("another filesystem: copies") {
    // /dev/shm is a tmpfs of its own on Debian; the base goes there.
    struct stat tmp_st, shm_st;
    REQUIRE(stat(work.path().c_str(), &tmp_st) == 0);
    if (stat("/dev/shm", &shm_st) != 0 || shm_st.st_dev == tmp_st.st_dev ||
        access("/dev/shm", W_OK) != 0) {
      WARN("no second writable filesystem at /dev/shm: the copy path is not exercised");
      return;
    }
    char shm_dir[] = "/dev/shm/hotbackup-test.XXXXXX";
    REQUIRE(mkdtemp(shm_dir) != nullptr);
    const std::string base = std::string(shm_dir) + "/d-full";
    fs::copy(work / "d-full", base, fs::copy_options::recursive);
    r = Extract(work / "inc.xbs", work / "d-inc", base);
    INFO(r.stderr_text);
    CHECK(r.exit_code == 0);
    CHECK_THAT(r.stderr_text, Catch::Contains("(0 hard-linked)"));
    check_result(work / "d-inc");
    CHECK(fs::hard_link_count(work / "d-inc/000010.sst") == 1);
    // The copy keeps the base file's mode and mtime.
    CHECK(fs::status(work / "d-inc/000011.sst").permissions() ==
          fs::status(base + "/000011.sst").permissions());
    CHECK(fs::last_write_time(work / "d-inc/000011.sst") ==
          fs::last_write_time(base + "/000011.sst"));
    fs::remove_all(shm_dir);
  }
  SECTION("a symbolic link in the base is refused, never followed") {
    fs::rename(work / "d-full/000011.sst", work / "elsewhere.sst");
    fs::create_symlink(work / "elsewhere.sst", work / "d-full/000011.sst");
    r = Extract(work / "inc.xbs", work / "d-inc", work / "d-full");
    CHECK(r.exit_code == 1);
    CHECK_THAT(r.stderr_text, Catch::Contains("lacks 000011.sst"));
    CHECK(test::CountErrorLines(r.stderr_text) == 1);
    CHECK_FALSE(fs::exists(work / "d-inc"));
  }
  SECTION("--verify with the base checks its files, without writing") {
    r = Run({BinaryPath(), "--verify", "--input=" + (work / "inc.xbs"),
             "--incremental_base_dir=" + (work / "d-full")});
    INFO(r.stderr_text);
    CHECK(r.exit_code == 0);
    CHECK_THAT(r.stderr_text, Catch::Contains("Checked 2 files"));
    test::WriteFile(work / "d-full/000011.sst", "short");
    r = Run({BinaryPath(), "--verify", "--input=" + (work / "inc.xbs"),
             "--incremental_base_dir=" + (work / "d-full")});
    CHECK(r.exit_code == 1);
    CHECK_THAT(r.stderr_text, Catch::Contains("does not match the manifest"));
  }
}

}  // namespace
}  // namespace hotbackup
