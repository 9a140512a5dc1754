// The server's own files a MyRocks restore needs beside RocksDB's: table
// definitions and other engines' files in each database directory, and the
// datadir's top-level files.
#ifndef HOTBACKUP_SERVER_MISC_FILES_H_
#define HOTBACKUP_SERVER_MISC_FILES_H_

#include <sys/stat.h>

#include <cstdint>
#include <ctime>
#include <set>
#include <string>
#include <vector>

#include "hotbackup/io/unique_fd.h"
#include "hotbackup/util/status.h"

namespace hotbackup {

// When a file is copied, relative to the last checkpoint (see backup.cc).
enum class CopyMoment {
  // Table definitions (.frm, .par, .opt, triggers): while DDL is blocked,
  // just before the checkpoint; commits go on, since only DDL changes them.
  kDdlBlocked,
  // User tables' rows in MyISAM, Aria, CSV, ARCHIVE and MERGE files: while
  // their writes wait (every backup stage from FLUSH on blocks writes to
  // non-transactional tables) and DDL is blocked, just before the
  // checkpoint, so that they hold exactly the statements before the binlog
  // position. Without backup locks: after, as kAfter.
  kWritesBlocked,
  // The mysql schema (grants, system tables) and Aria's control file and
  // logs: with the checkpoint, while commits are blocked too.
  kCommitsBlocked,
  // Other top-level files and the log tables (mysql.general_log,
  // slow_log): after, as the original did.
  kAfter,
};

// The server's DDL recovery log, at the datadir's top level: rewritten in
// place by every DDL, so it is copied (never linked) while DDL is blocked.
inline constexpr char kDdlRecoveryLog[] = "ddl_recovery.log";

struct MiscFile {
  std::string relative_path;  // to the datadir; also the archive path
  bool top_level = false;     // a server file that may grow while read (logs)
  CopyMoment moment = CopyMoment::kAfter;
  // Rows of a non-transactional engine (MyISAM, Aria, ...), rewritten in
  // place by every write: copied, never linked.
  bool table_data = false;
};

struct MiscFileScan {
  std::string datadir;
  // Directory names directly under the datadir never treated as databases:
  // RocksDB's data directory, our checkpoint directory if it is in there.
  std::set<std::string> skip_directories;
  // Refuse .frm files modified after this time (0 = no check).
  time_t frm_not_after = 0;
  // Files never archived, wherever they are (absolute paths as the server
  // names them): the binlog and relay-log index files, replication state.
  std::set<std::string> excluded_paths;
  // Absolute path prefixes of files never archived: a binlog or relay-log
  // basename, matched when followed by '.' or '-' ("mysql-bin.000003",
  // "relay-bin-conn2.000001"). They describe a later moment than the data,
  // or another server's replication.
  std::vector<std::string> excluded_prefixes;
  // The datadir's owner (the server's user): a symbolic link in the
  // datadir is followed only to a file it owns (OpenDatadirFile).
  uid_t owner = 0;
};

// Opens the datadir file `path` for reading, with its fstat(2) in *st. A
// symbolic link as the file's own name is followed only to a regular file
// `owner` owns: the server's user could otherwise point one at a file only
// root may read (/etc/shadow) and have a backup run as root archive it.
// Symbolic links among the directories (a database elsewhere) are followed.
// kInvalidArgument names the file when refused; O_NONBLOCK: a FIFO there
// does not hang the backup (and is refused: not a regular file).
Status OpenDatadirFile(const std::string& path, uid_t owner, UniqueFd* fd, struct stat* st);

// What a file or directory was when it was looked at: enough to tell later
// whether it may have changed since (a directory's times change whenever an
// entry in it is created, removed or renamed).
struct FileIdentity {
  uint64_t device = 0;
  uint64_t inode = 0;
  uint64_t size = 0;
  int64_t mtime_ns = 0;
  int64_t ctime_ns = 0;
  bool operator==(const FileIdentity&) const = default;
};

// stat(2) of `path`, following symbolic links; kIoError with errno.
Status StatIdentity(const std::string& path, FileIdentity* identity);
FileIdentity IdentityOf(const struct stat& st);

// The file-name extensions the original meant to back up from database
// directories (it wrote them as a regex character class by mistake).
const std::vector<std::string>& MiscFileExtensions();

// Lists the files to back up, databases in name order, then top-level files.
// Skips hidden entries, sockets and anything but regular files, and the
// original's exclusions at the top level (replication state, auto.cnf,
// InnoDB system files, ...), replication state files by their default names
// (master.info, multi-master.info, master-*.info, relay-log*.info) and
// the scan's excluded paths and prefixes anywhere. Fails if a .frm changed
// after frm_not_after.
Status ListMiscFiles(const MiscFileScan& scan, std::vector<MiscFile>* files);

// ListMiscFiles in its two parts, for a caller that lists again only what
// changed. ListDatadir: the database directories directly under the datadir
// (name order), the top-level files to back up, and the top-level names the
// rules skip; *identity is the datadir's, taken before it was read.
Status ListDatadir(const MiscFileScan& scan, std::vector<std::string>* databases,
                   std::vector<MiscFile>* top_level, std::vector<std::string>* skipped,
                   FileIdentity* identity);
// One database directory's files (name order); *identity is the
// directory's, taken before it was read. kNotFound if the directory is gone;
// an unreadable directory (EACCES) lists nothing and says so.
Status ListDatabaseFiles(const MiscFileScan& scan, const std::string& database,
                         std::vector<MiscFile>* files, FileIdentity* identity);

}  // namespace hotbackup

#endif  // HOTBACKUP_SERVER_MISC_FILES_H_
