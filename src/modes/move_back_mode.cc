// --move_back / --copy_back as the command line asks for them: the usage
// check left after ValidateOptions (the backup a directory) and the narrow
// request the restore stage takes. -f (--skip_check_frm_timestamp, the
// original tool's force flag) lets a backup directory that fails its
// manifest check be moved back anyway.
#include "hotbackup/modes/move_back_mode.h"

#include <filesystem>
#include <string>

namespace hotbackup {

Status MoveBackRequestFrom(const Options& options, MoveBackRequest* request) {
  // Every directory is named: ValidateOptions refused the command line
  // otherwise.
  const Options& o = options;
  std::error_code ec;
  if (!std::filesystem::is_directory(o.backup_dir, ec)) {
    return Status::InvalidArgument("--backup_dir " + o.backup_dir + " is not a directory");
  }
  request->backup_dir = o.backup_dir;
  request->datadir = o.datadir;
  request->rocksdb_datadir = o.rocksdb_datadir;
  request->rocksdb_waldir = o.rocksdb_waldir;
  request->copy = o.copy_back;
  request->force = o.skip_check_frm_timestamp;
  return Status::OK();
}

namespace {

class MoveBackMode final : public Mode {
 public:
  explicit MoveBackMode(const Options& options) : options_(options) {}
  Status Check() override { return MoveBackRequestFrom(options_, &request_); }
  Status Run() override { return MoveBack(request_); }

 private:
  const Options& options_;
  MoveBackRequest request_;
};

}  // namespace

std::unique_ptr<Mode> NewMoveBackMode(const Options& options) {
  return std::make_unique<MoveBackMode>(options);
}

}  // namespace hotbackup
