// Which user tables a MyRocks backup carries, by storage engine.
//
// The backup copies RocksDB's files and, from the database directories, the
// table definitions and the data files of the engines that keep their rows
// in them (MyISAM, Aria, CSV, ARCHIVE, MERGE). An InnoDB table's rows are in
// InnoDB's tablespaces, which this tool does not copy: its definition would
// travel and its rows would not, and the restored server would answer
// "doesn't exist in engine". So before the first checkpoint the server is
// asked which user tables (every schema but mysql, sys, information_schema
// and performance_schema) live in an engine the backup does not carry, and
// which of those hold rows; the backup refuses them unless told to leave
// them out (--allow_partial_backup), and then records them in the manifest.
#ifndef HOTBACKUP_SERVER_TABLE_ENGINES_H_
#define HOTBACKUP_SERVER_TABLE_ENGINES_H_

#include <string>
#include <string_view>
#include <vector>

#include "hotbackup/archive/manifest.h"
#include "hotbackup/server/mysql_connection.h"
#include "hotbackup/util/status.h"

namespace hotbackup {

enum class EngineCoverage {
  kCarried,         // rows in the datadir files the backup copies
  kDefinitionOnly,  // no rows of its own on this server: MEMORY (gone at every
                    // restart anyway), BLACKHOLE, FEDERATED, SPIDER, S3, SEQUENCE
  kNotCarried,      // rows somewhere the backup does not copy (InnoDB, ...)
};

// By the name information_schema.TABLES gives (case-insensitive); an engine
// this list does not know is kNotCarried.
EngineCoverage CoverageOf(std::string_view engine);

struct TablesOutsideTheBackup {
  // Not carried and holding rows (or not known to be empty): what the
  // backup would lose. Rows and bytes are the server's estimates.
  std::vector<LeftOutTable> with_rows;
  // Not carried, and empty: the definition is all there is.
  std::vector<LeftOutTable> empty;
  // Engines that hold no rows here, with how many tables use them.
  std::vector<std::pair<std::string, size_t>> definition_only;
  // Tables whose definition the server cannot open (ENGINE is NULL: an
  // engine not loaded, a damaged or foreign .frm): it cannot serve their
  // rows either; their files are copied as they are. Names only.
  std::vector<LeftOutTable> unreadable;
  // False when InnoDB's dictionary narrowed the look to the schemas that
  // hold InnoDB tables (then definition_only counts only those schemas').
  bool looked_at_every_schema = true;
  // True if an estimate of 0 rows could not be checked with a SELECT (no
  // privilege): then `empty` is the server's estimate.
  bool emptiness_estimated = false;
};

// Asks the server: information_schema.TABLES for the engines (the server
// reads each table's definition, not the table), over only the schemas
// InnoDB's dictionary names when InnoDB is the only engine loaded whose
// rows the backup does not copy (a server of MyRocks tables alone: no
// definition read at all); the few tables found are then opened for their
// row counts.
Status FindTablesOutsideTheBackup(MysqlConnection* connection, TablesOutsideTheBackup* found);

}  // namespace hotbackup

#endif  // HOTBACKUP_SERVER_TABLE_ENGINES_H_
