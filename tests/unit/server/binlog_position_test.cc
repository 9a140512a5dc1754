#include "hotbackup/server/binlog_position.h"

#include <catch2/catch.hpp>

namespace hotbackup {
namespace {

BinlogPosition Primary() {
  BinlogPosition p;
  p.consistent = true;
  p.log_bin = true;
  p.file = "mysql-bin.000003";
  p.position = 1234;
  p.gtid_binlog_pos = "0-1-320";
  p.server_id = 7;
  return p;
}

TEST_CASE("Binlog position: xtrabackup_binlog_info is mariabackup's three tab-separated fields",
          "[unit][binlog]") {
  CHECK(FormatBinlogInfo(Primary()) == "mysql-bin.000003\t1234\t0-1-320\n");
  BinlogPosition no_gtid = Primary();
  no_gtid.gtid_binlog_pos.clear();
  CHECK(FormatBinlogInfo(no_gtid) == "mysql-bin.000003\t1234\t\n");
}

TEST_CASE("Binlog position: xtrabackup_slave_info by GTID or by file and position",
          "[unit][binlog]") {
  ReplicationSource s{"10.0.0.1", 3306, "bin.000007", 4711, "0-1-318", "Slave_Pos"};
  CHECK(FormatSlaveInfo(s) ==
        "SET GLOBAL gtid_slave_pos = '0-1-318';\nCHANGE MASTER TO master_use_gtid = slave_pos;\n");
  s.using_gtid = "No";
  CHECK(FormatSlaveInfo(s) ==
        "CHANGE MASTER TO MASTER_LOG_FILE='bin.000007', MASTER_LOG_POS=4711;\n");
}

TEST_CASE("Binlog position: replica statements name the recorded position and quote values",
          "[unit][binlog]") {
  const std::string own = ReplicaSetupStatements(Primary());
  CHECK_THAT(own, Catch::Contains("SET GLOBAL gtid_slave_pos = '0-1-320';"));
  CHECK_THAT(own, Catch::Contains("MASTER_USE_GTID=slave_pos;"));
  CHECK_THAT(own, Catch::Contains("MASTER_LOG_FILE='mysql-bin.000003', MASTER_LOG_POS=1234;"));
  CHECK_THAT(own, Catch::Contains("server_id 7"));

  BinlogPosition replica = Primary();
  replica.source = ReplicationSource{"db'1", 3307, "bin.000007", 4711, "0-1-318", "Slave_Pos"};
  const std::string of_primary = ReplicaSetupStatements(replica);
  CHECK_THAT(of_primary, Catch::Contains("MASTER_HOST='db''1', MASTER_PORT=3307"));
  CHECK_THAT(of_primary, Catch::Contains("SET GLOBAL gtid_slave_pos = '0-1-318';"));
  CHECK_THAT(of_primary, Catch::Contains("MASTER_LOG_FILE='bin.000007', MASTER_LOG_POS=4711;"));
  CHECK_THAT(of_primary, !Catch::Contains("0-1-320"));

  // A replica that replicated by file and position has no GTID position to give.
  BinlogPosition by_file = Primary();
  by_file.source = ReplicationSource{"db1", 3306, "bin.000007", 4711, "", "No"};
  const std::string file_only = ReplicaSetupStatements(by_file);
  CHECK_THAT(file_only, !Catch::Contains("gtid_slave_pos"));
  CHECK_THAT(file_only, !Catch::Contains("MASTER_USE_GTID"));
  CHECK_THAT(file_only, Catch::Contains("MASTER_LOG_FILE='bin.000007', MASTER_LOG_POS=4711;"));

  BinlogPosition off = Primary();
  off.log_bin = false;
  CHECK(ReplicaSetupStatements(off).empty());
}

}  // namespace
}  // namespace hotbackup
