// --stream=wdt (see wdt_backup_mode.h). Check refuses what would fail every
// round before the first checkpoint: no local wdt, no ssh, wdt options the
// two sides cannot agree on, an unusable --save_manifest.
#include "hotbackup/modes/wdt_backup_mode.h"

#include "hotbackup/io/output_file.h"
#include "hotbackup/modes/named_io.h"
#include "hotbackup/modes/stage_configs.h"
#include "hotbackup/server/wdt_backup.h"
#include "hotbackup/util/child_process.h"
#include "hotbackup/wdt/shell_words.h"

namespace hotbackup {
namespace {

class WdtBackupMode final : public Mode {
 public:
  explicit WdtBackupMode(const Options& options) : options_(options) {}

  Status Check() override {
    WdtRoundOptions& round = config_.round;
    round.ssh_command = SplitOnBlanks(options_.ssh_command);
    if (round.ssh_command.empty()) return Status::InvalidArgument("--ssh_command is empty");
    for (const std::string& program : {options_.wdt_path, round.ssh_command[0]}) {
      if (!IsExecutable(program)) {
        return Status::InvalidArgument(program + " not found or not executable here" +
                                       (program == options_.wdt_path ? " (--wdt_path)" : ""));
      }
    }
    round.destination = options_.destination;
    round.wdt_path = options_.wdt_path;
    round.remote_dir = options_.backup_dir;
    round.abort_after_seconds = options_.interval_seconds;
    round.avg_mbytes_per_sec = options_.avg_mbytes_per_sec;
    round.extra_sender_options = SplitOnBlanks(options_.extra_wdt_sender_options);
    round.extra_receiver_options = SplitOnBlanks(options_.extra_wdt_receiver_options);
    HOTBACKUP_RETURN_IF_ERROR(ChooseWdtResumption(round.extra_sender_options,
                                                  round.extra_receiver_options, &round.resumption,
                                                  &config_.resumption_reason));
    config_.interval_seconds = options_.interval_seconds;
    config_.save_manifest = options_.save_manifest;
    if (!options_.save_manifest.empty()) {
      HOTBACKUP_RETURN_IF_ERROR(CheckOutputName("--save_manifest", options_.save_manifest));
    }
    return SessionConfigFromOptions(options_, &config_.session);
  }

  Status Run() override {
    if (!options_.save_manifest.empty()) {
      HOTBACKUP_RETURN_IF_ERROR(OutputFile::Create(options_.save_manifest, &manifest_copy_)
                                    .WithContext("--save_manifest"));
    }
    return WdtBackup(config_, manifest_copy_.get());
  }

 private:
  const Options& options_;
  WdtBackupConfig config_;
  std::unique_ptr<OutputFile> manifest_copy_;
};

}  // namespace

std::unique_ptr<Mode> NewWdtBackupMode(const Options& options) {
  return std::make_unique<WdtBackupMode>(options);
}

}  // namespace hotbackup
