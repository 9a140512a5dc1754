#include "hotbackup/server/definition_snapshot.h"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <set>
#include <thread>

#include "hotbackup/server/backup_stage.h"
#include "support/test_support.h"

namespace hotbackup {
namespace {

namespace fs = std::filesystem;
using test::ReadFile;
using test::TempDir;
using test::WriteFile;

// A datadir of three databases whose times are more than a second old, so
// that Take sees none of them as racily changed.
void MakeDatadir(const std::string& data) {
  for (const char* db : {"a", "b", "c"}) {
    fs::create_directories(data + "/" + db);
    WriteFile(data + "/" + db + "/t1.frm", std::string("t1 of ") + db);
    WriteFile(data + "/" + db + "/t2.frm", std::string("t2 of ") + db);
    WriteFile(data + "/" + db + "/db.opt", "default-character-set=utf8mb4\n");
  }
  WriteFile(data + "/" + kDdlRecoveryLog, "recovery 1");
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
}

// What the snapshot holds for `path`: the held descriptor's bytes (the
// descriptor is handed over: once per path), or the staged file's.
std::string HeldBytes(DefinitionSnapshot& snapshot, const std::string& stage,
                      const std::string& path) {
  UniqueFd fd;
  struct stat st;
  if (!snapshot.TakeOpenFile(path, &fd, &st)) return ReadFile(stage + "/" + path);
  std::string bytes(static_cast<size_t>(st.st_size), '\0');
  REQUIRE(pread(fd.get(), bytes.data(), bytes.size(), 0) == st.st_size);
  return bytes;
}

std::set<std::string> Listed(const DefinitionSnapshot& snapshot) {
  std::set<std::string> out;
  for (const MiscFile& f : snapshot.Files()) out.insert(f.relative_path);
  return out;
}

TEST_CASE("Definition snapshot: what DDL did between Take and Refresh is taken anew, untouched "
          "directories are not listed again",
          "[unit][definitions]") {
  for (DefinitionSnapshot::Hold hold :
       {DefinitionSnapshot::Hold::kOpenFiles, DefinitionSnapshot::Hold::kLinks}) {
    CAPTURE(hold == DefinitionSnapshot::Hold::kOpenFiles);
    TempDir dir;
    const std::string data = dir / "data";
    const std::string stage = dir / "stage";
    MakeDatadir(data);
    MiscFileScan scan;
    scan.datadir = data;
    DefinitionSnapshot snapshot(hold, false);
    REQUIRE(snapshot.Take(scan, stage).ok());
    const bool open = hold == DefinitionSnapshot::Hold::kOpenFiles;
    CHECK(snapshot.counts().held_open == (open ? 6u : 0u));
    CHECK(snapshot.counts().linked == (open ? 0u : 6u));
    CHECK(snapshot.counts().copied == 4u);  // three db.opt and ddl_recovery.log

    // DDL as the server does it: a definition replaced by rename, one created,
    // one dropped, db.opt and ddl_recovery.log rewritten in place.
    WriteFile(data + "/a/t1.frm.tmp", "t1 of a, altered");
    REQUIRE(rename((data + "/a/t1.frm.tmp").c_str(), (data + "/a/t1.frm").c_str()) == 0);
    WriteFile(data + "/b/t3.frm", "t3 of b");
    REQUIRE(unlink((data + "/b/t2.frm").c_str()) == 0);
    WriteFile(data + "/c/db.opt", "default-character-set=latin1\n");
    WriteFile(data + "/" + kDdlRecoveryLog, "recovery 2");

    REQUIRE(snapshot.Refresh({}).ok());
    CHECK(snapshot.counts().directories_relisted == 2u);  // a and b; c only had a copy change
    const std::set<std::string> listed = Listed(snapshot);
    CHECK(listed.count("b/t3.frm") == 1);
    CHECK(listed.count("b/t2.frm") == 0);
    CHECK(HeldBytes(snapshot, stage, "a/t1.frm") == "t1 of a, altered");
    CHECK(HeldBytes(snapshot, stage, "b/t3.frm") == "t3 of b");
    CHECK(HeldBytes(snapshot, stage, "c/db.opt") == "default-character-set=latin1\n");
    CHECK(HeldBytes(snapshot, stage, kDdlRecoveryLog) == "recovery 2");
    CHECK_FALSE(fs::exists(stage + "/b/t2.frm"));

    // What was held stays as it was when DDL was blocked, whatever comes
    // after (the backup archives after BACKUP STAGE END).
    WriteFile(data + "/a/t2.frm.tmp", "t2 of a, altered after the block");
    REQUIRE(rename((data + "/a/t2.frm.tmp").c_str(), (data + "/a/t2.frm").c_str()) == 0);
    CHECK(HeldBytes(snapshot, stage, "a/t2.frm") == "t2 of a");
  }
}

TEST_CASE("Definition snapshot: a database the server's DDL log names is listed again even if "
          "its directory looks unchanged, and one dropped or created is followed",
          "[unit][definitions]") {
  TempDir dir;
  const std::string data = dir / "data";
  const std::string stage = dir / "stage";
  MakeDatadir(data);
  MiscFileScan scan;
  scan.datadir = data;
  DefinitionSnapshot snapshot(DefinitionSnapshot::Hold::kOpenFiles, false);
  REQUIRE(snapshot.Take(scan, stage).ok());
  fs::remove_all(data + "/b");
  fs::create_directories(data + "/d");
  WriteFile(data + "/d/x.frm", "x of d");
  REQUIRE(snapshot.Refresh({"c"}).ok());
  const std::set<std::string> listed = Listed(snapshot);
  CHECK(listed.count("b/t1.frm") == 0);
  CHECK(listed.count("d/x.frm") == 1);
  CHECK(listed.count("c/t1.frm") == 1);
  // The datadir, d and c.
  CHECK(snapshot.counts().directories_relisted == 3u);
  CHECK(HeldBytes(snapshot, stage, "d/x.frm") == "x of d");
}

TEST_CASE("Definition snapshot: table data is copied in Take and copied again only if written "
          "since, MyISAM's by Refresh, Aria's by RefreshTableData",
          "[unit][definitions]") {
  TempDir dir;
  const std::string data = dir / "data";
  const std::string stage = dir / "stage";
  fs::create_directories(data + "/shop");
  WriteFile(data + "/shop/idle.frm", "idle");
  WriteFile(data + "/shop/idle.MYD", "idle rows");
  WriteFile(data + "/shop/busy.frm", "busy");
  WriteFile(data + "/shop/busy.MYD", "busy rows 1");
  WriteFile(data + "/shop/log.frm", "log");
  WriteFile(data + "/shop/log.MAD", "aria rows 1");
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));  // none is racy
  MiscFileScan scan;
  scan.datadir = data;
  DefinitionSnapshot snapshot(DefinitionSnapshot::Hold::kOpenFiles, true);
  REQUIRE(snapshot.Take(scan, stage).ok());
  CHECK(snapshot.counts().table_data_files == 3u);
  CHECK(snapshot.counts().held_open == 3u);  // the definitions
  // Rewritten in place, as MyISAM and Aria write: same inode, same directory.
  WriteFile(data + "/shop/busy.MYD", "busy rows 1, 2");
  WriteFile(data + "/shop/log.MAD", "aria rows 1, 2");
  REQUIRE(snapshot.Refresh({}).ok());
  CHECK(snapshot.counts().table_data_files == 4u);  // busy.MYD again
  CHECK(snapshot.counts().directories_relisted == 0u);
  CHECK(ReadFile(stage + "/shop/busy.MYD") == "busy rows 1, 2");
  CHECK(ReadFile(stage + "/shop/log.MAD") == "aria rows 1");  // still written under BLOCK_DDL
  WriteFile(data + "/shop/log.MAD", "aria rows 1, 2, 3");
  REQUIRE(snapshot.RefreshTableData().ok());
  CHECK(snapshot.counts().table_data_files == 5u);  // log.MAD, once
  CHECK(ReadFile(stage + "/shop/log.MAD") == "aria rows 1, 2, 3");
  CHECK(ReadFile(stage + "/shop/idle.MYD") == "idle rows");
  // What the backup archives after the block: the copies, not later writes.
  WriteFile(data + "/shop/idle.MYD", "idle rows, written after the block");
  CHECK(ReadFile(stage + "/shop/idle.MYD") == "idle rows");
  for (const MiscFile& f : snapshot.Files()) {
    CAPTURE(f.relative_path);
    CHECK(f.table_data == (f.relative_path.ends_with(".MYD") || f.relative_path.ends_with(".MAD")));
    CHECK(f.moment == (f.table_data ? CopyMoment::kWritesBlocked : CopyMoment::kDdlBlocked));
  }

  SECTION("without stage_table_data, table data stays in the datadir") {
    TempDir dir2;
    DefinitionSnapshot plain(DefinitionSnapshot::Hold::kLinks, false);
    REQUIRE(plain.Take(scan, dir2 / "stage").ok());
    REQUIRE(plain.Refresh({}).ok());
    REQUIRE(plain.RefreshTableData().ok());
    CHECK(plain.counts().table_data_files == 0u);
    CHECK_FALSE(fs::exists(dir2 / "stage/shop/busy.MYD"));
  }
}

TEST_CASE("Backup DDL log: the databases and tables of each line, with its offset",
          "[unit][definitions]") {
  TempDir dir;
  const std::string line1 =
      "2026-12-07 13:00:00\tCREATE\tROCKSDB\t0\tshop\torders\t\t\t0\t\t\t\n";
  const std::string line2 =
      "2026-12-07 13:00:01\tRENAME\tROCKSDB\t0\tshop\told@002dname\t\tROCKSDB\t0\tcrm\tnew\t\n";
  WriteFile(dir / kBackupDdlLogName, line1 + line2 + "2026-12-07 13:00:02\tDROP\tRO");
  std::vector<BackupDdlLogEntry> entries;
  REQUIRE(ReadBackupDdlLog(dir.path(), &entries).ok());
  REQUIRE(entries.size() == 2);  // the unfinished last line is not one
  CHECK(entries[0].offset == 0);
  CHECK(entries[0].databases == std::vector<std::string>{"shop"});
  CHECK(entries[0].tables == std::vector<std::string>{"shop.orders"});
  CHECK(entries[1].offset == line1.size());
  CHECK(entries[1].databases == std::vector<std::string>{"shop", "crm"});
  CHECK(entries[1].tables == std::vector<std::string>{"shop.old@002dname", "crm.new"});
  TempDir empty;
  CHECK(ReadBackupDdlLog(empty.path(), &entries).code() == Status::Code::kNotFound);
}

}  // namespace
}  // namespace hotbackup
