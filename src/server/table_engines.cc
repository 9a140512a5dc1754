// Which user tables the backup leaves out, asked of the server before the
// first checkpoint. See table_engines.h.
#include "hotbackup/server/table_engines.h"

#include <strings.h>

#include <algorithm>
#include <cstring>

#include <map>
#include <set>
#include <tuple>

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

namespace {

constexpr char kTablesByEngine[] =
    "SELECT TABLE_SCHEMA, TABLE_NAME, ENGINE FROM information_schema.TABLES WHERE "
    "TABLE_TYPE <> 'VIEW' AND TABLE_SCHEMA NOT IN ('mysql', 'sys', 'information_schema', "
    "'performance_schema') AND (ENGINE IS NULL OR ENGINE NOT IN ('ROCKSDB', 'MyISAM', 'Aria', "
    "'MRG_MyISAM', 'CSV', 'ARCHIVE'))";

// Which schemas may hold tables of an engine the backup does not copy,
// without reading every table's definition: information_schema.TABLES
// builds each table's share (about 15 us a table: 1.4 s and a churned
// table definition cache at 100,000 tables). When InnoDB is the only such
// engine loaded, InnoDB's own dictionary names its tables (as directory
// paths: "db/table", "db/t#P#p0"). Sets *all_schemas when that cannot
// answer (another such engine loaded, no PROCESS privilege for InnoDB's
// dictionary, a schema whose directory name is encoded); else *schemas
// (possibly empty: nothing to look at).
void SchemasToLookAt(MysqlConnection* connection, bool* all_schemas,
                     std::set<std::string>* schemas) {
  *all_schemas = true;
  std::vector<MysqlConnection::Row> engines;
  if (!connection
           ->QueryRows("SELECT ENGINE FROM information_schema.ENGINES WHERE SUPPORT IN ('YES', "
                       "'DEFAULT')",
                       &engines)
           .ok()) {
    return;
  }
  bool innodb = false;
  for (const MysqlConnection::Row& row : engines) {
    const std::string engine = row.Get("ENGINE").value_or("");
    if (SameName(engine, "InnoDB")) {
      innodb = true;
    } else if (SameName(engine, "PERFORMANCE_SCHEMA")) {
      // Only its own schema, which is not backed up.
    } else if (CoverageOf(engine) == EngineCoverage::kNotCarried) {
      return;
    }
  }
  schemas->clear();
  if (innodb) {
    std::vector<MysqlConnection::Row> tables;
    if (!connection->QueryRows("SELECT NAME FROM information_schema.INNODB_SYS_TABLES", &tables)
             .ok()) {
      return;
    }
    for (const MysqlConnection::Row& row : tables) {
      const std::string name = row.Get("NAME").value_or("");
      const size_t slash = name.find('/');
      if (slash == std::string::npos) continue;  // InnoDB's own SYS_* tables
      const std::string schema = name.substr(0, slash);
      if (schema == "mysql") continue;
      // A directory name in MariaDB's filename encoding ("we@002dird") is
      // not the schema's SQL name: read every schema then.
      if (schema.find('@') != std::string::npos) {
        schemas->clear();
        return;
      }
      schemas->insert(schema);
    }
  }
  *all_schemas = false;
}

}  // namespace

Status FindTablesOutsideTheBackup(MysqlConnection* connection, TablesOutsideTheBackup* found) {
  bool all_schemas = true;
  std::set<std::string> schemas;
  SchemasToLookAt(connection, &all_schemas, &schemas);
  found->looked_at_every_schema = all_schemas;
  // ENGINE alone needs only each table's definition, not the table opened.
  std::vector<MysqlConnection::Row> rows;
  if (all_schemas) {
    HOTBACKUP_RETURN_IF_ERROR(
        connection->QueryRows(kTablesByEngine, &rows).WithContext("listing the tables by engine"));
  }
  for (const std::string& schema : all_schemas ? std::set<std::string>() : schemas) {
    // One schema at a time: the server then reads that schema's definitions only.
    std::vector<MysqlConnection::Row> some;
    HOTBACKUP_RETURN_IF_ERROR(
        connection
            ->QueryRows(std::string(kTablesByEngine) + " AND TABLE_SCHEMA = '" +
                            connection->EscapeString(schema) + "'",
                        &some)
            .WithContext("listing the tables of " + schema + " by engine"));
    rows.insert(rows.end(), some.begin(), some.end());
  }
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
  std::sort(not_carried.begin(), not_carried.end(), [](const LeftOutTable& a, const LeftOutTable& b) {
    return std::tie(a.schema, a.table) < std::tie(b.schema, b.table);
  });
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
