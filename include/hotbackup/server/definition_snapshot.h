// DefinitionSnapshot: the server's table definitions as they are at one
// moment (while DDL is blocked), kept in a staging directory, at a cost under
// the DDL block that grows with the DDL that ran, not with the number of
// tables.
//
// Take (DDL running freely, after BACKUP STAGE START) lists the server's
// files (misc_files.h) and holds the definitions (kDdlBlocked: .frm, .par,
// .TRG, .TRN) as they are: open file descriptors (Hold::kOpenFiles: no write
// to any filesystem, for a backup that archives them itself), or hard links
// in the stage (Hold::kLinks, for WDT, which sends a directory; also past the
// process's limit of open files). The server never rewrites those files in
// place: DDL writes a new file and renames it over the old one (a server test
// checks this for every kind of DDL), so an open descriptor or a link keeps
// the bytes of the moment it was made. The files the server does rewrite in
// place (db.opt on ALTER DATABASE, ddl_recovery.log on every DDL) are copied
// into the stage, and so is everything where a link cannot be made (the
// stage on another filesystem).
//
// Refresh (DDL blocked) brings the stage to that moment. A directory whose
// identity (inode, mtime, ctime) is unchanged had no entry created, removed
// or renamed since it was listed, so the links made from it still hold the
// right bytes; a changed directory, or one whose tables the server's DDL log
// names, is listed again and its changed files staged anew. Copies are
// checked one by one; ddl_recovery.log is copied again. Timestamps tick with
// the kernel's clock, so anything whose times fall within a second of Take
// counts as changed (git's "racily clean" rule).
//
// With stage_table_data, the user tables' MyISAM/Aria/CSV/ARCHIVE files
// (kWritesBlocked) are staged too, always as copies (every write rewrites
// them in place): Take copies them while they are still written, Refresh
// (MyISAM's writes blocked) and RefreshTableData (every write blocked, for
// Aria's) copy again those whose identity changed since or was racy. A busy
// table is copied twice, an idle one once, before any block.
//
// Not thread-safe. The stage directory is the caller's to remove.
#ifndef HOTBACKUP_SERVER_DEFINITION_SNAPSHOT_H_
#define HOTBACKUP_SERVER_DEFINITION_SNAPSHOT_H_

#include <sys/stat.h>

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "hotbackup/io/unique_fd.h"
#include "hotbackup/server/misc_files.h"
#include "hotbackup/util/status.h"

namespace hotbackup {

class DefinitionSnapshot {
 public:
  enum class Hold { kOpenFiles, kLinks };

  struct Counts {
    size_t held_open = 0;            // by Take
    size_t linked = 0;               // by Take
    size_t copied = 0;               // by Take
    size_t staged_again = 0;         // by Refresh
    size_t directories_relisted = 0; // by Refresh
    uint64_t copied_bytes = 0;       // every copy, table data included
    size_t table_data_files = 0;     // copies of table data (Take and Refresh)
    uint64_t table_data_bytes = 0;
  };

  // `stage_table_data`: also stage the user tables' non-transactional data
  // (kWritesBlocked: MyISAM, Aria, ...) as copies, for a caller that calls
  // Refresh while those tables' writes are blocked.
  DefinitionSnapshot(Hold hold, bool stage_table_data)
      : hold_(hold), stage_table_data_(stage_table_data) {}
  DefinitionSnapshot(const DefinitionSnapshot&) = delete;
  DefinitionSnapshot& operator=(const DefinitionSnapshot&) = delete;

  // Lists `scan` and stages its definitions into `stage` (made if missing;
  // paths relative to the datadir). Files that vanish meanwhile are left to
  // Refresh. Fails like ListMiscFiles (an .frm newer than
  // scan.frm_not_after).
  Status Take(const MiscFileScan& scan, const std::string& stage);

  // Brings the stage to now; call with DDL blocked. `databases_with_ddl`:
  // databases (as directory names) the server logged DDL in since before
  // Take, listed again whatever their directories say.
  Status Refresh(const std::set<std::string>& databases_with_ddl);

  // Brings the staged table data to now (stage_table_data only); call after
  // Refresh with every write blocked (BLOCK_COMMIT). Refresh leaves Aria's
  // files to it: writes to Aria's crash-safe tables go on under BLOCK_DDL.
  Status RefreshTableData();

  // Every server file to back up, in ListMiscFiles's order, as of the last
  // Take or Refresh.
  std::vector<MiscFile> Files() const;

  const Counts& counts() const { return counts_; }

  // Hands over the descriptor held open for `relative_path` (with its
  // fstat), if one is; false if the file is in the stage directory.
  bool TakeOpenFile(const std::string& relative_path, UniqueFd* fd, struct stat* st);

 private:
  struct Database {
    FileIdentity identity;  // of the directory, before it was read
    std::vector<MiscFile> files;
    bool relist = false;    // a file vanished while it was staged
  };
  struct Staged {
    FileIdentity identity;  // of the source, when staged
    bool linked = false;    // a link, or a descriptor: the source's inode itself
    bool exact = false;     // staged while nothing could write the source
    UniqueFd fd;            // held open (Hold::kOpenFiles)
    struct stat st {};      // fstat of fd
  };

  Status ListDatabase(const std::string& name, bool first_pass);
  // Lists the datadir again: databases gone are dropped, new ones listed
  // (their names added to *listed).
  Status RelistDatadir(std::set<std::string>* listed);
  void DropDatabase(const std::string& name);
  // Whether `f` is kept in the stage (else archived later from the datadir).
  bool Snapshotted(const MiscFile& f) const;
  // Table data Refresh leaves to RefreshTableData (Aria's).
  bool Deferred(const MiscFile& f) const;
  // Stages `f` anew (replacing what was staged): a link where allowed and
  // possible, else a copy. kNotFound if the source is gone.
  Status Stage(const MiscFile& f);
  // Whether the staged `relative_path` still holds the source's bytes.
  bool StillCurrent(const std::string& relative_path) const;
  void Unstage(const std::string& relative_path);
  bool Racy(const FileIdentity& identity) const;

  const Hold hold_;
  const bool stage_table_data_;
  // Which writes are blocked while files are staged.
  enum class Phase { kNone, kDdlBlocked, kAllWritesBlocked };
  Phase phase_ = Phase::kNone;
  size_t open_budget_ = 0;   // descriptors Take may still hold
  MiscFileScan scan_;
  std::string stage_;
  int64_t taken_at_ns_ = 0;  // CLOCK_REALTIME at the start of Take
  bool links_work_ = true;   // false after the first EXDEV
  FileIdentity datadir_identity_;
  std::vector<MiscFile> top_level_;
  std::map<std::string, Database> databases_;
  std::map<std::string, Staged> staged_;  // by relative path
  Counts counts_;
};

}  // namespace hotbackup

#endif  // HOTBACKUP_SERVER_DEFINITION_SNAPSHOT_H_
