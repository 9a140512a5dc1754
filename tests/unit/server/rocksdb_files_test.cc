#include "hotbackup/server/rocksdb_files.h"

#include <catch2/catch.hpp>

namespace hotbackup {
namespace {

TEST_CASE("RocksDB file names: WAL files are digits then .log, nothing else", "[unit]") {
  for (const char* wal : {"000015.log", "1.log", "123456789012.log"}) CHECK(IsWalFileName(wal));
  for (const char* other : {"tc.log", "ddl_recovery.log", ".log", "12a.log", "000015.log.bak",
                            "mysql-bin.000001", "000015.sst"}) {
    CAPTURE(other);
    CHECK_FALSE(IsWalFileName(other));
  }
  CHECK(IsSstFileName("000012.sst"));
  CHECK_FALSE(IsSstFileName("000012.sst.tmp"));
  for (const char* meta : {"MANIFEST-000004", "CURRENT", "OPTIONS-000011"})
    CHECK(IsMetadataFileName(meta));
  CHECK_FALSE(IsMetadataFileName("IDENTITY"));
  CHECK_FALSE(IsMetadataFileName("LOG"));
}

}  // namespace
}  // namespace hotbackup
