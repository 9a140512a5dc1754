// Archives and backup directories made by someone else, through the real
// binary: modes from a tar header (setuid, world-writable) never reach the
// extracted tree or the datadir, a manifest's ".." never reaches outside
// the target (nor tells what it found there), a FIFO in a base directory
// fails at once instead of blocking, and, run as root, --move_back and
// --copy_back hand every restored file to the datadir's owner.
#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <sstream>
#include <thread>

#include "hotbackup/archive/archive_stream.h"
#include "hotbackup/archive/checksum.h"
#include "hotbackup/io/output_file.h"
#include "hotbackup/util/sha256.h"
#include "support/sandbox_server.h"
#include "support/test_support.h"

namespace hotbackup {
namespace {

namespace fs = std::filesystem;
using test::BinaryPath;
using test::ProcessResult;
using test::TempDir;

// Longer than any of these restores takes; a run past it is a hang.
constexpr int kHangSeconds = 30;

// Runs the binary with stderr captured; kills it after kHangSeconds and
// fails the test then, so that a restore that blocks is reported as such.
ProcessResult RunBounded(const std::vector<std::string>& argv) {
  TempDir dir;
  const std::string err_path = dir / "stderr";
  int err = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  REQUIRE(err >= 0);
  const int pid = test::Spawn(argv, -1, -1, err);
  close(err);
  ProcessResult r;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(kHangSeconds);
  int status = 0;
  for (;;) {
    const pid_t done = waitpid(pid, &status, WNOHANG);
    if (done == pid) break;
    if (std::chrono::steady_clock::now() > deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      FAIL("still running after " << kHangSeconds << " s (blocked): " << test::ReadFile(err_path));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.stderr_text = test::ReadFile(err_path);
  return r;
}

ProcessResult Extract(const std::string& archive, const std::string& dir,
                      const std::string& base = "") {
  std::vector<std::string> argv = {BinaryPath(), "--extract", "--input=" + archive,
                                   "--backup_dir=" + dir};
  if (!base.empty()) argv.push_back("--incremental_base_dir=" + base);
  return RunBounded(argv);
}

// --move_back or --copy_back of `backup` into `datadir`, the RocksDB files
// in its "#rocksdb" (data and WAL).
// `extra`: more options (-f).
ProcessResult MoveBack(const char* mode, const std::string& backup, const std::string& datadir,
                       const std::vector<std::string>& extra = {}) {
  std::vector<std::string> argv = {BinaryPath(), mode, "--datadir=" + datadir,
                                   "--rocksdb_datadir=" + datadir + "/#rocksdb",
                                   "--rocksdb_waldir=" + datadir + "/#rocksdb",
                                   "--backup_dir=" + backup};
  argv.insert(argv.end(), extra.begin(), extra.end());
  return RunBounded(argv);
}

size_t CountLines(const std::string& text, const std::string& level) {
  size_t n = 0;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    n += line.find(" " + level + " ") != std::string::npos;
  return n;
}

// Fails for any entry below `root` (and root itself, unless it existed
// before: a datadir is not ours to change) that is setuid, setgid, sticky,
// group-writable or anything for others, or not a regular file or directory.
void ExpectRestoredModes(const std::string& root, bool with_root = true) {
  REQUIRE(fs::is_directory(root));
  std::vector<std::string> all;
  if (with_root) all.push_back(root);
  for (const auto& e : fs::recursive_directory_iterator(root)) all.push_back(e.path().string());
  for (const std::string& p : all) {
    struct stat st;
    REQUIRE(lstat(p.c_str(), &st) == 0);
    INFO(p << " mode " << std::oct << (st.st_mode & 07777));
    CHECK((S_ISREG(st.st_mode) || S_ISDIR(st.st_mode)));
    CHECK((st.st_mode & 07000) == 0);
    CHECK((st.st_mode & 0027) == 0);
  }
}

// Every entry of `dir` (names only).
std::vector<std::string> Entries(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

struct RawEntry {
  std::string path;
  std::string data;
  mode_t mode;
  bool directory = false;
};

ManifestFile Listed(const std::string& path, const std::string& data, const std::string& in = "") {
  FileChecksum sum;
  sum.Update(AsBytes(data.data(), data.size()));
  return ManifestFile{path, data.size(), sum.Digest(), "", in};
}

// A tar archive written with libarchive, entries with the modes given, the
// manifest (serialized as our writer does, digest included) last.
void WriteRawTar(const std::vector<RawEntry>& entries, const Manifest& manifest,
                 const std::string& path) {
  archive* a = archive_write_new();
  archive_write_set_format_pax_restricted(a);
  REQUIRE(archive_write_open_filename(a, path.c_str()) == ARCHIVE_OK);
  std::vector<RawEntry> all = entries;
  all.push_back({kManifestPath, SerializeManifest(manifest), 0640});
  for (const RawEntry& t : all) {
    archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, t.path.c_str());
    archive_entry_set_filetype(e, t.directory ? AE_IFDIR : AE_IFREG);
    archive_entry_set_perm(e, t.mode);
    archive_entry_set_size(e, static_cast<la_int64_t>(t.data.size()));
    archive_entry_set_mtime(e, 1700000000, 0);
    REQUIRE(archive_write_header(a, e) == ARCHIVE_OK);
    if (!t.data.empty()) {
      REQUIRE(archive_write_data(a, t.data.data(), t.data.size()) ==
              static_cast<la_ssize_t>(t.data.size()));
    }
    archive_entry_free(e);
  }
  REQUIRE(archive_write_close(a) == ARCHIVE_OK);
  archive_write_free(a);
}

// An archive of ours (ArchiveStream, tar or XBSTREAM) of `paths` under `root`.
void WriteOurArchive(ArchiveFormat format, const std::string& root,
                     const std::vector<std::string>& paths, const Manifest& manifest,
                     const std::string& archive, const std::vector<ManifestFile>& from_base = {}) {
  std::unique_ptr<OutputFile> out;
  REQUIRE(OutputFile::Create(archive, &out).ok());
  StreamOptions options;
  options.format = format;
  std::unique_ptr<ArchiveStream> stream;
  REQUIRE(ArchiveStream::Open(options, out.get(), &stream).ok());
  for (const std::string& p : paths) REQUIRE(stream->AddFile(root + "/" + p, p).ok());
  for (const ManifestFile& f : from_base) REQUIRE(stream->ListFileFromBase(f).ok());
  REQUIRE(stream->AddManifest(manifest).ok());
  REQUIRE(stream->Finish().ok());
}

// Edits the mode of the ustar header of `name` in the tar `bytes` (and the
// header's checksum, so that the archive stays valid): what anyone who can
// write a backup can do.
void SetTarMode(std::string* bytes, const std::string& name, mode_t mode) {
  for (size_t at = 0; at + 512 <= bytes->size(); at += 512) {
    char* h = bytes->data() + at;
    if (std::strncmp(h, name.c_str(), 100) != 0 || std::memcmp(h + 257, "ustar", 5) != 0) continue;
    char field[9];
    std::snprintf(field, sizeof(field), "%06o ", static_cast<unsigned>(mode));
    std::memcpy(h + 100, field, 8);  // 6 digits, ' ', NUL
    std::memset(h + 148, ' ', 8);
    unsigned sum = 0;
    for (int i = 0; i < 512; ++i) sum += static_cast<unsigned char>(h[i]);
    std::snprintf(field, sizeof(field), "%06o", sum);
    std::memcpy(h + 148, field, 7);  // 6 digits, NUL, then the ' ' left there
    return;
  }
  FAIL("no ustar header for " << name);
}

TEST_CASE("Hostile archive: setuid and world-writable entries lose those bits, up to the datadir",
          "[e2e][hostile]") {
  TempDir work;
  const std::string suid = "#!/bin/sh\nid\n";
  const std::string ww = "anyone may write me";
  Manifest manifest = test::TestManifest("tar");
  manifest.files = {Listed("test/suid", suid), Listed("ww", ww)};
  const std::string archive = work / "hostile.tar";
  WriteRawTar({{"test", "", 07777, true}, {"test/suid", suid, 06755}, {"ww", ww, 0666}}, manifest,
              archive);
  fs::create_directories(work / "canary");

  for (const char* mode : {"--move_back", "--copy_back"}) {
    CAPTURE(mode);
    const std::string restore = work / (std::string("restore") + (mode[2] == 'm' ? "-m" : "-c"));
    fs::create_directories(restore);
    const std::string backup = restore + "/backup";
    ProcessResult r = Extract(archive, backup);
    INFO(r.stderr_text);
    REQUIRE(r.exit_code == 0);
    CHECK(test::ReadFile(backup + "/test/suid") == suid);
    ExpectRestoredModes(backup);
    CHECK((fs::status(backup + "/test/suid").permissions() & fs::perms::owner_exec) !=
          fs::perms::none);  // what is not dangerous is kept

    const std::string datadir = restore + "/data";
    r = MoveBack(mode, backup, datadir);
    INFO(r.stderr_text);
    REQUIRE(r.exit_code == 0);
    CHECK(test::ReadFile(datadir + "/ww") == ww);
    ExpectRestoredModes(datadir);
    CHECK(Entries(restore) == std::vector<std::string>{"backup", "data"});
  }
  CHECK(fs::is_empty(work / "canary"));
}

TEST_CASE("Hostile archive: a backup of ours with only its tar headers edited", "[e2e][hostile]") {
  TempDir work;
  const std::string src = work / "src";
  fs::create_directories(src + "/test");
  test::WriteFile(src + "/000010.sst", test::RandomBytes(70000, 1));
  test::WriteFile(src + "/test/t.frm", "frm bytes");
  test::WriteFile(src + "/test/db.opt", "default-character-set=utf8mb4\n");
  for (const char* p : {"000010.sst", "test/t.frm", "test/db.opt"}) {
    REQUIRE(chmod((src + "/" + p).c_str(), 0640) == 0);
  }
  WriteOurArchive(ArchiveFormat::kTar, src, {"000010.sst", "test/t.frm", "test/db.opt"},
                  test::TestManifest("tar"), work / "good.tar");
  std::string bytes = test::ReadFile(work / "good.tar");
  SetTarMode(&bytes, "test/t.frm", 06755);
  SetTarMode(&bytes, "test/db.opt", 0666);
  test::WriteFile(work / "edited.tar", bytes);
  // The edit is what GNU tar sees (the headers are valid).
  if (test::HaveTool("tar")) {
    ProcessResult listed = test::Run({"tar", "-tvf", work / "edited.tar"});
    REQUIRE(listed.exit_code == 0);
  }
  fs::create_directories(work / "canary");

  for (const char* mode : {"--move_back", "--copy_back"}) {
    CAPTURE(mode);
    const std::string restore = work / (std::string("restore") + (mode[2] == 'm' ? "-m" : "-c"));
    fs::create_directories(restore);
    ProcessResult r = Extract(work / "edited.tar", restore + "/backup");
    INFO(r.stderr_text);
    REQUIRE(r.exit_code == 0);
    ExpectRestoredModes(restore + "/backup");
    r = MoveBack(mode, restore + "/backup", restore + "/data");
    INFO(r.stderr_text);
    REQUIRE(r.exit_code == 0);
    ExpectRestoredModes(restore + "/data");
    CHECK(test::ReadFile(restore + "/data/test/t.frm") == "frm bytes");
  }
  CHECK(fs::is_empty(work / "canary"));
}

TEST_CASE("Hostile backup directory: modes another extractor kept are not moved back as they are",
          "[e2e][hostile]") {
  for (const char* mode : {"--move_back", "--copy_back"}) {
    CAPTURE(mode);
    TempDir work;
    const std::string backup = work / "backup";
    fs::create_directories(backup + "/test/sub");
    test::WriteFile(backup + "/000010.sst", "sst");
    test::WriteFile(backup + "/test/t.frm", "frm");
    test::WriteFile(backup + "/test/sub/x", "x");
    REQUIRE(chmod((backup + "/000010.sst").c_str(), 04755) == 0);
    REQUIRE(chmod((backup + "/test/t.frm").c_str(), 06755) == 0);
    REQUIRE(chmod((backup + "/test/sub/x").c_str(), 0666) == 0);
    REQUIRE(chmod((backup + "/test/sub").c_str(), 01777) == 0);
    REQUIRE(chmod((backup + "/test").c_str(), 0777) == 0);
    // Its manifest as the backup wrote it: the modes are not in it.
    Manifest manifest = test::TestManifest("tar");
    manifest.files = {Listed("000010.sst", "sst"), Listed("test/t.frm", "frm"),
                      Listed("test/sub/x", "x")};
    test::WriteFile(backup + "/" + kManifestPath, SerializeManifest(manifest));
    ProcessResult r = MoveBack(mode, backup, work / "data");
    INFO(r.stderr_text);
    REQUIRE(r.exit_code == 0);
    ExpectRestoredModes(work / "data");
    CHECK(test::ReadFile(work / "data/#rocksdb/000010.sst") == "sst");
    CHECK(test::ReadFile(work / "data/test/sub/x") == "x");
  }
}

TEST_CASE("Hostile backup directory: a link or a FIFO inside is refused and nothing is placed",
          "[e2e][hostile]") {
  for (const char* mode : {"--move_back", "--copy_back"}) {
    for (const char* kind : {"symlink", "fifo"}) {
      CAPTURE(mode, kind);
      TempDir work;
      const std::string backup = work / "backup";
      fs::create_directories(backup + "/test");
      fs::create_directories(work / "canary");
      test::WriteFile(backup + "/000010.sst", "sst");
      test::WriteFile(backup + "/test/t.frm", "frm");
      test::WriteFile(work / "canary/target", "outside");
      REQUIRE(chmod((work / "canary/target").c_str(), 0666) == 0);
      if (std::string(kind) == "symlink") {
        fs::create_symlink(work / "canary/target", backup + "/test/u.frm");
      } else {
        REQUIRE(mkfifo((backup + "/test/u.frm").c_str(), 0666) == 0);
      }
      // -f: past the manifest check (there is no manifest), to move-back's
      // own refusal.
      ProcessResult r = MoveBack(mode, backup, work / "data", {"-f"});
      INFO(r.stderr_text);
      CHECK(r.exit_code == 1);
      CHECK(CountLines(r.stderr_text, "ERROR") == 1);
      CHECK_THAT(r.stderr_text, Catch::Contains("refusing the"));
      CHECK_FALSE(fs::exists(work / "data"));                  // undone: not even the directories
      CHECK(test::ReadFile(backup + "/000010.sst") == "sst");  // the backup as it was
      CHECK(fs::is_symlink(backup + "/test/u.frm") == (std::string(kind) == "symlink"));
      CHECK(Entries(work / "canary") == std::vector<std::string>{"target"});
      CHECK((fs::status(work / "canary/target").permissions() & fs::perms::others_write) !=
            fs::perms::none);  // never chmod'ed through the link
    }
  }
}

// A full backup extracted into `base`, and what an incremental on top of it
// needs: the header naming it as the parent.
struct Chain {
  std::string src;
  std::string base;
  Manifest full;
  Manifest header;
};

void MakeBase(const std::string& work, const std::string& base, Chain* chain) {
  chain->src = work + "/src";
  fs::create_directories(chain->src + "/db");
  test::WriteFile(chain->src + "/000010.sst", test::RandomBytes(300000, 1));
  test::WriteFile(chain->src + "/000011.sst", test::RandomBytes(5000, 2));
  test::WriteFile(chain->src + "/db/t.frm", "frm v1");
  Manifest full = test::TestManifest("xbstream");
  full.backup_id = "full";
  WriteOurArchive(ArchiveFormat::kXbstream, chain->src, {"000010.sst", "000011.sst", "db/t.frm"},
                  full, work + "/full.xbs");
  fs::create_directories(fs::path(base).parent_path());
  ProcessResult r = Extract(work + "/full.xbs", base);
  INFO(r.stderr_text);
  REQUIRE(r.exit_code == 0);
  chain->base = base;
  const std::string json = test::ReadFile(base + "/" + kManifestPath);
  REQUIRE(ParseManifest(json, &chain->full).ok());
  chain->header = test::TestManifest("tar");
  chain->header.backup_id = "inc";
  chain->header.parent = ManifestParent{"full", Sha256Hex(json), chain->full.start_time};
}

TEST_CASE("Hostile incremental: '..' in a manifest path reaches nothing outside the target",
          "[e2e][hostile][incremental]") {
  TempDir work;
  Chain chain;
  // The base two levels below `work`, the target three: one "../../" names
  // a file outside the base and a directory outside the target.
  MakeBase(work.path(), work / "bases/full", &chain);
  fs::create_directories(work / "canary/sub");
  const std::string secret = test::RandomBytes(12345, 9);
  test::WriteFile(work / "canary/sub/secret", secret);
  REQUIRE(chmod((work / "canary/sub/secret").c_str(), 0600) == 0);
  FileChecksum secret_sum;
  secret_sum.Update(AsBytes(secret.data(), secret.size()));
  fs::create_directories(work / "r/deep");

  struct Case {
    const char* what;
    std::string path;
    std::string in;
  };
  for (const Case& c : {Case{"'..' in an \"in\" entry", "../../canary/sub/secret", "full"},
                        Case{"'..' in a sent file's path", "../../canary/sub/secret", ""},
                        Case{"an absolute \"in\" path", work / "canary/sub/secret", "full"}}) {
    CAPTURE(c.what);
    Manifest m = chain.header;
    const std::string frm = "frm v2";
    m.files = {Listed("db/t.frm", frm)};
    // A wrong size and checksum: the old error showed the ones found.
    m.files.push_back(ManifestFile{c.path, 1, 1, "", c.in});
    for (const ManifestFile& f : chain.full.files) {
      if (f.path.ends_with(".sst")) m.files.push_back({f.path, f.size, f.xxh3, f.sst, "full"});
    }
    const std::string archive = work / "inc.tar";
    WriteRawTar({{"db", "", 0750, true}, {"db/t.frm", frm, 0640}}, m, archive);

    ProcessResult r = Extract(archive, work / "r/deep/inc", chain.base);
    INFO(r.stderr_text);
    CHECK(r.exit_code == 1);
    CHECK(CountLines(r.stderr_text, "ERROR") == 1);
    CHECK_THAT(r.stderr_text, Catch::Contains("unsafe path"));
    CHECK(r.stderr_text.find("12345 bytes") == std::string::npos);
    CHECK(r.stderr_text.find(FormatChecksum(secret_sum.Digest())) == std::string::npos);
    // Nothing outside the target, and no target.
    CHECK(Entries(work / "r") == std::vector<std::string>{"deep"});
    CHECK(fs::is_empty(work / "r/deep"));
    CHECK(Entries(work / "canary/sub") == std::vector<std::string>{"secret"});
    CHECK(Entries(work.path()) ==
          std::vector<std::string>{"bases", "canary", "full.xbs", "inc.tar", "r", "src"});
    CHECK(fs::hard_link_count(work / "canary/sub/secret") == 1);

    r = RunBounded(
        {BinaryPath(), "--verify", "--input=" + archive, "--incremental_base_dir=" + chain.base});
    CHECK(r.exit_code == 1);
    CHECK(CountLines(r.stderr_text, "ERROR") == 1);
    CHECK(r.stderr_text.find(FormatChecksum(secret_sum.Digest())) == std::string::npos);
  }
}

TEST_CASE("Hostile incremental: a FIFO as a base file fails with one ERROR, never blocks",
          "[e2e][hostile][incremental]") {
  TempDir work;
  Chain chain;
  MakeBase(work.path(), work / "full", &chain);
  Manifest m = chain.header;
  const std::string frm = "frm v2";
  m.files = {Listed("db/t.frm", frm)};
  for (const ManifestFile& f : chain.full.files) {
    if (f.path.ends_with(".sst")) m.files.push_back({f.path, f.size, f.xxh3, f.sst, "full"});
  }
  WriteRawTar({{"db", "", 0750, true}, {"db/t.frm", frm, 0640}}, m, work / "inc.tar");
  fs::remove(work / "full/000011.sst");
  REQUIRE(mkfifo((work / "full/000011.sst").c_str(), 0644) == 0);

  ProcessResult r = Extract(work / "inc.tar", work / "inc", chain.base);
  INFO(r.stderr_text);
  CHECK(r.exit_code == 1);
  CHECK(CountLines(r.stderr_text, "ERROR") == 1);
  CHECK_THAT(r.stderr_text, Catch::Contains("000011.sst is not a regular file"));
  CHECK(Entries(work.path()) == std::vector<std::string>{"full", "full.xbs", "inc.tar", "src"});

  r = RunBounded({BinaryPath(), "--verify", "--input=" + (work / "inc.tar"),
                  "--incremental_base_dir=" + chain.base});
  CHECK(r.exit_code == 1);
  CHECK(CountLines(r.stderr_text, "ERROR") == 1);

  // The base's manifest itself a FIFO: refused the same way.
  fs::rename(work / ("full/" + std::string(kManifestPath)), work / "manifest.json");
  REQUIRE(mkfifo((work / ("full/" + std::string(kManifestPath))).c_str(), 0644) == 0);
  r = Extract(work / "inc.tar", work / "inc", chain.base);
  INFO(r.stderr_text);
  CHECK(r.exit_code == 1);
  CHECK(CountLines(r.stderr_text, "ERROR") == 1);
  CHECK_FALSE(fs::exists(work / "inc"));
}

TEST_CASE("Incremental restore: a base file with a dangerous mode is copied, not linked",
          "[e2e][hostile][incremental]") {
  TempDir work;
  Chain chain;
  MakeBase(work.path(), work / "full", &chain);
  REQUIRE(chmod((work / "full/000011.sst").c_str(), 06777) == 0);
  Manifest m = chain.header;
  const std::string frm = "frm v2";
  m.files = {Listed("db/t.frm", frm)};
  for (const ManifestFile& f : chain.full.files) {
    if (f.path.ends_with(".sst")) m.files.push_back({f.path, f.size, f.xxh3, f.sst, "full"});
  }
  WriteRawTar({{"db", "", 0750, true}, {"db/t.frm", frm, 0640}}, m, work / "inc.tar");
  ProcessResult r = Extract(work / "inc.tar", work / "inc", chain.base);
  INFO(r.stderr_text);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.stderr_text, Catch::Contains("(1 hard-linked)"));
  ExpectRestoredModes(work / "inc");
  CHECK(fs::hard_link_count(work / "inc/000011.sst") == 1);
  CHECK(fs::hard_link_count(work / "inc/000010.sst") == 2);
  struct stat st;
  REQUIRE(stat((work / "full/000011.sst").c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 06777);  // the base is never written to
}

// Every entry below `root`, and root, owned by uid:gid.
void ExpectOwner(const std::string& root, uid_t uid, gid_t gid) {
  std::vector<std::string> all = {root};
  for (const auto& e : fs::recursive_directory_iterator(root)) all.push_back(e.path().string());
  for (const std::string& p : all) {
    struct stat st;
    REQUIRE(lstat(p.c_str(), &st) == 0);
    INFO(p);
    CHECK(st.st_uid == uid);
    CHECK(st.st_gid == gid);
  }
}

TEST_CASE("Move back as root: every restored file is the datadir owner's",
          "[e2e][hostile][owner]") {
  if (geteuid() != 0) {
    WARN("not root: ownership is not changed, nothing to test");
    return;
  }
  constexpr uid_t kUid = 12345;
  constexpr gid_t kGid = 12346;
  TempDir work;
  const std::string src = work / "src";
  fs::create_directories(src + "/test/nested");
  for (const char* p :
       {"000010.sst", "000011.log", "CURRENT", "ibdata1", "test/t.frm", "test/nested/x"}) {
    test::WriteFile(src + "/" + p, p);
  }
  WriteOurArchive(ArchiveFormat::kTar, src,
                  {"000010.sst", "000011.log", "CURRENT", "ibdata1", "test/nested/x", "test/t.frm"},
                  test::TestManifest("tar"), work / "backup.tar");

  SECTION("--move_back and --copy_back into a datadir of another user") {
    for (const char* mode : {"--move_back", "--copy_back"}) {
      CAPTURE(mode);
      const std::string restore = work / (std::string("restore") + (mode[2] == 'm' ? "-m" : "-c"));
      fs::create_directories(restore);
      ProcessResult r = Extract(work / "backup.tar", restore + "/backup");
      REQUIRE(r.exit_code == 0);
      const std::string datadir = restore + "/data";
      fs::create_directories(datadir);
      REQUIRE(chown(datadir.c_str(), kUid, kGid) == 0);
      r = MoveBack(mode, restore + "/backup", datadir);
      INFO(r.stderr_text);
      REQUIRE(r.exit_code == 0);
      CHECK(CountLines(r.stderr_text, "WARNING") == 0);
      CHECK(test::ReadFile(datadir + "/#rocksdb/000010.sst") == "000010.sst");
      CHECK(test::ReadFile(datadir + "/test/nested/x") == "test/nested/x");
      ExpectOwner(datadir, kUid, kGid);
      ExpectRestoredModes(datadir, /*with_root=*/false);
    }
  }

  SECTION("a WAL directory of its own keeps its own owner") {
    const std::string restore = work / "restore-wal";
    fs::create_directories(restore + "/wal");
    REQUIRE(Extract(work / "backup.tar", restore + "/backup").exit_code == 0);
    fs::create_directories(restore + "/data");
    REQUIRE(chown((restore + "/data").c_str(), kUid, kGid) == 0);
    REQUIRE(chown((restore + "/wal").c_str(), kUid + 1, kGid + 1) == 0);
    ProcessResult r =
        RunBounded({BinaryPath(), "--move_back", "--datadir=" + restore + "/data",
                    "--rocksdb_datadir=" + restore + "/data/#rocksdb",
                    "--rocksdb_waldir=" + restore + "/wal", "--backup_dir=" + restore + "/backup"});
    INFO(r.stderr_text);
    REQUIRE(r.exit_code == 0);
    ExpectOwner(restore + "/data", kUid, kGid);
    ExpectOwner(restore + "/wal", kUid + 1, kGid + 1);
    CHECK(test::ReadFile(restore + "/wal/000011.log") == "000011.log");
  }

  SECTION("a datadir that does not exist: root keeps them, one WARN says so") {
    const std::string restore = work / "restore-absent";
    fs::create_directories(restore);
    REQUIRE(Extract(work / "backup.tar", restore + "/backup").exit_code == 0);
    ProcessResult r = MoveBack("--move_back", restore + "/backup", restore + "/data");
    INFO(r.stderr_text);
    REQUIRE(r.exit_code == 0);
    CHECK(CountLines(r.stderr_text, "WARNING") == 1);
    CHECK_THAT(r.stderr_text, Catch::Contains("chown -R mysql:mysql"));
    ExpectOwner(restore + "/data", 0, 0);
  }
}

}  // namespace
}  // namespace hotbackup
