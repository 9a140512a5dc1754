// Checkpoint lifetime. The server writes the checkpoint into "<path>.tmp"
// and renames it to <path>; both names are cleaned up here.
#include "hotbackup/server/checkpoint.h"

#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <string_view>

#include "hotbackup/util/log.h"

namespace hotbackup {
namespace fs = std::filesystem;

namespace {

bool IsRoundDirectoryName(const std::string& name) {
  std::string digits = name;
  for (std::string_view suffix : {std::string_view(".tmp"), std::string_view(kStagingSuffix)}) {
    if (digits.ends_with(suffix)) digits.resize(digits.size() - suffix.size());
  }
  return !digits.empty() && std::all_of(digits.begin(), digits.end(), ::isdigit);
}

Status RemoveTree(const std::string& path) {
  std::error_code ec;
  fs::remove_all(path, ec);
  if (ec) return Status::IOError("remove " + path, ec.value());
  return Status::OK();
}

}  // namespace

Status PrepareCheckpointRoot(const std::string& dir) {
  if (dir.empty()) return Status::InvalidArgument("--checkpoint_dir is empty");
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Status::IOError("create checkpoint directory " + dir, ec.value());
  if (!fs::is_directory(dir, ec)) {
    return Status::InvalidArgument("--checkpoint_dir " + dir + " is not a directory");
  }
  std::vector<std::string> stale;
  for (const fs::directory_entry& e : fs::directory_iterator(dir, ec)) {
    std::string name = e.path().filename().string();
    if (IsRoundDirectoryName(name)) stale.push_back(e.path().string());
  }
  if (ec) return Status::IOError("list checkpoint directory " + dir, ec.value());
  if (!stale.empty()) {
    std::sort(stale.begin(), stale.end());
    return Status::InvalidArgument(
        "stale checkpoint " + stale.front() +
        (stale.size() > 1 ? " (and " + std::to_string(stale.size() - 1) + " more)" : "") +
        " left by an earlier backup that did not finish; it pins old SST files on disk. "
        "Make sure no other backup is running, then remove it");
  }
  return Status::OK();
}

Checkpoint::~Checkpoint() {
  if (path_.empty()) return;
  Status s = Remove();
  if (!s.ok()) HB_LOG_ERROR("%s", s.message().c_str());
}

Status Checkpoint::Create(MysqlConnection* connection, const std::string& path) {
  // Never take ownership of (and later delete) a directory we did not make.
  for (const std::string& p : {path, path + ".tmp"}) {
    struct stat st;
    if (lstat(p.c_str(), &st) == 0) {
      return Status::InvalidArgument("checkpoint " + p + " already exists; is another backup running?");
    }
  }
  // Set before asking, so a failure half-way still cleans up "<path>.tmp".
  path_ = path;
  return connection->Execute("SET GLOBAL rocksdb_create_checkpoint = '" +
                             connection->EscapeString(path) + "'");
}

Status Checkpoint::Remove() {
  if (path_.empty()) return Status::OK();
  std::string path = std::exchange(path_, std::string());
  Status s = RemoveTree(path);
  Status t = RemoveTree(path + ".tmp");
  if (s.ok()) HB_LOG_INFO("Cleaned up checkpoint from %s", path.c_str());
  return s.ok() ? t : s;
}

StagingDirectory::~StagingDirectory() {
  Status s = Remove();
  if (!s.ok()) HB_LOG_ERROR("%s", s.message().c_str());
}

Status StagingDirectory::Remove() {
  if (path_.empty()) return Status::OK();
  Status s = RemoveTree(path_);
  path_.clear();
  return s;
}

}  // namespace hotbackup
