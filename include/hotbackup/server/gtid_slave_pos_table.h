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
// The bootstrap costs a server start (0.15 s of CPU and more on a loaded
// host), so what it makes is kept in a cache directory of the user running
// the backup, one entry per server version and table definition (the key is
// the SHA-256 of both): later backups of that server take the entry, and a
// server upgrade or a changed definition makes a new one. An entry is
// written under a temporary name and renamed, so a reader never sees half
// of one; one that is not ours (owner, symbolic links) is ignored.
//
// When the table is not InnoDB (Aria, MyISAM, RocksDB) it is already in the
// backup, consistent with the data, and nothing is replaced.
#ifndef HOTBACKUP_SERVER_GTID_SLAVE_POS_TABLE_H_
#define HOTBACKUP_SERVER_GTID_SLAVE_POS_TABLE_H_

#include <string>
#include <vector>

#include "hotbackup/server/mysql_connection.h"
#include "hotbackup/util/child_process.h"
#include "hotbackup/util/scratch_directory.h"
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

  // Starts making the replacement if the server's table is InnoDB: taken
  // from `cache_dir` (empty = no cache) if an entry there matches, else the
  // bootstrap runs while the backup goes on. `basedir` is the server's
  // @@basedir, where its mariadbd is looked for first (then PATH). Errors say
  // why no replacement can be made; the caller decides.
  Status Start(MysqlConnection* connection, const std::string& basedir,
               const std::string& cache_dir);
  // Waits for the bootstrap, collects its files and stores them in the
  // cache (a cache that cannot be written is only said in a line).
  Status Finish();

  // Whether the files came from the cache.
  bool from_cache() const { return from_cache_; }

  // The cache directory of the user running the backup:
  // $XDG_CACHE_HOME/myrocks_hotbackup, else ~/.cache/myrocks_hotbackup;
  // empty if neither variable is set.
  static std::string DefaultCacheDir();

  // The files to archive in place of kGtidSlavePosFrm (after Finish); empty
  // if none.
  const std::vector<File>& files() const { return files_; }

 private:
  // Copies the bootstrap's files into the cache entry; kept on failure.
  Status StoreInCache() const;

  ScratchDirectory scratch_dir_;
  std::string scratch_;  // scratch_dir_.path()
  std::string binary_;
  std::string cache_entry_;  // this definition's entry in the cache, if any
  bool from_cache_ = false;
  ChildProcess bootstrap_;
  std::vector<File> files_;
};

}  // namespace hotbackup

#endif  // HOTBACKUP_SERVER_GTID_SLAVE_POS_TABLE_H_
