// --extract and --verify of an archive (see extract_mode.h, verify_mode.h):
// Check reads the decryption keys and checks the input's name; Run opens
// the input (a file, stdin or s3://) and reads the archive into
// --backup_dir, or into nothing.
#include "hotbackup/modes/extract_mode.h"

#include <sys/stat.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "hotbackup/modes/named_io.h"
#include "hotbackup/modes/stage_configs.h"
#include "hotbackup/restore/extract.h"

namespace hotbackup {
namespace {

class ExtractMode final : public Mode {
 public:
  ExtractMode(const Options& options, bool write) : options_(options), s3_(options) {
    if (write) request_.target_dir = options.backup_dir;
  }

  Status Check() override {
    HOTBACKUP_RETURN_IF_ERROR(CheckInputName("--input", options_.input));
    request_.incremental_base_dir = options_.incremental_base_dir;
    // Keys given are read now, so a bad one is a usage error; the archive
    // asks for them only if it turns out to be encrypted.
    HOTBACKUP_RETURN_IF_ERROR(DecryptionFromOptions(options_, &decryption_));
    if (decryption_) {
      request_.decryption = [this](std::optional<AgeDecryptWith>* with) {
        *with = decryption_;
        return Status::OK();
      };
    }
    return Status::OK();
  }

  Status Run() override {
    // The directories above --backup_dir that extraction will create: a
    // failed extraction leaves none of them behind.
    const std::vector<std::string> created =
        request_.target_dir.empty() ? std::vector<std::string>()
                                    : MissingAncestors(request_.target_dir);
    Status status = Extract();
    if (!status.ok()) {
      for (const std::string& dir : created) rmdir(dir.c_str());  // deepest first; only if empty
    }
    return status;
  }

 private:
  Status Extract() {
    std::unique_ptr<ByteSource> input;
    std::string name;
    HOTBACKUP_RETURN_IF_ERROR(OpenInput(options_, options_.input, &s3_, &input, &name));
    return ExtractArchive(input.get(), name, request_);
  }

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
  ExtractRequest request_;
  std::optional<AgeDecryptWith> decryption_;
  S3Access s3_;  // outlives the input
};

}  // namespace

std::unique_ptr<Mode> NewExtractMode(const Options& options) {
  return std::make_unique<ExtractMode>(options, /*write=*/true);
}

std::unique_ptr<Mode> NewVerifyArchiveMode(const Options& options) {
  return std::make_unique<ExtractMode>(options, /*write=*/false);
}

}  // namespace hotbackup
