// What a real WDT backup's child processes (ssh, the local wdt sender) find
// in their environment, read from /proc/PID/environ while they run: the
// tool was started with MYSQL_PWD (its password, actually used) and AWS keys
// in its own environment, and none of them reaches a child. The receiver
// runs through the private sshd on 127.0.0.1 (support/sshd_server.h), as in
// wdt_server_test.cc.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <thread>

#include "support/sandbox_server.h"
#include "support/sshd_server.h"
#include "support/test_support.h"

namespace hotbackup {
namespace {

namespace fs = std::filesystem;
using test::BinaryPath;
using test::WdtBinary;
using test::SandboxServer;
using test::SshServer;
using test::TempDir;

// A /proc file's bytes; "" if the process is gone (or the file unreadable).
std::string ProcFile(const std::string& pid, const char* name) {
  try {
    std::ifstream in("/proc/" + pid + "/" + name, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  } catch (const std::ios_base::failure&) {
    return "";
  }
}

// The "NAME=value" entries of a /proc/PID/environ.
std::vector<std::string> EnvironEntries(const std::string& raw) {
  std::vector<std::string> entries;
  for (size_t start = 0; start < raw.size();) {
    size_t end = raw.find('\0', start);
    if (end == std::string::npos) end = raw.size();
    if (end > start) entries.push_back(raw.substr(start, end - start));
    start = end + 1;
  }
  return entries;
}

bool HasVariable(const std::vector<std::string>& env, const std::string& name) {
  for (const std::string& e : env) {
    if (e.starts_with(name + "=")) return true;
  }
  return false;
}

// The process's parent pid, from /proc/PID/status; -1 if gone.
int ParentOf(const std::string& pid) {
  const std::string status = ProcFile(pid, "status");
  size_t at = status.find("\nPPid:");
  return at == std::string::npos ? -1 : std::atoi(status.c_str() + at + 6);
}

struct Child {
  std::string comm;
  std::vector<std::string> environment;
};

// Once, the environment of every process whose parent is `parent` and that
// has run its own program (before the exec, a posix_spawn child shares its
// parent's memory, environment included).
void RecordChildren(int parent, const std::string& parent_comm,
                    std::map<std::string, Child>* seen) {
  for (const auto& e : fs::directory_iterator("/proc")) {
    const std::string pid = e.path().filename().string();
    if (pid.find_first_not_of("0123456789") != std::string::npos || seen->count(pid)) continue;
    if (ParentOf(pid) != parent) continue;
    // The program first: once it is not ours, the environ read after it is
    // the child's own (an exec is never undone).
    std::string comm = test::TrimTrailing(ProcFile(pid, "comm"));
    if (comm.empty() || comm == parent_comm) continue;
    std::vector<std::string> env = EnvironEntries(ProcFile(pid, "environ"));
    if (env.empty()) continue;  // gone meanwhile
    (*seen)[pid] = Child{comm, env};
  }
}

TEST_CASE("Child environment: a WDT backup's ssh and wdt get no MYSQL_PWD or AWS key of the tool's",
          "[server][wdt][security]") {
  if (access(WdtBinary().c_str(), X_OK) != 0 ||
      test::Run({WdtBinary(), "--version"}).exit_code != 0 || !SshServer::Available()) {
    WARN("skipped: no runnable wdt at " << WdtBinary() << " or no sshd (scripts/setup)");
    return;
  }
  SshServer ssh;
  SandboxServer::Settings settings;
  settings.server_args = {"--log-bin=mysql-bin", "--binlog-format=ROW", "--server-id=1"};
  SandboxServer server(settings);
  server.Sql(R"(
    CREATE USER bk@localhost IDENTIFIED BY 'bk-Secret-pw';
    GRANT ALL ON *.* TO bk@localhost;
    CREATE DATABASE t;
    USE t;
    CREATE TABLE t.bulk (id INT PRIMARY KEY, pad VARCHAR(200)) ENGINE=ROCKSDB;
    INSERT INTO t.bulk SELECT seq, REPEAT(MD5(seq), 6) FROM seq_1_to_60000;
    SET GLOBAL rocksdb_force_flush_memtable_now = 1;
  )");
  TempDir work;
  std::string ssh_command;
  for (const std::string& w : ssh.SshCommand()) ssh_command += (ssh_command.empty() ? "" : " ") + w;
  // env(1) execs the tool in place: the pid is the tool's. Throttled so the
  // children live long enough to be looked at more than once.
  test::BackgroundProcess backup(
      {"env", "MYSQL_PWD=bk-Secret-pw", "AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI-test",
       "AWS_ACCESS_KEY_ID=AKIA-test", "AWS_SESSION_TOKEN=tok-test", BinaryPath(), "--user=bk",
       "--socket=" + server.socket(), "--stream=wdt", "--destination=" + SshServer::host(),
       "--backup_dir=" + (work / "recv"), "--wdt_path=" + WdtBinary(),
       "--ssh_command=" + ssh_command, "--checkpoint_dir=" + (work / "cp"), "--interval=2",
       "--avg_mbytes_per_sec=2"});
  const std::string tool = std::to_string(backup.pid());

  std::map<std::string, Child> children;
  std::vector<std::string> tool_environment;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(300);
  for (;;) {
    const std::string stat = ProcFile(tool, "stat");
    // Exited (a zombie until waited for) or gone: done.
    size_t close_paren = stat.rfind(')');
    if (close_paren == std::string::npos || stat[close_paren + 2] == 'Z') break;
    if (std::chrono::steady_clock::now() > deadline) break;
    const std::string comm = test::TrimTrailing(ProcFile(tool, "comm"));
    if (comm != "env" && tool_environment.empty()) {
      tool_environment = EnvironEntries(ProcFile(tool, "environ"));
    }
    if (comm != "env") RecordChildren(backup.pid(), comm, &children);
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  const int rc = backup.Wait();
  INFO(backup.StderrText());
  REQUIRE(rc == 0);
  // The secrets were there to leak: the tool's own environment held them.
  CHECK(HasVariable(tool_environment, "MYSQL_PWD"));
  CHECK(HasVariable(tool_environment, "AWS_SECRET_ACCESS_KEY"));

  std::set<std::string> programs;
  for (const auto& [pid, child] : children) {
    CAPTURE(pid, child.comm);
    programs.insert(child.comm);
    CHECK(HasVariable(child.environment, "PATH"));
    for (const char* secret :
         {"MYSQL_PWD", "AWS_SECRET_ACCESS_KEY", "AWS_ACCESS_KEY_ID", "AWS_SESSION_TOKEN"}) {
      CAPTURE(secret);
      CHECK_FALSE(HasVariable(child.environment, secret));
    }
    for (const std::string& e : child.environment) {
      CHECK(e.find("bk-Secret-pw") == std::string::npos);
      CHECK(e.find("wJalrXUtnFEMI-test") == std::string::npos);
    }
  }
  CHECK(programs.count("ssh") == 1);
  CHECK(programs.count("wdt") == 1);
}

}  // namespace
}  // namespace hotbackup
