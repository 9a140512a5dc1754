// Running one helper program (ssh, wdt, mariadbd --bootstrap) with
// posix_spawn: no shell, its own process group, descriptors close-on-exec
// except the three it is given, and an environment of its own built from an
// allowlist (child_environment.h) and passed as envp: our `environ` is only
// read, since setenv in a threaded process races with every getenv.
#include "hotbackup/util/child_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <iterator>
#include <thread>

#include "hotbackup/util/child_environment.h"
#include "hotbackup/util/interrupt.h"

extern char** environ;

namespace hotbackup {
namespace {

using Clock = std::chrono::steady_clock;

void CloseFd(int* fd) {
  if (*fd >= 0) close(*fd);
  *fd = -1;
}

}  // namespace

std::string LogTail(const std::string& path, size_t max_bytes) {
  std::ifstream in(path, std::ios::binary);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (text.size() > max_bytes) text = text.substr(text.size() - max_bytes);
  for (char& c : text) {
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  }
  while (!text.empty() && text.back() == ' ') text.pop_back();
  return text;
}

bool IsExecutable(const std::string& program) {
  if (program.find('/') != std::string::npos) return access(program.c_str(), X_OK) == 0;
  const char* path = getenv("PATH");
  std::string dirs = path ? path : "/usr/bin:/bin";
  for (size_t start = 0; start <= dirs.size();) {
    size_t end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    std::string dir = dirs.substr(start, end - start);
    if (access(((dir.empty() ? "." : dir) + "/" + program).c_str(), X_OK) == 0) return true;
    start = end + 1;
  }
  return false;
}

namespace {

int DecodeStatus(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return 255;
}

}  // namespace

ChildProcess::~ChildProcess() { Stop(); }

Status ChildProcess::Start(const std::vector<std::string>& argv, const Setup& setup) {
  if (argv.empty()) return Status::InvalidArgument("no program to run");
  if (!IsExecutable(argv[0]))
    return Status::NotSupported(argv[0] + ": not found or not executable");
  std::vector<std::string> environment;
  HOTBACKUP_RETURN_IF_ERROR(BuildChildEnvironment(environ, setup.environment, &environment)
                                .WithContext("start " + argv[0]));
  std::vector<char*> envp;
  for (std::string& e : environment) envp.push_back(e.data());
  envp.push_back(nullptr);
  int in[2] = {-1, -1}, out[2] = {-1, -1};
  if (setup.stdin_pipe && pipe2(in, O_CLOEXEC) != 0) return Status::IOError("pipe", errno);
  if (setup.capture_stdout && pipe2(out, O_CLOEXEC) != 0) {
    CloseFd(&in[0]);
    CloseFd(&in[1]);
    return Status::IOError("pipe", errno);
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  if (setup.stdin_pipe) {
    posix_spawn_file_actions_adddup2(&actions, in[0], STDIN_FILENO);
  } else {
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  }
  if (setup.capture_stdout) {
    posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
  } else {
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  }
  const std::string err = setup.stderr_path.empty() ? "/dev/null" : setup.stderr_path;
  // dup2 onto itself clears close-on-exec in the child only (POSIX 2017,
  // glibc 2.29).
  for (int fd : setup.inherited_fds) posix_spawn_file_actions_adddup2(&actions, fd, fd);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, err.c_str(),
                                   O_WRONLY | O_CREAT | O_APPEND, 0600);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  // Its own process group; default signal dispositions (we ignore SIGPIPE).
  // posix_spawnp searches our PATH, not the child's.
  sigset_t defaults;
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGPIPE);
  sigaddset(&defaults, SIGINT);
  sigaddset(&defaults, SIGTERM);
  sigaddset(&defaults, SIGHUP);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF);
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid;
  int rc = posix_spawnp(&pid, argv[0].c_str(), &actions, &attr, args.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  CloseFd(&in[0]);
  CloseFd(&out[1]);
  if (rc != 0) {
    CloseFd(&in[1]);
    CloseFd(&out[0]);
    return Status::IOError("start " + argv[0], rc);
  }
  pid_ = pid;
  stdin_fd_ = in[1];
  stdout_fd_ = out[0];
  pending_.clear();
  return Status::OK();
}

Status ChildProcess::WriteStdinAndClose(std::string_view data) {
  if (stdin_fd_ < 0) return Status::InvalidArgument("the child's stdin is not a pipe");
  while (!data.empty()) {
    ssize_t n = write(stdin_fd_, data.data(), data.size());
    if (n < 0 && errno == EINTR) {
      HOTBACKUP_RETURN_IF_ERROR(CheckInterrupted());
      continue;
    }
    if (n < 0) {
      int err = errno;
      CloseFd(&stdin_fd_);
      return Status::IOError("write to a child's stdin", err);
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  CloseFd(&stdin_fd_);
  return Status::OK();
}

Status ChildProcess::ReadLine(double seconds, std::string* line, bool* eof) {
  *eof = false;
  line->clear();
  if (stdout_fd_ < 0) return Status::InvalidArgument("the child's stdout is not captured");
  const Clock::time_point deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                                        std::chrono::duration<double>(seconds));
  for (;;) {
    size_t newline = pending_.find('\n');
    if (newline != std::string::npos) {
      *line = pending_.substr(0, newline);
      pending_.erase(0, newline + 1);
      return Status::OK();
    }
    HOTBACKUP_RETURN_IF_ERROR(CheckInterrupted());
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0)
      return Status::IOError("no line from a child within its time", ETIMEDOUT);
    pollfd p{stdout_fd_, POLLIN, 0};
    int r = poll(&p, 1, static_cast<int>(std::min<int64_t>(left.count(), 200)));
    if (r < 0 && errno != EINTR) return Status::IOError("poll a child's stdout", errno);
    if (r <= 0) continue;
    char buffer[4096];
    ssize_t n = read(stdout_fd_, buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::IOError("read a child's stdout", errno);
    if (n == 0) {
      *line = pending_;
      pending_.clear();
      *eof = true;
      return Status::OK();
    }
    pending_.append(buffer, static_cast<size_t>(n));
  }
}

Status ChildProcess::Wait(double seconds, bool* exited, int* exit_code) {
  *exited = false;
  if (pid_ <= 0) return Status::InvalidArgument("no child to wait for");
  const Clock::time_point start = Clock::now();
  for (;;) {
    int status = 0;
    pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      pid_ = -1;
      CloseFd(&stdin_fd_);
      CloseFd(&stdout_fd_);
      *exited = true;
      *exit_code = DecodeStatus(status);
      return Status::OK();
    }
    if (r < 0 && errno != EINTR) return Status::IOError("wait for a child", errno);
    HOTBACKUP_RETURN_IF_ERROR(CheckInterrupted());
    if (seconds >= 0 && std::chrono::duration<double>(Clock::now() - start).count() >= seconds) {
      return Status::OK();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

void ChildProcess::Stop(double grace_seconds) {
  CloseFd(&stdin_fd_);
  CloseFd(&stdout_fd_);
  if (pid_ <= 0) return;
  kill(-pid_, SIGTERM);
  const Clock::time_point start = Clock::now();
  int status = 0;
  while (waitpid(pid_, &status, WNOHANG) == 0) {
    if (std::chrono::duration<double>(Clock::now() - start).count() >= grace_seconds) {
      kill(-pid_, SIGKILL);
      waitpid(pid_, &status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  // Whatever else is left in its group (a grandchild that ignored SIGTERM).
  kill(-pid_, SIGKILL);
  pid_ = -1;
}

}  // namespace hotbackup
