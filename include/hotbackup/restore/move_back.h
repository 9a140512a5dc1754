// --move_back / --copy_back: places the files of an extracted backup where a
// server expects them: SSTs and MANIFEST/CURRENT/OPTIONS in the RocksDB data
// directory, RocksDB WAL files (NNNNNN.log) in the WAL directory, and
// everything else (the server's own files and database directories) in the
// datadir.
//
// Before anything moves, every target must be absent or empty (checked for
// all of them first, the cheap check), and then the backup directory must
// pass the check against its manifest that --verify --backup_dir makes
// (verify_directory.h); one that fails it or has no manifest is refused,
// unless `force` (-f), which makes that one WARN. A refused move-back
// touches nothing. Entries are renamed; across filesystems they are copied
// (mtimes kept), fsynced, and only then removed. With `copy` (--copy_back)
// everything is copied and the backup directory is left intact. The
// directories filled are fsynced. The backup's manifest, like every
// non-RocksDB file, lands in the datadir. On any failure what was done is
// undone (MoveBackUndo): the targets go back to absent or empty, the backup
// directory to its entries.
//
// Nothing lands as the backup directory has it (restored_attributes.h):
// files get their mode masked with 0750, directories 0750, and, run as
// root, the owner of the target directory they land in (rocksdb_datadir
// and rocksdb_waldir: theirs when they exist, else the datadir's), set
// before the target can see them: a moved entry in the backup directory
// before the rename (so a move-back that fails and is undone leaves the
// backup's modes tightened and its files given to that owner), a copy from
// its creation. Run as root with a datadir that is absent or root's, the
// files stay root's and one WARN says so. A symbolic link, FIFO, socket or
// device inside a backup's directory is refused (top-level ones are skipped,
// as always); nothing is followed.
//
// The work is in three pieces a test can drive one at a time: PlanMoveBack
// (what goes where, the checks, the owners; changes nothing), ApplyMoveBack
// (does it, recording each step in a MoveBackUndo) and MoveBackUndo itself.
// MoveBack runs the manifest check and the three, and logs the summary.
#ifndef HOTBACKUP_RESTORE_MOVE_BACK_H_
#define HOTBACKUP_RESTORE_MOVE_BACK_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "hotbackup/archive/manifest.h"
#include "hotbackup/restore/move_back_undo.h"
#include "hotbackup/restore/restored_attributes.h"
#include "hotbackup/util/status.h"

namespace hotbackup {

// What a move-back needs from the command line (modes/move_back_mode.h
// builds it). The four directories must be non-empty; messages name them by
// their options (--datadir, ...).
struct MoveBackRequest {
  std::string backup_dir;
  std::string datadir;
  std::string rocksdb_datadir;
  std::string rocksdb_waldir;
  bool copy = false;   // --copy_back: copy, leaving the backup directory intact
  bool force = false;  // -f: a directory failing its manifest check is moved anyway
};

// One top-level entry of the backup directory and the target it goes to.
struct MoveBackEntry {
  std::string name;    // in the backup directory, and in the target
  std::string from;    // backup_dir + "/" + name
  std::string to_dir;  // one of the request's three target directories
};

// One distinct target directory (the three may coincide).
struct MoveBackTarget {
  std::string dir;
  bool existed = false;  // there (and empty) when planned
  RestoredOwner owner;   // who what lands in it belongs to
};

struct MoveBackPlan {
  MoveBackRequest request;
  std::vector<MoveBackEntry> entries;   // in name order
  std::vector<MoveBackTarget> targets;  // in path order: a parent before its children
  // Run as root, the targets whose files stay root's (for the one WARN).
  std::vector<std::string> root_owned;
  bool datadir_exists = false;
};

// Fills *plan from `request`, changing nothing: checks that each target is
// absent or an empty directory (kInvalidArgument naming the option
// otherwise), lists the backup directory and sends each entry to its
// target: WAL files to rocksdb_waldir, SST/MANIFEST/CURRENT/OPTIONS files to
// rocksdb_datadir, other files and directories to datadir. Skipped: ".wdt*"
// (a WDT receiver's own files), directories named "*.rocksdb", and any
// top-level entry that is neither a regular file nor a directory. Owners
// come from ChooseRestoredOwner with the targets as they are now.
Status PlanMoveBack(const MoveBackRequest& request, MoveBackPlan* plan);

// What ApplyMoveBack placed, per target directory.
struct MoveBackTally {
  size_t entries = 0;
  uint64_t bytes = 0;
};
struct MoveBackResult {
  std::map<std::string, MoveBackTally> tally;  // by target directory
  size_t copied_across = 0;                    // moved entries that were on another filesystem
};

// Carries out `plan`: creates the missing targets (kRestoredDirectoryMode,
// their owner's), then moves (or, plan.request.copy, copies) each entry in
// order, and fsyncs the targets. Each step is recorded in `undo` (which
// must be fresh, made with plan.request.copy) as soon as it is done; on an
// error the steps done stay done and `undo` is what reverses them. On
// success the caller commits `undo`. *result counts what was placed.
Status ApplyMoveBack(const MoveBackPlan& plan, MoveBackUndo* undo, MoveBackResult* result);

// The manifest check that comes first: VerifyDirectory(backup_dir). On
// success *manifest is the manifest. On failure, one line refusing the
// directory (kCorruption, or the check's own code), unless `force`: then one
// WARN, *manifest the manifest if it can still be parsed (else left as it
// is, with *have_manifest false), and OK. kAborted is never forced.
Status CheckBackupManifest(const MoveBackRequest& request, Manifest* manifest, bool* have_manifest);

// The whole move-back: PlanMoveBack, CheckBackupManifest, ApplyMoveBack
// (undone on failure), then the summary and, if the backup recorded a
// binlog position, the statements that make the restored server a replica.
Status MoveBack(const MoveBackRequest& request);

}  // namespace hotbackup

#endif  // HOTBACKUP_RESTORE_MOVE_BACK_H_
