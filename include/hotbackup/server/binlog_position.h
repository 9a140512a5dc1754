// The server's replication coordinates, read at the moment of a checkpoint
// (while commits are blocked, see commit_block.h), and their spellings in a
// backup: mariabackup's xtrabackup_binlog_info / xtrabackup_slave_info files,
// so that existing runbooks work, and the statements that make a restored
// server a replica.
#ifndef HOTBACKUP_SERVER_BINLOG_POSITION_H_
#define HOTBACKUP_SERVER_BINLOG_POSITION_H_

#include <optional>
#include <string>

#include "hotbackup/archive/manifest.h"
#include "hotbackup/server/mysql_connection.h"
#include "hotbackup/util/status.h"

namespace hotbackup {

inline constexpr char kBinlogInfoPath[] = "xtrabackup_binlog_info";
inline constexpr char kSlaveInfoPath[] = "xtrabackup_slave_info";

// SHOW MASTER STATUS, @@gtid_binlog_pos, @@gtid_current_pos and @@server_id.
// Leaves `consistent` and `commit_block_ms` to the caller. A server without
// a binlog gives log_bin = false and empty file/position.
Status ReadBinlogPosition(MysqlConnection* connection, BinlogPosition* position);

// SHOW ALL SLAVES STATUS and @@gtid_slave_pos: where this replica was in its
// primary's binlog. nullopt when the server is not a replica. A server with
// several replication sources is refused (one source per backup).
Status ReadReplicationSource(MysqlConnection* connection, std::optional<ReplicationSource>* source);

// "<file>\t<position>\t<gtid_binlog_pos>\n", as mariabackup writes it.
std::string FormatBinlogInfo(const BinlogPosition& position);

// mariabackup's xtrabackup_slave_info: the statement that points a new
// replica of the same primary at the recorded position.
std::string FormatSlaveInfo(const ReplicationSource& source);

// The statements that make a server restored from this backup a replica:
// of the backed-up server itself, or with a recorded source, of its primary.
// One statement per line; the host, user and password are placeholders
// except where the backup knows them (a source's host and port).
std::string ReplicaSetupStatements(const BinlogPosition& position);

}  // namespace hotbackup

#endif  // HOTBACKUP_SERVER_BINLOG_POSITION_H_
