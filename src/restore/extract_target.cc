// Safe extraction: every path is resolved component by component with
// openat(O_NOFOLLOW | O_DIRECTORY) below a directory we created, files are
// created O_EXCL, and the tree only becomes visible under its real name
// after the manifest check and a syncfs.
#include "hotbackup/restore/extract_target.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <xxhash.h>

#include <filesystem>

#include "hotbackup/archive/archive_path.h"
#include "hotbackup/io/file_io.h"
#include "hotbackup/restore/incremental_restore.h"
#include "hotbackup/restore/restored_attributes.h"
#include "hotbackup/util/log.h"

namespace hotbackup {
namespace fs = std::filesystem;

void LogManifestMatch(const char* verb, const ExtractStats& stats, double seconds,
                      const Manifest& manifest) {
  HB_LOG_INFO("%s %llu files (%.2f GB) in %.1f s: every file matches the manifest of the backup of "
              "MySQL %s taken %s (%d round%s)",
              verb, static_cast<unsigned long long>(stats.files),
              static_cast<double>(stats.bytes) / (1024.0 * 1024 * 1024), seconds,
              manifest.server_version.c_str(), manifest.start_time.c_str(), manifest.rounds,
              manifest.rounds == 1 ? "" : "s");
  LogLeftOutTables(manifest);
}

void LogLeftOutTables(const Manifest& manifest) {
  if (manifest.left_out.empty()) return;
  HB_LOG_WARN("This backup is partial (--allow_partial_backup): %zu table%s in it without %s "
              "rows: %s",
              manifest.left_out.size(), manifest.left_out.size() == 1 ? " is" : "s are",
              manifest.left_out.size() == 1 ? "its" : "their",
              DescribeLeftOutTables(manifest.left_out).c_str());
}

ExtractTarget::~ExtractTarget() { RemoveTemporaryTree(); }

void ExtractTarget::RemoveTemporaryTree() {
  // First the writer: its thread may still be writing to one of the files
  // open_ is about to close (and the number could be reused).
  writer_.reset();
  writer_path_.clear();
  open_.clear();
  root_ = UniqueFd();
  if (temp_dir_.empty()) return;
  std::error_code ec;
  fs::remove_all(temp_dir_, ec);
  temp_dir_.clear();
}

Status ExtractTarget::Open(const std::string& dir) {
  if (dir.empty()) return Status::OK();  // verify only
  final_dir_ = StripTrailingSlashes(dir);
  std::error_code ec;
  if (fs::exists(fs::symlink_status(final_dir_, ec))) {
    if (!fs::is_directory(fs::symlink_status(final_dir_, ec))) {
      return Status::InvalidArgument("--backup_dir " + final_dir_ + " is not a directory");
    }
    if (!fs::is_empty(final_dir_, ec)) {
      return Status::InvalidArgument("--backup_dir " + final_dir_ +
                                     " is not empty; --extract only fills an empty or new directory");
    }
  }
  fs::path parent = fs::path(final_dir_).parent_path();
  if (!parent.empty()) {
    fs::create_directories(parent, ec);
    if (ec) return Status::IOError("create " + parent.string(), ec.value());
  }
  HOTBACKUP_RETURN_IF_ERROR(RemoveStaleTemporaryTrees());
  std::string templ = final_dir_ + kExtractingInfix + "XXXXXX";
  if (mkdtemp(templ.data()) == nullptr) return Status::IOError("create " + templ, errno);
  temp_dir_ = templ;
  root_ = UniqueFd(open(temp_dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!root_.valid()) return Status::IOError("open " + temp_dir_, errno);
  // Held until the tree is renamed or removed: the next run tells a live
  // extraction's tree from one a killed run left.
  if (flock(root_.get(), LOCK_EX | LOCK_NB) != 0) return Status::IOError("lock " + temp_dir_, errno);
  return Status::OK();
}

Status ExtractTarget::RemoveStaleTemporaryTrees() {
  const fs::path final_path(final_dir_);
  const std::string prefix = final_path.filename().string() + kExtractingInfix;
  fs::path parent = final_path.parent_path();
  if (parent.empty()) parent = ".";
  std::error_code ec;
  for (const fs::directory_entry& e : fs::directory_iterator(parent, ec)) {
    const std::string name = e.path().filename().string();
    if (!name.starts_with(prefix) || name.size() != prefix.size() + 6) continue;
    UniqueFd dir(open(e.path().c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!dir.valid()) continue;  // not a directory of ours
    if (flock(dir.get(), LOCK_EX | LOCK_NB) != 0) {
      if (errno == EWOULDBLOCK) {
        return Status::InvalidArgument("another --extract into " + final_dir_ + " is running (" +
                                       e.path().string() + ")");
      }
      return Status::IOError("lock " + e.path().string(), errno);
    }
    fs::remove_all(e.path(), ec);
    if (ec) return Status::IOError("remove " + e.path().string(), ec.value());
    HB_LOG_WARN("Removed %s, left by an extraction that did not finish", e.path().c_str());
  }
  if (ec) return Status::IOError("list " + parent.string(), ec.value());
  return Status::OK();
}

Status ExtractTarget::MakeDirectory(const std::string& raw_path) {
  std::string path = StripTrailingSlashes(raw_path);
  HOTBACKUP_RETURN_IF_ERROR(ValidateArchivePath(path).WithContext("unsafe path in archive"));
  if (!root_.valid()) return Status::OK();
  UniqueFd parent;
  std::string leaf;
  HOTBACKUP_RETURN_IF_ERROR(OpenParentBelow(root_.get(), path, true, &parent, &leaf));
  if (mkdirat(parent.get(), leaf.c_str(), kRestoredDirectoryMode) != 0 && errno != EEXIST) {
    return Status::IOError("create directory " + path, errno);
  }
  return Status::OK();
}

Status ExtractTarget::BeginFile(const std::string& path, mode_t permissions, timespec mtime) {
  HOTBACKUP_RETURN_IF_ERROR(ValidateArchivePath(path).WithContext("unsafe path in archive"));
  if (open_.count(path) || FindDone(path) >= 0 || (path == kManifestPath && manifest_seen_)) {
    return Status::Corruption("the archive holds " + path + " twice");
  }
  OpenFile file;
  file.permissions = RestoredFileMode(permissions);  // never the archive's as it is
  file.mtime = mtime;
  if (root_.valid()) {
    UniqueFd parent;
    std::string leaf;
    HOTBACKUP_RETURN_IF_ERROR(OpenParentBelow(root_.get(), path, true, &parent, &leaf));
    file.fd = UniqueFd(openat(parent.get(), leaf.c_str(),
                              O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (!file.fd.valid()) return Status::IOError("create " + path, errno);
  }
  open_.emplace(path, std::move(file));
  return Status::OK();
}

Status ExtractTarget::Write(const std::string& path, ByteSpan data) {
  auto it = open_.find(path);
  if (it == open_.end()) return Status::Corruption("data for " + path + " outside its entry");
  OpenFile& file = it->second;
  file.checksum.Update(data);
  file.size += data.size();
  stats_.bytes += data.size();
  if (path == kManifestPath) {
    // A manifest is megabytes for a large server; more is not ours.
    if (file.size > kMaxManifestSize) {
      return Status::Corruption(std::string(kManifestPath) + " is larger than " +
                                std::to_string(kMaxManifestSize >> 20) + " MiB: not a manifest");
    }
    if (!manifest_spill_.valid()) HOTBACKUP_RETURN_IF_ERROR(CreateUnnamedTemporaryFile(&manifest_spill_));
    HOTBACKUP_RETURN_IF_ERROR(WriteFully(manifest_spill_.get(), data, "the manifest's temporary file"));
  }
  if (!file.fd.valid()) return Status::OK();
  if (writer_path_.empty() && file.size == data.size()) {  // the file's first bytes
    if (!writer_) writer_ = std::make_unique<DirectFileWriter>();
    HOTBACKUP_RETURN_IF_ERROR(writer_->Begin(file.fd.get(), path));
    writer_path_ = path;
  }
  if (writer_path_ == path) return writer_->Write(data);
  return WriteFully(file.fd.get(), data, path);
}

Status ExtractTarget::EndFile(const std::string& path) {
  auto it = open_.find(path);
  if (it == open_.end()) return Status::Corruption("end of " + path + " without its start");
  OpenFile& file = it->second;
  if (file.fd.valid()) {
    if (writer_path_ == path) {
      writer_path_.clear();
      HOTBACKUP_RETURN_IF_ERROR(writer_->Finish());
    }
    if (fchmod(file.fd.get(), file.permissions) != 0) return Status::IOError("chmod " + path, errno);
    timespec times[2] = {file.mtime, file.mtime};
    if (futimens(file.fd.get(), times) != 0) return Status::IOError("set mtime of " + path, errno);
    int err = file.fd.Close();
    if (err != 0) return Status::IOError("close " + path, err);
  }
  if (path == kManifestPath) {
    if (!manifest_spill_.valid()) HOTBACKUP_RETURN_IF_ERROR(CreateUnnamedTemporaryFile(&manifest_spill_));
    manifest_seen_ = true;
  } else {
    if (done_.size() >= UINT32_MAX) return Status::Corruption("more files than an archive can hold");
    done_.push_back({file.size, file.checksum.Digest(), done_paths_.size(),
                     static_cast<uint32_t>(path.size()), false});
    done_paths_ += path;
    done_by_hash_.emplace(XXH3_64bits(path.data(), path.size()),
                          static_cast<uint32_t>(done_.size() - 1));
  }
  stats_.files += 1;
  open_.erase(it);
  return Status::OK();
}

Status ExtractTarget::Commit(Manifest* manifest, const std::string& incremental_base_dir) {
  if (!open_.empty()) {
    return Status::Corruption("the archive ends inside " + open_.begin()->first +
                              " (truncated)");
  }
  if (!manifest_seen_) {
    return Status::Corruption(std::string("the archive has no ") + kManifestPath +
                              ": it is truncated, or was not made by myrocks_hotbackup");
  }
  // The manifest is read entry by entry against the files read: memory
  // does not grow with the number of files beyond done_'s compact records.
  Manifest header;
  std::vector<ManifestFile> from_base;
  size_t next = 0;
  HOTBACKUP_RETURN_IF_ERROR(ParseManifestFile(
      manifest_spill_.get(), &header,
      [&](ManifestFile&& f) { return MatchListed(std::move(f), &next, &from_base); }));
  for (size_t i = 0; i < done_.size(); ++i) {
    if (!done_[i].listed) return Status::Corruption("not in the manifest: " + std::string(DonePath(i)));
  }
  header.files = std::move(from_base);
  *manifest = std::move(header);
  HOTBACKUP_RETURN_IF_ERROR(TakeBaseFiles(*manifest, incremental_base_dir));
  if (!root_.valid()) return Status::OK();  // verify only

  if (syncfs(root_.get()) != 0) return Status::IOError("sync " + temp_dir_, errno);
  if (fchmod(root_.get(), kRestoredDirectoryMode) != 0) {
    return Status::IOError("chmod " + temp_dir_, errno);
  }
  // rename(2) replaces an empty directory atomically, or creates the name.
  if (rename(temp_dir_.c_str(), final_dir_.c_str()) != 0) {
    return Status::IOError("rename " + temp_dir_ + " to " + final_dir_, errno);
  }
  temp_dir_.clear();
  root_ = UniqueFd();
  const std::string parent = fs::path(final_dir_).parent_path().string();
  return SyncDirectory(parent.empty() ? "." : parent);
}

Status ExtractTarget::TakeBaseFiles(const Manifest& manifest, const std::string& base_dir) {
  if (!manifest.incremental()) {
    if (base_dir.empty()) return Status::OK();
    return Status::InvalidArgument("--incremental_base_dir " + base_dir +
                                   ": the archive is a full backup, which takes nothing from a base");
  }
  if (base_dir.empty()) {
    if (!root_.valid()) return Status::OK();  // --verify says what it expects
    return Status::InvalidArgument(
        "the archive is an incremental backup on top of backup " + manifest.parent->backup_id +
        " taken " + manifest.parent->start_time +
        ": --extract needs --incremental_base_dir, that backup extracted");
  }
  return TakeFilesFromBase(base_dir, manifest, root_.valid() ? root_.get() : -1, &base_stats_);
}

std::string_view ExtractTarget::DonePath(size_t index) const {
  return std::string_view(done_paths_).substr(done_[index].path_offset, done_[index].path_size);
}

int64_t ExtractTarget::FindDone(std::string_view path) const {
  auto [first, last] = done_by_hash_.equal_range(XXH3_64bits(path.data(), path.size()));
  for (auto it = first; it != last; ++it) {
    if (DonePath(it->second) == path) return it->second;
  }
  return -1;
}

Status ExtractTarget::MatchListed(ManifestFile&& f, size_t* next,
                                  std::vector<ManifestFile>* from_base) {
  const int64_t found = *next < done_.size() && DonePath(*next) == f.path
                            ? static_cast<int64_t>(*next)
                            : FindDone(f.path);
  if (!f.in.empty()) {  // an incremental's file that an earlier backup holds
    if (found >= 0) {
      return Status::Corruption("the archive holds " + f.path +
                                ", which its manifest says is in backup " + f.in);
    }
    from_base->push_back(std::move(f));
    return Status::OK();
  }
  if (found < 0) return Status::Corruption("missing from the archive: " + f.path);
  DoneFile& done = done_[static_cast<size_t>(found)];
  if (done.listed) return Status::Corruption("the manifest lists " + f.path + " twice");
  if (done.size != f.size) {
    return Status::Corruption("size mismatch for " + f.path + ": " + std::to_string(done.size) +
                              " bytes, the manifest says " + std::to_string(f.size));
  }
  if (done.checksum != f.xxh3) {
    return Status::Corruption("checksum mismatch for " + f.path + ": " +
                              FormatChecksum(done.checksum) + ", the manifest says " +
                              FormatChecksum(f.xxh3));
  }
  done.listed = true;
  *next = static_cast<size_t>(found) + 1;
  return Status::OK();
}

}  // namespace hotbackup
