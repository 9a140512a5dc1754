// Which user tables the backup leaves out, asked of the server before the
// first checkpoint. See table_engines.h.
#include "hotbackup/server/table_engines.h"

#include <strings.h>

#include <cstring>

#include <map>

namespace hotbackup {
namespace {

bool SameName(std::string_view a, const char* b) {
  return a.size() == strlen(b) && strncasecmp(a.data(), b, a.size()) == 0;
}

uint64_t ToUnsigned(const std::optional<std::string>& value) {
  if (!value || value->empty()) return 0;
  return strtoull(value->c_str(), nullptr, 10);
}

// An exact answer for a table the server estimates empty (InnoDB's estimate
// lags its inserts): kOk and *empty, or an error (no SELECT privilege).
Status CheckEmpty(MysqlConnection* connection, const LeftOutTable& t, bool* empty) {
  std::vector<MysqlConnection::Row> rows;
  HOTBACKUP_RETURN_IF_ERROR(connection->QueryRows(
      "SELECT 1 AS x FROM " + QuoteIdentifier(t.schema) + "." + QuoteIdentifier(t.table) +
          " LIMIT 1",
      &rows));
  *empty = rows.empty();
  return Status::OK();
}

}  // namespace

EngineCoverage CoverageOf(std::string_view engine) {
  for (const char* e : {"ROCKSDB", "MyISAM", "Aria", "MRG_MyISAM", "CSV", "ARCHIVE"}) {
    if (SameName(engine, e)) return EngineCoverage::kCarried;
  }
  for (const char* e : {"MEMORY", "BLACKHOLE", "FEDERATED", "SPIDER", "S3", "SEQUENCE"}) {
    if (SameName(engine, e)) return EngineCoverage::kDefinitionOnly;
  }
  return EngineCoverage::kNotCarried;
}

Status FindTablesOutsideTheBackup(MysqlConnection* connection, TablesOutsideTheBackup* found) {
  // ENGINE alone needs only each table's definition, not the table opened.
  std::vector<MysqlConnection::Row> rows;
  HOTBACKUP_RETURN_IF_ERROR(
      connection->QueryRows(
          "SELECT TABLE_SCHEMA, TABLE_NAME, ENGINE FROM information_schema.TABLES WHERE "
          "TABLE_TYPE <> 'VIEW' AND TABLE_SCHEMA NOT IN ('mysql', 'sys', "
          "'information_schema', 'performance_schema') AND (ENGINE IS NULL OR ENGINE NOT IN "
          "('ROCKSDB', 'MyISAM', 'Aria', 'MRG_MyISAM', 'CSV', 'ARCHIVE'))",
          &rows)
          .WithContext("listing the tables by engine"));
  std::map<std::string, size_t> definition_only;
  std::vector<LeftOutTable> not_carried;
  for (const MysqlConnection::Row& row : rows) {
    LeftOutTable t;
    t.schema = row.Get("TABLE_SCHEMA").value_or("");
    t.table = row.Get("TABLE_NAME").value_or("");
    std::optional<std::string> engine = row.Get("ENGINE");
    if (!engine) {
      found->unreadable.push_back(std::move(t));
      continue;
    }
    t.engine = *engine;
    switch (CoverageOf(t.engine)) {
      case EngineCoverage::kCarried:
        break;
      case EngineCoverage::kDefinitionOnly:
        ++definition_only[t.engine];
        break;
      case EngineCoverage::kNotCarried:
        not_carried.push_back(std::move(t));
        break;
    }
  }
  found->definition_only.assign(definition_only.begin(), definition_only.end());
  for (LeftOutTable& t : not_carried) {
    std::vector<MysqlConnection::Row> stats;
    bool estimated_empty = false;
    if (connection
            ->QueryRows("SELECT TABLE_ROWS, DATA_LENGTH, INDEX_LENGTH FROM "
                        "information_schema.TABLES WHERE TABLE_SCHEMA = '" +
                            connection->EscapeString(t.schema) + "' AND TABLE_NAME = '" +
                            connection->EscapeString(t.table) + "'",
                            &stats)
            .ok() &&
        stats.size() == 1) {
      t.rows = ToUnsigned(stats[0].Get("TABLE_ROWS"));
      t.bytes = ToUnsigned(stats[0].Get("DATA_LENGTH")) + ToUnsigned(stats[0].Get("INDEX_LENGTH"));
      estimated_empty = t.rows == 0 && stats[0].Get("TABLE_ROWS").has_value();
    }
    if (estimated_empty) {
      bool empty = false;
      if (CheckEmpty(connection, t, &empty).ok()) {
        if (empty) {
          found->empty.push_back(std::move(t));
        } else {
          t.rows = 1;  // at least
          found->with_rows.push_back(std::move(t));
        }
        continue;
      }
      found->emptiness_estimated = true;
      found->empty.push_back(std::move(t));
      continue;
    }
    found->with_rows.push_back(std::move(t));
  }
  return Status::OK();
}

}  // namespace hotbackup
