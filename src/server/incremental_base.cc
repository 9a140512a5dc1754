// Loading a base manifest: read whole (it is small beside the backup),
// digested for the parent reference, parsed (its own digest checked), and
// its SSTs indexed by key with the backup that holds each one's bytes.
#include "hotbackup/server/incremental_base.h"

#include "hotbackup/io/file_io.h"
#include "hotbackup/server/sst_properties.h"
#include "hotbackup/util/sha256.h"

namespace hotbackup {
namespace {

// The DB id part of an identity key ("<db id>/<session>/<number>"), or ""
// for a content key or the SstFileWriter's placeholder.
std::string DbIdOfKey(const std::string& key) {
  if (key.starts_with(kContentKeyPrefix)) return "";
  const size_t slash = key.find('/');
  std::string id = key.substr(0, slash == std::string::npos ? 0 : slash);
  return id == kSstWriterDbId ? "" : id;
}

}  // namespace

Status IncrementalBase::Load(const std::string& path, std::unique_ptr<IncrementalBase>* out) {
  std::string json;
  HOTBACKUP_RETURN_IF_ERROR(ReadSmallFile(path, &json).WithContext("--incremental_base"));
  return FromText(path, json, out);
}

Status IncrementalBase::FromText(const std::string& path, const std::string& json,
                                 std::unique_ptr<IncrementalBase>* out) {
  std::unique_ptr<IncrementalBase> base(new IncrementalBase());
  base->path_ = path;
  base->sha256_ = Sha256Hex(json);
  HOTBACKUP_RETURN_IF_ERROR(
      ParseManifest(json, &base->manifest_).WithContext("--incremental_base " + path));
  if (base->manifest_.version < 2) {
    return Status::NotSupported("--incremental_base " + path +
                                ": a version 1 manifest records no SST identities; take a full "
                                "backup with this version first");
  }
  const std::string& own_id = base->manifest_.backup_id;
  if (!base->manifest_.db_id.empty()) base->db_ids_.insert(base->manifest_.db_id);
  for (ManifestFile& f : base->manifest_.files) {
    if (f.sst.empty()) continue;
    if (f.in.empty()) f.in = own_id;
    const std::string db_id = DbIdOfKey(f.sst);
    if (!db_id.empty()) base->db_ids_.insert(db_id);
    base->by_key_.emplace(f.sst, std::move(f));
  }
  base->manifest_.files.clear();
  *out = std::move(base);
  return Status::OK();
}

const ManifestFile* IncrementalBase::Find(const std::string& name, uint64_t size,
                                          const std::string& key) const {
  auto it = by_key_.find(key);
  if (it == by_key_.end() || it->second.path != name || it->second.size != size) return nullptr;
  return &it->second;
}

Status IncrementalBase::CheckSameLineage(const std::string& server_db_id,
                                         const std::set<std::string>& sst_db_ids) const {
  if (db_ids_.count(server_db_id)) return Status::OK();
  for (const std::string& id : sst_db_ids) {
    if (id != kSstWriterDbId && db_ids_.count(id)) return Status::OK();
  }
  return Status::InvalidArgument(
      "--incremental_base " + path_ + " is a backup of another RocksDB instance (DB id " +
      (manifest_.db_id.empty() ? "unknown" : manifest_.db_id) + ", this server's is " +
      server_db_id + ") and shares no SST with this server; take a full backup");
}

ManifestParent IncrementalBase::AsParent() const {
  return {manifest_.backup_id, sha256_, manifest_.start_time};
}

}  // namespace hotbackup
