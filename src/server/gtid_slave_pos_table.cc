// An empty Aria mysql.gtid_slave_pos, made by `mariadbd --bootstrap` in a
// scratch datadir (InnoDB off, no binlog, no network), started from an argv
// vector, never a shell.
#include "hotbackup/server/gtid_slave_pos_table.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <regex>

#include "hotbackup/io/file_copy.h"
#include "hotbackup/util/child_process.h"
#include "hotbackup/util/log.h"
#include "hotbackup/util/scratch_directory.h"
#include "hotbackup/util/sha256.h"

namespace hotbackup {
namespace {

namespace fs = std::filesystem;

constexpr const char* kExtensions[] = {"frm", "MAI", "MAD"};

// A cache entry is used only if it is a directory of regular files owned by
// us, reached through no symbolic link.
bool IsUsableEntry(const std::string& entry) {
  struct stat st;
  if (lstat(entry.c_str(), &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != geteuid()) {
    return false;
  }
  for (const char* ext : kExtensions) {
    const std::string file = entry + "/gtid_slave_pos." + ext;
    if (lstat(file.c_str(), &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid()) {
      return false;
    }
  }
  return true;
}

std::string FindServerBinary(const std::string& basedir) {
  std::vector<std::string> candidates;
  if (!basedir.empty()) {
    for (const char* rel : {"/sbin/mariadbd", "/bin/mariadbd", "/sbin/mysqld", "/bin/mysqld",
                            "/libexec/mariadbd", "/libexec/mysqld"}) {
      candidates.push_back(basedir + rel);
    }
  }
  if (const char* path = getenv("PATH")) {
    std::string p(path);
    for (size_t start = 0; start <= p.size();) {
      size_t end = p.find(':', start);
      if (end == std::string::npos) end = p.size();
      std::string dir = p.substr(start, end - start);
      if (!dir.empty()) {
        candidates.push_back(dir + "/mariadbd");
        candidates.push_back(dir + "/mysqld");
      }
      start = end + 1;
    }
  }
  for (const char* dir : {"/usr/sbin", "/usr/local/mysql/bin"}) {
    candidates.push_back(std::string(dir) + "/mariadbd");
  }
  for (const std::string& c : candidates) {
    if (access(c.c_str(), X_OK) == 0) return c;
  }
  return "";
}

}  // namespace

GtidSlavePosTable::~GtidSlavePosTable() {
  bootstrap_.Stop();  // before its datadir goes with scratch_dir_
}

std::string GtidSlavePosTable::DefaultCacheDir() {
  const char* xdg = getenv("XDG_CACHE_HOME");
  if (xdg != nullptr && xdg[0] == '/') return std::string(xdg) + "/myrocks_hotbackup";
  const char* home = getenv("HOME");
  if (home != nullptr && home[0] == '/') return std::string(home) + "/.cache/myrocks_hotbackup";
  return "";
}

Status GtidSlavePosTable::Start(MysqlConnection* connection, const std::string& basedir,
                                const std::string& cache_dir) {
  std::vector<MysqlConnection::Row> rows;
  HOTBACKUP_RETURN_IF_ERROR(connection->QueryRows(
      "SELECT ENGINE AS engine FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'mysql' AND "
      "TABLE_NAME = 'gtid_slave_pos'",
      &rows));
  if (rows.empty() || rows[0].Get("engine").value_or("") != "InnoDB") return Status::OK();
  HOTBACKUP_RETURN_IF_ERROR(connection->QueryRows("SHOW CREATE TABLE mysql.gtid_slave_pos", &rows));
  std::string create = rows.empty() ? "" : rows[0].Get("Create Table").value_or("");
  if (create.empty()) return Status::Server("SHOW CREATE TABLE mysql.gtid_slave_pos gave nothing");
  for (char& c : create) {
    if (c == '\n') c = ' ';  // bootstrap reads one statement per line
  }
  create =
      std::regex_replace(create, std::regex("ENGINE=InnoDB", std::regex::icase), "ENGINE=Aria");

  if (!cache_dir.empty()) {
    cache_entry_ = cache_dir + "/gtid_slave_pos-" +
                   Sha256Hex(connection->server_version() + "\n" + create).substr(0, 32);
    if (IsUsableEntry(cache_entry_)) {
      for (const char* ext : kExtensions) {
        files_.push_back({cache_entry_ + "/gtid_slave_pos." + ext,
                          std::string("mysql/gtid_slave_pos.") + ext});
      }
      from_cache_ = true;
      return Status::OK();
    }
  }

  const std::string binary = FindServerBinary(basedir);
  if (binary.empty()) return Status::NotSupported("no mariadbd found (in @@basedir or PATH)");
  HOTBACKUP_RETURN_IF_ERROR(scratch_dir_.Create("gtid"));
  scratch_ = scratch_dir_.path();
  const std::string datadir = scratch_ + "/data";
  const std::string tmpdir = scratch_ + "/tmp";
  std::error_code ec;
  fs::create_directories(tmpdir, ec);
  fs::create_directories(datadir, ec);
  if (ec) return Status::IOError("create " + datadir, ec.value());

  std::vector<std::string> argv = {binary,
                                   "--no-defaults",
                                   "--bootstrap",
                                   "--datadir=" + datadir,
                                   "--tmpdir=" + tmpdir,
                                   "--skip-log-bin",
                                   "--skip-innodb",
                                   "--default-storage-engine=Aria",
                                   "--aria-pagecache-buffer-size=1M",
                                   "--key-buffer-size=64K"};
  if (geteuid() == 0) argv.push_back("--user=root");
  ChildProcess::Setup setup;
  setup.stdin_pipe = true;
  setup.stderr_path = scratch_ + "/bootstrap.log";
  HOTBACKUP_RETURN_IF_ERROR(bootstrap_.Start(argv, setup));
  HOTBACKUP_RETURN_IF_ERROR(
      bootstrap_.WriteStdinAndClose("CREATE DATABASE m;\nUSE m;\n" + create + ";\n"));
  binary_ = binary;
  return Status::OK();
}

Status GtidSlavePosTable::Finish() {
  if (!bootstrap_.running()) return Status::OK();
  bool exited = false;
  int exit_code = 0;
  HOTBACKUP_RETURN_IF_ERROR(bootstrap_.Wait(60, &exited, &exit_code));
  if (!exited || exit_code != 0) {
    bootstrap_.Stop();
    // Its log goes with the scratch directory: its last lines go in the message.
    return Status::Server(binary_ + " --bootstrap failed: " + LogTail(scratch_ + "/bootstrap.log"));
  }
  const std::string datadir = scratch_ + "/data";
  for (const char* ext : kExtensions) {
    File f{datadir + "/m/gtid_slave_pos." + ext, std::string("mysql/gtid_slave_pos.") + ext};
    if (access(f.source_path.c_str(), F_OK) != 0) {
      files_.clear();
      return Status::Server("mariadbd --bootstrap made no " + f.source_path);
    }
    files_.push_back(f);
  }
  if (!cache_entry_.empty()) {
    Status cached = StoreInCache();
    if (!cached.ok()) {
      HB_LOG_INFO("The empty mysql.gtid_slave_pos was not cached: %s", cached.message().c_str());
    }
  }
  return Status::OK();
}

Status GtidSlavePosTable::StoreInCache() const {
  const std::string cache_dir = fs::path(cache_entry_).parent_path().string();
  std::error_code ec;
  fs::create_directories(cache_dir, ec);
  if (ec) return Status::IOError("create " + cache_dir, ec.value());
  // Filled beside the entry and renamed into place, so an entry is whole or
  // absent; removed on every way out (after the rename there is nothing).
  ScratchDirectory staging;
  HOTBACKUP_RETURN_IF_ERROR(staging.CreateBeside(cache_entry_));
  const std::string& temp = staging.path();
  uint64_t bytes = 0;
  Status s;
  for (size_t i = 0; i < files_.size() && s.ok(); ++i) {
    s = CopyFile(files_[i].source_path,
                 temp + "/" + fs::path(files_[i].source_path).filename().string(),
                 Durability::kSynced, &bytes);
  }
  // Another backup may have stored the same entry meanwhile: either is right.
  if (s.ok() && rename(temp.c_str(), cache_entry_.c_str()) != 0 && errno != ENOTEMPTY &&
      errno != EEXIST) {
    s = Status::IOError("rename " + temp + " to " + cache_entry_, errno);
  }
  return s;
}

}  // namespace hotbackup
