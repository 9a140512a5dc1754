// Move-back in its three pieces, on real directories: the plan (what goes
// where, the targets checked before anything moves), the apply step with a
// failure in its middle (a FIFO inside a later entry, which is refused
// only when that entry's turn comes) and the undo that puts everything
// back, and the manifest check that comes before any move.
#include "hotbackup/restore/move_back.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "hotbackup/archive/checksum.h"
#include "hotbackup/archive/manifest.h"
#include "hotbackup/io/unique_fd.h"
#include "hotbackup/restore/move_back_undo.h"
#include "support/test_support.h"

namespace hotbackup {
namespace {

namespace fs = std::filesystem;
using test::TempDir;

// What a backup directory holds, one file of each kind.
const std::map<std::string, std::string> kFiles = {
    {"000012.sst", "sst bytes"},     {"000015.log", "wal bytes"},
    {"MANIFEST-000004", "manifest"}, {"CURRENT", "MANIFEST-000004\n"},
    {"OPTIONS-000011", "options"},   {"tc.log", "tc"},
    {"aria_log_control", "aria"},    {"shop/t.frm", "frm"},
    {"shop/db.opt", "opt"},
};

// Writes `files` below `dir` and, if `with_manifest`, the manifest that
// lists them with their sizes and checksums.
void MakeBackup(const std::string& dir, const std::map<std::string, std::string>& files,
                bool with_manifest) {
  Manifest manifest = test::TestManifest("tar");
  for (const auto& [path, data] : files) {
    fs::create_directories(fs::path(dir + "/" + path).parent_path());
    test::WriteFile(dir + "/" + path, data);
    FileChecksum sum;
    sum.Update(AsBytes(data.data(), data.size()));
    manifest.files.push_back(ManifestFile{path, data.size(), sum.Digest(), "", ""});
  }
  if (with_manifest) test::WriteFile(dir + "/" + kManifestPath, SerializeManifest(manifest));
}

MoveBackRequest RequestIn(const TempDir& work, bool copy = false, bool force = false) {
  MoveBackRequest r;
  r.backup_dir = work / "backup";
  r.datadir = work / "data";
  r.rocksdb_datadir = work / "data/#rocksdb";
  r.rocksdb_waldir = work / "wal";
  r.copy = copy;
  r.force = force;
  return r;
}

// Every file below `root` with its contents.
std::map<std::string, std::string> Snapshot(const std::string& root) {
  std::map<std::string, std::string> files;
  for (const std::string& f : test::ListFiles(root)) files[f] = test::ReadFile(root + "/" + f);
  return files;
}

std::string TargetOf(const MoveBackPlan& plan, const std::string& name) {
  for (const MoveBackEntry& e : plan.entries) {
    if (e.name == name) return e.to_dir;
  }
  return "(not planned)";
}

TEST_CASE("PlanMoveBack: each kind of entry goes to its target, and nothing is made",
          "[unit][restore][move_back]") {
  TempDir work;
  const MoveBackRequest r = RequestIn(work);
  MakeBackup(r.backup_dir, kFiles, /*with_manifest=*/true);
  test::WriteFile(r.backup_dir + "/.wdt.log", "receiver's");
  fs::create_directories(r.backup_dir + "/old.rocksdb");
  fs::create_symlink("/etc/passwd", r.backup_dir + "/link");

  MoveBackPlan plan;
  REQUIRE(PlanMoveBack(r, &plan).ok());
  CHECK(TargetOf(plan, "000012.sst") == r.rocksdb_datadir);
  CHECK(TargetOf(plan, "MANIFEST-000004") == r.rocksdb_datadir);
  CHECK(TargetOf(plan, "CURRENT") == r.rocksdb_datadir);
  CHECK(TargetOf(plan, "OPTIONS-000011") == r.rocksdb_datadir);
  CHECK(TargetOf(plan, "000015.log") == r.rocksdb_waldir);
  CHECK(TargetOf(plan, "tc.log") == r.datadir);  // a .log that is not RocksDB's
  CHECK(TargetOf(plan, "aria_log_control") == r.datadir);
  CHECK(TargetOf(plan, "shop") == r.datadir);
  CHECK(TargetOf(plan, kManifestPath) == r.datadir);
  CHECK(TargetOf(plan, ".wdt.log") == "(not planned)");
  CHECK(TargetOf(plan, "old.rocksdb") == "(not planned)");
  CHECK(TargetOf(plan, "link") == "(not planned)");
  CHECK(plan.entries.size() == 9);
  for (size_t i = 1; i < plan.entries.size(); ++i) {
    CHECK(plan.entries[i - 1].name < plan.entries[i].name);
  }
  REQUIRE(plan.targets.size() == 3);
  CHECK(plan.targets[0].dir == r.datadir);  // the parent first
  CHECK(plan.targets[1].dir == r.rocksdb_datadir);
  CHECK(plan.targets[2].dir == r.rocksdb_waldir);
  for (const MoveBackTarget& t : plan.targets) CHECK_FALSE(t.existed);
  CHECK_FALSE(fs::exists(r.datadir));
  CHECK_FALSE(fs::exists(r.rocksdb_waldir));

  // WAL and data in one directory: one target for both.
  MoveBackRequest same = r;
  same.rocksdb_waldir = same.rocksdb_datadir;
  REQUIRE(PlanMoveBack(same, &plan).ok());
  CHECK(plan.targets.size() == 2);
  CHECK(TargetOf(plan, "000015.log") == same.rocksdb_datadir);
}

TEST_CASE("MoveBack: a non-empty target refuses before anything moves",
          "[unit][restore][move_back]") {
  for (bool copy : {false, true}) {
    CAPTURE(copy);
    TempDir work;
    const MoveBackRequest r = RequestIn(work, copy);
    MakeBackup(r.backup_dir, kFiles, /*with_manifest=*/true);
    fs::create_directories(r.rocksdb_waldir);
    test::WriteFile(r.rocksdb_waldir + "/leftover", "x");
    const auto before = Snapshot(r.backup_dir);

    MoveBackPlan plan;
    Status s = PlanMoveBack(r, &plan);
    CHECK(s.code() == Status::Code::kInvalidArgument);
    CHECK_THAT(s.message(), Catch::Contains("--rocksdb_waldir " + r.rocksdb_waldir +
                                            " is not empty (it has leftover)"));
    s = MoveBack(r);
    CHECK(s.code() == Status::Code::kInvalidArgument);
    CHECK(Snapshot(r.backup_dir) == before);
    CHECK_FALSE(fs::exists(r.datadir));
    CHECK(test::ListFiles(r.rocksdb_waldir) == std::vector<std::string>{"leftover"});

    // A target that is a file, not a directory.
    fs::remove_all(r.rocksdb_waldir);
    test::WriteFile(r.rocksdb_waldir, "x");
    s = MoveBack(r);
    CHECK_THAT(s.message(), Catch::Contains("is not a directory"));
    CHECK(Snapshot(r.backup_dir) == before);
    CHECK_FALSE(fs::exists(r.datadir));
  }
}

// A backup whose last entry ("zz") holds a FIFO: every entry before it is
// placed before the apply step reaches it and fails.
void MakeBackupFailingLast(const std::string& dir) {
  MakeBackup(dir, kFiles, /*with_manifest=*/false);
  fs::create_directories(dir + "/zz");
  test::WriteFile(dir + "/zz/a", "placed before the FIFO is met");
  REQUIRE(mkfifo((dir + "/zz/fifo").c_str(), 0600) == 0);
}

TEST_CASE("ApplyMoveBack: a failure in the middle, then MoveBackUndo puts everything back",
          "[unit][restore][move_back]") {
  for (bool copy : {false, true}) {
    CAPTURE(copy);
    TempDir work;
    const MoveBackRequest r = RequestIn(work, copy);
    MakeBackupFailingLast(r.backup_dir);
    const auto before = Snapshot(r.backup_dir);

    MoveBackPlan plan;
    REQUIRE(PlanMoveBack(r, &plan).ok());
    MoveBackUndo undo(copy);
    MoveBackResult result;
    Status s = ApplyMoveBack(plan, &undo, &result);
    REQUIRE_FALSE(s.ok());
    CHECK_THAT(s.message(), Catch::Contains("refusing the FIFO"));
    // The failure came in the middle: the entries before "zz" are placed.
    CHECK(test::ReadFile(r.rocksdb_datadir + "/000012.sst") == "sst bytes");
    CHECK(test::ReadFile(r.rocksdb_waldir + "/000015.log") == "wal bytes");
    CHECK(test::ReadFile(r.datadir + "/shop/t.frm") == "frm");
    CHECK(fs::exists(r.backup_dir + "/000012.sst") == copy);

    undo.Undo();
    CHECK_FALSE(fs::exists(r.datadir));  // not even the directories made
    CHECK_FALSE(fs::exists(r.rocksdb_waldir));
    CHECK(Snapshot(r.backup_dir) == before);
    CHECK(fs::is_fifo(r.backup_dir + "/zz/fifo"));
    undo.Undo();  // a second time: nothing left to do
    CHECK(Snapshot(r.backup_dir) == before);
  }
}

TEST_CASE("ApplyMoveBack: an entry copied across filesystems is copied back by the undo",
          "[unit][restore][move_back]") {
  if (access("/dev/shm", W_OK) != 0) {
    WARN("no /dev/shm: the cross-filesystem undo is not exercised");
    return;
  }
  TempDir backup_parent("/dev/shm");  // tmpfs; the targets are on /tmp
  TempDir work;
  MoveBackRequest r = RequestIn(work);
  r.backup_dir = backup_parent / "backup";
  MakeBackupFailingLast(r.backup_dir);
  const auto before = Snapshot(r.backup_dir);
  MoveBackPlan plan;
  REQUIRE(PlanMoveBack(r, &plan).ok());
  {
    MoveBackUndo undo(false);
    MoveBackResult result;
    REQUIRE_FALSE(ApplyMoveBack(plan, &undo, &result).ok());
    CHECK(result.copied_across == plan.entries.size() - 1);  // all but "zz"
    CHECK_FALSE(fs::exists(r.backup_dir + "/000012.sst"));   // removed once copied
    CHECK(test::ReadFile(r.rocksdb_datadir + "/000012.sst") == "sst bytes");
  }  // destroyed without Commit: undone
  CHECK_FALSE(fs::exists(r.datadir));
  CHECK_FALSE(fs::exists(r.rocksdb_waldir));
  CHECK(Snapshot(r.backup_dir) == before);
}

TEST_CASE("MoveBackUndo: reverses a recorded rename unless committed",
          "[unit][restore][move_back]") {
  for (bool commit : {false, true}) {
    CAPTURE(commit);
    TempDir work;
    fs::create_directories(work / "backup");
    fs::create_directories(work / "target");
    test::WriteFile(work / "backup/f", "data");
    UniqueFd backup(open((work / "backup").c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    UniqueFd target(open((work / "target").c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    {
      MoveBackUndo undo(false);
      REQUIRE(undo.SetBackupDirectory(backup.get(), work / "backup").ok());
      REQUIRE(undo.SetTarget(target.get(), work / "target").ok());
      backup.Close();  // the undo keeps descriptors of its own
      target.Close();
      REQUIRE(rename((work / "backup/f").c_str(), (work / "target/f").c_str()) == 0);
      undo.EntryPlaced("f", work / "target", false);
      if (commit) undo.Commit();
    }
    CHECK(fs::exists(work / "target/f") == commit);
    CHECK(fs::exists(work / "backup/f") == !commit);
  }
}

TEST_CASE("MoveBack: copy leaves the backup directory intact", "[unit][restore][move_back]") {
  TempDir work;
  const MoveBackRequest r = RequestIn(work, /*copy=*/true);
  MakeBackup(r.backup_dir, kFiles, /*with_manifest=*/true);
  const auto before = Snapshot(r.backup_dir);
  REQUIRE(MoveBack(r).ok());
  CHECK(Snapshot(r.backup_dir) == before);
  CHECK(test::ReadFile(r.rocksdb_datadir + "/000012.sst") == "sst bytes");
  CHECK(test::ReadFile(r.rocksdb_waldir + "/000015.log") == "wal bytes");
  CHECK(test::ReadFile(r.datadir + "/shop/db.opt") == "opt");
  CHECK(test::ReadFile(r.datadir + "/" + kManifestPath) == before.at(kManifestPath));
}

TEST_CASE("MoveBack: a directory without a manifest, or failing it, is refused unless forced",
          "[unit][restore][move_back]") {
  for (const char* kind : {"no manifest", "a file edited"}) {
    for (bool copy : {false, true}) {
      CAPTURE(kind, copy);
      TempDir work;
      MoveBackRequest r = RequestIn(work, copy);
      const bool edited = std::string(kind) == "a file edited";
      MakeBackup(r.backup_dir, kFiles, /*with_manifest=*/edited);
      if (edited) test::WriteFile(r.backup_dir + "/shop/t.frm", "FRM");  // same size
      const auto before = Snapshot(r.backup_dir);

      Status s = MoveBack(r);
      REQUIRE_FALSE(s.ok());
      CHECK(s.code() == Status::Code::kCorruption);
      CHECK_THAT(s.message(), Catch::Contains(edited ? "checksum mismatch for shop/t.frm"
                                                     : "has no myrocks_hotbackup_manifest.json"));
      CHECK_THAT(s.message(), Catch::Contains("-f moves it back unchecked"));
      CHECK(s.message().find('\n') == std::string::npos);
      CHECK(Snapshot(r.backup_dir) == before);
      CHECK_FALSE(fs::exists(r.datadir));
      CHECK_FALSE(fs::exists(r.rocksdb_waldir));

      r.force = true;
      REQUIRE(MoveBack(r).ok());
      CHECK(test::ReadFile(r.datadir + "/shop/t.frm") == (edited ? "FRM" : "frm"));
      CHECK(test::ReadFile(r.rocksdb_datadir + "/000012.sst") == "sst bytes");
      CHECK(fs::exists(r.backup_dir + "/000012.sst") == copy);
    }
  }
}

TEST_CASE("CheckBackupManifest: a directory that passes gives its manifest",
          "[unit][restore][move_back]") {
  TempDir work;
  const MoveBackRequest r = RequestIn(work);
  MakeBackup(r.backup_dir, kFiles, /*with_manifest=*/true);
  Manifest manifest;
  bool have = false;
  REQUIRE(CheckBackupManifest(r, &manifest, &have).ok());
  CHECK(have);
  CHECK(manifest.files.size() == kFiles.size());
  fs::remove(r.backup_dir + "/tc.log");
  Status s = CheckBackupManifest(r, &manifest, &have);
  CHECK_THAT(s.message(), Catch::Contains("missing from the directory: tc.log"));
}

}  // namespace
}  // namespace hotbackup
