// tar encoder, POSIX pax in libarchive's "restricted" flavour: a file gets a
// plain ustar header unless it needs more (a path that does not fit ustar's
// name and prefix, a size of 8 GiB or more), and then a pax extended header
// that GNU tar and bsdtar both read without flags. All files go into ONE
// archive; the original tool concatenated one archive per file, which forced
// `tar -i`.
//
// Two encoders share the archive. An entry whose header is plain ustar (the
// common case: short ASCII path, ordinary size and owner) is written here:
// ustar_format.cc builds the same 512 bytes libarchive would, the data goes
// straight to the sink, then the zero padding. Every other entry goes through
// libarchive, whose archive_write_header costs ~18,000 instructions and
// several mallocs per entry; on many small files that made tar 0.77x GNU tar.
//
// Interleaving is sound because, between entries, libarchive holds nothing
// we could bypass (checked in libarchive's archive_write.c and
// archive_write_set_format_pax.c): with bytes_per_block 0 its output filter
// has no block buffer and passes each write straight to WriteCallback;
// archive_write_finish_entry leaves the pax writer with no pending padding,
// data or sparse list, and it formats each header from its entry alone.
// Its close writes the two zero end blocks and, unbuffered, pads nothing;
// Finish pads the whole archive to a 10 KiB record itself, as tar(1) does.
#include <archive.h>
#include <archive_entry.h>
#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>

#include <algorithm>
#include <map>
#include <string>

#include "archive/scoped_utf8_locale.h"
#include "hotbackup/archive/archive_writer.h"
#include "hotbackup/archive/ustar_format.h"
#include "hotbackup/util/log.h"

namespace hotbackup {
namespace {

constexpr size_t kTarRecordSize = 10240;
constexpr uint8_t kZeros[ustar::kBlockSize] = {};
static_assert(kTarRecordSize % ustar::kBlockSize == 0);

struct ArchiveDeleter {
  void operator()(archive* a) const { archive_write_free(a); }
};
struct EntryDeleter {
  void operator()(archive_entry* e) const { archive_entry_free(e); }
};

class TarWriter final : public ArchiveWriter {
 public:
  explicit TarWriter(ByteSink* sink) : sink_(sink) {}

  // Destroyed before Finish (after an error): libarchive's free would close
  // the archive and pad the unfinished entry with zeros, possibly gigabytes
  // of them. Nothing more may reach the sink.
  ~TarWriter() override {
    abandoned_ = true;
    archive_.reset();
  }

  Status Open() {
    ScopedUtf8Locale utf8;
    archive_.reset(archive_write_new());
    entry_.reset(archive_entry_new());
    if (!archive_ || !entry_) return Status::IOError("tar: allocate libarchive writer", ENOMEM);
    if (archive_write_set_format_pax_restricted(archive_.get()) != ARCHIVE_OK ||
        archive_write_set_bytes_per_block(archive_.get(), 0) != ARCHIVE_OK ||
        archive_write_open2(archive_.get(), this, nullptr, &TarWriter::WriteCallback, nullptr,
                            nullptr) != ARCHIVE_OK) {
      return LibarchiveError("tar: open writer");
    }
    return Status::OK();
  }

  Status BeginFile(const FileEntry& entry) override {
    if (entry.archive_path.empty()) return Status::InvalidArgument("tar: empty archive path");
    if (!sink_status_.ok()) return sink_status_;  // the sink is unusable after an error
    // Close an entry left open, as libarchive would, but never short.
    if (state_ != State::kBetweenEntries) HOTBACKUP_RETURN_IF_ERROR(EndFile());
    const std::string& uname = UserName(entry.uid);
    const std::string& gname = GroupName(entry.gid);
    path_ = entry.archive_path;  // reuses its capacity: no allocation per file
    remaining_ = entry.size;
    if (ustar::EncodePlainHeader(entry, uname, gname, header_)) {
      state_ = State::kInPlainEntry;
      padding_ = (ustar::kBlockSize - entry.size % ustar::kBlockSize) % ustar::kBlockSize;
      return WriteToSink(header_);
    }

    ScopedUtf8Locale utf8;
    archive_entry* e = entry_.get();
    archive_entry_clear(e);
    archive_entry_set_pathname(e, entry.archive_path.c_str());
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, entry.permissions & 07777);
    archive_entry_set_size(e, static_cast<la_int64_t>(entry.size));
    archive_entry_set_mtime(e, entry.mtime.tv_sec, entry.mtime.tv_nsec);
    archive_entry_set_uid(e, entry.uid);
    archive_entry_set_gid(e, entry.gid);
    archive_entry_set_uname(e, uname.empty() ? nullptr : uname.c_str());
    archive_entry_set_gname(e, gname.empty() ? nullptr : gname.c_str());
    state_ = State::kInLibarchiveEntry;
    int rc = archive_write_header(archive_.get(), e);
    if (rc == ARCHIVE_WARN) {
      // e.g. a name that is not valid in the locale's charset; stored as is.
      HB_LOG_WARN("tar: %s: %s", path_.c_str(), archive_error_string(archive_.get()));
    } else if (rc != ARCHIVE_OK) {
      return LibarchiveError("tar: write header of " + path_);
    }
    return Status::OK();
  }

  Status Append(ByteSpan data) override {
    if (!sink_status_.ok()) return sink_status_;
    if (data.size() > remaining_) {
      return Status::InvalidArgument("tar: more bytes than the declared size of " + path_);
    }
    if (state_ == State::kInPlainEntry) {
      if (data.empty()) return Status::OK();
      HOTBACKUP_RETURN_IF_ERROR(WriteToSink(data));
      remaining_ -= data.size();
      return Status::OK();
    }
    while (!data.empty()) {
      la_ssize_t n = archive_write_data(archive_.get(), data.data(), data.size());
      if (n <= 0) return LibarchiveError("tar: write data of " + path_);
      data = data.subspan(static_cast<size_t>(n));
      remaining_ -= static_cast<uint64_t>(n);
    }
    return Status::OK();
  }

  Status EndFile() override {
    if (!sink_status_.ok()) return sink_status_;
    // libarchive would silently pad a short file with zeros; refuse instead.
    if (remaining_ != 0) {
      return Status::InvalidArgument("tar: " + path_ + " ended " + std::to_string(remaining_) +
                                     " bytes short of its declared size");
    }
    if (state_ == State::kInPlainEntry) {
      state_ = State::kBetweenEntries;
      if (padding_ == 0) return Status::OK();
      return WriteToSink(AsBytes(kZeros, padding_));
    }
    state_ = State::kBetweenEntries;
    if (archive_write_finish_entry(archive_.get()) != ARCHIVE_OK) {
      return LibarchiveError("tar: finish entry " + path_);
    }
    return Status::OK();
  }

  Status Finish() override {
    if (!sink_status_.ok()) return sink_status_;
    if (remaining_ != 0) return Status::InvalidArgument("tar: finished inside entry " + path_);
    if (state_ == State::kInPlainEntry) HOTBACKUP_RETURN_IF_ERROR(EndFile());
    // Finishes an open libarchive entry, then writes the two zero end blocks.
    if (archive_write_close(archive_.get()) != ARCHIVE_OK) {
      return LibarchiveError("tar: close archive");
    }
    HOTBACKUP_RETURN_IF_ERROR(sink_status_);
    size_t tail = bytes_written_ % kTarRecordSize;
    for (size_t pad = tail == 0 ? 0 : kTarRecordSize - tail; pad > 0;) {
      size_t n = std::min(pad, sizeof(kZeros));
      HOTBACKUP_RETURN_IF_ERROR(WriteToSink(AsBytes(kZeros, n)));
      pad -= n;
    }
    return sink_->Finish();
  }

 private:
  enum class State { kBetweenEntries, kInPlainEntry, kInLibarchiveEntry };

  // Every byte of the archive, ours or libarchive's, goes through here, so
  // bytes_written_ counts them all for Finish's padding.
  Status WriteToSink(ByteSpan data) {
    Status s = sink_->Write(data);
    if (!s.ok()) {
      sink_status_ = s;
      return s;
    }
    bytes_written_ += data.size();
    return Status::OK();
  }

  static la_ssize_t WriteCallback(archive* a, void* client_data, const void* buffer,
                                  size_t length) {
    TarWriter* self = static_cast<TarWriter*>(client_data);
    if (self->abandoned_) {
      archive_set_error(a, ECANCELED, "archive abandoned");
      return -1;
    }
    Status s = self->WriteToSink(AsBytes(buffer, length));
    if (!s.ok()) {
      archive_set_error(a, s.errno_value() ? s.errno_value() : EIO, "%s", s.message().c_str());
      return -1;
    }
    return static_cast<la_ssize_t>(length);
  }

  // The sink's own error, if it caused the failure, says more than libarchive's.
  Status LibarchiveError(const std::string& context) {
    if (!sink_status_.ok()) return sink_status_;
    const char* text = archive_error_string(archive_.get());
    int err = archive_errno(archive_.get());
    std::string message = context + ": " + (text ? text : "libarchive error");
    return err ? Status::IOError(message, err) : Status::Corruption(message);
  }

  // Name lookups are cached: a backup holds thousands of files of one owner.
  // "" when the id has no name.
  const std::string& UserName(uid_t uid) {
    auto [it, inserted] = user_names_.try_emplace(uid);
    if (inserted) {
      passwd pw, *result = nullptr;
      char buf[1024];
      if (getpwuid_r(uid, &pw, buf, sizeof(buf), &result) == 0 && result) it->second = pw.pw_name;
    }
    return it->second;
  }
  const std::string& GroupName(gid_t gid) {
    auto [it, inserted] = group_names_.try_emplace(gid);
    if (inserted) {
      group gr, *result = nullptr;
      char buf[1024];
      if (getgrgid_r(gid, &gr, buf, sizeof(buf), &result) == 0 && result) it->second = gr.gr_name;
    }
    return it->second;
  }

  ByteSink* const sink_;
  std::unique_ptr<archive, ArchiveDeleter> archive_;
  std::unique_ptr<archive_entry, EntryDeleter> entry_;
  State state_ = State::kBetweenEntries;
  uint8_t header_[ustar::kBlockSize];
  size_t padding_ = 0;  // zeros owed after a plain entry's data
  std::string path_;
  uint64_t remaining_ = 0;  // bytes still owed to the current entry
  uint64_t bytes_written_ = 0;
  Status sink_status_;
  bool abandoned_ = false;
  std::map<uid_t, std::string> user_names_;
  std::map<gid_t, std::string> group_names_;
};

}  // namespace

Status NewTarWriter(ByteSink* sink, std::unique_ptr<ArchiveWriter>* writer) {
  auto tar = std::make_unique<TarWriter>(sink);
  HOTBACKUP_RETURN_IF_ERROR(tar->Open());
  *writer = std::move(tar);
  return Status::OK();
}

}  // namespace hotbackup
