// One WDT round: a local directory sent to a directory on a remote host by
// facebook's wdt, the receiver started over ssh.
//
//   1. a preparation script creates the directory and removes the files the
//      round must send anew: run at the start of step 2's command, or when
//      long, by `ssh DEST sh -s` reading it from its stdin;
//   2. `ssh DEST 'wdt -directory DIR -start_port 0 ...'` (beside a
//      watchdog, see wdt_round.cc) starts the receiver; its first line is
//      the wdt:// URL to send to (a secret: never logged);
//   3. the local `wdt -connection_url URL -directory SRC ...` sends;
//   4. both are waited for. With -enable_download_resumption and the same
//      -recovery_id on both sides, a later round sends only what is new or
//      has grown.
//
// Every argument of the remote command is quoted for a POSIX shell
// (shell_words.h); nothing runs through a local shell. On every way out (an
// error, SIGINT/SIGTERM, even SIGKILL of this process) the remote receiver
// ends with the ssh connection.
#ifndef HOTBACKUP_WDT_WDT_ROUND_H_
#define HOTBACKUP_WDT_WDT_ROUND_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "hotbackup/util/status.h"

namespace hotbackup {

// How a later round resumes what an earlier one left at the destination.
enum class WdtResumption {
  // From the destination's files, by size (-resume_using_dir_tree, whole
  // files: -block_size_mbytes -1). Right for RocksDB's immutable or
  // append-only files; the default.
  kDirectoryTree,
  // From wdt's transfer log (.wdt.log: every block received), for a sender
  // in block mode (-block_size_mbytes N): blocks arrive out of order, so a
  // file's size says nothing of what it holds. The original's mode.
  kTransferLog,
};

// The resumption the extra options call for: kTransferLog when they put
// the sender in block mode (-block_size_mbytes with a positive value, in
// any of gflags' spellings; wdt's default is block mode, which ours turns
// off). kInvalidArgument, naming the option, for a combination that cannot
// resume: block mode with -resume_using_dir_tree, or download resumption
// turned off.
Status ChooseWdtResumption(const std::vector<std::string>& extra_sender_options,
                           const std::vector<std::string>& extra_receiver_options,
                           WdtResumption* resumption, std::string* why);

struct WdtRoundOptions {
  // e.g. {"ssh"}; "--", the destination and the remote command are
  // appended, so the destination is never taken for an ssh option.
  std::vector<std::string> ssh_command;
  std::string destination;  // [user@]host
  std::string wdt_path = "wdt";          // run locally and remotely
  std::string remote_dir;
  std::string recovery_id;  // the same for every round of a backup
  int abort_after_seconds = 300;
  int avg_mbytes_per_sec = 500;
  std::vector<std::string> extra_sender_options;
  std::vector<std::string> extra_receiver_options;
  WdtResumption resumption = WdtResumption::kDirectoryTree;
  std::string log_dir;  // where the sender's and the ssh sides' logs go
  // Descriptors the sender inherits at the same numbers: the source
  // directory's, when it is named "/proc/self/fd/N" (checkpoint.h).
  std::vector<int> sender_inherited_fds;
  // Called about twice a second while the sender runs, with the bytes it
  // reports sent so far in this round.
  std::function<void(uint64_t bytes)> on_progress;
};

// wdt's exit status when a side cannot connect to the other (ErrorCode
// CONN_ERROR).
inline constexpr int kWdtConnectionError = 3;

struct WdtRoundResult {
  int sender_exit = -1;
  int receiver_exit = -1;
  uint64_t bytes_sent = 0;       // file data sent this round (the sender's summary)
  uint64_t previously_sent = 0;  // what the receiver already held: resumption at work
  bool complete() const { return sender_exit == 0 && receiver_exit == 0; }
};

// Runs steps 1-4. A round that wdt ended unfinished (its time ran out, a
// connection dropped) is not an error: see the result. Errors are what will
// not go away by trying again: ssh failing (exit 255), the remote wdt
// missing, the preparation failing, a receiver that prints no URL, or a
// signal (kAborted).
Status RunWdtRound(const WdtRoundOptions& options, const std::string& source_dir,
                   const std::string& preparation_script, WdtRoundResult* result);

}  // namespace hotbackup

#endif  // HOTBACKUP_WDT_WDT_ROUND_H_
