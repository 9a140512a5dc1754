// The binary's own hardening, without a server: an ssh destination that
// would be read as an ssh option is refused before anything runs; key and
// credential files that group or others can read are refused with one line
// saying which file and how to fix it; and the process leaves no core file
// (RLIMIT_CORE 0 as soon as it starts).
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "support/sandbox_server.h"
#include "support/test_support.h"

namespace hotbackup {
namespace {

using test::BinaryPath;
using test::CountErrorLines;
using test::ProcessResult;
using test::Run;
using test::TempDir;

size_t Lines(const std::string& s) {
  return static_cast<size_t>(std::count(s.begin(), s.end(), '\n'));
}

bool Exists(const std::string& path) {
  struct stat st;
  return lstat(path.c_str(), &st) == 0;
}

TEST_CASE("Security CLI: a --destination starting with '-' is refused and runs nothing",
          "[cli][security]") {
  TempDir dir;
  const std::string canary = "/tmp/x-" + std::to_string(getpid());
  unlink(canary.c_str());
  for (const std::string& destination :
       {"-oProxyCommand=touch " + canary, "-oLocalCommand=touch " + canary, "-F" + canary}) {
    CAPTURE(destination);
    // Everything else a WDT backup needs, so that only the destination can
    // stop it; the socket leads nowhere, which would fail later anyway.
    ProcessResult r = Run({BinaryPath(), "--stream=wdt", "--destination=" + destination,
                           "--backup_dir=/tmp/received", "--socket=" + (dir / "no.sock"),
                           "--checkpoint_dir=" + (dir / "cp"), "--ssh_command=ssh -F /dev/null"});
    INFO(r.stderr_text);
    CHECK(r.exit_code == 2);
    CHECK(Lines(r.stderr_text) == 1);
    CHECK_THAT(r.stderr_text, Catch::Contains("--destination must be a host name"));
    CHECK_FALSE(Exists(canary));
    CHECK_FALSE(Exists(dir / "cp"));
  }
  unlink(canary.c_str());
}

// An age-encrypted file (not an archive inside) and the identity that opens
// it, made by age's own tools; false (with a WARN) where they are missing.
bool MakeEncryptedInput(const TempDir& dir) {
  if (!test::HaveTool("age") || !test::HaveTool("age-keygen")) {
    WARN("age or age-keygen missing (scripts/setup installs them): not tested");
    return false;
  }
  REQUIRE(Run({"age-keygen", "-o", dir / "key.txt"}).exit_code == 0);
  REQUIRE(Run({"age-keygen", "-y", dir / "key.txt"}, "", dir / "recipient").exit_code == 0);
  test::WriteFile(dir / "plain", "not an archive\n");
  REQUIRE(Run({"age", "-r", test::TrimTrailing(test::ReadFile(dir / "recipient")), "-o",
               dir / "in.age", dir / "plain"})
              .exit_code == 0);
  return true;
}

TEST_CASE(
    "Security CLI: a --decrypt_identity file group- or world-readable is refused with "
    "one line; 0600 is read",
    "[cli][security][age]") {
  TempDir dir;
  if (!MakeEncryptedInput(dir)) return;
  const std::string key = dir / "key.txt";
  const std::string secret = test::ReadFile(key).substr(test::ReadFile(key).find("AGE-SECRET"), 30);
  for (mode_t mode : {0640, 0644, 0604}) {
    CAPTURE(mode);
    REQUIRE(chmod(key.c_str(), mode) == 0);
    ProcessResult r = Run({BinaryPath(), "--extract", "--input=" + (dir / "in.age"),
                           "--backup_dir=" + (dir / "out"), "--decrypt_identity=" + key});
    INFO(r.stderr_text);
    CHECK(r.exit_code == 2);  // refused before anything is read: a usage error
    CHECK(CountErrorLines(r.stderr_text) == 1);
    CHECK_THAT(r.stderr_text, Catch::Contains(key + ": an age identity file must not be readable"));
    CHECK_THAT(r.stderr_text, Catch::Contains("chmod 600 " + key));
    CHECK(r.stderr_text.find(secret) == std::string::npos);
  }
  // 0600: the identity is used; what fails is the content (no archive).
  REQUIRE(chmod(key.c_str(), 0600) == 0);
  ProcessResult r = Run({BinaryPath(), "--extract", "--input=" + (dir / "in.age"),
                         "--backup_dir=" + (dir / "out"), "--decrypt_identity=" + key});
  INFO(r.stderr_text);
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.stderr_text, !Catch::Contains("chmod"));
  CHECK_THAT(r.stderr_text, Catch::Contains("neither a tar nor an XBSTREAM archive"));
}

TEST_CASE(
    "Security CLI: ~/.aws/credentials group- or world-readable is refused with one line; "
    "0600 is read",
    "[cli][security][s3]") {
  TempDir home;
  std::filesystem::create_directories(home / ".aws");
  const std::string credentials = home / ".aws/credentials";
  test::WriteFile(credentials,
                  "[default]\naws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = Sekr1t\n");
  // Nothing of the caller's AWS setup; an endpoint that refuses at once.
  auto run = [&] {
    return Run({"env", "-u", "AWS_ACCESS_KEY_ID", "-u", "AWS_SECRET_ACCESS_KEY", "-u",
                "AWS_SESSION_TOKEN", "-u", "AWS_PROFILE", "-u", "AWS_SHARED_CREDENTIALS_FILE",
                "HOME=" + home.path(), BinaryPath(), "--extract",
                "--input=s3://backups/db1/full.tar", "--backup_dir=" + (home / "out"),
                "--s3_endpoint=http://127.0.0.1:1", "--s3_retry_seconds=0"});
  };
  for (mode_t mode : {0640, 0644, 0660}) {
    CAPTURE(mode);
    REQUIRE(chmod(credentials.c_str(), mode) == 0);
    ProcessResult r = run();
    INFO(r.stderr_text);
    CHECK(r.exit_code == 1);
    CHECK(CountErrorLines(r.stderr_text) == 1);
    CHECK_THAT(r.stderr_text, Catch::Contains(credentials + ": a credentials file must not be"));
    CHECK_THAT(r.stderr_text, Catch::Contains("chmod 600 " + credentials));
    CHECK_THAT(r.stderr_text, !Catch::Contains("Sekr1t"));
  }
  // 0600: the keys are taken; what fails is the unreachable endpoint.
  REQUIRE(chmod(credentials.c_str(), 0600) == 0);
  ProcessResult r = run();
  INFO(r.stderr_text);
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.stderr_text, !Catch::Contains("chmod"));
  CHECK_THAT(r.stderr_text, Catch::Contains("127.0.0.1"));
}

// The soft and hard "Max core file size" of a process, from /proc.
std::string CoreLimits(int pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/limits");
  for (std::string line; std::getline(f, line);) {
    if (!line.starts_with("Max core file size")) continue;
    std::istringstream words(line.substr(std::string("Max core file size").size()));
    std::string soft, hard;
    words >> soft >> hard;
    return soft + " " + hard;
  }
  return "";
}

TEST_CASE("Security CLI: the running binary may write no core file", "[cli][security]") {
  // --extract from stdin waits for its input: a pipe held open meanwhile.
  TempDir dir;
  int in[2];
  REQUIRE(pipe2(in, O_CLOEXEC) == 0);
  const int pid =
      test::Spawn({BinaryPath(), "--extract", "--backup_dir=" + (dir / "out")}, in[0], -1, -1);
  close(in[0]);
  // Set first thing in main: a moment after the exec at most. Where our own
  // hard limit is unlimited, only the binary can have made it 0.
  std::string limits;
  for (int i = 0; i < 100 && limits != "0 0"; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    limits = CoreLimits(pid);
  }
  close(in[1]);
  test::Wait(pid);
  CHECK(limits == "0 0");
}

}  // namespace
}  // namespace hotbackup
