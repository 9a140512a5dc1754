// The S3 test server itself (support/s3_server.h over scripts/s3-sandbox):
// radosgw stores and returns a multipart upload byte for byte, keeps its
// objects across a gateway restart, runs twice side by side, listens on
// 127.0.0.1 only, and leaves no Ceph process behind, whether the fixture is
// destroyed or the test process is killed.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <set>
#include <sstream>
#include <thread>

#include "support/s3_server.h"
#include "support/test_support.h"

namespace hotbackup {
namespace {

namespace fs = std::filesystem;
using test::ReadFile;
using test::S3Server;
using test::TempDir;
using test::WriteFile;

bool SkipWithoutS3() {
  if (S3Server::Available()) return false;
  WARN("Ceph (ceph-mon, ceph-osd, radosgw) or s3cmd not installed (scripts/setup): skipped");
  return true;
}

// Pids of the live processes whose command line mentions `text`. A zombie
// has an empty command line, so it does not count.
// A /proc file's contents, "" once the process is gone (reading the file
// of a process that exits meanwhile fails with ESRCH: a stream would throw).
std::string ReadProcFile(const std::string& path) {
  std::string contents;
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return contents;
  char buffer[4096];
  for (;;) {
    const ssize_t n = read(fd, buffer, sizeof buffer);
    if (n <= 0) break;
    contents.append(buffer, static_cast<size_t>(n));
  }
  close(fd);
  return contents;
}

std::vector<int> ProcessesMentioning(const std::string& text) {
  std::vector<int> pids;
  std::error_code ec;
  for (const fs::directory_entry& entry : fs::directory_iterator("/proc", ec)) {
    std::string name = entry.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    if (ReadProcFile(entry.path() / "cmdline").find(text) != std::string::npos) {
      pids.push_back(std::stoi(name));
    }
  }
  return pids;
}

// The program names (comm) of those processes.
std::set<std::string> ProgramsMentioning(const std::string& text) {
  std::set<std::string> names;
  for (int pid : ProcessesMentioning(text)) {
    std::string comm = ReadProcFile("/proc/" + std::to_string(pid) + "/comm");
    while (!comm.empty() && comm.back() == '\n') comm.pop_back();
    if (!comm.empty()) names.insert(comm);
  }
  return names;
}

// The daemons, and the script's watcher (bash; its subshells come and go).
const std::set<std::string> kSandboxPrograms = {"bash", "ceph-mon", "ceph-osd", "radosgw"};

bool WaitUntilNoProcessMentions(const std::string& text, double seconds) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (!ProcessesMentioning(text).empty()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return true;
}

// The socket inodes `pid` holds open.
std::set<std::string> SocketInodes(int pid) {
  std::set<std::string> inodes;
  std::error_code ec;
  for (const fs::directory_entry& fd :
       fs::directory_iterator("/proc/" + std::to_string(pid) + "/fd", ec)) {
    std::string target = fs::read_symlink(fd.path(), ec);
    if (target.rfind("socket:[", 0) == 0) inodes.insert(target.substr(8, target.size() - 9));
  }
  return inodes;
}

// The local addresses ("0100007F:1F90", as /proc/net/tcp spells them) of the
// TCP sockets in LISTEN state among `inodes`, from /proc/net/tcp or tcp6.
std::vector<std::string> ListeningAddresses(const std::string& table,
                                            const std::set<std::string>& inodes) {
  std::vector<std::string> addresses;
  std::istringstream in(ReadFile(table));
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string slot, local, remote, state, queues, timer, retransmits, uid, timeout, inode;
    fields >> slot >> local >> remote >> state >> queues >> timer >> retransmits >> uid >>
        timeout >> inode;
    if (state == "0A" && inodes.count(inode)) addresses.push_back(local);
  }
  return addresses;
}

}  // namespace

TEST_CASE("S3 sandbox stores and returns a multipart upload byte for byte", "[s3][server]") {
  if (SkipWithoutS3()) return;
  S3Server s3;
  TempDir work;
  std::string data = test::RandomBytes(20 << 20, 11);
  WriteFile(work / "big.bin", data);

  s3.CreateBucket("sandbox-bucket");
  CHECK(s3.ListObjects("sandbox-bucket").empty());
  // 5 MiB parts: a four-part upload.
  s3.S3cmd(
      {"put", "--multipart-chunk-size-mb=5", work / "big.bin", "s3://sandbox-bucket/dir/big.bin"});
  s3.S3cmd({"get", "s3://sandbox-bucket/dir/big.bin", work / "back.bin"});
  CHECK(ReadFile(work / "back.bin") == data);
  CHECK(s3.ListObjects("sandbox-bucket") == std::vector<std::string>{"dir/big.bin"});
  CHECK(s3.ListMultipartUploads("sandbox-bucket").empty());
  CHECK(s3.endpoint() == "http://127.0.0.1:" + std::to_string(s3.port()));
}

TEST_CASE("S3 sandbox lists a multipart upload left in progress", "[s3][server]") {
  if (SkipWithoutS3()) return;
  S3Server s3;
  s3.CreateBucket("uploads");
  // s3cmd always completes or aborts its uploads; boto3 can leave one open.
  const char* kOpenUpload =
      "import sys, boto3, botocore.config\n"
      "endpoint, key, secret = sys.argv[1:4]\n"
      "s3 = boto3.client('s3', endpoint_url=endpoint, aws_access_key_id=key,\n"
      "                  aws_secret_access_key=secret, region_name='us-east-1',\n"
      "                  config=botocore.config.Config(s3={'addressing_style': 'path'}))\n"
      "s3.create_multipart_upload(Bucket='uploads', Key='half/done.bin')\n";
  test::ProcessResult r = test::Run(
      {"/usr/bin/python3", "-c", kOpenUpload, s3.endpoint(), s3.access_key(), s3.secret_key()});
  if (r.stderr_text.find("No module named 'boto3'") != std::string::npos) {
    WARN("python3-boto3 not installed (scripts/setup): skipped");
    return;
  }
  INFO(r.stderr_text);
  REQUIRE(r.exit_code == 0);
  CHECK(s3.ListMultipartUploads("uploads") == std::vector<std::string>{"half/done.bin"});
  CHECK(s3.ListObjects("uploads").empty());
}

TEST_CASE("S3 sandbox keeps its objects across a gateway restart", "[s3][server]") {
  if (SkipWithoutS3()) return;
  S3Server s3;
  TempDir work;
  std::string data = test::RandomBytes(3 << 20, 12);
  WriteFile(work / "object.bin", data);
  s3.CreateBucket("restarts");
  s3.S3cmd({"put", work / "object.bin", "s3://restarts/object.bin"});

  REQUIRE(s3.StopGateway().empty());
  test::ProcessResult down = s3.S3cmd({"ls", "s3://restarts"}, "", /*may_fail=*/true);
  CHECK(down.exit_code != 0);
  REQUIRE(s3.StartGateway().empty());

  CHECK(s3.ListObjects("restarts") == std::vector<std::string>{"object.bin"});
  s3.S3cmd({"get", "s3://restarts/object.bin", work / "back.bin"});
  CHECK(ReadFile(work / "back.bin") == data);
}

TEST_CASE("Two S3 sandboxes run side by side", "[s3][server]") {
  if (SkipWithoutS3()) return;
  S3Server a;
  S3Server b;
  REQUIRE(a.port() != b.port());
  TempDir work;
  WriteFile(work / "a.txt", "in a\n");
  WriteFile(work / "b.txt", "in b\n");
  a.CreateBucket("same-name");
  b.CreateBucket("same-name");
  a.S3cmd({"put", work / "a.txt", "s3://same-name/a.txt"});
  b.S3cmd({"put", work / "b.txt", "s3://same-name/b.txt"});
  CHECK(a.ListObjects("same-name") == std::vector<std::string>{"a.txt"});
  CHECK(b.ListObjects("same-name") == std::vector<std::string>{"b.txt"});
}

TEST_CASE("S3 sandbox listens on 127.0.0.1 only", "[s3][server]") {
  if (SkipWithoutS3()) return;
  S3Server s3;
  std::vector<int> pids = ProcessesMentioning(s3.dir() + "/ceph.conf");
  REQUIRE(pids.size() == 3);  // ceph-mon, ceph-osd, radosgw
  std::set<std::string> inodes;
  for (int pid : pids) {
    std::set<std::string> mine = SocketInodes(pid);
    inodes.insert(mine.begin(), mine.end());
  }
  std::vector<std::string> v4 = ListeningAddresses("/proc/net/tcp", inodes);
  CHECK(v4.size() >= 3);  // the monitor's two ports, radosgw's, the OSD's
  for (const std::string& address : v4) {
    INFO(address);
    CHECK(address.rfind("0100007F:", 0) == 0);
  }
  CHECK(ListeningAddresses("/proc/net/tcp6", inodes).empty());
}

TEST_CASE("S3 sandbox leaves no Ceph process once destroyed", "[s3][server]") {
  if (SkipWithoutS3()) return;
  std::string dir;
  {
    S3Server s3;
    dir = s3.dir();
    CHECK(ProgramsMentioning(dir) == kSandboxPrograms);
  }
  CHECK(ProcessesMentioning(dir).empty());
  CHECK_FALSE(fs::exists(dir));
}

TEST_CASE("S3 sandbox stops its daemons when the test process is killed", "[s3][server]") {
  if (SkipWithoutS3()) return;
  int pipe_fds[2];
  REQUIRE(pipe(pipe_fds) == 0);
  pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    // A test process that starts a server and dies without a destructor.
    close(pipe_fds[0]);
    try {
      S3Server s3;
      std::string line = s3.dir() + "\n";
      if (write(pipe_fds[1], line.data(), line.size()) < 0) _exit(1);
      pause();
    } catch (...) {
    }
    _exit(1);
  }
  close(pipe_fds[1]);
  std::string dir;
  char c;
  while (read(pipe_fds[0], &c, 1) == 1 && c != '\n') dir += c;
  close(pipe_fds[0]);
  if (dir.empty()) {
    waitpid(child, nullptr, 0);
    FAIL("the child's S3 server did not start");
  }
  CHECK(ProgramsMentioning(dir) == kSandboxPrograms);
  kill(child, SIGKILL);
  waitpid(child, nullptr, 0);
  CHECK(WaitUntilNoProcessMentions(dir, 5));
  fs::remove_all(dir);
}

}  // namespace hotbackup
