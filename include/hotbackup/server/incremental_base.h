// IncrementalBase: the earlier backup an incremental one is taken against
// (--incremental_base=MANIFEST), as an index of the SSTs it holds.
//
// An SST of the server is not sent when the base holds the same file: the
// same name, size and identity key (sst_properties.h: the DB id, DB session
// id and original file number RocksDB records in the file; a content
// checksum for an SST without them). RocksDB makes the triple unique per
// file written, so neither a reused file number (a restored copy of the
// server, an old backup restored and written to) nor a file of another
// server can match. Name and size must agree as well, which no legitimate
// match ever violates.
//
// The base manifest must be version 2 (it then checks its own SHA-256); the
// SHA-256 of its whole file is what the incremental records as its parent's
// digest, and what a restore checks the base directory against.
// Immutable once loaded; thread-compatible.
#ifndef HOTBACKUP_SERVER_INCREMENTAL_BASE_H_
#define HOTBACKUP_SERVER_INCREMENTAL_BASE_H_

#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <unordered_map>

#include "hotbackup/archive/manifest.h"
#include "hotbackup/util/status.h"

namespace hotbackup {

class IncrementalBase {
 public:
  // Reads the manifest file at `path`: kNotSupported for a version 1
  // manifest (it records no SST identities), kCorruption for one that fails
  // its own digest or is not a manifest, kIoError as usual. Each message
  // names the file.
  static Status Load(const std::string& path, std::unique_ptr<IncrementalBase>* base);
  // The same for a manifest already read (from an S3 object); `name` is for
  // messages.
  static Status FromText(const std::string& name, const std::string& json,
                         std::unique_ptr<IncrementalBase>* base);

  // The base's entry for an SST of this backup that the base already holds
  // (same name, size and key), with `in` set to the backup of the chain
  // whose archive has its bytes; null when it must be sent.
  const ManifestFile* Find(const std::string& name, uint64_t size, const std::string& key) const;

  // Refuses (kInvalidArgument, one line) a base taken from another RocksDB
  // instance: one that shares no DB id with this server, whose own DB id is
  // `server_db_id` (#rocksdb/IDENTITY) and whose SSTs were created by the
  // DB ids `sst_db_ids` (a restored server's SSTs keep their origin's).
  Status CheckSameLineage(const std::string& server_db_id,
                          const std::set<std::string>& sst_db_ids) const;

  // What the incremental records about its parent.
  ManifestParent AsParent() const;
  const Manifest& manifest() const { return manifest_; }
  const std::string& path() const { return path_; }
  size_t sst_count() const { return by_key_.size(); }

 private:
  IncrementalBase() = default;

  std::string path_;
  std::string sha256_;
  Manifest manifest_;  // without its file list, which is in by_key_
  std::unordered_map<std::string, ManifestFile> by_key_;
  std::set<std::string> db_ids_;  // the base's DB id and its SSTs' (not kSstWriterDbId)
};

}  // namespace hotbackup

#endif  // HOTBACKUP_SERVER_INCREMENTAL_BASE_H_
