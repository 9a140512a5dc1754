// --verify --backup_dir (see verify_mode.h): a directory checked in place.
// (--verify of an archive is extract_mode.cc's, reading into nothing.)
#include "hotbackup/modes/verify_mode.h"

#include "hotbackup/restore/verify_directory.h"

namespace hotbackup {

namespace {

class VerifyDirectoryMode final : public Mode {
 public:
  explicit VerifyDirectoryMode(const Options& options) : options_(options) {}
  Status Check() override { return Status::OK(); }
  Status Run() override { return VerifyDirectoryAndLog(options_.backup_dir); }

 private:
  const Options& options_;
};

}  // namespace

std::unique_ptr<Mode> NewVerifyDirectoryMode(const Options& options) {
  return std::make_unique<VerifyDirectoryMode>(options);
}

}  // namespace hotbackup
