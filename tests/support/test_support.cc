// Test helpers. Tools are started with posix_spawnp and explicit argv, so the
// hostile file names the tests use never meet a shell.
#include "support/test_support.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <regex>
#include <sstream>
#include <stdexcept>

extern char** environ;

namespace hotbackup::test {
namespace fs = std::filesystem;

TempDir::TempDir(const std::string& base) {
  std::string parent = base;
  if (parent.empty()) {
    const char* tmp = std::getenv("TMPDIR");
    parent = tmp && *tmp ? tmp : "/tmp";
  }
  std::string templ = parent + "/hotbackup-test.XXXXXX";
  if (mkdtemp(templ.data()) == nullptr) {
    throw std::runtime_error("mkdtemp in " + parent + ": " + std::strerror(errno));
  }
  path_ = templ;
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

void WriteFile(const std::string& path, const std::string& contents) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(contents.data(), static_cast<std::streamsize>(contents.size()));
  if (!out) throw std::runtime_error("write " + path);
}

std::vector<std::string> TarMemberNames(const std::string& archive) {
  TempDir listing;
  ProcessResult r = Run({"tar", "-tf", archive}, "", listing / "names");
  REQUIRE(r.exit_code == 0);
  std::vector<std::string> names;
  std::istringstream in(ReadFile(listing / "names"));
  for (std::string line; std::getline(in, line);) names.push_back(line);
  return names;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("open " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string RandomBytes(size_t size, uint32_t seed) {
  std::mt19937 rng(seed);
  std::string out(size, '\0');
  size_t i = 0;
  for (; i + 4 <= size; i += 4) {
    uint32_t v = rng();
    std::memcpy(&out[i], &v, 4);
  }
  for (; i < size; ++i) out[i] = static_cast<char>(rng());
  return out;
}

ProcessResult Run(const std::vector<std::string>& argv, const std::string& stdin_path,
                  const std::string& stdout_path) {
  char err_template[] = "/tmp/hotbackup-stderr.XXXXXX";
  int err_fd = mkstemp(err_template);
  if (err_fd < 0) throw std::runtime_error("mkstemp for stderr");
  unlink(err_template);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(
      &actions, 0, stdin_path.empty() ? "/dev/null" : stdin_path.c_str(), O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1,
                                   stdout_path.empty() ? "/dev/null" : stdout_path.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, err_fd, 2);

  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);

  pid_t pid;
  int rc = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ProcessResult result;
  if (rc != 0) {
    close(err_fd);
    result.exit_code = 127;
    result.stderr_text = "spawn " + argv[0] + ": " + std::strerror(rc);
    return result;
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  lseek(err_fd, 0, SEEK_SET);
  char buf[4096];
  ssize_t n;
  while ((n = read(err_fd, buf, sizeof(buf))) > 0) result.stderr_text.append(buf, n);
  close(err_fd);
  return result;
}

int Spawn(const std::vector<std::string>& argv, int stdin_fd, int stdout_fd, int stderr_fd) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  int targets[3] = {0, 1, 2};
  int sources[3] = {stdin_fd, stdout_fd, stderr_fd};
  for (int i = 0; i < 3; ++i) {
    if (sources[i] < 0) {
      posix_spawn_file_actions_addopen(&actions, targets[i], "/dev/null",
                                       i == 0 ? O_RDONLY : O_WRONLY, 0);
    } else {
      posix_spawn_file_actions_adddup2(&actions, sources[i], targets[i]);
    }
  }
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid;
  int rc = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw std::runtime_error("spawn " + argv[0] + ": " + std::strerror(rc));
  return pid;
}

int Wait(int pid) {
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return -1;
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

BackgroundProcess::BackgroundProcess(const std::vector<std::string>& argv, int stdout_fd) {
  std::string err = dir_ / "stderr";
  int err_fd = open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (err_fd < 0) throw std::runtime_error("create " + err);
  try {
    pid_ = Spawn(argv, -1, stdout_fd, err_fd);
  } catch (...) {
    close(err_fd);
    throw;
  }
  close(err_fd);
}

BackgroundProcess::~BackgroundProcess() {
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    test::Wait(pid_);
  }
}

int BackgroundProcess::Wait() {
  int rc = test::Wait(pid_);
  pid_ = -1;
  return rc;
}

std::string BackgroundProcess::StderrText() const { return ReadFile(dir_ / "stderr"); }

bool WaitForPath(const std::string& path, double seconds) {
  for (double waited = 0; waited < seconds; waited += 0.02) {
    if (access(path.c_str(), F_OK) == 0) return true;
    usleep(20000);
  }
  return access(path.c_str(), F_OK) == 0;
}

PseudoTerminal::PseudoTerminal() {
  master_ = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (master_ < 0 || grantpt(master_) != 0 || unlockpt(master_) != 0) return;
  slave_ = open(ptsname(master_), O_RDWR | O_NOCTTY | O_CLOEXEC);
}

PseudoTerminal::~PseudoTerminal() {
  CloseSlave();
  if (master_ >= 0) close(master_);
}

void PseudoTerminal::CloseSlave() {
  if (slave_ >= 0) close(slave_);
  slave_ = -1;
}

bool HaveTool(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path ? path : "/usr/bin:/bin");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    if (access((dir + "/" + name).c_str(), X_OK) == 0) return true;
  }
  return false;
}

std::vector<std::string> GenerateNastyTree(const std::string& root) {
  const size_t kChunk = 10 * 1024 * 1024;
  struct Spec {
    std::string path;
    size_t size;
    mode_t mode;
  };
  std::vector<Spec> specs = {
      {"empty", 0, 0644},
      {"one_byte", 1, 0600},
      {"ibdata-like.bin", 4097, 0640},
      {"000001.sst", kChunk, 0644},
      {"000002.sst", kChunk + 1, 0644},
      {"000003.sst", kChunk - 1, 0644},
      {"000004.sst", 2 * kChunk + 12345, 0444},
      {"db1/t1.frm", 965, 0660},
      {"db1/empty.frm", 0, 0660},
      {"db1/with space.frm", 100, 0644},
      {"db1/quote'single.frm", 101, 0644},
      {"db1/quote\"double.frm", 102, 0644},
      {"db1/x;touch PWNED;.frm", 103, 0644},
      {"db1/$(touch PWNED2)`id`.frm", 104, 0644},
      {"db1/back\\slash&amp|pipe>gt<lt*star?.frm", 105, 0644},
      {"db2/" + std::string(200, 'n'), 2000, 0644},
      {"db2/nested/deeper/still deeper/leaf.bin", 70000, 0755},
      {"db2/nested/" + std::string(120, 'p') + "/" + std::string(150, 'q'), 33, 0644},
      {"db2/utf8-\xc3\xa9t\xc3\xa9.frm", 55, 0644},
  };
  std::vector<std::string> paths;
  uint32_t seed = 1;
  for (const Spec& spec : specs) {
    std::string full = root + "/" + spec.path;
    fs::create_directories(fs::path(full).parent_path());
    WriteFile(full, RandomBytes(spec.size, seed++));
    chmod(full.c_str(), spec.mode);
    // A fixed, distinct mtime per file, so a reader that drops it is caught.
    timespec times[2] = {{1700000000 + static_cast<time_t>(seed) * 1000, 0},
                         {1700000000 + static_cast<time_t>(seed) * 1000, 0}};
    utimensat(AT_FDCWD, full.c_str(), times, 0);
    paths.push_back(spec.path);
  }
  std::sort(paths.begin(), paths.end());
  return paths;
}

std::string CompareFiles(const std::string& expected_root, const std::string& actual_root,
                         const std::vector<std::string>& paths, unsigned mode_mask) {
  for (const std::string& rel : paths) {
    std::string want = expected_root + "/" + rel;
    std::string got = actual_root + "/" + rel;
    struct stat ws, gs;
    if (stat(want.c_str(), &ws) != 0) return "missing expected " + rel;
    if (stat(got.c_str(), &gs) != 0) return "not extracted: " + rel;
    if (ws.st_size != gs.st_size) {
      return "size differs for " + rel + ": " + std::to_string(ws.st_size) + " vs " +
             std::to_string(gs.st_size);
    }
    if ((ws.st_mode & 07777 & mode_mask) != (gs.st_mode & 07777)) return "mode differs for " + rel;
    if (ws.st_mtim.tv_sec != gs.st_mtim.tv_sec) return "mtime differs for " + rel;
    std::ifstream a(want, std::ios::binary), b(got, std::ios::binary);
    std::vector<char> ba(1 << 16), bb(1 << 16);
    uint64_t offset = 0;
    while (a && b) {
      a.read(ba.data(), static_cast<std::streamsize>(ba.size()));
      b.read(bb.data(), static_cast<std::streamsize>(bb.size()));
      if (a.gcount() != b.gcount()) return "length differs for " + rel;
      if (std::memcmp(ba.data(), bb.data(), static_cast<size_t>(a.gcount())) != 0) {
        return "bytes differ for " + rel + " near offset " + std::to_string(offset);
      }
      offset += static_cast<uint64_t>(a.gcount());
    }
  }
  return "";
}

std::vector<std::string> ListFiles(const std::string& root) {
  std::vector<std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    if (e.is_regular_file()) out.push_back(fs::relative(e.path(), root).string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

namespace {
uint64_t GetLittleEndian(const std::string& s, size_t pos, size_t bytes) {
  if (pos + bytes > s.size()) throw std::runtime_error("xbstream: truncated field");
  uint64_t v = 0;
  for (size_t i = 0; i < bytes; ++i)
    v |= static_cast<uint64_t>(static_cast<uint8_t>(s[pos + i])) << (8 * i);
  return v;
}
}  // namespace

std::vector<XbstreamChunk> ParseXbstream(const std::string& stream) {
  std::vector<XbstreamChunk> chunks;
  size_t pos = 0;
  while (pos < stream.size()) {
    if (stream.compare(pos, 8, "XBSTCK01") != 0) throw std::runtime_error("xbstream: bad magic");
    if (GetLittleEndian(stream, pos + 8, 1) != 0) throw std::runtime_error("xbstream: flags set");
    XbstreamChunk c;
    c.type = static_cast<char>(GetLittleEndian(stream, pos + 9, 1));
    size_t path_len = GetLittleEndian(stream, pos + 10, 4);
    pos += 14;
    if (pos + path_len > stream.size()) throw std::runtime_error("xbstream: truncated path");
    c.path = stream.substr(pos, path_len);
    pos += path_len;
    if (c.type == 'P') {
      uint64_t len = GetLittleEndian(stream, pos, 8);
      c.payload_offset = GetLittleEndian(stream, pos + 8, 8);
      c.checksum = static_cast<uint32_t>(GetLittleEndian(stream, pos + 16, 4));
      pos += 20;
      if (pos + len > stream.size()) throw std::runtime_error("xbstream: truncated payload");
      c.payload = stream.substr(pos, len);
      pos += len;
    } else if (c.type != 'E') {
      throw std::runtime_error("xbstream: unknown chunk type");
    }
    chunks.push_back(std::move(c));
  }
  return chunks;
}

std::string TrimTrailing(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

uint64_t GtidSequence(const std::string& gtid) {
  size_t dash = gtid.rfind('-');
  REQUIRE(dash != std::string::npos);
  REQUIRE(gtid.find(',') == std::string::npos);
  return std::stoull(gtid.substr(dash + 1));
}

size_t CountErrorLines(const std::string& err) {
  size_t n = 0;
  std::istringstream in(err);
  for (std::string line; std::getline(in, line);) n += line.find(" ERROR ") != std::string::npos;
  return n;
}

Manifest TestManifest(const std::string& stream) {
  Manifest m;
  m.tool_version = "test";
  m.server_version = "none";
  m.stream = stream;
  m.rounds = 1;
  m.backup_id = NewBackupId();
  return m;
}

std::vector<std::string> SwapperCommand(const std::string& checkpoint_dir,
                                        const std::string& canary) {
  const std::string script =
      "cd \"$1\" || exit 1\n"
      "while :; do\n"
      "  for d in [0-9]*; do\n"
      "    case \"$d\" in *[!0-9]*) case \"$d\" in *.misc) ;; *) continue ;; esac ;; esac\n"
      "    [ -d \"$d\" ] && [ ! -L \"$d\" ] || continue\n"
      "    mv -T -- \"$d\" \"moved.$d.$RANDOM\" 2>/dev/null && ln -s -- \"$2\" \"$d\" 2>/dev/null\n"
      "  done\n"
      "done\n";
  return {"setpriv", "--reuid=" + std::to_string(kServerUser),
          "--regid=" + std::to_string(kServerUser), "--clear-groups", "bash", "-c", script,
          "swapper", checkpoint_dir, canary};
}

size_t ExpectMovedDirectoriesHoldNothingOfOurs(const std::string& checkpoint_dir) {
  const std::regex server_checkpoint_file(R"([0-9]+\.(sst|log)|MANIFEST-[0-9]+|CURRENT|OPTIONS-[0-9]+)");
  size_t moved = 0;
  for (const auto& e : std::filesystem::directory_iterator(checkpoint_dir)) {
    const std::string path = e.path().string();
    if (!e.path().filename().string().starts_with("moved.") ||
        !std::filesystem::is_directory(e.path())) {
      continue;
    }
    ++moved;
    struct stat st;
    REQUIRE(lstat(path.c_str(), &st) == 0);
    const std::vector<std::string> files = ListFiles(path);
    INFO(path << " (mode " << std::oct << (st.st_mode & 07777) << std::dec << ") holds "
              << files.size() << " files, e.g. " << (files.empty() ? "" : files.front()));
    if ((st.st_mode & 07777) == 0700) {
      CHECK(files.empty());
    } else {
      for (const std::string& f : files) {
        CAPTURE(f);
        CHECK(std::regex_match(f, server_checkpoint_file));
      }
    }
  }
  return moved;
}

void ExpectNoCheckpointLeft(const std::string& checkpoint_dir) {
  if (!std::filesystem::exists(checkpoint_dir)) return;
  for (const auto& e : std::filesystem::directory_iterator(checkpoint_dir)) {
    FAIL("left behind in the checkpoint directory: " << e.path());
  }
}

size_t ResidentPages(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  REQUIRE(fd >= 0);
  struct stat st;
  REQUIRE(fstat(fd, &st) == 0);
  const size_t size = static_cast<size_t>(st.st_size);
  size_t resident = 0;
  if (size > 0) {
    void* map = mmap(nullptr, size, PROT_READ, MAP_SHARED, fd, 0);
    REQUIRE(map != MAP_FAILED);
    const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    std::vector<unsigned char> vec((size + page - 1) / page);
    REQUIRE(mincore(map, size, vec.data()) == 0);
    for (unsigned char v : vec) resident += v & 1;
    munmap(map, size);
  }
  close(fd);
  return resident;
}

bool DirectWritesBypassPageCache(const std::string& dir) {
  const std::string probe = dir + "/direct-io-probe";
  int fd = open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_DIRECT | O_CLOEXEC, 0600);
  if (fd < 0) return false;
  constexpr size_t kSize = 1 << 20;
  void* buffer = std::aligned_alloc(4096, kSize);
  REQUIRE(buffer != nullptr);
  std::memset(buffer, 'x', kSize);
  bool written = pwrite(fd, buffer, kSize, 0) == static_cast<ssize_t>(kSize) && fsync(fd) == 0;
  std::free(buffer);
  close(fd);
  bool bypassed = written && ResidentPages(probe) == 0;
  unlink(probe.c_str());
  return bypassed;
}

long PeakRssKib(const std::vector<std::string>& argv, int* exit_code) {
  // Through GNU time, whose own child is forked from a small process: a
  // child forked from this one (a test binary that may have grown to
  // hundreds of MB) carries this process's peak into its ru_maxrss, since
  // exec(2) records the old address space's peak before replacing it.
  TempDir dir;
  std::vector<std::string> timed = {"/usr/bin/time", "-f", "%M", "-o", dir / "rss"};
  timed.insert(timed.end(), argv.begin(), argv.end());
  const int pid = Spawn(timed, -1, -1, -1);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return -1;
  }
  *exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  // "Command exited with non-zero status N" comes first when it failed.
  std::string text = ReadFile(dir / "rss");
  while (!text.empty() && text.back() == '\n') text.pop_back();
  const size_t line = text.find_last_of('\n');
  if (line != std::string::npos) text = text.substr(line + 1);
  return text.empty() ? -1 : std::stol(text);
}

}  // namespace hotbackup::test
