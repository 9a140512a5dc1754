// --move_back: places the files of an extracted backup where a server
// expects them: SSTs and MANIFEST/CURRENT/OPTIONS in the RocksDB data
// directory, RocksDB WAL files (NNNNNN.log) in the WAL directory, and
// everything else (the server's own files and database directories) in the
// datadir.
//
// Every target must be absent or empty; that is checked for all of them
// before anything moves, so a refused move-back touches nothing. Entries are
// renamed; across filesystems they are copied (mtimes kept), fsynced, and
// only then removed. With --copy_back everything is copied and the backup
// directory is left intact. The directories filled are fsynced. The
// backup's manifest, like every non-RocksDB file, lands in the datadir.
//
// Nothing lands as the backup directory has it (restored_attributes.h):
// files get their mode masked with 0750, directories 0750, and, run as
// root, the owner of the target directory they land in (--rocksdb_datadir
// and --rocksdb_waldir: theirs when they exist, else the datadir's), set
// before the target can see them: a moved entry in the backup directory
// before the rename (so a --move_back that fails and is undone leaves the
// backup's modes tightened and its files given to that owner), a copy from
// its creation. Run as root with a datadir that is absent or root's, the
// files stay root's and one WARN says so. A symbolic link, FIFO, socket or
// device inside a backup's directory is refused (top-level ones are skipped,
// as always); nothing is followed.
#ifndef HOTBACKUP_RESTORE_MOVE_BACK_H_
#define HOTBACKUP_RESTORE_MOVE_BACK_H_

#include "hotbackup/options.h"
#include "hotbackup/util/status.h"

namespace hotbackup {

Status RunMoveBack(const Options& options);

}  // namespace hotbackup

#endif  // HOTBACKUP_RESTORE_MOVE_BACK_H_
