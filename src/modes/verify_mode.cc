// --verify (see verify_mode.h): an archive is read as --extract reads it,
// into nothing; a directory is checked in place.
#include "hotbackup/modes/verify_mode.h"

#include "hotbackup/restore/verify_directory.h"

namespace hotbackup {

// extract_mode.cc: the archive reader behind --extract and --verify.
std::unique_ptr<Mode> NewArchiveReadingMode(const Options& options, bool write);

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

std::unique_ptr<Mode> NewVerifyArchiveMode(const Options& options) {
  return NewArchiveReadingMode(options, false);
}

std::unique_ptr<Mode> NewVerifyDirectoryMode(const Options& options) {
  return std::make_unique<VerifyDirectoryMode>(options);
}

}  // namespace hotbackup
