// myrocks_hotbackup: parses the command line, runs the chosen mode and maps
// its final Status to an exit code. The work happens in the hotbackup
// library.
//
// Exit codes: 0 success; 1 the backup or move-back failed; 2 bad usage or an
// unsupported mode; 128 + signal number when stopped by SIGINT/SIGTERM/SIGHUP.
#include <csignal>
#include <cstdio>

#include "hotbackup/modes/move_back_mode.h"
#include "hotbackup/options.h"
#include "hotbackup/restore/extract.h"
#include "hotbackup/restore/verify_directory.h"
#include "hotbackup/server/backup.h"
#include "hotbackup/util/core_dumps.h"
#include "hotbackup/util/interrupt.h"
#include "hotbackup/util/log.h"

namespace {

int ExitCodeFor(const hotbackup::Status& status) {
  using Code = hotbackup::Status::Code;
  if (status.ok()) return 0;
  if (status.code() == Code::kAborted && hotbackup::InterruptSignal() != 0) {
    return 128 + hotbackup::InterruptSignal();
  }
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  // Before anything is read: the password (argv, MYSQL_PWD, an option
  // file), S3 keys and age identities are loaded at many points of option
  // handling and of the modes, so the one place that comes before all of
  // them is here. A core file or a debugger attached by another user's
  // process would otherwise read them out of our memory.
  if (hotbackup::Status hardened = hotbackup::DisableCoreDumps(); !hardened.ok()) {
    std::fprintf(stderr, "myrocks_hotbackup: %s\n", hardened.message().c_str());
    return 1;
  }
  // A reader that goes away must surface as EPIPE from write(2), reported
  // and turned into a non-zero exit, not as a silent death by SIGPIPE.
  std::signal(SIGPIPE, SIG_IGN);
  hotbackup::InstallInterruptHandlers();

  hotbackup::Options options;
  hotbackup::Status status = hotbackup::ParseCommandLine(argc, argv, &options);
  if (!status.ok()) {
    std::fprintf(stderr, "myrocks_hotbackup: %s (see --help)\n", status.message().c_str());
    return 2;
  }
  if (options.help) {
    std::fputs(options.help_text.c_str(), stdout);  // no archive in this mode
    return 0;
  }
  if (options.version) {
    std::fprintf(stdout, "myrocks_hotbackup %s\n", HOTBACKUP_VERSION);
    return 0;
  }

  if (options.move_back || options.copy_back) {
    status = hotbackup::RunMoveBackMode(options);
  } else if (options.extract) {
    status = hotbackup::RunExtract(options);
  } else if (options.verify) {
    // --backup_dir names a directory to check; without it, an archive is read.
    status = options.backup_dir.empty() ? hotbackup::RunVerify(options)
                                        : hotbackup::RunVerifyDirectory(options);
  } else if (options.stream == hotbackup::StreamKind::kWdt) {
    status = hotbackup::RunWdtBackup(options);
  } else {
    status = hotbackup::RunBackup(options);
  }
  if (!status.ok()) {
    HB_LOG_ERROR("%s", status.message().c_str());
    return ExitCodeFor(status);
  }
  return 0;
}
