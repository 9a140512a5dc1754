#include "hotbackup/server/table_engines.h"

#include <catch2/catch.hpp>

namespace hotbackup {
namespace {

TEST_CASE("Table engines: which engines' rows the backup carries", "[unit][mixed]") {
  for (const char* e : {"ROCKSDB", "RocksDB", "MyISAM", "Aria", "MRG_MyISAM", "CSV", "ARCHIVE"}) {
    CAPTURE(e);
    CHECK(CoverageOf(e) == EngineCoverage::kCarried);
  }
  for (const char* e : {"MEMORY", "BLACKHOLE", "FEDERATED", "SPIDER", "S3", "SEQUENCE"}) {
    CAPTURE(e);
    CHECK(CoverageOf(e) == EngineCoverage::kDefinitionOnly);
  }
  // InnoDB, and any engine this list does not know: their rows are elsewhere.
  for (const char* e : {"InnoDB", "CONNECT", "Mroonga", "OQGRAPH", "ColumnStore", "", "ROCKSDBX"}) {
    CAPTURE(e);
    CHECK(CoverageOf(e) == EngineCoverage::kNotCarried);
  }
}

}  // namespace
}  // namespace hotbackup
