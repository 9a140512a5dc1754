// The default mode: a tar or XBSTREAM stream (see backup_mode.h). Check
// reads everything the options name (keys, the option file, the
// incremental base) and checks where the outputs will appear; Run opens
// them and hands the stream backup its settings.
#include "hotbackup/modes/backup_mode.h"

#include "hotbackup/modes/stage_configs.h"
#include "hotbackup/modes/named_io.h"
#include "hotbackup/server/backup.h"
#include "hotbackup/server/incremental_base.h"

namespace hotbackup {
namespace {

class BackupMode final : public Mode {
 public:
  explicit BackupMode(const Options& options) : options_(options), s3_(options) {}

  Status Check() override {
    HOTBACKUP_RETURN_IF_ERROR(CheckOutputName("--output", options_.output));
    manifest_target_ = options_.save_manifest.empty() ? DefaultManifestTarget(options_.output)
                                                      : options_.save_manifest;
    if (!options_.save_manifest.empty()) {
      HOTBACKUP_RETURN_IF_ERROR(CheckOutputName("--save_manifest", options_.save_manifest));
    }
    HOTBACKUP_RETURN_IF_ERROR(EncryptionFromOptions(options_, &config_.encryption));
    HOTBACKUP_RETURN_IF_ERROR(SessionConfigFromOptions(options_, &config_.session));
    config_.stream = StreamOptionsFromOptions(options_);
    config_.read_mode = ReadModeFromOptions(options_);
    config_.interval_seconds = options_.interval_seconds;
    config_.debug_signal_file = options_.debug_signal_file;
    config_.encrypt_threads = options_.encrypt_threads;
    if (!options_.incremental_base.empty()) {
      std::string text;
      HOTBACKUP_RETURN_IF_ERROR(
          ReadSmallFileOrObject(options_.incremental_base, kMaxManifestSize, &s3_, &text)
              .WithContext("--incremental_base"));
      HOTBACKUP_RETURN_IF_ERROR(IncrementalBase::FromText(options_.incremental_base, text, &base_));
      config_.base = base_.get();
    }
    return Status::OK();
  }

  Status Run() override {
    // The outputs before the server is asked for anything.
    Status opened = OpenOutput(options_, options_.output, &s3_, &output_);
    if (!options_.output.empty()) opened = opened.WithContext("--output");
    HOTBACKUP_RETURN_IF_ERROR(opened);
    if (!manifest_target_.empty()) {
      HOTBACKUP_RETURN_IF_ERROR(OpenOutput(options_, manifest_target_, &s3_, &manifest_copy_)
                                    .WithContext("--save_manifest"));
    }
    return StreamBackup(config_, {output_.get(), manifest_copy_.get(), manifest_target_});
  }

 private:
  const Options& options_;
  BackupConfig config_;
  std::unique_ptr<IncrementalBase> base_;  // config_.base
  std::string manifest_target_;            // --save_manifest, or beside an S3 archive
  S3Access s3_;                            // outlives the sinks it opens
  std::unique_ptr<ByteSink> output_;
  std::unique_ptr<ByteSink> manifest_copy_;
};

}  // namespace

std::unique_ptr<Mode> NewBackupMode(const Options& options) {
  return std::make_unique<BackupMode>(options);
}

}  // namespace hotbackup
