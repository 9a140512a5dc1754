// RocksDB file-name rules (see include/hotbackup/server/rocksdb_files.h).
#include "hotbackup/server/rocksdb_files.h"

#include <algorithm>
#include <cctype>

namespace hotbackup {

bool IsSstFileName(const std::string& name) { return name.ends_with(".sst"); }

bool IsWalFileName(const std::string& name) {
  if (!name.ends_with(".log") || name.size() == 4) return false;
  return std::all_of(name.begin(), name.end() - 4, [](unsigned char c) { return std::isdigit(c); });
}

bool IsMetadataFileName(const std::string& name) {
  return name.starts_with("MANIFEST") || name.starts_with("CURRENT") || name.starts_with("OPTIONS");
}

}  // namespace hotbackup
