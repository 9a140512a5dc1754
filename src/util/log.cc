// stderr log lines in the Python original's format (logging's
// "%(asctime)s.%(msecs)03d %(levelname)s %(message)s"), so existing log
// scrapers keep working.
#include "hotbackup/util/log.h"

#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <ctime>

namespace hotbackup {
namespace {

std::atomic<LogLevel> g_min_level{LogLevel::kInfo};

const char* LevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug: return "DEBUG";
    case LogLevel::kInfo: return "INFO";
    case LogLevel::kWarning: return "WARNING";
    case LogLevel::kError: return "ERROR";
  }
  return "INFO";
}

}  // namespace

void SetLogLevel(LogLevel level) { g_min_level.store(level); }

void Log(LogLevel level, const char* format, ...) {
  if (level < g_min_level.load()) return;
  const int saved_errno = errno;

  timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  tm local;
  localtime_r(&now.tv_sec, &local);

  char line[4096];
  size_t len = strftime(line, sizeof(line), "%Y-%m-%d %H:%M:%S", &local);
  len += snprintf(line + len, sizeof(line) - len, ".%03ld %s ", now.tv_nsec / 1000000,
                  LevelName(level));
  va_list args;
  va_start(args, format);
  int n = vsnprintf(line + len, sizeof(line) - len - 1, format, args);
  va_end(args);
  if (n < 0) n = 0;
  len += static_cast<size_t>(n);
  if (len > sizeof(line) - 2) len = sizeof(line) - 2;  // truncated message
  line[len++] = '\n';

  size_t written = 0;
  while (written < len) {
    ssize_t w = write(STDERR_FILENO, line + written, len - written);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) break;  // nowhere left to report it
    written += static_cast<size_t>(w);
  }
  errno = saved_errno;
}

}  // namespace hotbackup
