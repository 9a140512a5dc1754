// Signal flag for orderly shutdown: async-signal-safe handler, polled by the
// pipeline between blocks and by blocked writes on EINTR.
#include "hotbackup/util/interrupt.h"

#include <signal.h>
#include <string.h>
#include <time.h>

#include <cerrno>
#include <string>

namespace hotbackup {
namespace {

volatile sig_atomic_t g_signal = 0;

void OnSignal(int signo) {
  if (g_signal == 0) g_signal = signo;
}

}  // namespace

void InstallInterruptHandlers() {
  struct sigaction sa;
  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = OnSignal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;  // no SA_RESTART: blocked writes must wake up
  for (int signo : {SIGINT, SIGTERM, SIGHUP}) sigaction(signo, &sa, nullptr);
}

int InterruptSignal() { return g_signal; }

Status CheckInterrupted() {
  int signo = g_signal;
  if (signo == 0) return Status::OK();
  const char* name = sigabbrev_np(signo);
  return Status::Aborted(std::string("interrupted by SIG") + (name ? name : std::to_string(signo)));
}

Status InterruptibleSleep(double seconds) {
  timespec deadline;
  clock_gettime(CLOCK_MONOTONIC, &deadline);
  long long ns = static_cast<long long>(seconds * 1e9);
  deadline.tv_sec += ns / 1000000000;
  deadline.tv_nsec += ns % 1000000000;
  if (deadline.tv_nsec >= 1000000000) {
    deadline.tv_sec += 1;
    deadline.tv_nsec -= 1000000000;
  }
  for (;;) {
    HOTBACKUP_RETURN_IF_ERROR(CheckInterrupted());
    int rc = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &deadline, nullptr);
    if (rc == 0) return CheckInterrupted();
    if (rc != EINTR) return Status::IOError("clock_nanosleep", rc);
  }
}

}  // namespace hotbackup
