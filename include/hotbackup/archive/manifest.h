// The backup manifest: the last entry of every archive this tool writes,
// named kManifestPath, so `tar -x` and `mbstream -x` extract it as one more
// file and --extract / --verify can check every file against it.
//
// Format (JSON, versioned; readers refuse a version they do not know):
//   {
//     "format": "myrocks_hotbackup manifest",
//     "version": 2,
//     "tool_version": "0.1.0",
//     "server_version": "10.11.19-MariaDB-0+deb12u1",
//     "stream": "tar" | "xbstream",
//     "rounds": 2,
//     "start_time": "2026-11-23T21:10:00Z", "end_time": "2026-11-23T21:12:31Z",
//     "checksum": "xxh3-64",
//     "backup_id": "<32 hex digits, random>",
//     "db_id": "<the server's RocksDB IDENTITY>",
//     "parent": {                       (incremental backups only)
//       "backup_id": "...", "sha256": "<SHA-256 of the parent manifest file>",
//       "start_time": "..." },
//     "binlog": {                       (absent for a server without MyRocks rounds)
//       "consistent": true,             false with --no_backup_locks
//       "log_bin": true, "file": "mysql-bin.000003", "position": 1234,
//       "gtid_binlog_pos": "0-1-320", "gtid_current_pos": "0-1-320",
//       "server_id": 1, "commit_block_ms": 3.2,
//       "source": {                     only with --slave_info on a replica
//         "master_host": "10.0.0.1", "master_port": 3306,
//         "master_log_file": "bin.000007", "master_log_pos": 4711,
//         "gtid_slave_pos": "0-1-318", "using_gtid": "Slave_Pos" }
//     },
//     "left_out": [                     (--allow_partial_backup only, when any)
//       {"schema": "shop", "table": "legacy", "engine": "InnoDB",
//        "rows": 1000, "bytes": 1589248} ],
//     "files": [ {"path": "000012.sst", "size": 15157254, "xxh3": "0123456789abcdef",
//                 "sst": "<db id>/<session id>/12"},
//                {"path": "000009.sst", ..., "in": "<backup id>"}, ... ],
//     "sha256": "<SHA-256 of every byte before this field's line>"
//   }
// "files" lists every other entry of the archive in archive order, then
// (incremental backups) the files of the restored state whose bytes are in
// an earlier backup of the chain, marked "in" with that backup's id. The
// checksum covers the file's bytes as stored. "sst" is an SST's identity
// (see sst_properties.h), which an incremental backup matches. A path that
// is not UTF-8 is written as "path_hex" (its bytes in lowercase hex) instead
// of "path".
//
// The last field, "sha256", covers the text before it, from the opening
// brace to the blank after the comma that ends "files": the manifest checks
// itself, so an edited or damaged manifest (a base for an incremental
// backup, say) is refused. Version 1 manifests (no ids, no digest) are read.
#ifndef HOTBACKUP_ARCHIVE_MANIFEST_H_
#define HOTBACKUP_ARCHIVE_MANIFEST_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hotbackup/util/status.h"

namespace hotbackup {

inline constexpr char kManifestPath[] = "myrocks_hotbackup_manifest.json";
inline constexpr int kManifestVersion = 2;
// More than any backup's manifest (about 120 bytes a file): a reader refuses
// a larger one rather than fill a disk or memory with it.
inline constexpr uint64_t kMaxManifestSize = uint64_t{1} << 30;

struct ManifestFile {
  std::string path;
  uint64_t size = 0;
  uint64_t xxh3 = 0;
  std::string sst;  // an SST's identity key (sst_properties.h); "" for other files
  // "" when the bytes are in this backup's archive; otherwise the id of the
  // earlier backup of the chain that holds them.
  std::string in;
};

// The backup an incremental one was taken against.
struct ManifestParent {
  std::string backup_id;
  std::string sha256;  // of the parent's whole manifest file
  std::string start_time;
};

// Where a replica was in its primary's binlog (SHOW SLAVE STATUS).
struct ReplicationSource {
  std::string master_host;
  int master_port = 0;
  std::string master_log_file;  // Relay_Master_Log_File: the last event applied
  uint64_t master_log_pos = 0;  // Exec_Master_Log_Pos
  std::string gtid_slave_pos;
  std::string using_gtid;  // "No", "Slave_Pos" or "Current_Pos"
};

// The server's binlog coordinates at the moment of the checkpoint a backup
// restores. `consistent` says commits were blocked while both were taken,
// so the data holds exactly the transactions up to this position.
struct BinlogPosition {
  bool consistent = false;
  bool log_bin = false;  // without a binlog, file/position/gtid_binlog_pos are empty
  std::string file;
  uint64_t position = 0;
  std::string gtid_binlog_pos;
  std::string gtid_current_pos;
  uint64_t server_id = 0;
  double commit_block_ms = 0;  // how long commits were blocked for it
  std::optional<ReplicationSource> source;
};

// A user table whose rows are not in the backup (--allow_partial_backup):
// its engine keeps them where this tool does not copy (InnoDB, ...). Its
// definition is in the backup; a restored server has the table without its
// rows ("doesn't exist in engine" for InnoDB).
struct LeftOutTable {
  std::string schema;
  std::string table;
  std::string engine;
  uint64_t rows = 0;   // the server's estimate (information_schema.TABLES)
  uint64_t bytes = 0;  // data and indexes, the server's estimate
  bool operator==(const LeftOutTable&) const = default;
};

struct Manifest {
  int version = kManifestVersion;
  std::string tool_version;
  std::string server_version;
  std::string stream;  // "tar" or "xbstream"
  int rounds = 0;
  std::string start_time;  // ISO 8601, UTC
  std::string end_time;
  std::string backup_id;  // "" in version 1
  std::string db_id;      // the server's RocksDB IDENTITY; "" in version 1
  std::optional<ManifestParent> parent;
  std::optional<BinlogPosition> binlog;
  std::vector<LeftOutTable> left_out;  // absent from the JSON when empty
  std::vector<ManifestFile> files;

  bool incremental() const { return parent.has_value(); }
};

std::string SerializeManifest(const Manifest& manifest);

// SerializeManifest in pieces, so that a backup can stream the manifest
// without holding its file list in memory: the header (every field but the
// files, then the opening of "files"), one line per file (the first with
// first = true), the end of the list, and the digest line made from the
// SHA-256 of all that. Header + lines + end + digest line is exactly
// SerializeManifest's output.
std::string ManifestHeader(const Manifest& manifest);
// Appends the line of `file` to *out (no allocation beyond *out's growth for
// a path of printable ASCII). A path that is not valid UTF-8 cannot be a
// JSON string: it is written as "path_hex" (its bytes in lowercase hex)
// instead of "path", and ParseManifest reads either.
void AppendManifestFileLine(const ManifestFile& file, bool first, std::string* out);
// The same line as a string.
std::string ManifestFileLine(const ManifestFile& file, bool first);
// Closes "files" (part of what the digest covers).
std::string ManifestFilesEnd(bool any_files);
// The last line, from the SHA-256 (hex) of everything before it.
std::string ManifestDigestLine(const std::string& sha256_hex);
// kCorruption for malformed JSON, a missing field, or (version 2) a digest
// that does not match the text; kNotSupported for an unknown version.
Status ParseManifest(std::string_view json, Manifest* manifest);

// The manifest in the file `fd` (read from its start, twice, never held
// whole): *header gets every field but the files, whose entries go to
// `on_file` one at a time, in order, as they are read; the first error
// `on_file` returns ends the parse and is returned. The same checks as
// ParseManifest. Memory stays flat whatever the number of files.
Status ParseManifestFile(int fd, Manifest* header,
                         const std::function<Status(ManifestFile&&)>& on_file);

// "shop.legacy (InnoDB, ~1000 rows, 1.5 MB), ... and 3 more": at most `max`
// tables named.
std::string DescribeLeftOutTables(const std::vector<LeftOutTable>& tables, size_t max = 10);

// A new backup id: 128 random bits as 32 hex digits.
std::string NewBackupId();

// time_t as the manifest writes it: "2026-11-23T21:10:00Z".
std::string FormatUtcTime(time_t t);

}  // namespace hotbackup

#endif  // HOTBACKUP_ARCHIVE_MANIFEST_H_
