// Logging to stderr in the original tool's line format:
//   "2026-11-23 21:10:00.123 INFO message"
// stdout is reserved for archive bytes, so nothing here ever touches it.
// Thread-safe: each line reaches stderr in a single write(2).
#ifndef HOTBACKUP_UTIL_LOG_H_
#define HOTBACKUP_UTIL_LOG_H_

namespace hotbackup {

enum class LogLevel { kDebug, kInfo, kWarning, kError };

// Lines below `level` are dropped. Default: kInfo.
void SetLogLevel(LogLevel level);

void Log(LogLevel level, const char* format, ...) __attribute__((format(printf, 2, 3)));

}  // namespace hotbackup

#define HB_LOG_INFO(...) ::hotbackup::Log(::hotbackup::LogLevel::kInfo, __VA_ARGS__)
#define HB_LOG_WARN(...) ::hotbackup::Log(::hotbackup::LogLevel::kWarning, __VA_ARGS__)
#define HB_LOG_ERROR(...) ::hotbackup::Log(::hotbackup::LogLevel::kError, __VA_ARGS__)

#endif  // HOTBACKUP_UTIL_LOG_H_
