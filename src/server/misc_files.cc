// Which of the datadir's files travel with a MyRocks backup. The rules are
// the original tool's, minus its defects: extensions compared as a list (the
// original's regex "[frm|MYD|...]" matched any name with a dot followed by
// one of those letters), and directory scans without chdir.
#include "hotbackup/server/misc_files.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <mutex>

#include "hotbackup/archive/manifest.h"
#include "hotbackup/util/log.h"

namespace hotbackup {
namespace {

// Matched as prefixes or suffixes of top-level names, as the original does.
const char* const kTopLevelExclusions[] = {
    "master.info",
    "relay-log.info",
    "worker-relay-log.info",
    "auto.cnf",
    "gaplock.log",
    "ibdata",
    "ib_logfile",
    // InnoDB's temporary tablespace: made anew at every start, never data.
    "ibtmp",
    ".trash",
    // The manifest and the position files of the backup this datadir was
    // restored from (move-back leaves them, as mariabackup's restores do).
    kManifestPath,
    "xtrabackup_",
};

// The server's log of DDL during a backup stage (BACKUP STAGE START creates
// it, BLOCK_DDL closes it): about the backup, not the data.
constexpr char kBackupDdlLog[] = "ddl.log";  // kBackupDdlLogName in backup_stage.h

struct DirCloser {
  void operator()(DIR* d) const { closedir(d); }
};

// Entries of `dir`, sorted, without "." and "..".
Status ListDirectory(const std::string& dir, std::vector<std::string>* names) {
  std::unique_ptr<DIR, DirCloser> d(opendir(dir.c_str()));
  if (!d) return Status::IOError("open directory " + dir, errno);
  errno = 0;
  while (dirent* e = readdir(d.get())) {
    if (std::strcmp(e->d_name, ".") == 0 || std::strcmp(e->d_name, "..") == 0) continue;
    names->push_back(e->d_name);
  }
  if (errno != 0) return Status::IOError("read directory " + dir, errno);
  std::sort(names->begin(), names->end());
  return Status::OK();
}

bool HasMiscExtension(const std::string& name) {
  size_t dot = name.rfind('.');
  if (dot == std::string::npos || dot == 0) return false;
  std::string ext = name.substr(dot + 1);
  const auto& list = MiscFileExtensions();
  return std::find(list.begin(), list.end(), ext) != list.end();
}

bool IsExcludedTopLevel(const std::string& name) {
  if (name == kBackupDdlLog) return true;
  for (const char* e : kTopLevelExclusions) {
    if (name.starts_with(e) || name.ends_with(e)) return true;
  }
  // Multi-source replication state: master-<connection>.info,
  // relay-log-<connection>.info.
  return name.ends_with(".info") && (name.starts_with("master-") || name.starts_with("relay-log-"));
}

// The server's binlog, relay logs and their indexes, wherever configured.
bool IsReplicationFile(const MiscFileScan& scan, const std::string& path) {
  if (scan.excluded_paths.count(path)) return true;
  for (const std::string& prefix : scan.excluded_prefixes) {
    if (path.size() > prefix.size() && path.starts_with(prefix) &&
        (path[prefix.size()] == '.' || path[prefix.size()] == '-')) {
      return true;
    }
  }
  return false;
}

CopyMoment MomentOf(const std::string& database, const std::string& file) {
  // The general and slow query logs as tables (log_output=TABLE) can be
  // large and are no system state: not while commits are blocked.
  if (database == "mysql" && (file.starts_with("general_log.") || file.starts_with("slow_log."))) {
    return CopyMoment::kAfter;
  }
  if (database == "mysql") return CopyMoment::kCommitsBlocked;
  for (const char* ext : {".frm", ".par", ".opt", ".TRG", ".TRN"}) {
    if (file.ends_with(ext)) return CopyMoment::kDdlBlocked;
  }
  return CopyMoment::kWritesBlocked;
}

// The files that hold a non-transactional engine's rows and indexes.
bool IsTableData(const std::string& file) {
  for (const char* ext : {".MYD", ".MYI", ".MAD", ".MAI", ".CSV", ".CSM", ".ARZ", ".ARM", ".MRG"}) {
    if (file.ends_with(ext)) return true;
  }
  return false;
}

// Stats a datadir entry as the scans need it: lstat(2) first (one call for
// the common entry), and for a symbolic link what it names, if the
// datadir's owner owns that (a link to another's file is left out, said
// once per file and run: the datadir is scanned several times). False if
// it is gone, dangling or left out.
bool StatEntry(const std::string& path, uid_t owner, struct stat* st) {
  if (lstat(path.c_str(), st) != 0) return false;
  if (!S_ISLNK(st->st_mode)) return true;
  if (stat(path.c_str(), st) != 0) return false;
  if (!S_ISREG(st->st_mode) || st->st_uid == owner) return true;
  static std::mutex mutex;
  static std::set<std::string> warned;
  std::lock_guard<std::mutex> lock(mutex);
  if (warned.insert(path).second) {
    HB_LOG_WARN("%s is a symbolic link to a file owned by uid %u, not by the datadir's owner "
                "(uid %u): not backed up",
                path.c_str(), static_cast<unsigned>(st->st_uid), static_cast<unsigned>(owner));
  }
  return false;
}

std::string FormatTime(time_t t) {
  char buf[32];
  tm local;
  localtime_r(&t, &local);
  strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S", &local);
  return buf;
}

}  // namespace

const std::vector<std::string>& MiscFileExtensions() {
  static const std::vector<std::string> kExtensions = {"frm", "MYD", "MYI", "MAD", "MAI",
                                                       "MRG", "TRG", "TRN", "ARM", "ARZ",
                                                       "CSM", "CSV", "opt", "par"};
  return kExtensions;
}

FileIdentity IdentityOf(const struct stat& st) {
  FileIdentity identity;
  identity.device = st.st_dev;
  identity.inode = st.st_ino;
  identity.size = static_cast<uint64_t>(st.st_size);
  identity.mtime_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
  identity.ctime_ns = static_cast<int64_t>(st.st_ctim.tv_sec) * 1000000000 + st.st_ctim.tv_nsec;
  return identity;
}

Status StatIdentity(const std::string& path, FileIdentity* identity) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) return Status::IOError("stat " + path, errno);
  *identity = IdentityOf(st);
  return Status::OK();
}

Status OpenDatadirFile(const std::string& path, uid_t owner, UniqueFd* fd, struct stat* st) {
  constexpr int kFlags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;
  UniqueFd opened(open(path.c_str(), kFlags | O_NOFOLLOW));
  const bool link = !opened.valid() && errno == ELOOP;
  if (link) opened = UniqueFd(open(path.c_str(), kFlags));
  if (!opened.valid()) return Status::IOError("open " + path, errno);
  if (fstat(opened.get(), st) != 0) return Status::IOError("stat " + path, errno);
  if (!S_ISREG(st->st_mode)) return Status::InvalidArgument(path + " is not a regular file; refused");
  if (link && st->st_uid != owner) {
    return Status::InvalidArgument(path + " is a symbolic link to a file owned by uid " +
                                   std::to_string(st->st_uid) +
                                   ", not by the datadir's owner: refused");
  }
  // O_NONBLOCK stays: it means nothing to a regular file's reads, and a
  // syscall per file counts at 100,000 tables.
  *fd = std::move(opened);
  return Status::OK();
}

Status ListDatadir(const MiscFileScan& scan, std::vector<std::string>* databases,
                   std::vector<MiscFile>* top_level, std::vector<std::string>* skipped,
                   FileIdentity* identity) {
  HOTBACKUP_RETURN_IF_ERROR(StatIdentity(scan.datadir, identity));
  std::vector<std::string> entries;
  HOTBACKUP_RETURN_IF_ERROR(ListDirectory(scan.datadir, &entries));
  for (const std::string& name : entries) {
    if (name[0] == '.') continue;
    std::string path = scan.datadir + "/" + name;
    struct stat st;
    if (!StatEntry(path, scan.owner, &st)) continue;  // vanished, dangling, or not the owner's
    if (S_ISREG(st.st_mode)) {
      if (IsExcludedTopLevel(name) || IsReplicationFile(scan, path)) {
        skipped->push_back(name);
        continue;
      }
      top_level->push_back({name, true,
                            name.starts_with("aria_log") ? CopyMoment::kCommitsBlocked
                            : name == kDdlRecoveryLog    ? CopyMoment::kDdlBlocked
                                                         : CopyMoment::kAfter});
      continue;
    }
    if (S_ISDIR(st.st_mode) && !scan.skip_directories.count(name) && name != "lost+found") {
      databases->push_back(name);
    }
  }
  return Status::OK();
}

Status ListDatabaseFiles(const MiscFileScan& scan, const std::string& database,
                         std::vector<MiscFile>* files, FileIdentity* identity) {
  const std::string path = scan.datadir + "/" + database;
  Status s = StatIdentity(path, identity);
  if (!s.ok() && s.errno_value() == ENOENT) return Status::NotFound(path + " is gone");
  HOTBACKUP_RETURN_IF_ERROR(s);
  std::vector<std::string> db_entries;
  Status listed = ListDirectory(path, &db_entries);
  if (listed.code() == Status::Code::kIoError && listed.errno_value() == ENOENT) {
    return Status::NotFound(path + " is gone");
  }
  // A directory we may not read is no database of the server's (which
  // runs as the user that owns them): say so, and go on.
  if (listed.code() == Status::Code::kIoError && listed.errno_value() == EACCES) {
    HB_LOG_WARN("%s cannot be read; skipped (not a database of this server?)", path.c_str());
    return Status::OK();
  }
  HOTBACKUP_RETURN_IF_ERROR(listed);
  for (const std::string& file : db_entries) {
    if (file[0] == '.' || !HasMiscExtension(file)) continue;
    std::string file_path = path + "/" + file;
    if (IsReplicationFile(scan, file_path)) continue;
    struct stat fst;
    if (!StatEntry(file_path, scan.owner, &fst) || !S_ISREG(fst.st_mode)) continue;
    if (scan.frm_not_after != 0 && file.ends_with(".frm") && fst.st_mtime > scan.frm_not_after) {
      return Status::Changed(
          "FRM file " + file_path +
          " was updated after starting backups. Schema could have changed and the resulting "
          "copy may not be valid. Aborting. (backup time: " +
          FormatTime(scan.frm_not_after) + ", file modified time: " + FormatTime(fst.st_mtime) +
          ")");
    }
    files->push_back({database + "/" + file, false, MomentOf(database, file), IsTableData(file)});
  }
  return Status::OK();
}

Status ListMiscFiles(const MiscFileScan& scan, std::vector<MiscFile>* files) {
  std::vector<std::string> databases;
  std::vector<MiscFile> top_level;
  std::vector<std::string> skipped;
  FileIdentity identity;
  HOTBACKUP_RETURN_IF_ERROR(ListDatadir(scan, &databases, &top_level, &skipped, &identity));
  for (const std::string& name : databases) {
    HB_LOG_INFO("Starting MySQL misc file traversal from database %s..", name.c_str());
    Status s = ListDatabaseFiles(scan, name, files, &identity);
    if (s.code() == Status::Code::kNotFound) continue;  // dropped meanwhile
    HOTBACKUP_RETURN_IF_ERROR(s);
  }
  HB_LOG_INFO("Traversing misc files from data directory..");
  for (const std::string& name : skipped) HB_LOG_INFO("Skipping %s", name.c_str());
  files->insert(files->end(), top_level.begin(), top_level.end());
  return Status::OK();
}

}  // namespace hotbackup
