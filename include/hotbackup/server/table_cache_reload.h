// TableCacheReload: the server's table cache put back as the backup found
// it.
//
// Every BACKUP STAGE past START passes through FLUSH, which closes every
// table no statement is using (MariaDB's backup_flush: tc_purge, tdc_purge);
// the last checkpoint needs BLOCK_COMMIT, so a consistent backup empties the
// cache once, and the workload would pay to open those tables again on its
// next queries. The tables the server had open are recorded before the
// flush (SHOW OPEN TABLES) and opened again after BACKUP STAGE END by
// `SELECT 1 FROM t1, t2, ... LIMIT 0` (no row read) on a connection of its
// own, in a thread, while the backup archives what it staged. A table that
// cannot be opened (dropped since, DDL holding it: lock_wait_timeout is 1 s
// here, no privilege) is skipped; after 50 such in a row the reload stops,
// and so it does after 5 s (a cache of tens of thousands of tables: the
// workload reopens what it uses, the backup does not wait for the rest).
//
// Start and Finish from one thread; the reload runs in another, with its
// own connection. The destructor stops and joins it.
#ifndef HOTBACKUP_SERVER_TABLE_CACHE_RELOAD_H_
#define HOTBACKUP_SERVER_TABLE_CACHE_RELOAD_H_

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "hotbackup/server/client_config.h"
#include "hotbackup/server/mysql_connection.h"
#include "hotbackup/util/status.h"

namespace hotbackup {

// The tables in the server's table cache, as "`db`.`table`" (quoted).
Status ListOpenTables(MysqlConnection* connection, std::vector<std::string>* tables);

class TableCacheReload {
 public:
  struct Result {
    size_t tables = 0;    // asked to reopen
    size_t reopened = 0;
    double ms = 0;        // the reload's own time
    std::string error;    // why it stopped early ("" if it did not)
  };

  TableCacheReload() = default;
  ~TableCacheReload();
  TableCacheReload(const TableCacheReload&) = delete;
  TableCacheReload& operator=(const TableCacheReload&) = delete;

  // Starts reopening `tables` (from ListOpenTables). `config` is copied.
  void Start(const ConnectionConfig& config, std::vector<std::string> tables);
  bool started() const { return thread_.joinable(); }
  // Waits for the reload; its result. Only after Start.
  Result Finish();

 private:
  void Run(ConnectionConfig config, std::vector<std::string> tables);

  std::thread thread_;
  std::atomic<bool> stop_{false};
  Result result_;  // written by the thread, read after join
};

}  // namespace hotbackup

#endif  // HOTBACKUP_SERVER_TABLE_CACHE_RELOAD_H_
