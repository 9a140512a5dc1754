// ChildProcess: one program run by this tool, from an argv vector (never a
// shell), in a process group of its own so that it and whatever it starts
// (ssh's children, say) can be stopped together.
//
// stdin is /dev/null or a pipe we write; stdout is ours to read line by line
// or /dev/null; stderr goes to a file (for the error message when it fails).
// Every wait returns early with kAborted when SIGINT/SIGTERM/SIGHUP arrived
// (interrupt.h), so the caller can unwind. The destructor stops a child still
// running (SIGTERM to its group, SIGKILL after a grace period) and reaps it:
// no child outlives its owner. Move-only; not thread-safe.
//
// The child's environment is not ours: only the variables of the allowlist
// in child_environment.h (PATH, HOME, LANG, SSH_AUTH_SOCK...) plus those the
// caller names in Setup::environment; never MYSQL_PWD, AWS_* or anything
// named like a secret. Our own environment is read, never changed (other
// threads may be reading it).
#ifndef HOTBACKUP_UTIL_CHILD_PROCESS_H_
#define HOTBACKUP_UTIL_CHILD_PROCESS_H_

#include <sys/types.h>

#include <string>
#include <string_view>
#include <vector>

#include "hotbackup/util/status.h"

namespace hotbackup {

// The last `max_bytes` of a helper program's log file on one line (line
// breaks and tabs as spaces), for an error message; empty if unreadable.
std::string LogTail(const std::string& path, size_t max_bytes = 400);

// Whether `program` can be run: a path that is executable, or a name found
// executable in PATH.
bool IsExecutable(const std::string& program);

class ChildProcess {
 public:
  struct Setup {
    bool stdin_pipe = false;      // else /dev/null
    bool capture_stdout = false;  // else /dev/null
    std::string stderr_path;      // appended to; empty = /dev/null
    // "NAME=value" given to the child besides the allowlisted variables of
    // ours (replacing one of the same name). A secret-looking name is
    // refused by Start (kInvalidArgument).
    std::vector<std::string> environment;
    // Descriptors of ours the child keeps, at the same numbers (ours stay
    // close-on-exec for every other child).
    std::vector<int> inherited_fds;
  };

  ChildProcess() = default;
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // argv[0] is looked up in our PATH unless it holds a '/'. kNotSupported if
  // it cannot be executed at all (not found, not executable).
  Status Start(const std::vector<std::string>& argv, const Setup& setup);

  // Writes `data` to the child's stdin, then closes it.
  Status WriteStdinAndClose(std::string_view data);

  // Reads one line (without its newline) from the child's stdout, waiting at
  // most `seconds`. *eof is set when stdout closed before a whole line.
  // kAborted on a signal, kIoError (ETIMEDOUT) on timeout.
  Status ReadLine(double seconds, std::string* line, bool* eof);

  // Waits at most `seconds` (negative: without limit) for the child to end.
  // *exited tells whether it did; *exit_code is its exit status, or 128 + the
  // signal that killed it.
  Status Wait(double seconds, bool* exited, int* exit_code);

  // SIGTERM to the child's process group, SIGKILL after `grace_seconds`,
  // then reaps it. Nothing if it already ended.
  void Stop(double grace_seconds = 3);

  bool running() const { return pid_ > 0; }

 private:
  pid_t pid_ = -1;
  int stdin_fd_ = -1;
  int stdout_fd_ = -1;
  std::string pending_;  // stdout bytes read past the last line
};

}  // namespace hotbackup

#endif  // HOTBACKUP_UTIL_CHILD_PROCESS_H_
