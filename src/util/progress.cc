// Progress output on stderr: the original's per-GB log line for logs, or a
// redrawn status line for a person watching a terminal.
#include "hotbackup/util/progress.h"

#include <unistd.h>

#include <cstdio>
#include <string>

#include "hotbackup/util/log.h"

namespace hotbackup {
namespace {

constexpr uint64_t kGiB = 1ull << 30;
constexpr double kMiB = 1024.0 * 1024.0;

void WriteStderr(const std::string& s) {
  size_t off = 0;
  while (off < s.size()) {
    ssize_t n = write(STDERR_FILENO, s.data() + off, s.size() - off);
    if (n <= 0) return;
    off += static_cast<size_t>(n);
  }
}

}  // namespace

ProgressReporter::ProgressReporter(bool live)
    : live_(live), start_(Clock::now()), last_line_(start_) {}

ProgressReporter::~ProgressReporter() { Clear(); }

void ProgressReporter::AddSent(uint64_t bytes) {
  uint64_t before = sent_;
  sent_ += bytes;
  if (live_) {
    Draw();
    return;
  }
  if (sent_ / kGiB > before / kGiB) {
    Clock::time_point now = Clock::now();
    double seconds = std::chrono::duration<double>(now - last_line_).count();
    double interval_bytes = static_cast<double>(sent_ - sent_at_last_line_);
    HB_LOG_INFO("Backup Progress: %5.2f%%   Sent %6.2f GB of %6.2f GB data, Transfer Speed: %6.2f MB/s",
                target_ ? 100.0 * static_cast<double>(sent_) / static_cast<double>(target_) : 0.0,
                static_cast<double>(sent_) / kGiB, static_cast<double>(target_) / kGiB,
                seconds > 0 ? interval_bytes / seconds / kMiB : 0.0);
    last_line_ = now;
    sent_at_last_line_ = sent_;
  }
}

void ProgressReporter::Draw() {
  Clock::time_point now = Clock::now();
  if (drawn_ && now - last_draw_ < std::chrono::milliseconds(250)) return;
  last_draw_ = now;
  double elapsed = std::chrono::duration<double>(now - start_).count();
  double rate = elapsed > 0 ? static_cast<double>(sent_) / elapsed : 0;
  double fraction = target_ ? static_cast<double>(sent_) / static_cast<double>(target_) : 0;
  if (fraction > 1) fraction = 1;
  constexpr int kWidth = 30;
  int filled = static_cast<int>(fraction * kWidth);
  std::string bar(static_cast<size_t>(filled), '=');
  if (filled < kWidth) bar += '>';
  bar.resize(kWidth, ' ');
  char eta[32] = "--:--";
  if (rate > 0 && target_ > sent_) {
    long secs = static_cast<long>(static_cast<double>(target_ - sent_) / rate);
    snprintf(eta, sizeof(eta), "%ld:%02ld:%02ld", secs / 3600, secs / 60 % 60, secs % 60);
  }
  char line[256];
  snprintf(line, sizeof(line), "\r[%s] %5.1f%%  %.2f / %.2f GB  %.1f MB/s  ETA %s\033[K",
           bar.c_str(), fraction * 100, static_cast<double>(sent_) / kGiB,
           static_cast<double>(target_) / kGiB, rate / kMiB, eta);
  WriteStderr(line);
  drawn_ = true;
}

void ProgressReporter::Clear() {
  if (live_ && drawn_) {
    WriteStderr("\r\033[K");
    drawn_ = false;
  }
}

}  // namespace hotbackup
