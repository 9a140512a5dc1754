// Base files: digest check of the base manifest first, then per file a
// link (or a copy) and a read of the result through FileChecksum.
//
// The names come from the incremental's manifest and the files from a
// directory someone else may have made, so: every path is checked with
// ValidateArchivePath before it is used, everything in the base is opened
// below one descriptor with O_NOFOLLOW | O_NONBLOCK and judged by fstat (a
// FIFO is refused, never waited on), a file is linked only when its mode is
// already a restored one and we own it (otherwise its owner could change the
// bytes after they were checked, or it would bring its setuid bit along),
// and no error shows the size or checksum found: only what was expected.
#include "hotbackup/restore/incremental_restore.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <vector>

#include "hotbackup/archive/archive_path.h"
#include "hotbackup/archive/checksum.h"
#include "hotbackup/io/file_io.h"
#include "hotbackup/io/unique_fd.h"
#include "hotbackup/restore/restored_attributes.h"
#include "hotbackup/util/interrupt.h"
#include "hotbackup/util/sha256.h"

namespace hotbackup {
namespace {

constexpr size_t kBufferSize = 1 << 20;
constexpr int kOpenFileFlags = O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC;

// Reads `fd` to its end into `checksum`; copies to `copy_fd` unless -1.
Status ReadThrough(int fd, int copy_fd, const std::string& path, std::vector<uint8_t>* buffer,
                   FileChecksum* checksum, uint64_t* size) {
  for (;;) {
    HOTBACKUP_RETURN_IF_ERROR(CheckInterrupted());
    ssize_t n = read(fd, buffer->data(), buffer->size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::IOError("read " + path, errno);
    if (n == 0) return Status::OK();
    const ByteSpan data(buffer->data(), static_cast<size_t>(n));
    checksum->Update(data);
    *size += data.size();
    if (copy_fd >= 0) HOTBACKUP_RETURN_IF_ERROR(WriteFully(copy_fd, data, path));
  }
}

class BaseFileTaker {
 public:
  BaseFileTaker(std::string base_dir, const Manifest& manifest, int target_root,
                BaseFileStats* stats)
      : base_dir_(std::move(base_dir)),
        manifest_(manifest),
        target_root_(target_root),
        stats_(stats),
        buffer_(kBufferSize) {}

  Status Run() {
    // The directory itself as the operator named it; all below it through
    // this one descriptor.
    base_root_ = UniqueFd(open(base_dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!base_root_.valid()) return Status::IOError("open --incremental_base_dir " + base_dir_, errno);
    HOTBACKUP_RETURN_IF_ERROR(CheckBaseIsParent());
    for (const ManifestFile& f : manifest_.files) {
      if (f.in.empty()) continue;
      HOTBACKUP_RETURN_IF_ERROR(Take(f));
    }
    return Status::OK();
  }

 private:
  Status CheckBaseIsParent() {
    const ManifestParent& parent = *manifest_.parent;
    const std::string wanted = "backup " + parent.backup_id + " taken " + parent.start_time;
    std::string json;
    Status read = ReadSmallFileAt(base_root_.get(), kManifestPath,
                                  base_dir_ + "/" + kManifestPath, &json, kMaxManifestSize);
    if (!read.ok()) {
      return Status::InvalidArgument("--incremental_base_dir " + base_dir_ + " is not the " +
                                     wanted + " this incremental builds on: " + read.message());
    }
    if (Sha256Hex(json) == parent.sha256) return Status::OK();
    Manifest base;
    std::string what = "its manifest differs from the one this incremental was taken against "
                       "(edited, or another backup)";
    if (ParseManifest(json, &base).ok() && base.backup_id != parent.backup_id) {
      what = "it holds backup " + (base.backup_id.empty() ? "(no id)" : base.backup_id) +
             " taken " + base.start_time;
    }
    return Status::InvalidArgument("--incremental_base_dir " + base_dir_ + " is not the " + wanted +
                                   " this incremental builds on: " + what);
  }

  Status NotRegular(const ManifestFile& f) const {
    return Status::Corruption("--incremental_base_dir " + base_dir_ + ": " + f.path +
                              " is not a regular file");
  }

  Status Missing(const ManifestFile& f, int err) const {
    return Status::Corruption("--incremental_base_dir " + base_dir_ + " lacks " + f.path +
                              " (held by backup " + f.in + "): " + std::strerror(err) +
                              "; the base directory is incomplete");
  }

  Status Take(const ManifestFile& f) {
    HOTBACKUP_RETURN_IF_ERROR(CheckInterrupted());
    // ParseManifest checked it already; a Manifest may come from elsewhere.
    HOTBACKUP_RETURN_IF_ERROR(ValidateArchivePath(f.path).WithContext(
        "unsafe path in the manifest of the incremental backup"));
    UniqueFd base_parent;
    std::string leaf;
    Status opened = OpenParentBelow(base_root_.get(), f.path, false, &base_parent, &leaf);
    if (!opened.ok()) return Missing(f, opened.errno_value() ? opened.errno_value() : ENOENT);
    // Not even opened unless it looks like a file (a device stays closed);
    // then the descriptor's own fstat decides.
    struct stat st;
    if (fstatat(base_parent.get(), leaf.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
      return Missing(f, errno);
    }
    if (S_ISLNK(st.st_mode)) return Missing(f, ELOOP);  // as O_NOFOLLOW says it
    if (!S_ISREG(st.st_mode)) return NotRegular(f);
    UniqueFd source(openat(base_parent.get(), leaf.c_str(), kOpenFileFlags));
    if (!source.valid()) return Missing(f, errno);
    if (fstat(source.get(), &st) != 0) {
      return Status::IOError("stat " + base_dir_ + "/" + f.path, errno);
    }
    if (!S_ISREG(st.st_mode)) return NotRegular(f);

    // The file whose bytes are checked: the result's (the link, or the copy
    // as it is written); the base's own with nothing to write.
    UniqueFd checked;
    UniqueFd copy;
    if (target_root_ >= 0) {
      UniqueFd target_parent;
      std::string target_leaf;
      HOTBACKUP_RETURN_IF_ERROR(
          OpenParentBelow(target_root_, f.path, true, &target_parent, &target_leaf));
      // A link shares the base file's inode: its mode and owner come along.
      const bool linkable = IsRestoredFileMode(st.st_mode) && st.st_uid == geteuid();
      if (linkable && linkat(base_parent.get(), leaf.c_str(), target_parent.get(),
                             target_leaf.c_str(), 0) == 0) {
        checked = UniqueFd(openat(target_parent.get(), target_leaf.c_str(), kOpenFileFlags));
        if (!checked.valid()) return Status::IOError("open " + f.path, errno);
        // The name was linked, not the descriptor checked: the same file?
        struct stat linked;
        if (fstat(checked.get(), &linked) != 0) return Status::IOError("stat " + f.path, errno);
        if (linked.st_dev != st.st_dev || linked.st_ino != st.st_ino) {
          return Status::Changed("--incremental_base_dir " + base_dir_ + ": " + f.path +
                                 " was replaced while it was being taken");
        }
        ++stats_->linked;
      } else if (!linkable || errno == EXDEV || errno == EPERM || errno == EMLINK ||
                 errno == ENOTSUP) {
        copy = UniqueFd(openat(target_parent.get(), target_leaf.c_str(),
                               O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
        if (!copy.valid()) return Status::IOError("create " + f.path, errno);
      } else {
        return Status::IOError("link " + f.path + " from " + base_dir_, errno);
      }
    }
    FileChecksum checksum;
    uint64_t size = 0;
    HOTBACKUP_RETURN_IF_ERROR(ReadThrough(checked.valid() ? checked.get() : source.get(),
                                          copy.valid() ? copy.get() : -1, f.path, &buffer_,
                                          &checksum, &size));
    if (copy.valid()) {
      if (fchmod(copy.get(), RestoredFileMode(st.st_mode)) != 0) {
        return Status::IOError("chmod " + f.path, errno);
      }
      timespec times[2] = {st.st_mtim, st.st_mtim};
      if (futimens(copy.get(), times) != 0) return Status::IOError("set mtime of " + f.path, errno);
      int err = copy.Close();
      if (err != 0) return Status::IOError("close " + f.path, err);
    }
    // What was found is not shown: the message must not tell the size or
    // checksum of a file someone could not read (a link planted in a base).
    if (size != f.size || checksum.Digest() != f.xxh3) {
      return Status::Corruption("--incremental_base_dir " + base_dir_ + ": " + f.path +
                                " does not match the manifest (its " +
                                (size != f.size ? "size" : "checksum") + " differs; expected " +
                                std::to_string(f.size) + " bytes, " + FormatChecksum(f.xxh3) +
                                "): the base directory is damaged");
    }
    ++stats_->files;
    stats_->bytes += size;
    return Status::OK();
  }

  const std::string base_dir_;
  const Manifest& manifest_;
  const int target_root_;
  BaseFileStats* const stats_;
  std::vector<uint8_t> buffer_;
  UniqueFd base_root_;
};

}  // namespace

Status TakeFilesFromBase(const std::string& base_dir, const Manifest& manifest, int target_root,
                         BaseFileStats* stats) {
  if (!manifest.parent) return Status::InvalidArgument("not an incremental backup");
  return BaseFileTaker(StripTrailingSlashes(base_dir), manifest, target_root, stats).Run();
}

BaseFileStats ExpectedFromBase(const Manifest& manifest) {
  BaseFileStats expected;
  for (const ManifestFile& f : manifest.files) {
    if (f.in.empty()) continue;
    ++expected.files;
    expected.bytes += f.size;
  }
  return expected;
}

}  // namespace hotbackup
