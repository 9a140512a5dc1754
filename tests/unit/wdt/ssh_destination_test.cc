// The ssh argv a WDT round builds ends ssh's options with "--", so that a
// destination spelled like an option ("-oProxyCommand=...") reaches ssh as
// a host name and never as an option that runs a command here. Checked on
// the argv itself (a stand-in for ssh records it: some ssh versions refuse
// the remote command as a host name before they would run the proxy, which
// hides the mistake) and with the real ssh client (no server needed: a
// ProxyCommand runs before any connection).
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <sstream>

#include "hotbackup/wdt/wdt_round.h"
#include "support/test_support.h"

namespace hotbackup {
namespace {

WdtRoundOptions RoundTo(const std::string& destination, const test::TempDir& dir) {
  WdtRoundOptions o;
  o.destination = destination;
  o.remote_dir = dir / "remote";
  o.recovery_id = "test";
  o.log_dir = dir.path();
  o.abort_after_seconds = 10;
  return o;
}

TEST_CASE("WDT round: ssh is given '--' before the destination", "[unit][wdt][security]") {
  test::TempDir dir;
  const std::string destination = "-oProxyCommand=touch " + (dir / "ran");
  WdtRoundOptions o = RoundTo(destination, dir);
  // Records the arguments after the --ssh_command's own, one per line, and
  // fails as ssh does.
  o.ssh_command = {"sh", "-c", "printf '%s\\n' \"$@\" > '" + (dir / "argv") + "'; exit 255",
                   "fake-ssh"};
  WdtRoundResult result;
  Status s = RunWdtRound(o, dir.path(), "", &result);
  CHECK_FALSE(s.ok());
  std::istringstream recorded(test::ReadFile(dir / "argv"));
  std::string first, second;
  std::getline(recorded, first);
  std::getline(recorded, second);
  CHECK(first == "--");
  CHECK(second == destination);
}

TEST_CASE("WDT round: a destination that looks like an ssh option runs no command",
          "[unit][wdt][security]") {
  if (!test::HaveTool("ssh")) {
    WARN("no ssh client here (scripts/setup installs openssh-client): not tested");
    return;
  }
  test::TempDir dir;
  const std::string canary = dir / "ran";
  WdtRoundOptions o = RoundTo("-oProxyCommand=touch " + canary, dir);
  o.ssh_command = {"ssh", "-F", "/dev/null", "-o", "BatchMode=yes", "-o", "ConnectTimeout=5"};
  WdtRoundResult result;
  Status s = RunWdtRound(o, dir.path(), "", &result);
  INFO(s.message());
  CHECK_FALSE(s.ok());
  struct stat st;
  CHECK(lstat(canary.c_str(), &st) != 0);
}

}  // namespace
}  // namespace hotbackup
