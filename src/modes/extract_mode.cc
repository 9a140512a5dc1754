// --extract (see extract_mode.h): Check reads the decryption keys and checks
// the input's name; Run reads the archive into --backup_dir.
#include "hotbackup/modes/extract_mode.h"

#include <sys/stat.h>
#include <unistd.h>

#include <string>
#include <vector>

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

  Status Run() override {
    if (!write_) return RunVerify(options_);
    // The directories above --backup_dir that extraction will create: a
    // failed extraction leaves none of them behind.
    const std::vector<std::string> created = MissingAncestors(options_.backup_dir);
    Status status = RunExtract(options_);
    if (!status.ok()) {
      for (const std::string& dir : created) rmdir(dir.c_str());  // deepest first; only if empty
    }
    return status;
  }

 private:
  // The ancestors of `path` that do not exist, deepest first.
  static std::vector<std::string> MissingAncestors(const std::string& path) {
    std::vector<std::string> missing;
    std::string dir = path;
    while (!dir.empty() && dir.back() == '/') dir.pop_back();
    for (;;) {
      const size_t slash = dir.find_last_of('/');
      if (slash == std::string::npos || slash == 0) break;
      dir.resize(slash);
      struct stat st;
      if (lstat(dir.c_str(), &st) == 0) break;
      missing.push_back(dir);
    }
    return missing;
  }

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
