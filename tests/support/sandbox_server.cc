// Test-side handle on scripts/mariadb-sandbox, so the tests and scripts/demo
// start servers the same way.
#include "support/sandbox_server.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <stdexcept>

namespace hotbackup::test {

std::string BinaryPath() { return HOTBACKUP_TEST_BINARY; }
std::string SourceDir() { return HOTBACKUP_SOURCE_DIR; }

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
