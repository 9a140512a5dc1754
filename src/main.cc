// myrocks_hotbackup: parses the command line, picks the mode, checks it and
// runs it, and maps the result to an exit code. This is the one file that
// knows every mode; the work happens in the hotbackup library.
//
// Exit codes: 0 success; 1 the backup, restore or check failed; 2 bad usage
// (the command line, or what it names, refused before anything started);
// 128 + signal number when stopped by SIGINT/SIGTERM/SIGHUP.
#include <csignal>
#include <cstdio>

#include <memory>

#include "hotbackup/modes/backup_mode.h"
#include "hotbackup/modes/extract_mode.h"
#include "hotbackup/modes/move_back_mode.h"
#include "hotbackup/modes/verify_mode.h"
#include "hotbackup/modes/wdt_backup_mode.h"
#include "hotbackup/options.h"
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

// Check failures are usage errors (the command line, or a local file it
// names), unless the check could not reach or find an object in an object
// store, or was interrupted.
int ExitCodeForCheck(const hotbackup::Status& status) {
  using Code = hotbackup::Status::Code;
  if (status.code() == Code::kRemote || status.code() == Code::kNotFound ||
      status.code() == Code::kAborted) {
    return ExitCodeFor(status);
  }
  return 2;
}

std::unique_ptr<hotbackup::Mode> NewMode(const hotbackup::Options& options) {
  using hotbackup::ModeKind;
  switch (options.mode) {
    case ModeKind::kBackup:
      return hotbackup::NewBackupMode(options);
    case ModeKind::kWdtBackup:
      return hotbackup::NewWdtBackupMode(options);
    case ModeKind::kExtract:
      return hotbackup::NewExtractMode(options);
    case ModeKind::kVerifyArchive:
      return hotbackup::NewVerifyArchiveMode(options);
    case ModeKind::kVerifyDirectory:
      return hotbackup::NewVerifyDirectoryMode(options);
    case ModeKind::kMoveBack:
    case ModeKind::kCopyBack:
      return hotbackup::NewMoveBackMode(options);
  }
  return nullptr;
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

  std::unique_ptr<hotbackup::Mode> mode = NewMode(options);
  status = mode->Check();
  if (!status.ok()) {
    HB_LOG_ERROR("%s", status.message().c_str());
    return ExitCodeForCheck(status);
  }
  status = mode->Run();
  if (!status.ok()) {
    HB_LOG_ERROR("%s", status.message().c_str());
    return ExitCodeFor(status);
  }
  return 0;
}
