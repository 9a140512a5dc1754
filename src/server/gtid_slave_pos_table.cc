// An empty Aria mysql.gtid_slave_pos, made by `mariadbd --bootstrap` in a
// scratch datadir (InnoDB off, no binlog, no network), started from an argv
// vector, never a shell.
#include "hotbackup/server/gtid_slave_pos_table.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <regex>

#include "hotbackup/util/child_process.h"

namespace hotbackup {
namespace {

namespace fs = std::filesystem;

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
  bootstrap_.Stop();
  if (scratch_.empty()) return;
  std::error_code ec;
  fs::remove_all(scratch_, ec);
}

Status GtidSlavePosTable::Start(MysqlConnection* connection, const std::string& basedir) {
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

  const std::string binary = FindServerBinary(basedir);
  if (binary.empty()) return Status::NotSupported("no mariadbd found (in @@basedir or PATH)");
  const char* tmp = getenv("TMPDIR");
  std::string templ = std::string(tmp && *tmp ? tmp : "/tmp") + "/myrocks_hotbackup-gtid.XXXXXX";
  if (mkdtemp(templ.data()) == nullptr) return Status::IOError("create " + templ, errno);
  scratch_ = templ;
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
  for (const char* ext : {"frm", "MAI", "MAD"}) {
    File f{datadir + "/m/gtid_slave_pos." + ext, std::string("mysql/gtid_slave_pos.") + ext};
    if (access(f.source_path.c_str(), F_OK) != 0) {
      files_.clear();
      return Status::Server("mariadbd --bootstrap made no " + f.source_path);
    }
    files_.push_back(f);
  }
  return Status::OK();
}

}  // namespace hotbackup
