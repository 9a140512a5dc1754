// What RocksDB's file names say about a file, in one place: the backup
// sorts a checkpoint's files by them and move-back places files by them.
#ifndef HOTBACKUP_SERVER_ROCKSDB_FILES_H_
#define HOTBACKUP_SERVER_ROCKSDB_FILES_H_

#include <string>

namespace hotbackup {

// "000012.sst"
bool IsSstFileName(const std::string& name);
// "000015.log": digits, then ".log". Not the server's tc.log or
// ddl_recovery.log, which the original sent to the WAL directory too.
bool IsWalFileName(const std::string& name);
// MANIFEST-*, CURRENT, OPTIONS-*: the files that make a set of SSTs a database.
bool IsMetadataFileName(const std::string& name);

}  // namespace hotbackup

#endif  // HOTBACKUP_SERVER_ROCKSDB_FILES_H_
