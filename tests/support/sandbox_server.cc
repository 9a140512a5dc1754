// Test-side handle on scripts/mariadb-sandbox, so the tests and scripts/demo
// start servers the same way.
#include "support/sandbox_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <stdexcept>

namespace hotbackup::test {

std::string BinaryPath() { return HOTBACKUP_TEST_BINARY; }
std::string SourceDir() { return HOTBACKUP_SOURCE_DIR; }

std::string WdtBinary() {
  std::vector<std::string> candidates;
  if (const char* env = getenv("HOTBACKUP_WDT")) candidates.push_back(env);
  candidates.push_back(SourceDir() + "/../shared/tools/wdt/wdt");
  candidates.push_back("/work/shared/tools/wdt/wdt");
  for (const std::string& c : candidates) {
    if (access(c.c_str(), X_OK) == 0) return c;
  }
  return candidates.front();
}


int FreeLoopbackPort() {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error("socket");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    close(fd);
    throw std::runtime_error("bind 127.0.0.1:0");
  }
  close(fd);
  return ntohs(addr.sin_port);
}

namespace {
std::string SandboxScript() { return SourceDir() + "/scripts/mariadb-sandbox"; }
}  // namespace

// Under /tmp whatever TMPDIR says: socket paths must stay short.
SandboxServer::SandboxServer(Settings settings) : dir_("/tmp") {
  if (!settings.datadir_from.empty()) {
    std::filesystem::rename(settings.datadir_from, datadir());
  }
  std::vector<std::string> argv = {SandboxScript(), "start", dir()};
  if (settings.direct_reads) argv.push_back("--direct-reads");
  if (settings.tcp_port != 0) {
    argv.push_back("--tcp-port");
    argv.push_back(std::to_string(settings.tcp_port));
  }
  tcp_port_ = settings.tcp_port;
  argv.insert(argv.end(), settings.server_args.begin(), settings.server_args.end());
  ProcessResult r = Run(argv);
  if (r.exit_code != 0) {
    throw std::runtime_error("sandbox server did not start: " + r.stderr_text);
  }
  running_ = true;
}

SandboxServer::~SandboxServer() { Stop(); }

void SandboxServer::Stop() {
  if (!running_) return;
  Run({SandboxScript(), "stop", dir()});
  running_ = false;
}

std::string SandboxServer::Sql(const std::string& sql) {
  std::string out = dir_ / "sql.out";
  ProcessResult r = Run({SandboxScript(), "sql", dir(), "-N", "-B", "-e", sql}, "", out);
  INFO("SQL: " << sql.substr(0, 200) << "\n" << r.stderr_text);
  REQUIRE(r.exit_code == 0);
  return ReadFile(out);
}

std::string SandboxServer::ChecksumRocksDbTables() {
  std::string tables = Sql(
      "SELECT GROUP_CONCAT(CONCAT('`', table_schema, '`.`', table_name, '`') ORDER BY 1) "
      "FROM information_schema.tables WHERE engine = 'ROCKSDB'");
  while (!tables.empty() && tables.back() == '\n') tables.pop_back();
  REQUIRE(tables != "NULL");
  REQUIRE_FALSE(tables.empty());
  return Sql("CHECKSUM TABLE " + tables + " EXTENDED");
}

}  // namespace hotbackup::test
