#include "hotbackup/server/misc_files.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <map>

#include "support/test_support.h"

namespace hotbackup {
namespace {

namespace fs = std::filesystem;
using test::TempDir;

// The relative paths ListMiscFiles picks, each with when it is copied.
std::map<std::string, CopyMoment> Listed(const MiscFileScan& scan) {
  std::vector<MiscFile> files;
  Status s = ListMiscFiles(scan, &files);
  INFO(s.message());
  REQUIRE(s.ok());
  std::map<std::string, CopyMoment> out;
  for (const MiscFile& f : files) out[f.relative_path] = f.moment;
  return out;
}

TEST_CASE("Misc files: the binlog, relay logs, their indexes, replication state and an earlier "
          "backup's position files never travel",
          "[unit][misc]") {
  TempDir dir;
  const std::string data = dir / "data";
  fs::create_directories(data + "/shop");
  fs::create_directories(data + "/mysql");
  fs::create_directories(data + "/binlogs");
  fs::create_directories(data + "/lost+found");
  for (const char* f : {"mysql-bin.000001",
                        "mysql-bin.000002",
                        "mysql-bin.index",
                        "host-relay-bin.000004",
                        "host-relay-bin-conn2.000001",
                        "host-relay-bin.index",
                        "relay-log.info",
                        "relay-log-conn2.info",
                        "master.info",
                        "multi-master.info",
                        "master-conn2.info",
                        "aria_log_control",
                        "aria_log.00000001",
                        "ibtmp1",
                        "host.err",
                        "shop/orders.frm",
                        "shop/db.opt",
                        "shop/legacy.MYD",
                        "shop/legacy.MYI",
                        "shop/legacy.frm",
                        "mysql/global_priv.MAI",
                        "mysql/global_priv.MAD",
                        "mysql/global_priv.frm",
                        "binlogs/mysql-bin.000009"}) {
    test::WriteFile(data + "/" + f, "x");
  }
  MiscFileScan scan;
  scan.datadir = data;
  scan.excluded_prefixes = {data + "/mysql-bin", data + "/host-relay-bin"};
  scan.excluded_paths = {data + "/mysql-bin.index", data + "/host-relay-bin.index"};
  const std::map<std::string, CopyMoment> listed = Listed(scan);
  constexpr CopyMoment kDdl = CopyMoment::kDdlBlocked;
  constexpr CopyMoment kCommits = CopyMoment::kCommitsBlocked;
  constexpr CopyMoment kWrites = CopyMoment::kWritesBlocked;
  constexpr CopyMoment kAfter = CopyMoment::kAfter;
  const std::map<std::string, CopyMoment> expected = {
      // Definitions while DDL is blocked, user MyISAM/Aria data while their
      // writes are; the mysql schema and Aria's log with the checkpoint;
      // other top-level files after.
      {"shop/orders.frm", kDdl},
      {"shop/db.opt", kDdl},
      {"shop/legacy.frm", kDdl},
      {"aria_log_control", kCommits},
      {"aria_log.00000001", kCommits},
      {"mysql/global_priv.MAI", kCommits},
      {"mysql/global_priv.MAD", kCommits},
      {"mysql/global_priv.frm", kCommits},
      {"shop/legacy.MYD", kWrites},
      {"shop/legacy.MYI", kWrites},
      {"host.err", kAfter},
  };
  CHECK(listed == expected);
}

}  // namespace
}  // namespace hotbackup
