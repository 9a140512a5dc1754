// The server's own files a MyRocks restore needs beside RocksDB's: table
// definitions and other engines' files in each database directory, and the
// datadir's top-level files.
#ifndef HOTBACKUP_SERVER_MISC_FILES_H_
#define HOTBACKUP_SERVER_MISC_FILES_H_

#include <ctime>
#include <set>
#include <string>
#include <vector>

#include "hotbackup/util/status.h"

namespace hotbackup {

struct MiscFile {
  std::string relative_path;  // to the datadir; also the archive path
  bool top_level = false;     // a server file that may grow while read (logs)
};

struct MiscFileScan {
  std::string datadir;
  // Directory names directly under the datadir never treated as databases:
  // RocksDB's data directory, our checkpoint directory if it is in there.
  std::set<std::string> skip_directories;
  // Refuse .frm files modified after this time (0 = no check).
  time_t frm_not_after = 0;
};

// The file-name extensions the original meant to back up from database
// directories (it wrote them as a regex character class by mistake).
const std::vector<std::string>& MiscFileExtensions();

// Lists the files to back up, databases in name order, then top-level files.
// Skips hidden entries, sockets and anything but regular files, and the
// original's exclusions at the top level (replication state, auto.cnf,
// InnoDB system files, ...). Fails if a .frm changed after frm_not_after.
Status ListMiscFiles(const MiscFileScan& scan, std::vector<MiscFile>* files);

}  // namespace hotbackup

#endif  // HOTBACKUP_SERVER_MISC_FILES_H_
