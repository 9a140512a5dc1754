// Replication coordinates: read from the server, written as mariabackup's
// files and as the statements a DBA runs on a restored server.
#include "hotbackup/server/binlog_position.h"

#include <charconv>
#include <vector>

namespace hotbackup {
namespace {

bool ParseUnsigned(const std::optional<std::string>& text, uint64_t* value) {
  if (!text || text->empty()) return false;
  const char* end = text->data() + text->size();
  auto [ptr, ec] = std::from_chars(text->data(), end, *value);
  return ec == std::errc() && ptr == end;
}

// A value as a single-quoted SQL literal in a statement we print; the values
// come from the server (file names, GTID lists, host names). A doubled quote
// means the same with or without NO_BACKSLASH_ESCAPES.
std::string Quote(const std::string& value) {
  std::string out = "'";
  for (char c : value) {
    if (c == '\'') out += '\'';
    out += c;
  }
  return out + "'";
}

}  // namespace

Status ReadBinlogPosition(MysqlConnection* connection, BinlogPosition* position) {
  std::vector<MysqlConnection::Row> rows;
  HOTBACKUP_RETURN_IF_ERROR(connection->QueryRows("SHOW MASTER STATUS", &rows));
  position->log_bin = !rows.empty();
  if (position->log_bin) {
    position->file = rows[0].Get("File").value_or("");
    if (position->file.empty() || !ParseUnsigned(rows[0].Get("Position"), &position->position)) {
      return Status::Server("SHOW MASTER STATUS returned no binlog file and position");
    }
  }
  HOTBACKUP_RETURN_IF_ERROR(connection->QueryRows(
      "SELECT @@global.gtid_binlog_pos AS binlog_pos, @@global.gtid_current_pos AS current_pos, "
      "@@global.server_id AS server_id",
      &rows));
  if (rows.size() != 1) return Status::Server("the server did not report its GTID positions");
  position->gtid_binlog_pos = rows[0].Get("binlog_pos").value_or("");
  position->gtid_current_pos = rows[0].Get("current_pos").value_or("");
  if (!ParseUnsigned(rows[0].Get("server_id"), &position->server_id)) {
    return Status::Server("the server reported no server_id");
  }
  return Status::OK();
}

Status ReadReplicationSource(MysqlConnection* connection,
                             std::optional<ReplicationSource>* source) {
  source->reset();
  std::vector<MysqlConnection::Row> rows;
  HOTBACKUP_RETURN_IF_ERROR(connection->QueryRows("SHOW ALL SLAVES STATUS", &rows));
  if (rows.empty()) return Status::OK();
  if (rows.size() > 1) {
    return Status::NotSupported("--slave_info: the server replicates from " +
                                std::to_string(rows.size()) +
                                " sources; only a single (default) source is supported");
  }
  const MysqlConnection::Row& row = rows[0];
  ReplicationSource r;
  r.master_host = row.Get("Master_Host").value_or("");
  uint64_t port = 0;
  ParseUnsigned(row.Get("Master_Port"), &port);
  r.master_port = static_cast<int>(port);
  r.master_log_file = row.Get("Relay_Master_Log_File").value_or("");
  if (!ParseUnsigned(row.Get("Exec_Master_Log_Pos"), &r.master_log_pos)) {
    return Status::Server("SHOW SLAVE STATUS returned no Exec_Master_Log_Pos");
  }
  r.using_gtid = row.Get("Using_Gtid").value_or("No");
  std::optional<std::string> gtid;
  HOTBACKUP_RETURN_IF_ERROR(connection->QueryValue("SELECT @@global.gtid_slave_pos", &gtid));
  r.gtid_slave_pos = gtid.value_or("");
  *source = r;
  return Status::OK();
}

std::string FormatBinlogInfo(const BinlogPosition& p) {
  return p.file + "\t" + std::to_string(p.position) + "\t" + p.gtid_binlog_pos + "\n";
}

std::string FormatSlaveInfo(const ReplicationSource& s) {
  if (s.using_gtid != "No" && !s.gtid_slave_pos.empty()) {
    return "SET GLOBAL gtid_slave_pos = " + Quote(s.gtid_slave_pos) +
           ";\nCHANGE MASTER TO master_use_gtid = slave_pos;\n";
  }
  return "CHANGE MASTER TO MASTER_LOG_FILE=" + Quote(s.master_log_file) +
         ", MASTER_LOG_POS=" + std::to_string(s.master_log_pos) + ";\n";
}

std::string ReplicaSetupStatements(const BinlogPosition& p) {
  // Whose binlog the position is in: the replica's primary, or the server.
  std::string who, host, port, gtid, file;
  uint64_t position = 0;
  if (p.source) {
    const ReplicationSource& s = *p.source;
    who = s.master_host + ":" + std::to_string(s.master_port) +
          " (the primary of the server backed up)";
    host = Quote(s.master_host);
    port = std::to_string(s.master_port);
    gtid = s.gtid_slave_pos;
    file = s.master_log_file;
    position = s.master_log_pos;
  } else if (p.log_bin) {
    who = "the server backed up (server_id " + std::to_string(p.server_id) + ")";
    host = "'<host of server " + std::to_string(p.server_id) + ">'";
    port = "3306";
    gtid = p.gtid_binlog_pos;
    file = p.file;
    position = p.position;
  } else {
    return "";
  }
  const std::string target = "MASTER_HOST=" + host + ", MASTER_PORT=" + port +
                             ", MASTER_USER='<user>', MASTER_PASSWORD='<password>'";
  const std::string by_position = "CHANGE MASTER TO " + target +
                                  ", MASTER_LOG_FILE=" + Quote(file) +
                                  ", MASTER_LOG_POS=" + std::to_string(position) + ";\n";
  // A replica that did not replicate by GTID has no meaningful GTID position
  // to give: an empty one would replay its primary's binlogs from the start.
  const bool gtid_usable = !gtid.empty() && (!p.source || p.source->using_gtid != "No");
  if (!gtid_usable) return "-- a replica of " + who + ", by file and position:\n" + by_position;
  return "-- a replica of " + who + ", by GTID:\n" + "SET GLOBAL gtid_slave_pos = " + Quote(gtid) +
         ";\n" + "CHANGE MASTER TO " + target + ", MASTER_USE_GTID=slave_pos;\n" +
         "START SLAVE;\n"
         "-- or by file and position:\n" +
         by_position;
}

}  // namespace hotbackup
