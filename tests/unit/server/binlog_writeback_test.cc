#include "hotbackup/server/binlog_writeback.h"

#include <catch2/catch.hpp>
#include <chrono>
#include <thread>

#include "support/test_support.h"

namespace hotbackup {
namespace {

using test::TempDir;
using test::WriteFile;

TEST_CASE("CurrentBinlogFromIndex names the index's last file", "[unit][binlog_writeback]") {
  TempDir dir;
  const std::string data = dir.path();
  SECTION("relative names resolve against the datadir") {
    WriteFile(data + "/bin.index", "./bin.000001\n./bin.000002\n\n");
    CHECK(CurrentBinlogFromIndex(data + "/bin.index", data) == data + "/./bin.000002");
  }
  SECTION("absolute names are kept") {
    WriteFile(data + "/bin.index", "/var/log/bin.000007\n");
    CHECK(CurrentBinlogFromIndex(data + "/bin.index", data) == "/var/log/bin.000007");
  }
  SECTION("no index, or an empty one: nothing") {
    CHECK(CurrentBinlogFromIndex(data + "/missing.index", data).empty());
    WriteFile(data + "/bin.index", "");
    CHECK(CurrentBinlogFromIndex(data + "/bin.index", data).empty());
  }
}

TEST_CASE("BinlogWriteback follows the index across a rotation", "[unit][binlog_writeback]") {
  TempDir dir;
  const std::string data = dir.path();
  WriteFile(data + "/bin.000001", std::string(1 << 20, 'a'));
  WriteFile(data + "/bin.index", "./bin.000001\n");
  BinlogWriteback writeback;
  writeback.Start(data + "/bin.index", data, std::chrono::milliseconds(5));
  REQUIRE(writeback.started());
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  WriteFile(data + "/bin.000002", std::string(1 << 20, 'b'));
  WriteFile(data + "/bin.index", "./bin.000001\n./bin.000002\n");
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  const BinlogWriteback::Counts counts = writeback.Stop();
  CHECK_FALSE(writeback.started());
  CHECK(counts.files == 2);
  CHECK(counts.requests >= 2);
  // Stop again: the same counts, no thread.
  CHECK(writeback.Stop().requests == counts.requests);
}

TEST_CASE("BinlogWriteback does nothing without a readable binlog", "[unit][binlog_writeback]") {
  TempDir dir;
  const std::string data = dir.path();
  WriteFile(data + "/bin.index", "./bin.000009\n");  // names a file that is not there
  BinlogWriteback writeback;
  writeback.Start(data + "/bin.index", data, std::chrono::milliseconds(5));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  const BinlogWriteback::Counts counts = writeback.Stop();
  CHECK(counts.files == 0);
  CHECK(counts.requests == 0);
}

}  // namespace
}  // namespace hotbackup
