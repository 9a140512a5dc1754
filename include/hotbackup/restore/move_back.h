// --move_back: places the files of an extracted backup where a server
// expects them: SSTs and MANIFEST/CURRENT/OPTIONS in the RocksDB data
// directory, RocksDB WAL files (NNNNNN.log) in the WAL directory, and
// everything else (the server's own files and database directories) in the
// datadir.
//
// Every target must be absent or empty; that is checked for all of them
// before anything moves, so a refused move-back touches nothing. Entries are
// renamed; across filesystems they are copied (modes and mtimes kept),
// fsynced, and only then removed. With --copy_back everything is copied and
// the backup directory is left intact. The directories filled are fsynced.
// The backup's manifest, like every non-RocksDB file, lands in the datadir.
#ifndef HOTBACKUP_RESTORE_MOVE_BACK_H_
#define HOTBACKUP_RESTORE_MOVE_BACK_H_

#include "hotbackup/options.h"
#include "hotbackup/util/status.h"

namespace hotbackup {

Status RunMoveBack(const Options& options);

}  // namespace hotbackup

#endif  // HOTBACKUP_RESTORE_MOVE_BACK_H_
