// ServerSession: what every backup mode (a tar/XBSTREAM stream, WDT) asks of
// the live server being backed up.
//
// Open connects, learns the datadir, RocksDB's directory and whether the
// server reads with O_DIRECT, the names of its binlog and relay-log files
// (never archived), prepares the mysql.gtid_slave_pos replacement (see
// gtid_slave_pos_table.h) and reads RocksDB's data dictionary. Rounds that
// only send SSTs take an SstCheckpoint; the checkpoint a restore is made of
// is taken with the server's own files, at one moment with the binlog
// coordinates (CheckpointWithServerFiles, below).
//
// Holds one connection; Reconnect replaces it (a round can outlast a
// server-side idle timeout). Not thread-safe.
#ifndef HOTBACKUP_SERVER_SERVER_SESSION_H_
#define HOTBACKUP_SERVER_SERVER_SESSION_H_

#include <ctime>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "hotbackup/archive/manifest.h"
#include "hotbackup/server/backup_stage.h"
#include "hotbackup/server/binlog_writeback.h"
#include "hotbackup/server/checkpoint.h"
#include "hotbackup/server/client_config.h"
#include "hotbackup/server/definition_snapshot.h"
#include "hotbackup/server/gtid_slave_pos_table.h"
#include "hotbackup/server/misc_files.h"
#include "hotbackup/server/mysql_connection.h"
#include "hotbackup/server/table_cache_reload.h"
#include "hotbackup/util/status.h"

namespace hotbackup {

// What a session needs of the run's settings; the modes fill it from the
// command line.
struct SessionConfig {
  ConnectionConfig connection;  // resolved: client_config.h
  std::string datadir;          // -d; "" = ask the server
  std::string checkpoint_dir;   // -c; never itself archived
  bool slave_info = false;      // --slave_info
  bool no_backup_locks = false;        // --no_backup_locks: no BACKUP STAGE
  int lock_wait_timeout = 30;          // seconds, for BACKUP STAGE BLOCK_COMMIT
  bool allow_partial_backup = false;   // leave out tables of engines not copied
  bool skip_check_frm_timestamp = false;  // -f
};

class ServerSession {
 public:
  explicit ServerSession(SessionConfig config);
  ServerSession(const ServerSession&) = delete;
  ServerSession& operator=(const ServerSession&) = delete;

  // Connects, learns the server's layout, and checks that every user table
  // with rows is in an engine the backup copies (table_engines.h): refused
  // in one line naming them, unless --allow_partial_backup (a warning, and
  // left_out() names them for the manifest).
  Status Open();
  // A fresh connection, for the next round.
  Status Connect();

  // Called once the checkpoint root is this backup's. With backup locks,
  // takes BACKUP STAGE START on a connection of its own, held until the last
  // checkpoint (as mariabackup does): from then on the server logs every DDL
  // (ddl.log), which says which tables changed and which directories the
  // last checkpoint must look at again, and no other backup stage starts;
  // it blocks nothing else (Aria keeps its logs until the end). Without
  // backup locks, or on a server that keeps no such log (before MariaDB
  // 10.6), reads RocksDB's data dictionary instead, to compare with the
  // last checkpoint's.
  Status BeginBackup();

  // The checkpoint `checkpoint` names, for a round that only sends SSTs (every stream
  // round but the last). No backup stage: its data is never restored as of
  // that moment (SSTs are immutable; only the last checkpoint's MANIFEST
  // says which ones a restore holds), so the server's commits and table
  // cache are left alone.
  Status SstCheckpoint(Checkpoint* checkpoint);

  // The checkpoint a restore is made of, with the server's own files staged
  // into `stage` (paths relative to the datadir) and the binlog coordinates
  // of its moment; unless --no_backup_locks, one moment for all of them:
  //   BACKUP STAGE START     DDL runs; the server logs it (ddl.log). The
  //                          definitions are listed and linked into the
  //                          stage (definition_snapshot.h).
  //   BACKUP STAGE BLOCK_DDL the server flushes its table cache (every stage
  //                          past START does) and blocks DDL; what changed
  //                          since the first pass is staged again.
  //   BACKUP STAGE BLOCK_COMMIT  commits wait; the checkpoint is made, the
  //                          binlog position read, the mysql schema and Aria
  //                          logs copied into the stage.
  //   BACKUP STAGE END       the tables the server had open before the
  //                          flush are opened again, in the background
  //                          (FinishTableCacheReload)
  // Logs how long DDL and commits were blocked; position() is then this
  // checkpoint's. Refuses .frm files modified after `frm_not_after` (0 = no
  // check).
  Status CheckpointWithServerFiles(int round, Checkpoint* checkpoint, const std::string& stage,
                                   time_t frm_not_after);
  // Bytes copied (not linked) into the stage so far.
  uint64_t staged_bytes() const { return staged_bytes_; }

  // Waits for the reopening of the tables the last checkpoint's backup
  // stage closed (table_cache_reload.h), started once the stage ended, and
  // logs what it did. Nothing if none was started.
  void FinishTableCacheReload();

  // How the next CheckpointWithServerFiles holds the definitions (see
  // definition_snapshot.h): open descriptors (the default, for a backup that
  // archives them itself) or links in the stage (WDT).
  void HoldDefinitionsAs(DefinitionSnapshot::Hold hold) { definitions_hold_ = hold; }
  // The definitions of the last CheckpointWithServerFiles (null before):
  // those held open are handed over from here.
  DefinitionSnapshot* definitions() { return definitions_.get(); }

  // Table definitions changed between BeginBackup and the last checkpoint:
  // a warning with commit blocks (the copy is consistent), kChanged without
  // them unless -f.
  Status CheckDictionaryUnchanged() const;

  MysqlConnection& connection() { return connection_; }
  std::string server_version() const { return connection_.server_version(); }
  const std::string& datadir() const { return datadir_; }
  // Who owns the datadir (the server's user), as of the last checkpoint.
  uid_t datadir_owner() const { return misc_scan_.owner; }
  const std::string& rocksdb_datadir() const { return rocksdb_datadir_; }
  bool server_direct_reads() const { return server_direct_reads_; }
  // RocksDB's DB id: the contents of IDENTITY in its directory, trimmed.
  Status ReadDbId(std::string* db_id) const;
  const std::vector<MiscFile>& misc_files() const { return misc_files_; }
  // The replacement of mysql.gtid_slave_pos, waiting for its bootstrap (started
  // by Open) the first time.
  const GtidSlavePosTable& gtid_slave_pos();
  const BinlogPosition& position() const { return position_; }
  // User tables whose rows the backup does not hold (--allow_partial_backup).
  const std::vector<LeftOutTable>& left_out() const { return left_out_; }

 private:
  Status Inspect();
  Status PrepareGtidSlavePos();
  void WarnWithoutGtidSlavePos(const Status& s);
  Status FindReplicationFiles();
  Status CheckTableEngines();
  Status StartBackupStage();
  Status ReadRocksDbDictionary(std::vector<std::string>* lines);
  void PrepareScan(time_t frm_not_after);
  // Copies the listed files of one moment into `stage`, not synced: a
  // snapshot that lives as long as the backup.
  Status StageMiscFiles(CopyMoment moment, const std::string& stage);

  const SessionConfig config_;
  MysqlConnection connection_;
  std::string datadir_;
  std::string rocksdb_datadir_;
  bool server_direct_reads_ = false;
  MiscFileScan misc_scan_;
  std::vector<MiscFile> misc_files_;
  GtidSlavePosTable gtid_slave_pos_;
  bool gtid_slave_pos_finished_ = false;
  BinlogPosition position_;  // of the latest checkpoint
  std::vector<LeftOutTable> left_out_;
  std::vector<std::string> dictionary_at_start_;
  std::vector<std::string> dictionary_at_checkpoint_;
  MysqlConnection stage_connection_;  // holds backup_stage_
  BackupStage backup_stage_;
  bool ddl_log_ = false;                   // the server keeps ddl.log
  std::set<std::string> tables_with_ddl_;  // named by ddl.log since BeginBackup
  uint64_t staged_bytes_ = 0;
  DefinitionSnapshot::Hold definitions_hold_ = DefinitionSnapshot::Hold::kOpenFiles;
  std::unique_ptr<DefinitionSnapshot> definitions_;
  TableCacheReload table_cache_reload_;
  std::string binlog_index_;              // @@log_bin_index, "" without a binlog
  bool sync_binlog_each_commit_ = false;  // sync_binlog=1: nothing to write back
  BinlogWriteback binlog_writeback_;      // while backup_stage_ is held
};

}  // namespace hotbackup

#endif  // HOTBACKUP_SERVER_SERVER_SESSION_H_
