// The replication state table a restored server needs to become a replica.
//
// On a default install mysql.gtid_slave_pos is an InnoDB table, and a MyRocks
// backup holds no InnoDB files: restored, the table "doesn't exist in engine"
// and SET GLOBAL gtid_slave_pos, START SLAVE fail. The backup therefore
// carries, in place of its .frm, an empty Aria table of the same definition
// (mysql/gtid_slave_pos.{frm,MAI,MAD}), made by the server's own binary in a
// throwaway `mariadbd --bootstrap` on a scratch directory: nothing touches
// the running server, which is only asked SHOW CREATE TABLE.
//
// When the table is not InnoDB (Aria, MyISAM, RocksDB) it is already in the
// backup, consistent with the data, and nothing is replaced.
#ifndef HOTBACKUP_SERVER_GTID_SLAVE_POS_TABLE_H_
#define HOTBACKUP_SERVER_GTID_SLAVE_POS_TABLE_H_

#include <string>
#include <vector>

#include "hotbackup/server/mysql_connection.h"
#include "hotbackup/util/child_process.h"
#include "hotbackup/util/status.h"

namespace hotbackup {

inline constexpr char kGtidSlavePosFrm[] = "mysql/gtid_slave_pos.frm";

class GtidSlavePosTable {
 public:
  struct File {
    std::string source_path;   // in the scratch directory
    std::string archive_path;  // mysql/gtid_slave_pos.*
  };

  GtidSlavePosTable() = default;
  ~GtidSlavePosTable();  // stops a bootstrap still running, removes the scratch directory
  GtidSlavePosTable(const GtidSlavePosTable&) = delete;
  GtidSlavePosTable& operator=(const GtidSlavePosTable&) = delete;

  // Starts making the replacement if the server's table is InnoDB: the
  // bootstrap runs while the backup goes on. `basedir` is the server's
  // @@basedir, where its mariadbd is looked for first (then PATH). Errors say
  // why no replacement can be made; the caller decides.
  Status Start(MysqlConnection* connection, const std::string& basedir);
  // Waits for the bootstrap and collects its files.
  Status Finish();

  // The files to archive in place of kGtidSlavePosFrm (after Finish); empty
  // if none.
  const std::vector<File>& files() const { return files_; }

 private:
  std::string scratch_;
  std::string binary_;
  ChildProcess bootstrap_;
  std::vector<File> files_;
};

}  // namespace hotbackup

#endif  // HOTBACKUP_SERVER_GTID_SLAVE_POS_TABLE_H_
