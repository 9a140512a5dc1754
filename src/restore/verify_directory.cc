// Verifying a backup directory: the manifest is read first, then the tree is
// walked depth first in name order through directory descriptors (openat,
// O_NOFOLLOW), each regular file streamed once through FileChecksum and
// compared with its manifest entry. Problems are collected rather than
// returned, so that the one error line can say how many there are.
#include "hotbackup/restore/verify_directory.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <memory>
#include <set>
#include <unordered_map>
#include <vector>

#include "hotbackup/archive/archive_path.h"
#include "hotbackup/archive/checksum.h"
#include "hotbackup/io/file_io.h"
#include "hotbackup/io/unique_fd.h"
#include "hotbackup/util/interrupt.h"

namespace hotbackup {
namespace {

constexpr size_t kReadBufferSize = 1 << 20;
constexpr int kOpenFileFlags = O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC;
constexpr int kOpenDirectoryFlags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;

struct DirCloser {
  void operator()(DIR* d) const { closedir(d); }
};

// The names in the directory `dir_fd` (without "." and ".."), sorted.
Status ListDirectory(int dir_fd, const std::string& path, std::vector<std::string>* names) {
  // fdopendir owns the descriptor it is given: hand it a duplicate.
  int fd = fcntl(dir_fd, F_DUPFD_CLOEXEC, 0);
  if (fd < 0) return Status::IOError("list " + path, errno);
  std::unique_ptr<DIR, DirCloser> dir(fdopendir(fd));
  if (!dir) {
    int err = errno;
    close(fd);
    return Status::IOError("list " + path, err);
  }
  for (;;) {
    errno = 0;
    const dirent* entry = readdir(dir.get());
    if (entry == nullptr) {
      if (errno != 0) return Status::IOError("list " + path, errno);
      break;
    }
    if (std::strcmp(entry->d_name, ".") == 0 || std::strcmp(entry->d_name, "..") == 0) continue;
    names->emplace_back(entry->d_name);
  }
  std::sort(names->begin(), names->end());
  return Status::OK();
}

Status SymlinkRefused(int dir_fd, const char* name, const std::string& path) {
  char target[4096];
  ssize_t n = readlinkat(dir_fd, name, target, sizeof(target));
  std::string shown = n < 0 ? "?" : std::string(target, static_cast<size_t>(n));
  return Status::Corruption("refusing the symbolic link " + path + " -> " + shown);
}

// Reads the open regular file `fd` to its end through `buffer`, into
// `checksum` and, unless null, `contents`; *size counts the bytes.
Status ReadAll(int fd, const std::string& path, std::vector<uint8_t>* buffer,
               FileChecksum* checksum, uint64_t* size, std::string* contents) {
  for (;;) {
    HOTBACKUP_RETURN_IF_ERROR(CheckInterrupted());
    ssize_t n = read(fd, buffer->data(), buffer->size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::IOError("read " + path, errno);
    }
    if (n == 0) return Status::OK();
    ByteSpan data(buffer->data(), static_cast<size_t>(n));
    if (checksum) checksum->Update(data);
    *size += data.size();
    if (contents) contents->append(reinterpret_cast<const char*>(data.data()), data.size());
  }
}

class DirectoryVerifier {
 public:
  DirectoryVerifier(std::string dir, Manifest* manifest, ExtractStats* stats)
      : dir_(std::move(dir)), manifest_(manifest), stats_(stats), buffer_(kReadBufferSize) {}

  Status Run() {
    UniqueFd root(open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!root.valid()) return Status::IOError("open backup directory " + dir_, errno);
    HOTBACKUP_RETURN_IF_ERROR(ReadManifest(root.get()));
    for (const ManifestFile& f : manifest_->files) {
      Status valid = ValidateArchivePath(f.path);
      if (!valid.ok()) {
        Record(valid.WithContext("unsafe path in the manifest"));
        continue;
      }
      if (!expected_.emplace(f.path, Expected{f.size, f.xxh3, false}).second) {
        Record(Status::Corruption("the manifest lists " + f.path + " twice"));
        continue;
      }
      top_level_listed_.insert(f.path.substr(0, f.path.find('/')));
    }
    HOTBACKUP_RETURN_IF_ERROR(Walk(root.get(), dir_, ""));
    for (const ManifestFile& f : manifest_->files) {
      auto it = expected_.find(f.path);
      if (it != expected_.end() && !it->second.found) {
        Record(Status::Corruption("missing from the directory: " + f.path));
        it->second.found = true;  // a path listed twice is reported once
      }
    }
    if (problems_ == 0) return Status::OK();
    if (problems_ == 1) return first_problem_.WithContext(dir_);
    return Status::Corruption(dir_ + ": " + first_problem_.message() + " (and " +
                              std::to_string(problems_ - 1) + " more problem" +
                              (problems_ == 2 ? ")" : "s)"));
  }

 private:
  struct Expected {
    uint64_t size;
    uint64_t xxh3;
    bool found;  // seen in the walk, whatever its state
  };

  void Record(Status problem) {
    if (problems_++ == 0) first_problem_ = std::move(problem);
  }

  // Records an error as a problem and returns OK to go on, except for
  // kAborted (a signal), which is returned to stop at once.
  Status Note(Status status) {
    if (status.ok() || status.code() == Status::Code::kAborted) return status;
    Record(std::move(status));
    return Status::OK();
  }

  Status ReadManifest(int root_fd) {
    UniqueFd fd(openat(root_fd, kManifestPath, kOpenFileFlags));
    if (!fd.valid()) {
      if (errno == ENOENT) {
        return Status::Corruption(dir_ + " has no " + kManifestPath +
                                  ": it is incomplete, or not a backup made by myrocks_hotbackup");
      }
      if (errno == ELOOP) return SymlinkRefused(root_fd, kManifestPath, dir_ + "/" + kManifestPath);
      return Status::IOError("open " + dir_ + "/" + kManifestPath, errno);
    }
    struct stat st;
    if (fstat(fd.get(), &st) != 0) {
      return Status::IOError("stat " + dir_ + "/" + kManifestPath, errno);
    }
    if (!S_ISREG(st.st_mode)) {
      return Status::Corruption(dir_ + "/" + kManifestPath + " is not a regular file");
    }
    std::string json;
    uint64_t size = 0;
    HOTBACKUP_RETURN_IF_ERROR(
        ReadAll(fd.get(), dir_ + "/" + kManifestPath, &buffer_, nullptr, &size, &json));
    HOTBACKUP_RETURN_IF_ERROR(
        ParseManifest(json, manifest_).WithContext(dir_ + "/" + kManifestPath));
    stats_->files += 1;
    stats_->bytes += size;
    return Status::OK();
  }

  // Checks the entries of the directory `dir_fd`, whose path relative to the
  // backup is `prefix` ("" at the top, else ending in '/') and which
  // messages call `shown`. Only kAborted is returned; the rest is noted.
  Status Walk(int dir_fd, const std::string& shown, const std::string& prefix) {
    std::vector<std::string> names;
    Status listed = ListDirectory(dir_fd, shown, &names);
    if (!listed.ok()) return Note(listed);
    const bool top = prefix.empty();
    for (const std::string& name : names) {
      HOTBACKUP_RETURN_IF_ERROR(CheckInterrupted());
      const std::string path = prefix + name;
      if (top && name == kManifestPath) continue;  // read already
      if (top && IsReceiverFile(name) && !top_level_listed_.count(name)) continue;
      auto it = expected_.find(path);
      if (it != expected_.end()) it->second.found = true;

      struct stat st;
      if (fstatat(dir_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
        HOTBACKUP_RETURN_IF_ERROR(Note(Status::IOError("stat " + path, errno)));
        continue;
      }
      if (S_ISLNK(st.st_mode)) {
        HOTBACKUP_RETURN_IF_ERROR(Note(SymlinkRefused(dir_fd, name.c_str(), path)));
      } else if (S_ISDIR(st.st_mode) && it != expected_.end()) {
        HOTBACKUP_RETURN_IF_ERROR(Note(Status::Corruption("not a regular file: " + path)));
      } else if (S_ISDIR(st.st_mode)) {
        UniqueFd sub(openat(dir_fd, name.c_str(), kOpenDirectoryFlags));
        if (!sub.valid()) {
          HOTBACKUP_RETURN_IF_ERROR(Note(errno == ELOOP ? SymlinkRefused(dir_fd, name.c_str(), path)
                                                        : Status::IOError("open " + path, errno)));
          continue;
        }
        HOTBACKUP_RETURN_IF_ERROR(Walk(sub.get(), path, path + "/"));
      } else if (!S_ISREG(st.st_mode)) {
        HOTBACKUP_RETURN_IF_ERROR(Note(Status::Corruption("not a regular file: " + path)));
      } else if (it == expected_.end()) {
        HOTBACKUP_RETURN_IF_ERROR(Note(Status::Corruption("not in the manifest: " + path)));
      } else {
        HOTBACKUP_RETURN_IF_ERROR(Note(CheckFile(dir_fd, name.c_str(), path, it->second)));
      }
    }
    return Status::OK();
  }

  Status CheckFile(int dir_fd, const char* name, const std::string& path,
                   const Expected& expected) {
    UniqueFd fd(openat(dir_fd, name, kOpenFileFlags));
    if (!fd.valid()) {
      return errno == ELOOP ? SymlinkRefused(dir_fd, name, path)
                            : Status::IOError("open " + path, errno);
    }
    struct stat st;
    if (fstat(fd.get(), &st) != 0) return Status::IOError("stat " + path, errno);
    if (!S_ISREG(st.st_mode)) return Status::Corruption("not a regular file: " + path);
    uint64_t size = static_cast<uint64_t>(st.st_size);
    if (size == expected.size) {
      posix_fadvise(fd.get(), 0, 0, POSIX_FADV_SEQUENTIAL);
      FileChecksum checksum;
      size = 0;
      HOTBACKUP_RETURN_IF_ERROR(ReadAll(fd.get(), path, &buffer_, &checksum, &size, nullptr));
      stats_->files += 1;
      stats_->bytes += size;
      if (size == expected.size && checksum.Digest() != expected.xxh3) {
        return Status::Corruption("checksum mismatch for " + path + ": " +
                                  FormatChecksum(checksum.Digest()) + ", the manifest says " +
                                  FormatChecksum(expected.xxh3));
      }
    }
    if (size != expected.size) {
      return Status::Corruption("size mismatch for " + path + ": " + std::to_string(size) +
                                " bytes, the manifest says " + std::to_string(expected.size));
    }
    return Status::OK();
  }

  const std::string dir_;
  Manifest* const manifest_;
  ExtractStats* const stats_;
  std::vector<uint8_t> buffer_;
  std::unordered_map<std::string, Expected> expected_;
  std::set<std::string> top_level_listed_;  // first components of the manifest's paths
  uint64_t problems_ = 0;
  Status first_problem_;
};

}  // namespace

bool IsReceiverFile(std::string_view name) {
  for (std::string_view prefix : kReceiverFilePrefixes) {
    if (name.starts_with(prefix)) return true;
  }
  return false;
}

Status VerifyDirectory(const std::string& dir, Manifest* manifest, ExtractStats* stats) {
  return DirectoryVerifier(StripTrailingSlashes(dir), manifest, stats).Run();
}

Status VerifyDirectoryAndLog(const std::string& dir) {
  auto start = std::chrono::steady_clock::now();
  Manifest manifest;
  ExtractStats stats;
  HOTBACKUP_RETURN_IF_ERROR(VerifyDirectory(dir, &manifest, &stats));
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  LogManifestMatch("Verified", stats, seconds, manifest);
  return Status::OK();
}

}  // namespace hotbackup
