// The table properties of a RocksDB SST, read from the file's end: the
// identity an incremental backup keys SSTs by.
//
// A block-based SST ends with a footer (53 bytes, 48 for format_version 0)
// that locates the metaindex block, whose "rocksdb.properties" entry locates
// the properties block: three small reads, never the data. Both blocks are
// uncompressed in every file MyRocks writes (checked on MariaDB 10.11's
// RocksDB 6.29.5), and their 5-byte trailers carry a checksum of the type
// the footer names (crc32c by default; xxHash, xxHash64 and XXH3 too), which
// is verified.
//
// RocksDB 6.2x+ records in every SST the DB id (#rocksdb/IDENTITY, which a
// restore copies), the id of the DB session that wrote it (new at every
// server start) and the file number it got then. File numbers repeat across
// a restore and its origin, and DB ids are shared by them: only the triple
// tells two files apart. Thread-compatible; no state.
#ifndef HOTBACKUP_SERVER_SST_PROPERTIES_H_
#define HOTBACKUP_SERVER_SST_PROPERTIES_H_

#include <cstdint>
#include <map>
#include <string>

#include "hotbackup/util/status.h"

namespace hotbackup {

// Every property by name; values as stored (numbers as varint64 bytes).
using SstProperties = std::map<std::string, std::string>;

// kCorruption for a file that is not a block-based table, a damaged footer
// or block, or a checksum mismatch; kNotSupported for a compressed
// properties block or an unknown format_version; kIoError as usual.
Status ReadSstProperties(const std::string& path, SstProperties* properties);

struct SstIdentity {
  std::string db_id;         // rocksdb.creating.db.identity
  std::string session_id;    // rocksdb.creating.session.identity
  uint64_t file_number = 0;  // rocksdb.original.file.number

  // "<db_id>/<session_id>/<file_number>": unique per SST written.
  std::string Key() const;
};

// The identity of the SST at `path`; kNotSupported when its properties lack
// one of the three (an SST written before RocksDB 6.2x).
Status ReadSstIdentity(const std::string& path, SstIdentity* identity);

// The DB id RocksDB's SstFileWriter records in files made for bulk loading
// (ingested files): not a database's, so never evidence of one.
inline constexpr char kSstWriterDbId[] = "SST Writer";

// The key an incremental backup matches the SST at `path` by: its
// identity's Key() when it has one; otherwise (an SST written before RocksDB
// 6.2x, or properties this reader cannot decode) kContentKeyPrefix and the
// XXH3-128 of its whole contents, which costs one read of the file.
// *db_id is the identity's DB id, or "" for a content key. kIoError and
// kAborted (a signal during a content read) as usual.
inline constexpr char kContentKeyPrefix[] = "xxh3-128:";
Status ReadSstKey(const std::string& path, std::string* key, std::string* db_id);

}  // namespace hotbackup

#endif  // HOTBACKUP_SERVER_SST_PROPERTIES_H_
