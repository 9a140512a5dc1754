// A WDT round (see wdt_round.h): preparation, receiver, sender, cleanup.
#include "hotbackup/wdt/wdt_round.h"

#include <unistd.h>

#include <chrono>
#include <fstream>
#include <iterator>
#include <optional>
#include <regex>

#include "hotbackup/util/child_process.h"
#include "hotbackup/util/log.h"
#include "hotbackup/wdt/shell_words.h"

namespace hotbackup {
namespace {

// Resumption from what the destination directory holds, file by file: a
// file there is taken as the first bytes of the one to send. Right for
// RocksDB's files, which are immutable (SST) or append-only (WAL,
// MANIFEST); every other file that changed is removed before the round
// (see wdt_backup.cc).
const std::vector<std::string> kDirectoryTreeResumption = {
    "-enable_download_resumption", "-resume_using_dir_tree", "-disable_preallocation",
    "-block_size_mbytes", "-1"};
// Resumption from wdt's transfer log, block by block (the sender's block
// size comes from the extra options).
const std::vector<std::string> kTransferLogResumption = {"-enable_download_resumption",
                                                         "-disable_preallocation"};

const std::vector<std::string>& ResumptionFlags(WdtResumption resumption) {
  return resumption == WdtResumption::kTransferLog ? kTransferLogResumption
                                                   : kDirectoryTreeResumption;
}

// The value gflags would give `flag` from `options` (the last occurrence
// wins): "-flag=V", "--flag=V", "-flag V", "--flag V"; a boolean "-flag"
// alone is "true", "-noflag" is "false". nullopt if absent.
std::optional<std::string> FlagValue(const std::vector<std::string>& options,
                                     const std::string& flag, bool boolean) {
  std::optional<std::string> value;
  for (size_t i = 0; i < options.size(); ++i) {
    std::string word = options[i];
    if (word.starts_with("--")) {
      word = word.substr(2);
    } else if (word.starts_with("-")) {
      word = word.substr(1);
    } else {
      continue;
    }
    if (word == flag) {
      if (boolean) {
        value = "true";
      } else if (i + 1 < options.size()) {
        value = options[++i];
      }
    } else if (word.starts_with(flag + "=")) {
      value = word.substr(flag.size() + 1);
    } else if (boolean && word == "no" + flag) {
      value = "false";
    }
  }
  return value;
}

bool FalseWord(const std::string& v) { return v == "false" || v == "0" || v == "no"; }

// How long past -abort_after_seconds a side may take to end before it is
// stopped (a sender deep in its rate limiter does not look at the clock).
constexpr double kGraceSeconds = 5;

constexpr int kSshExitError = 255;
constexpr int kPreparationFailed = 97;  // our own, from the remote command
// A preparation script up to this size goes in the receiver's command (one
// ssh connection per round); a longer one is fed to `sh -s` first.
constexpr size_t kInlinePreparation =
    32 * 1024;  // ssh's own failure, as opposed to the remote command's
constexpr int kShellNotFound = 127;
constexpr int kShellNotExecutable = 126;

}  // namespace

Status ChooseWdtResumption(const std::vector<std::string>& extra_sender_options,
                           const std::vector<std::string>& extra_receiver_options,
                           WdtResumption* resumption, std::string* why) {
  *resumption = WdtResumption::kDirectoryTree;
  why->clear();
  for (const auto* options : {&extra_sender_options, &extra_receiver_options}) {
    const char* side = options == &extra_sender_options ? "--extra_wdt_sender_options"
                                                        : "--extra_wdt_receiver_options";
    std::optional<std::string> resumption_flag =
        FlagValue(*options, "enable_download_resumption", true);
    if (resumption_flag && FalseWord(*resumption_flag)) {
      return Status::InvalidArgument(
          std::string(side) + " turns wdt's download resumption off: every round would send "
          "the whole checkpoint again and a backup longer than --interval would never end");
    }
  }
  std::optional<std::string> block = FlagValue(extra_sender_options, "block_size_mbytes", false);
  if (!block) return Status::OK();
  char* end = nullptr;
  const double mbytes = strtod(block->c_str(), &end);
  if (end == block->c_str() || *end != 0) {
    return Status::InvalidArgument("--extra_wdt_sender_options: -block_size_mbytes " + *block +
                                   " is not a number");
  }
  if (mbytes <= 0) return Status::OK();
  for (const auto* options : {&extra_sender_options, &extra_receiver_options}) {
    std::optional<std::string> tree = FlagValue(*options, "resume_using_dir_tree", true);
    if (tree && !FalseWord(*tree)) {
      return Status::InvalidArgument(
          "-block_size_mbytes " + *block + " (block mode) cannot resume with "
          "-resume_using_dir_tree: a receiver resuming from the directory invalidates it when "
          "the sender sends blocks; give one or the other");
    }
  }
  *resumption = WdtResumption::kTransferLog;
  *why = "-block_size_mbytes " + *block;
  return Status::OK();
}

namespace {

// "--" ends ssh's options: a destination is never read as one, however it
// is spelled ("-oProxyCommand=..." would run a command here). options.cc
// refuses such a --destination too; this holds for any caller.
std::vector<std::string> Ssh(const WdtRoundOptions& o, const std::string& remote_command) {
  std::vector<std::string> argv = o.ssh_command;
  argv.push_back("--");
  argv.push_back(o.destination);
  argv.push_back(remote_command);
  return argv;
}

// What the sender reports in its transfer summary (the log's last one):
// file data sent, and bytes the receiver already held from earlier rounds.
void ReadSenderSummary(const std::string& sender_log, WdtRoundResult* result) {
  std::ifstream in(sender_log);
  static const std::regex kSent(R"(Transfer summary.*Data Mbytes = ([0-9.]+))");
  static const std::regex kPrevious(R"(Previously sent bytes : ([0-9]+))");
  std::smatch m;
  for (std::string line; std::getline(in, line);) {
    if (std::regex_search(line, m, kSent)) {
      result->bytes_sent = static_cast<uint64_t>(std::stod(m[1].str()) * 1024 * 1024);
    }
    if (std::regex_search(line, m, kPrevious)) result->previously_sent = std::stoull(m[1].str());
  }
}

// Follows the sender's log for its progress lines ("wdt transfer progress
// 28.61 Mbytes, ..."), reading only what was appended since the last look.
class ProgressFollower {
 public:
  explicit ProgressFollower(std::string path) : path_(std::move(path)) {}

  // The bytes of the latest progress line.
  uint64_t Poll() {
    std::ifstream in(path_, std::ios::binary);
    if (!in) return bytes_;
    in.seekg(static_cast<std::streamoff>(offset_));
    std::string chunk((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    size_t end = chunk.rfind('\n');
    if (end == std::string::npos) return bytes_;
    offset_ += end + 1;
    static const std::regex kProgress(R"(wdt transfer progress ([0-9.]+) Mbytes)");
    std::smatch m;
    std::string text = chunk.substr(0, end);
    for (auto it = std::sregex_iterator(text.begin(), text.end(), kProgress);
         it != std::sregex_iterator(); ++it) {
      bytes_ = static_cast<uint64_t>(std::stod((*it)[1].str()) * 1024 * 1024);
    }
    return bytes_;
  }

 private:
  std::string path_;
  uint64_t offset_ = 0;
  uint64_t bytes_ = 0;
};

// The remote receiver must not outlive us: without a terminal, sshd does
// not signal a remote command when the connection goes, and `exec` changes
// nothing. So it runs beside a watchdog reading the ssh channel's stdin,
// which only we hold open: when ssh or this process ends (even by SIGKILL)
// the watchdog sees end of file and kills the receiver. The receiver's exit
// status is the command's.
std::string WithWatchdog(const std::string& command) {
  return "exec 3<&0 </dev/null; " + command +
         " & p=$!; { cat <&3 >/dev/null 2>&1; kill $p 2>/dev/null; } >/dev/null 2>&1 & w=$!; "
         "exec 3<&-; wait $p; rc=$?; kill $w 2>/dev/null; exit $rc";
}

// The remote receiver, stopped on every way out of the round.
class RemoteReceiver {
 public:
  explicit RemoteReceiver(const WdtRoundOptions& o) : o_(o) {}
  // Stopping ssh closes the remote watchdog's stdin: the receiver goes too.
  ~RemoteReceiver() { ssh_.Stop(); }

  // Starts the receiver after `preparation` (shell commands; may be empty)
  // in the same remote command.
  Status Start(const std::string& preparation, std::string* url) {
    std::vector<std::string> wdt = {o_.wdt_path, "-directory", o_.remote_dir};
    const std::vector<std::string>& resumption = ResumptionFlags(o_.resumption);
    wdt.insert(wdt.end(), resumption.begin(), resumption.end());
    wdt.insert(wdt.end(), {"-recovery_id", o_.recovery_id, "-start_port", "0",
                           "-abort_after_seconds", std::to_string(o_.abort_after_seconds)});
    wdt.insert(wdt.end(), o_.extra_receiver_options.begin(), o_.extra_receiver_options.end());
    log_ = o_.log_dir + "/receiver.log";
    ChildProcess::Setup setup;
    setup.stdin_pipe = true;  // held open, never written: see kWatchdog
    setup.capture_stdout = true;
    setup.stderr_path = log_;
    std::string command = WithWatchdog(ShellCommand(wdt));
    // The preparation exits the remote shell with kPreparationFailed itself.
    if (!preparation.empty()) command = preparation + command;
    HOTBACKUP_RETURN_IF_ERROR(ssh_.Start(Ssh(o_, command), setup));
    bool eof = false;
    std::string line;
    // Lines before the URL (a remote shell's rc file that prints) are skipped.
    Status s = ssh_.ReadLine(60, &line, &eof);
    for (int skipped = 0; s.ok() && !eof && !line.starts_with("wdt://") && skipped < 100;
         ++skipped) {
      s = ssh_.ReadLine(60, &line, &eof);
    }
    if (s.code() == Status::Code::kAborted) return s;
    if (s.ok() && !eof && line.starts_with("wdt://")) {
      *url = line;
      return Status::OK();
    }
    // No URL: see how ssh ended.
    bool exited = false;
    int code = -1;
    HOTBACKUP_RETURN_IF_ERROR(ssh_.Wait(10, &exited, &code));
    if (!exited) ssh_.Stop();
    const std::string detail = LogTail(log_);
    if (code == kSshExitError) {
      return Status::Server("ssh to " + o_.destination + " failed" +
                            (detail.empty() ? "" : ": " + detail));
    }
    if (code == kPreparationFailed) {
      return Status::Server("preparing " + o_.remote_dir + " on " + o_.destination + " failed" +
                            (detail.empty() ? "" : ": " + detail));
    }
    if (code == kShellNotFound || code == kShellNotExecutable) {
      return Status::NotSupported("no " + o_.wdt_path + " to run on " + o_.destination +
                                  " (--wdt_path)" + (detail.empty() ? "" : ": " + detail));
    }
    return Status::Server("the wdt receiver on " + o_.destination + " gave no connection URL" +
                          (exited ? " (exit " + std::to_string(code) + ")" : "") +
                          (detail.empty() ? "" : ": " + detail));
  }

  // Waits for the receiver to end; stops it after `seconds`.
  Status Finish(double seconds, int* exit_code) {
    bool exited = false;
    HOTBACKUP_RETURN_IF_ERROR(ssh_.Wait(seconds, &exited, exit_code));
    if (!exited) {
      ssh_.Stop();
      *exit_code = -1;
    }
    return Status::OK();
  }

 private:
  const WdtRoundOptions& o_;
  ChildProcess ssh_;
  std::string log_;
};

}  // namespace

Status RunWdtRound(const WdtRoundOptions& o, const std::string& source_dir,
                   const std::string& preparation_script, WdtRoundResult* result) {
  *result = WdtRoundResult();
  // 1. Preparation, on its own connection only when too long to inline.
  const bool inline_preparation = preparation_script.size() <= kInlinePreparation;
  if (!inline_preparation) {
    ChildProcess ssh;
    ChildProcess::Setup setup;
    setup.stdin_pipe = true;
    const std::string log = o.log_dir + "/prepare.log";
    setup.stderr_path = log;
    HOTBACKUP_RETURN_IF_ERROR(ssh.Start(Ssh(o, "sh -s"), setup));
    HOTBACKUP_RETURN_IF_ERROR(ssh.WriteStdinAndClose(preparation_script));
    bool exited = false;
    int code = -1;
    HOTBACKUP_RETURN_IF_ERROR(ssh.Wait(60, &exited, &code));
    if (!exited) return Status::Server("ssh to " + o.destination + " did not answer in 60 s");
    if (code == kSshExitError) {
      return Status::Server("ssh to " + o.destination + " failed: " + LogTail(log));
    }
    if (code != 0) {
      return Status::Server("preparing " + o.remote_dir + " on " + o.destination +
                            " failed (exit " + std::to_string(code) + "): " + LogTail(log));
    }
  }
  // 2. Receiver.
  RemoteReceiver receiver(o);
  std::string url;
  HOTBACKUP_RETURN_IF_ERROR(receiver.Start(inline_preparation ? preparation_script : "", &url));
  // 3. Sender.
  std::vector<std::string> argv = {o.wdt_path,
                                   "-directory",
                                   source_dir,
                                   "-app_name=myrocks",
                                   "-avg_mbytes_per_sec",
                                   std::to_string(o.avg_mbytes_per_sec),
                                   "-recovery_id",
                                   o.recovery_id,
                                   "-abort_after_seconds",
                                   std::to_string(o.abort_after_seconds)};
  const std::vector<std::string>& resumption = ResumptionFlags(o.resumption);
  argv.insert(argv.end(), resumption.begin(), resumption.end());
  if (o.resumption == WdtResumption::kTransferLog) {
    // An encrypted block is logged as received only once the GCM tag that
    // follows it is checked (by default every 4 MiB of a connection): a
    // round ended by -abort_after_seconds before then kept nothing.
    argv.insert(argv.end(), {"-encryption_tag_interval_bytes", "262144"});
  }
  argv.insert(argv.end(), o.extra_sender_options.begin(), o.extra_sender_options.end());
  const std::string sender_log = o.log_dir + "/sender.log";
  unlink(sender_log.c_str());  // one round's summary at a time
  {
    // The URL holds the transfer's key: given on stdin ("-"), not in argv,
    // where every local user could read it.
    argv.push_back("-");
    ChildProcess sender;
    ChildProcess::Setup setup;
    setup.stdin_pipe = true;
    setup.inherited_fds = o.sender_inherited_fds;
    setup.stderr_path = sender_log;
    HOTBACKUP_RETURN_IF_ERROR(sender.Start(argv, setup));
    HOTBACKUP_RETURN_IF_ERROR(sender.WriteStdinAndClose(url + "\n"));
    bool exited = false;
    ProgressFollower follower(sender_log);
    const auto deadline = std::chrono::steady_clock::now() +
                          std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                              std::chrono::duration<double>(o.abort_after_seconds + kGraceSeconds));
    while (!exited && std::chrono::steady_clock::now() < deadline) {
      HOTBACKUP_RETURN_IF_ERROR(sender.Wait(0.5, &exited, &result->sender_exit));
      if (o.on_progress) o.on_progress(follower.Poll());
    }
    if (!exited) sender.Stop();
  }
  ReadSenderSummary(sender_log, result);
  // 4. Receiver's end.
  // A receiver whose sender failed has nothing more to wait for.
  return receiver.Finish(result->sender_exit == 0 ? kGraceSeconds : 1.0, &result->receiver_exit);
}

}  // namespace hotbackup
