// SandboxServer: a throwaway MariaDB + MyRocks server for a test, started by
// scripts/mariadb-sandbox in a fresh temporary directory, reachable only
// through its private socket (--skip-networking). Stopped and removed by the
// destructor.
#ifndef HOTBACKUP_TESTS_SANDBOX_SERVER_H_
#define HOTBACKUP_TESTS_SANDBOX_SERVER_H_

#include <memory>
#include <string>
#include <vector>

#include "support/test_support.h"

namespace hotbackup::test {

// A TCP port on 127.0.0.1 that was free a moment ago.
int FreeLoopbackPort();

// The binary under test and the source tree, as configured by CMake.
std::string BinaryPath();
std::string SourceDir();
// The real wdt: $HOTBACKUP_WDT, else the build beside the checkout
// (../shared/tools/wdt), else the workplace's shared copy (the first
// candidate when none is executable).
std::string WdtBinary();

class SandboxServer {
 public:
  struct Settings {
    bool direct_reads = false;
    // An existing datadir to start on (a restore); empty = initialize anew.
    std::string datadir_from;
    // Also listen on 127.0.0.1:tcp_port (never another address); 0 = socket only.
    int tcp_port = 0;
    // More mariadbd options ("--log-bin=...", "--server-id=2", ...).
    std::vector<std::string> server_args;
  };
  explicit SandboxServer(Settings settings);
  SandboxServer() : SandboxServer(Settings{}) {}
  ~SandboxServer();

  const std::string& dir() const { return dir_.path(); }
  std::string socket() const { return dir_ / "sock"; }
  std::string datadir() const { return dir_ / "data"; }
  std::string error_log() const { return dir_ / "error.log"; }
  int tcp_port() const { return tcp_port_; }

  // Runs SQL through the mariadb client (batch mode, no column names);
  // returns its output, failing the test on an error.
  std::string Sql(const std::string& sql);

  // CHECKSUM TABLE of every RocksDB table, one "db.table<TAB>checksum" line each.
  std::string ChecksumRocksDbTables();

  void Stop();

 private:
  TempDir dir_;
  int tcp_port_ = 0;
  bool running_ = false;
};

}  // namespace hotbackup::test

#endif  // HOTBACKUP_TESTS_SANDBOX_SERVER_H_
