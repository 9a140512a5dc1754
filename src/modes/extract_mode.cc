// --extract (see extract_mode.h): Check reads the decryption keys and checks
// the input's name; Run reads the archive into --backup_dir.
#include "hotbackup/modes/extract_mode.h"

#include "hotbackup/modes/output_names.h"
#include "hotbackup/modes/stage_configs.h"
#include "hotbackup/restore/extract.h"

namespace hotbackup {
namespace {

class ExtractMode final : public Mode {
 public:
  ExtractMode(const Options& options, bool write) : options_(options), write_(write) {}

  Status Check() override {
    HOTBACKUP_RETURN_IF_ERROR(CheckInputName("--input", options_.input));
    std::optional<AgeDecryptWith> decryption;
    return DecryptionFromOptions(options_, &decryption);
  }

  Status Run() override { return write_ ? RunExtract(options_) : RunVerify(options_); }

 private:
  const Options& options_;
  const bool write_;  // --extract; else --verify of an archive
};

}  // namespace

std::unique_ptr<Mode> NewExtractMode(const Options& options) {
  return std::make_unique<ExtractMode>(options, true);
}

std::unique_ptr<Mode> NewArchiveReadingMode(const Options& options, bool write) {
  return std::make_unique<ExtractMode>(options, write);
}

}  // namespace hotbackup
