// Helpers shared by the tests: temporary directories, files, running the real
// tools (GNU tar, bsdtar, mbstream, zstd) without a shell, generating and
// comparing directory trees.
#ifndef HOTBACKUP_TESTS_TEST_SUPPORT_H_
#define HOTBACKUP_TESTS_TEST_SUPPORT_H_

#include <cstdint>
#include <map>
#include <sys/types.h>

#include <string>
#include <vector>

#include "hotbackup/archive/manifest.h"

namespace hotbackup::test {

// A fresh directory under $TMPDIR (default /tmp), removed with its contents
// by the destructor.
class TempDir {
 public:
  explicit TempDir(const std::string& base = "");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// After SwapperCommand ran against `checkpoint_dir`: every "moved.*"
// directory holds nothing of the backup's. One the backup held (a checkpoint
// taken over, a staging directory it made: mode 0700) must be empty, emptied
// through its descriptors; one moved between the server making it and the
// backup opening it was never the backup's (it keeps the server's mode) and
// may hold the server's checkpoint files only. Returns how many there were.
size_t ExpectMovedDirectoriesHoldNothingOfOurs(const std::string& checkpoint_dir);

void WriteFile(const std::string& path, const std::string& contents);
// `s` without trailing newlines and spaces (one SQL value from the client).
std::string TrimTrailing(std::string s);
// The sequence number of a single-domain GTID position "0-1-320".
uint64_t GtidSequence(const std::string& gtid);
// stderr lines at level ERROR.
size_t CountErrorLines(const std::string& err);
// Fails the test for anything left in a backup's --checkpoint_dir.
void ExpectNoCheckpointLeft(const std::string& checkpoint_dir);
std::string ReadFile(const std::string& path);
// The member names of a tar archive, as GNU tar lists them (fails the test
// if tar cannot read it).
std::vector<std::string> TarMemberNames(const std::string& archive);
// The manifest a test archive ends with: tool "test", server "none", one
// round, the given stream name ("tar" or "xbstream"), a new backup id.
Manifest TestManifest(const std::string& stream);
// Deterministic pseudo-random bytes.
std::string RandomBytes(size_t size, uint32_t seed);

struct ProcessResult {
  int exit_code = -1;  // 128 + signal if killed
  std::string stderr_text;
};

// Runs argv[0] (looked up in PATH) with stdin/stdout redirected from/to the
// given files ("" = /dev/null), stderr captured. No shell is involved.
ProcessResult Run(const std::vector<std::string>& argv, const std::string& stdin_path = "",
                  const std::string& stdout_path = "");

// Runs argv[0] (looked up in PATH; no stdin, stdout or stderr) and returns
// its peak resident memory in KiB (-1 if it could not be waited for); sets
// *exit_code (128 + signal if killed).
long PeakRssKib(const std::vector<std::string>& argv, int* exit_code);

// How many of the regular file's pages are in the page cache (mincore of a
// mapping of it): what O_DIRECT writes leave out.
size_t ResidentPages(const std::string& path);

// Whether a file written with O_DIRECT in `dir` stays out of the page cache
// (a probe file, removed again): false where O_DIRECT is refused, and on
// tmpfs, which takes O_DIRECT but is the page cache.
bool DirectWritesBypassPageCache(const std::string& dir);

// Starts argv[0] (looked up in PATH) with the given descriptors as stdin,
// stdout and stderr (-1 = /dev/null); returns its pid or throws.
int Spawn(const std::vector<std::string>& argv, int stdin_fd, int stdout_fd, int stderr_fd);
// Waits for `pid`; returns its exit code, or 128 + signal.
int Wait(int pid);

// A child started in the background with its stderr captured in a file.
class BackgroundProcess {
 public:
  // stdout goes to `stdout_fd` (-1 = /dev/null).
  explicit BackgroundProcess(const std::vector<std::string>& argv, int stdout_fd = -1);
  ~BackgroundProcess();  // kills the child if it was not waited for
  int pid() const { return pid_; }
  // Waits; returns the exit code (128 + signal if killed).
  int Wait();
  std::string StderrText() const;

 private:
  TempDir dir_;
  int pid_ = -1;
};

// The server's user in the security tests (no passwd entry is needed).
inline constexpr uid_t kServerUser = 12345;

// A command that, run as kServerUser (setpriv) until killed, renames away
// every round ("7") or staging ("7.misc") directory that appears in
// `checkpoint_dir` and puts a symbolic link to `canary` in its place: the
// attack of a server's user on a backup run as root. Not the server's
// "7.tmp": moving that only makes the server fail.
std::vector<std::string> SwapperCommand(const std::string& checkpoint_dir,
                                        const std::string& canary);

// Polls until `path` exists; false after `seconds`.
bool WaitForPath(const std::string& path, double seconds = 5);

// A pseudo-terminal pair, both ends close-on-exec (so a server started
// later does not inherit it and keep it open). ok() is false where the
// sandbox has no ptys.
class PseudoTerminal {
 public:
  PseudoTerminal();
  ~PseudoTerminal();
  bool ok() const { return master_ >= 0 && slave_ >= 0; }
  int master() const { return master_; }
  int slave() const { return slave_; }
  void CloseSlave();

 private:
  int master_ = -1;
  int slave_ = -1;
};

// Whether `name` is an executable on PATH.
bool HaveTool(const std::string& name);

// Fills `root` with a tree meant to break naive archivers: nested
// directories, empty files, a 200-byte name, names with spaces, quotes and
// shell metacharacters, files at and around the 10 MiB chunk size.
// Returns the relative paths of the files created.
std::vector<std::string> GenerateNastyTree(const std::string& root);

// Compares `actual_root` against `expected_root` for the given relative
// paths: same bytes, same permission bits (the expected ones masked with
// `mode_mask`: 0750 for what our restore wrote, restored_attributes.h), same
// mtime (seconds). Returns "" when equal, otherwise a description of the
// first difference.
std::string CompareFiles(const std::string& expected_root, const std::string& actual_root,
                         const std::vector<std::string>& paths, unsigned mode_mask = 07777);

// Relative paths of all regular files under `root`, sorted.
std::vector<std::string> ListFiles(const std::string& root);

// One chunk of an XBSTREAM stream, as parsed by ParseXbstream.
struct XbstreamChunk {
  char type = 0;
  std::string path;
  uint64_t payload_offset = 0;
  uint32_t checksum = 0;
  std::string payload;
};

// Splits a stream into chunks; throws std::runtime_error on malformed input.
std::vector<XbstreamChunk> ParseXbstream(const std::string& stream);

}  // namespace hotbackup::test

#endif  // HOTBACKUP_TESTS_TEST_SUPPORT_H_
