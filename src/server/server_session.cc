// ServerSession: what every backup mode asks of the live server. See
// server_session.h; the why of each step is next to it.
#include "hotbackup/server/server_session.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <iterator>
#include <set>

#include "hotbackup/io/file_copy.h"
#include "hotbackup/io/file_io.h"
#include "hotbackup/server/backup_stage.h"
#include "hotbackup/server/binlog_position.h"
#include "hotbackup/server/definition_snapshot.h"
#include "hotbackup/server/table_engines.h"
#include "hotbackup/util/interrupt.h"
#include "hotbackup/util/log.h"

namespace hotbackup {
namespace {

namespace fs = std::filesystem;

// How often the binlog is written back while a backup stage is held
// (binlog_writeback.h): the commit block syncs at most about this much of it.
constexpr std::chrono::milliseconds kBinlogWritebackPeriod(500);

// Resolves a server path setting that may be relative to the datadir.
std::string ResolveAgainst(const std::string& datadir, const std::string& path) {
  if (path.empty() || path[0] == '/') return path;
  std::string rel = path.starts_with("./") ? path.substr(2) : path;
  return datadir + "/" + rel;
}

}  // namespace

ServerSession::ServerSession(SessionConfig config) : config_(std::move(config)) {}

Status ServerSession::Open() {
  HOTBACKUP_RETURN_IF_ERROR(Connect());
  HOTBACKUP_RETURN_IF_ERROR(Inspect());
  HOTBACKUP_RETURN_IF_ERROR(CheckTableEngines());
  if (config_.no_backup_locks) {
    HB_LOG_WARN(
        "--no_backup_locks: commits are not blocked at the checkpoints; the backup has "
        "no consistent binlog position, and on a server with a binlog a restore may "
        "find a prepared transaction it cannot resolve");
  }
  return Status::OK();
}

Status ServerSession::BeginBackup() {
  if (!config_.no_backup_locks) {
    HOTBACKUP_RETURN_IF_ERROR(StartBackupStage());
    struct stat st;
    ddl_log_ = stat((datadir_ + "/" + kBackupDdlLogName).c_str(), &st) == 0;
    if (ddl_log_) return Status::OK();
  }
  return ReadRocksDbDictionary(&dictionary_at_start_);
}

Status ServerSession::StartBackupStage() {
  if (!stage_connection_.connected()) {
    HOTBACKUP_RETURN_IF_ERROR(stage_connection_.Connect(config_.connection));
    // Idle for as long as the SST rounds last.
    HOTBACKUP_RETURN_IF_ERROR(stage_connection_.Execute("SET SESSION wait_timeout = 31536000"));
  }
  HOTBACKUP_RETURN_IF_ERROR(backup_stage_.Start(&stage_connection_, config_.lock_wait_timeout));
  if (!binlog_index_.empty() && !sync_binlog_each_commit_) {
    binlog_writeback_.Start(binlog_index_, datadir_, kBinlogWritebackPeriod);
  }
  return Status::OK();
}

Status ServerSession::Connect() { return connection_.Connect(config_.connection); }

Status ServerSession::Inspect() {
  HB_LOG_INFO("Connected to MySQL %s at %s", connection_.server_version().c_str(),
              config_.connection.Describe().c_str());
  std::optional<std::string> value;
  datadir_ = config_.datadir;
  if (datadir_.empty()) {
    HOTBACKUP_RETURN_IF_ERROR(connection_.QueryValue("SELECT @@datadir", &value));
    datadir_ = value.value_or("");
    HB_LOG_INFO("Set datadir: %s", datadir_.c_str());
  }
  datadir_ = StripTrailingSlashes(datadir_);
  if (datadir_.empty()) return Status::InvalidArgument("the server reported no datadir");

  Status s = connection_.QueryValue("SELECT @@global.rocksdb_datadir", &value);
  if (!s.ok()) {
    return Status::Server(
        "the server has no MyRocks (SELECT @@global.rocksdb_datadir failed); "
        "is the RocksDB plugin loaded?");
  }
  rocksdb_datadir_ = StripTrailingSlashes(ResolveAgainst(datadir_, value.value_or("")));

  HOTBACKUP_RETURN_IF_ERROR(
      connection_.QueryValue("SELECT @@global.rocksdb_use_direct_reads", &value));
  server_direct_reads_ = value && *value != "0" && *value != "OFF";
  HOTBACKUP_RETURN_IF_ERROR(FindReplicationFiles());
  return PrepareGtidSlavePos();
}

// See gtid_slave_pos_table.h. Without it a restore still works, but cannot
// be made a replica before the table is recreated: a warning, not an error.
Status ServerSession::PrepareGtidSlavePos() {
  std::optional<std::string> basedir;
  HOTBACKUP_RETURN_IF_ERROR(connection_.QueryValue("SELECT @@basedir", &basedir));
  WarnWithoutGtidSlavePos(gtid_slave_pos_.Start(&connection_, basedir.value_or(""),
                                                GtidSlavePosTable::DefaultCacheDir()));
  return Status::OK();
}

void ServerSession::WarnWithoutGtidSlavePos(const Status& s) {
  if (s.ok()) return;
  HB_LOG_WARN(
      "mysql.gtid_slave_pos is InnoDB and no Aria copy could be made (%s); a server "
      "restored from this backup needs it recreated before it can replicate "
      "(README: Seeding a replica)",
      s.message().c_str());
}

const GtidSlavePosTable& ServerSession::gtid_slave_pos() {
  if (!gtid_slave_pos_finished_) {
    gtid_slave_pos_finished_ = true;
    WarnWithoutGtidSlavePos(gtid_slave_pos_.Finish());
    if (!gtid_slave_pos_.files().empty()) {
      HB_LOG_INFO("mysql.gtid_slave_pos is InnoDB: the backup carries an empty Aria table in its "
                  "place (%s)",
                  gtid_slave_pos_.from_cache() ? "from the cache" : "made by mariadbd --bootstrap");
    }
  }
  return gtid_slave_pos_;
}

Status ServerSession::CheckTableEngines() {
  TablesOutsideTheBackup found;
  HOTBACKUP_RETURN_IF_ERROR(FindTablesOutsideTheBackup(&connection_, &found));
  if (!found.empty.empty() || !found.definition_only.empty()) {
    std::string engines;
    // Counted over the schemas looked at; only meaningful if those were all.
    for (const auto& [engine, count] : found.definition_only) {
      if (!found.looked_at_every_schema) break;
      engines += (engines.empty() ? "" : ", ") + std::to_string(count) + " " + engine;
    }
    std::string message;
    if (!found.empty.empty()) {
      message = std::to_string(found.empty.size()) + " empty table" +
                (found.empty.size() == 1 ? "" : "s") + " of engines whose rows it does not copy (" +
                DescribeLeftOutTables(found.empty) + (found.emptiness_estimated ? ", empty by the "
                "server's estimate: no SELECT privilege to check" : "") + ")";
    }
    if (!engines.empty()) {
      message += std::string(message.empty() ? "" : "; ") + "tables of engines that keep no "
                 "rows here (" + engines + "; MEMORY tables restore empty, as after a restart)";
    }
    if (!message.empty()) {
      HB_LOG_INFO("The backup carries only the definitions of %s", message.c_str());
    }
  }
  if (!found.unreadable.empty()) {
    std::string names;
    for (size_t i = 0; i < found.unreadable.size() && i < 10; ++i) {
      names += (i ? ", " : "") + found.unreadable[i].schema + "." + found.unreadable[i].table;
    }
    if (found.unreadable.size() > 10) {
      names += " and " + std::to_string(found.unreadable.size() - 10) + " more";
    }
    HB_LOG_WARN("The server cannot open the definition of %zu table%s (%s: an engine not loaded, "
                "or a damaged .frm); %s files are copied as they are",
                found.unreadable.size(), found.unreadable.size() == 1 ? "" : "s", names.c_str(),
                found.unreadable.size() == 1 ? "its" : "their");
  }
  if (found.with_rows.empty()) return Status::OK();
  const std::string list = std::to_string(found.with_rows.size()) + " user table" +
                           (found.with_rows.size() == 1 ? "" : "s") + " with rows in engines " +
                           "this backup does not copy: " + DescribeLeftOutTables(found.with_rows);
  if (!config_.allow_partial_backup) {
    return Status::NotSupported(
        list + ". Back them up with mariabackup, convert them (ALTER TABLE ... ENGINE=ROCKSDB), "
               "or pass --allow_partial_backup to take the backup without their rows");
  }
  HB_LOG_WARN("--allow_partial_backup: leaving out %s; a restored server has their definitions "
              "without their rows, and the manifest names them",
              list.c_str());
  left_out_ = std::move(found.with_rows);
  return Status::OK();
}

// The binlog, relay logs, their indexes and replication state files are
// never archived: they describe a later moment than the data, or another
// server's replication. Their names come from the server.
Status ServerSession::FindReplicationFiles() {
  std::vector<MysqlConnection::Row> rows;
  HOTBACKUP_RETURN_IF_ERROR(connection_.QueryRows(
      "SELECT @@global.log_bin_basename AS log_bin_basename, @@global.log_bin_index AS "
      "log_bin_index, @@global.relay_log_basename AS relay_log_basename, "
      "@@global.relay_log_index AS relay_log_index, @@global.relay_log_info_file AS "
      "relay_log_info_file",
      &rows));
  std::error_code ec;
  const std::string canonical_datadir = fs::weakly_canonical(datadir_, ec).string();
  // As the server names it, and as the datadir scan spells it.
  auto spellings = [&](const std::string& value) {
    std::vector<std::string> out;
    if (value.empty()) return out;
    std::string path = ResolveAgainst(datadir_, value);
    out.push_back(path);
    std::string canonical = fs::weakly_canonical(path, ec).string();
    if (!ec && canonical.starts_with(canonical_datadir + "/")) {
      out.push_back(datadir_ + canonical.substr(canonical_datadir.size()));
    }
    return out;
  };
  if (rows.size() == 1) {
    const std::string index = rows[0].Get("log_bin_index").value_or("");
    if (!index.empty()) binlog_index_ = ResolveAgainst(datadir_, index);
    for (const char* name : {"log_bin_basename", "relay_log_basename"}) {
      for (const std::string& p : spellings(rows[0].Get(name).value_or(""))) {
        misc_scan_.excluded_prefixes.push_back(p);
      }
    }
    for (const char* name : {"log_bin_index", "relay_log_index", "relay_log_info_file"}) {
      for (const std::string& p : spellings(rows[0].Get(name).value_or(""))) {
        misc_scan_.excluded_paths.insert(p);
      }
    }
  }
  std::optional<std::string> value;
  if (connection_.QueryValue("SELECT @@global.sync_binlog", &value).ok() && value) {
    sync_binlog_each_commit_ = *value == "1";
  }
  if (connection_.QueryValue("SELECT @@global.master_info_file", &value).ok() && value) {
    for (const std::string& p : spellings(*value)) misc_scan_.excluded_paths.insert(p);
  }
  return Status::OK();
}

// The RocksDB data dictionary: one line per index of every MyRocks table
// (schema, table, partition, index, column family, index number). A table
// created, dropped, renamed, truncated or rebuilt changes it.
Status ServerSession::ReadRocksDbDictionary(std::vector<std::string>* lines) {
  std::vector<MysqlConnection::Row> rows;
  HOTBACKUP_RETURN_IF_ERROR(connection_.QueryRows(
      "SELECT CONCAT_WS('.', TABLE_SCHEMA, TABLE_NAME, IFNULL(PARTITION_NAME, ''), INDEX_NAME, "
      "COLUMN_FAMILY, INDEX_NUMBER) AS line FROM information_schema.ROCKSDB_DDL",
      &rows));
  lines->clear();
  for (const MysqlConnection::Row& row : rows) lines->push_back(row.Get("line").value_or(""));
  std::sort(lines->begin(), lines->end());
  return Status::OK();
}

// Table definitions that changed while the backup ran are named. With
// commit blocks, the copy is consistent (definitions are copied with the
// last checkpoint, DDL blocked), so this is a warning; without them the
// copy may not match the data, and the backup is refused unless -f.
Status ServerSession::CheckDictionaryUnchanged() const {
  std::vector<std::string> changed;
  std::set_symmetric_difference(dictionary_at_start_.begin(), dictionary_at_start_.end(),
                                dictionary_at_checkpoint_.begin(), dictionary_at_checkpoint_.end(),
                                std::back_inserter(changed));
  if (changed.empty() && tables_with_ddl_.empty()) return Status::OK();
  std::set<std::string> tables = tables_with_ddl_;
  for (const std::string& line : changed) {
    size_t first = line.find('.');
    size_t second = first == std::string::npos ? first : line.find('.', first + 1);
    tables.insert(line.substr(0, second));
  }
  std::string list;
  for (const std::string& t : tables) list += (list.empty() ? "" : ", ") + t;
  if (!config_.no_backup_locks) {
    HB_LOG_WARN(
        "Table definitions changed during the backup (%s); the copy is consistent: "
        "definitions were copied with the last checkpoint while DDL was blocked",
        list.c_str());
    return Status::OK();
  }
  const std::string message = "table definitions changed during the backup (" + list +
                              ") and --no_backup_locks copied them at another moment than the "
                              "data";
  if (config_.skip_check_frm_timestamp) {
    HB_LOG_WARN("%s; kept because of -f", message.c_str());
    return Status::OK();
  }
  return Status::Changed(message + ". Aborting (-f keeps such a backup)");
}

Status ServerSession::SstCheckpoint(Checkpoint* checkpoint) {
  HOTBACKUP_RETURN_IF_ERROR(connection_.Execute("SET GLOBAL rocksdb_force_flush_memtable_now = 1"));
  const std::string path = checkpoint->display_path();
  HB_LOG_INFO("Creating checkpoint at %s", path.c_str());
  HOTBACKUP_RETURN_IF_ERROR(checkpoint->Create(&connection_));
  HB_LOG_INFO("Created checkpoint at %s", path.c_str());
  return Status::OK();
}

// What the scans of the server's files skip: RocksDB's directory and ours,
// if they are in the datadir.
void ServerSession::PrepareScan(time_t frm_not_after) {
  misc_scan_.datadir = datadir_;
  misc_scan_.skip_directories = {".rocksdb", "#rocksdb"};
  for (const std::string& dir : {rocksdb_datadir_, StripTrailingSlashes(config_.checkpoint_dir)}) {
    fs::path p(dir);
    std::error_code ec;
    if (fs::equivalent(p.parent_path(), datadir_, ec)) {
      misc_scan_.skip_directories.insert(p.filename().string());
    }
  }
  misc_scan_.frm_not_after = frm_not_after;
  struct stat st;
  misc_scan_.owner = stat(datadir_.c_str(), &st) == 0 ? st.st_uid : geteuid();
}

// Copies the misc files of one moment into `stage` (local disk, page
// cache: milliseconds), so that the server stays blocked no longer than
// that, whatever the speed of the archive's reader.
Status ServerSession::StageMiscFiles(CopyMoment moment, const std::string& stage) {
  std::error_code ec;
  for (const MiscFile& f : misc_files_) {
    if (f.moment != moment) continue;
    const std::string to = stage + "/" + f.relative_path;
    fs::create_directories(fs::path(to).parent_path(), ec);
    if (ec) return Status::IOError("create " + fs::path(to).parent_path().string(), ec.value());
    // Symbolic links in the datadir are followed, to its owner's files only.
    const std::string from = datadir_ + "/" + f.relative_path;
    UniqueFd in;
    struct stat st;
    HOTBACKUP_RETURN_IF_ERROR(OpenDatadirFile(from, misc_scan_.owner, &in, &st));
    HOTBACKUP_RETURN_IF_ERROR(
        CopyOpenFile(in.get(), st, from, to, Durability::kNotSynced, &staged_bytes_));
  }
  return Status::OK();
}

namespace {

// A test's hook into the moment between the first pass over the
// definitions and BLOCK_DDL, where DDL still runs: waits for the file the
// environment names, as -D does before the misc files.
Status WaitBeforeBlockDdl() {
  const char* file = getenv("HOTBACKUP_DEBUG_PAUSE_BEFORE_BLOCK_DDL");
  if (file == nullptr || *file == 0) return Status::OK();
  while (access(file, F_OK) != 0) {
    HB_LOG_INFO("Waiting until %s is created..", file);
    HOTBACKUP_RETURN_IF_ERROR(InterruptibleSleep(0.2));
  }
  return Status::OK();
}

}  // namespace

Status ServerSession::CheckpointWithServerFiles(int round, Checkpoint* checkpoint,
                                                const std::string& stage, time_t frm_not_after) {
  const std::string path = checkpoint->display_path();
  // Flushed now, the memtable is nearly empty when the checkpoint flushes
  // it again under the block, which then lasts milliseconds.
  HOTBACKUP_RETURN_IF_ERROR(connection_.Execute("SET GLOBAL rocksdb_force_flush_memtable_now = 1"));
  const bool locks = !config_.no_backup_locks;
  // A WDT round after the first starts a stage of its own.
  if (locks && !backup_stage_.held()) HOTBACKUP_RETURN_IF_ERROR(StartBackupStage());
  // The connection that holds the stage makes the checkpoint: nothing of
  // it waits on the block it holds.
  MysqlConnection& connection = locks ? stage_connection_ : connection_;
  if (!ddl_log_) HOTBACKUP_RETURN_IF_ERROR(ReadRocksDbDictionary(&dictionary_at_checkpoint_));
  // DDL logged from here on ran during the first pass.
  uint64_t first_pass_log_offset = 0;
  struct stat st;
  if (ddl_log_ && stat((datadir_ + "/" + kBackupDdlLogName).c_str(), &st) == 0) {
    first_pass_log_offset = static_cast<uint64_t>(st.st_size);
  }
  PrepareScan(frm_not_after);
  HB_LOG_INFO("Taking MySQL misc backups..");
  // Table data is staged only where its writes will be blocked (BLOCK_DDL
  // passes through FLUSH, which blocks writes to non-transactional tables).
  definitions_ = std::make_unique<DefinitionSnapshot>(definitions_hold_, locks);
  DefinitionSnapshot& definitions = *definitions_;
  HOTBACKUP_RETURN_IF_ERROR(definitions.Take(misc_scan_, stage));
  const DefinitionSnapshot::Counts first_pass = definitions.counts();
  HOTBACKUP_RETURN_IF_ERROR(WaitBeforeBlockDdl());
  std::set<std::string> databases_with_ddl;
  std::vector<std::string> open_tables;
  if (locks) {
    // The flush to come closes them; without the list they stay closed.
    FinishTableCacheReload();
    if (!ListOpenTables(&connection_, &open_tables).ok()) open_tables.clear();
    HOTBACKUP_RETURN_IF_ERROR(backup_stage_.BlockDdl());
    std::vector<BackupDdlLogEntry> entries;
    Status logged = ReadBackupDdlLog(datadir_, &entries);
    if (logged.code() != Status::Code::kNotFound) HOTBACKUP_RETURN_IF_ERROR(logged);
    for (const BackupDdlLogEntry& e : entries) {
      tables_with_ddl_.insert(e.tables.begin(), e.tables.end());
      if (e.offset >= first_pass_log_offset) {
        databases_with_ddl.insert(e.databases.begin(), e.databases.end());
      }
    }
  }
  HOTBACKUP_RETURN_IF_ERROR(definitions.Refresh(databases_with_ddl));
  misc_files_ = definitions.Files();
  staged_bytes_ += definitions.counts().copied_bytes;
  if (!locks) {
    // Nothing blocks their writes: copied after the checkpoint, as the
    // original did, and at no moment in particular.
    for (MiscFile& f : misc_files_) {
      if (f.moment == CopyMoment::kWritesBlocked) f.moment = CopyMoment::kAfter;
    }
  }

  const DefinitionSnapshot::Counts ddl_blocked = definitions.counts();
  if (locks) HOTBACKUP_RETURN_IF_ERROR(backup_stage_.BlockCommit());
  // Aria's tables (written until now), then its log: the restored server's
  // Aria recovery brings them to the log's end, this moment.
  HOTBACKUP_RETURN_IF_ERROR(definitions.RefreshTableData());
  staged_bytes_ += definitions.counts().copied_bytes - ddl_blocked.copied_bytes;
  HB_LOG_INFO("Creating checkpoint at %s", path.c_str());
  HOTBACKUP_RETURN_IF_ERROR(checkpoint->Create(&connection));
  BinlogPosition position;
  HOTBACKUP_RETURN_IF_ERROR(ReadBinlogPosition(&connection, &position));
  if (config_.slave_info) {
    HOTBACKUP_RETURN_IF_ERROR(ReadReplicationSource(&connection, &position.source));
  }
  HOTBACKUP_RETURN_IF_ERROR(StageMiscFiles(CopyMoment::kCommitsBlocked, stage));
  HOTBACKUP_RETURN_IF_ERROR(backup_stage_.End());
  if (binlog_writeback_.started()) {
    const BinlogWriteback::Counts wb = binlog_writeback_.Stop();
    HB_LOG_INFO("Binlog: written back %llu times in the background while the backup stage was "
                "held (sync_binlog is not 1), so that BLOCK_COMMIT's sync of it was short",
                static_cast<unsigned long long>(wb.requests));
  }
  HB_LOG_INFO("Created checkpoint at %s", path.c_str());
  if (!open_tables.empty()) table_cache_reload_.Start(config_.connection, std::move(open_tables));

  const DefinitionSnapshot::Counts& counts = definitions.counts();
  HB_LOG_INFO("Table definitions: %zu files held open, %zu linked and %zu copied while DDL ran; "
              "with DDL blocked, %zu directories listed again and %zu files staged again",
              counts.held_open, counts.linked, counts.copied, counts.directories_relisted,
              counts.staged_again);
  if (counts.table_data_files > 0) {
    auto mb = [](uint64_t bytes) { return static_cast<double>(bytes) / (1 << 20); };
    HB_LOG_INFO("MyISAM/Aria/CSV/ARCHIVE table files: %zu (%.2f MB) copied while written; "
                "copied again with their writes blocked: %zu (%.2f MB) with DDL, %zu (%.2f MB) "
                "with commits",
                first_pass.table_data_files, mb(first_pass.table_data_bytes),
                ddl_blocked.table_data_files - first_pass.table_data_files,
                mb(ddl_blocked.table_data_bytes - first_pass.table_data_bytes),
                counts.table_data_files - ddl_blocked.table_data_files,
                mb(counts.table_data_bytes - ddl_blocked.table_data_bytes));
  }
  position.consistent = locks;
  position.commit_block_ms = backup_stage_.commit_blocked_ms();
  if (locks) {
    HB_LOG_INFO("Round %d: DDL blocked for %.1f ms, commits for %.1f ms of it (BLOCK_DDL, with "
                "the server's table cache flush, took %.1f ms)",
                round, backup_stage_.ddl_blocked_ms(), position.commit_block_ms,
                backup_stage_.block_ddl_ms());
  }
  if (position.consistent && position.log_bin) {
    HB_LOG_INFO("Round %d: commits blocked for %.1f ms; binlog position %s:%llu, GTID %s", round,
                position.commit_block_ms, position.file.c_str(),
                static_cast<unsigned long long>(position.position),
                position.gtid_binlog_pos.empty() ? "(none)" : position.gtid_binlog_pos.c_str());
  } else if (position.consistent) {
    HB_LOG_INFO("Round %d: commits blocked for %.1f ms; the binlog is off", round,
                position.commit_block_ms);
  }
  position_ = position;
  return Status::OK();
}

void ServerSession::FinishTableCacheReload() {
  if (!table_cache_reload_.started()) return;
  TableCacheReload::Result r = table_cache_reload_.Finish();
  HB_LOG_INFO("Table cache: %zu of the %zu tables the server had open before the backup stage's "
              "flush opened again (%.0f ms, beside the backup)%s%s",
              r.reopened, r.tables, r.ms, r.error.empty() ? "" : "; stopped: ", r.error.c_str());
}

Status ServerSession::ReadDbId(std::string* db_id) const {
  HOTBACKUP_RETURN_IF_ERROR(ReadSmallFile(rocksdb_datadir_ + "/IDENTITY", db_id, 4096)
                                .WithContext("RocksDB's DB id"));
  while (!db_id->empty() && std::isspace(static_cast<unsigned char>(db_id->back()))) db_id->pop_back();
  return Status::OK();
}

}  // namespace hotbackup
