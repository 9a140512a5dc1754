// tar decoder over libarchive. libarchive pulls bytes through a callback
// from our PeekSource (already decompressed if the input was zstd), so the
// same code reads plain and compressed archives, and errors of the source
// (a truncated zstd frame) surface with their own message.
#include <archive.h>
#include <archive_entry.h>
#include <sys/stat.h>

#include <memory>
#include <vector>

#include "archive/scoped_utf8_locale.h"
#include "hotbackup/archive/archive_reader.h"

namespace hotbackup {
namespace {

struct ArchiveDeleter {
  void operator()(archive* a) const { archive_read_free(a); }
};

struct ReadContext {
  PeekSource* source = nullptr;
  std::vector<uint8_t> buffer = std::vector<uint8_t>(1 << 20);
  Status status;
};

la_ssize_t ReadCallback(archive* a, void* client_data, const void** buffer) {
  ReadContext* ctx = static_cast<ReadContext*>(client_data);
  size_t n = 0;
  Status s = ctx->source->Read(ctx->buffer, &n);
  if (!s.ok()) {
    ctx->status = s;
    archive_set_error(a, EIO, "%s", s.message().c_str());
    return -1;
  }
  *buffer = ctx->buffer.data();
  return static_cast<la_ssize_t>(n);
}

std::string At(const PeekSource* source) {
  return " (near archive offset " + std::to_string(source->position()) + ")";
}

}  // namespace

Status ReadTar(PeekSource* source, EntrySink* sink) {
  ScopedUtf8Locale utf8;
  ReadContext ctx;
  ctx.source = source;
  std::unique_ptr<archive, ArchiveDeleter> a(archive_read_new());
  if (!a) return Status::IOError("tar: allocate libarchive reader", ENOMEM);
  archive_read_support_format_tar(a.get());
  auto error = [&](const std::string& context) {
    if (!ctx.status.ok()) return ctx.status;
    const char* text = archive_error_string(a.get());
    return Status::Corruption("tar: " + context + ": " + (text ? text : "unreadable archive") + At(source));
  };
  if (archive_read_open(a.get(), &ctx, nullptr, &ReadCallback, nullptr) != ARCHIVE_OK) {
    return error("open");
  }

  archive_entry* entry = nullptr;
  for (;;) {
    int rc = archive_read_next_header(a.get(), &entry);
    if (rc == ARCHIVE_EOF) break;
    if (rc != ARCHIVE_OK && rc != ARCHIVE_WARN) return error("read header");
    const char* name = archive_entry_pathname(entry);
    std::string path = name ? name : "";
    mode_t type = archive_entry_filetype(entry);
    if (archive_entry_hardlink(entry) != nullptr) {
      return Status::Corruption("tar: refusing the hard link " + path +
                                ": a backup holds only regular files and directories" + At(source));
    }
    if (type == AE_IFDIR) {
      HOTBACKUP_RETURN_IF_ERROR(sink->MakeDirectory(path).WithContext("tar" + At(source)));
      continue;
    }
    if (type == AE_IFLNK) {
      const char* link = archive_entry_symlink(entry);
      return Status::Corruption("tar: refusing the symbolic link " + path + " -> " + (link ? link : "") +
                                ": a backup holds only regular files and directories" + At(source));
    }
    if (type != AE_IFREG) {
      return Status::Corruption("tar: refusing " + path +
                                ", which is not a regular file or a directory" + At(source));
    }
    timespec mtime{archive_entry_mtime(entry), archive_entry_mtime_nsec(entry)};
    HOTBACKUP_RETURN_IF_ERROR(
        sink->BeginFile(path, archive_entry_perm(entry), mtime).WithContext("tar" + At(source)));
    const uint64_t size = static_cast<uint64_t>(archive_entry_size(entry));
    uint64_t written = 0;
    for (;;) {
      const void* block = nullptr;
      size_t length = 0;
      la_int64_t offset = 0;
      rc = archive_read_data_block(a.get(), &block, &length, &offset);
      if (rc == ARCHIVE_EOF) break;
      if (rc != ARCHIVE_OK && rc != ARCHIVE_WARN) return error("read data of " + path);
      if (static_cast<uint64_t>(offset) != written) {
        return Status::Corruption("tar: " + path + " is sparse, which a backup never is" + At(source));
      }
      HOTBACKUP_RETURN_IF_ERROR(sink->Write(path, AsBytes(block, length)));
      written += length;
    }
    if (written != size) {
      return Status::Corruption("tar: " + path + " has " + std::to_string(written) + " of its " +
                                std::to_string(size) + " bytes (truncated)" + At(source));
    }
    HOTBACKUP_RETURN_IF_ERROR(sink->EndFile(path));
  }
  return Status::OK();
}

}  // namespace hotbackup
