// The read -> encode -> compress -> output pipeline.
//
// Each file is read in 256 KiB blocks and appended to the encoder. With
// O_DIRECT there is no kernel read-ahead to hide the device's latency, so
// blocks of 4 MiB are read by a ReadAhead pool, kDirectReadDepth at a time,
// and the next file (see HintNextFile) joins the pool's queue before the
// current one ends. A file is only committed to the archive when it was read
// to its last byte with an unchanged size; the archive entry header states
// that size up front, so anything else is an error, not a silent truncation.
#include "hotbackup/archive/archive_stream.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <ctime>
#include <string_view>

#include "hotbackup/archive/checksum.h"
#include "hotbackup/io/file_io.h"
#include "hotbackup/util/interrupt.h"
#include "hotbackup/util/sha256.h"

namespace hotbackup {
namespace {

// Buffered reads of 256 KiB: a block read, checksummed and written into the
// pipe while it is still in the L2 cache. 1 MiB blocks measured 20-25 %
// slower from the page cache (the block and the pipe's pages no longer fit).
constexpr size_t kBufferedReadSize = 256 << 10;
// Direct reads: the device's latency is hidden by depth, not block size.
constexpr size_t kDirectReadSize = 4 << 20;
constexpr int kDirectReadDepth = 4;
constexpr size_t kManifestBufferSize = 256 << 10;

}  // namespace

Status ArchiveStream::Open(const StreamOptions& options, ByteSink* output,
                           std::unique_ptr<ArchiveStream>* stream) {
  std::unique_ptr<ArchiveStream> s(new ArchiveStream());
  s->options_ = options;
  ByteSink* archive_sink = output;
  if (options.compression == Compression::kZstd) {
    HOTBACKUP_RETURN_IF_ERROR(NewZstdSink(options.zstd, output, &s->compressor_));
    archive_sink = s->compressor_.get();
  }
  HOTBACKUP_RETURN_IF_ERROR(NewArchiveWriter(options.format, archive_sink, &s->writer_));
  const bool direct = options.read_mode == ReadMode::kDirect;
  s->block_size_ = direct ? kDirectReadSize : kBufferedReadSize;
  if (options.max_bytes_per_second > 0) {
    s->throttle_ = std::make_unique<Throttle>(options.max_bytes_per_second);
    // About 20 pauses a second keep a throttled stream smooth.
    size_t smooth = options.max_bytes_per_second / 20 / kDirectIoAlignment * kDirectIoAlignment;
    s->block_size_ = std::clamp(smooth, kDirectIoAlignment, s->block_size_);
  }
  // Small files are read buffered even in direct mode (see FileReader).
  s->buffer_ = AlignedBuffer(std::min(s->block_size_, kBufferedReadSize));
  if (direct) s->read_ahead_ = std::make_unique<ReadAhead>(s->block_size_, kDirectReadDepth);
  *stream = std::move(s);
  return Status::OK();
}

void ArchiveStream::HintNextFile(const std::string& source_path, GrowthPolicy growth) {
  if (!read_ahead_) return;  // only direct reads gain from it
  hint_path_ = source_path;
  hint_growth_ = growth;
}

void ArchiveStream::DropPrefetch() {
  if (!prefetched_) return;
  // Between files only the prefetched file can be queued.
  read_ahead_->Finish();
  prefetched_.reset();
}

Status ArchiveStream::OpenAndQueue(const std::string& source_path, GrowthPolicy growth,
                                   std::unique_ptr<FileReader>* reader) {
  auto r = std::make_unique<FileReader>();
  const DirectoryCache::Location at = directories_.Resolve(source_path);
  Status s = r->OpenAt(at.dir_fd, at.name.c_str(), source_path, options_.read_mode, growth);
  if (!s.ok() && at.dir_fd != AT_FDCWD &&
      (s.errno_value() == ENOENT || s.errno_value() == ENOTDIR)) {
    // The cached directory may be gone while the path names a new one.
    directories_.Forget();
    s = r->Open(source_path, options_.read_mode, growth);
  }
  HOTBACKUP_RETURN_IF_ERROR(s);
  if (r->direct()) read_ahead_->Add(r.get());
  *reader = std::move(r);
  return Status::OK();
}

Status ArchiveStream::OpenReader(const std::string& source_path, GrowthPolicy growth,
                                 std::unique_ptr<FileReader>* reader) {
  if (prefetched_ && prefetched_->path() == source_path && prefetched_->growth() == growth) {
    *reader = std::move(prefetched_);
    return Status::OK();
  }
  DropPrefetch();
  return OpenAndQueue(source_path, growth, reader);
}

void ArchiveStream::Prefetch(const std::string& source_path, GrowthPolicy growth) {
  if (source_path.empty()) return;
  // A failure is left for the AddFile of that file to report.
  Status ignored = OpenAndQueue(source_path, growth, &prefetched_);
  (void)ignored;
}

ArchiveStream::~ArchiveStream() {
  // Reads may be in flight into a prefetched file's reader.
  if (read_ahead_) read_ahead_->Finish();
}

Status ArchiveStream::AddFile(const std::string& source_path, const std::string& archive_path,
                              GrowthPolicy growth, std::string_view sst_key) {
  if (failed_) return Status::InvalidArgument("archive stream used after an error");
  HOTBACKUP_RETURN_IF_ERROR(ValidateArchivePath(archive_path));

  HOTBACKUP_RETURN_IF_ERROR(CheckInterrupted());
  const std::string next_path = std::move(hint_path_);
  hint_path_.clear();
  std::unique_ptr<FileReader> reader;
  HOTBACKUP_RETURN_IF_ERROR(OpenReader(source_path, growth, &reader));
  Prefetch(next_path, hint_growth_);
  return AddFromReader(std::move(reader), archive_path, sst_key);
}

Status ArchiveStream::AddOpenedFile(UniqueFd fd, const struct stat& st,
                                    const std::string& source_path,
                                    const std::string& archive_path, GrowthPolicy growth) {
  if (failed_) return Status::InvalidArgument("archive stream used after an error");
  HOTBACKUP_RETURN_IF_ERROR(ValidateArchivePath(archive_path));
  HOTBACKUP_RETURN_IF_ERROR(CheckInterrupted());
  DropPrefetch();
  hint_path_.clear();
  auto reader = std::make_unique<FileReader>();
  HOTBACKUP_RETURN_IF_ERROR(
      reader->Adopt(std::move(fd), st, source_path, options_.read_mode, growth));
  if (reader->direct()) read_ahead_->Add(reader.get());
  return AddFromReader(std::move(reader), archive_path, "");
}

Status ArchiveStream::AddFromReader(std::unique_ptr<FileReader> reader,
                                    const std::string& archive_path, std::string_view sst_key) {
  const struct stat& st = reader->stat_at_open();
  FileEntry entry;
  entry.archive_path = archive_path;
  entry.size = reader->size();
  entry.permissions = st.st_mode & 07777;
  entry.mtime = st.st_mtim;
  entry.uid = st.st_uid;
  entry.gid = st.st_gid;

  // From the header on, a failure leaves a partial entry in the archive: the
  // stream cannot be continued.
  failed_ = true;
  FileChecksum checksum;
  if (reader->direct()) {
    // The pool reads from the readers: it must be idle before they go.
    struct FinishReadsOnError {
      ReadAhead* r;
      bool done = false;
      ~FinishReadsOnError() {
        if (!done) r->Finish();
      }
    } guard{read_ahead_.get()};
    HOTBACKUP_RETURN_IF_ERROR(writer_->BeginFile(entry));
    for (;;) {
      ByteSpan block;
      HOTBACKUP_RETURN_IF_ERROR(read_ahead_->Next(&block));
      if (block.empty()) break;
      HOTBACKUP_RETURN_IF_ERROR(Consume(block, &checksum));
    }
    guard.done = true;
  } else {
    HOTBACKUP_RETURN_IF_ERROR(writer_->BeginFile(entry));
    while (!reader->at_end()) {
      size_t n = 0;
      HOTBACKUP_RETURN_IF_ERROR(reader->Read(buffer_.span(), &n));
      if (n == 0) break;
      HOTBACKUP_RETURN_IF_ERROR(Consume(AsBytes(buffer_.data(), n), &checksum));
    }
  }
  HOTBACKUP_RETURN_IF_ERROR(reader->CheckUnchanged());
  HOTBACKUP_RETURN_IF_ERROR(writer_->EndFile());
  failed_ = false;

  stats_.files += 1;
  stats_.file_bytes += entry.size;
  Status recorded =
      RecordInManifest({archive_path, entry.size, checksum.Digest(), std::string(sst_key), {}});
  // The file is in the archive but not in its manifest: nothing can follow.
  if (!recorded.ok()) failed_ = true;
  return recorded;
}

Status ArchiveStream::ListFileFromBase(const ManifestFile& file) {
  if (failed_) return Status::InvalidArgument("archive stream used after an error");
  HOTBACKUP_RETURN_IF_ERROR(ValidateArchivePath(file.path));
  if (file.in.empty()) return Status::InvalidArgument("a base file without its backup: " + file.path);
  return RecordInManifest(file);
}

Status ArchiveStream::RecordInManifest(const ManifestFile& file) {
  AppendManifestFileLine(file, ++manifest_entries_ == 1, &manifest_lines_);
  if (manifest_lines_.size() < kManifestBufferSize) return Status::OK();
  if (!manifest_spill_.valid()) HOTBACKUP_RETURN_IF_ERROR(CreateUnnamedTemporaryFile(&manifest_spill_));
  HOTBACKUP_RETURN_IF_ERROR(WriteFully(manifest_spill_.get(), AsBytes(manifest_lines_.data(), manifest_lines_.size()),
                                       "the manifest's temporary file"));
  manifest_spilled_ += manifest_lines_.size();
  manifest_lines_.clear();
  return Status::OK();
}

Status ArchiveStream::Consume(ByteSpan block, FileChecksum* checksum) {
  checksum->Update(block);
  HOTBACKUP_RETURN_IF_ERROR(writer_->Append(block));
  if (options_.on_progress) options_.on_progress(block.size());
  if (throttle_) return throttle_->Pace(block.size());
  return CheckInterrupted();
}

namespace {

// The entry of a file the backup writes itself: ours, 0640, made now.
FileEntry GeneratedEntry(const std::string& archive_path, uint64_t size) {
  FileEntry entry;
  entry.archive_path = archive_path;
  entry.size = size;
  entry.permissions = 0640;
  clock_gettime(CLOCK_REALTIME, &entry.mtime);
  entry.uid = getuid();
  entry.gid = getgid();
  return entry;
}

}  // namespace

Status ArchiveStream::AddContents(const std::string& archive_path, std::string_view contents) {
  if (failed_) return Status::InvalidArgument("archive stream used after an error");
  HOTBACKUP_RETURN_IF_ERROR(ValidateArchivePath(archive_path));
  hint_path_.clear();
  DropPrefetch();
  const FileEntry entry = GeneratedEntry(archive_path, contents.size());
  failed_ = true;
  HOTBACKUP_RETURN_IF_ERROR(writer_->BeginFile(entry));
  FileChecksum checksum;
  const ByteSpan bytes = AsBytes(contents.data(), contents.size());
  checksum.Update(bytes);
  HOTBACKUP_RETURN_IF_ERROR(writer_->Append(bytes));
  HOTBACKUP_RETURN_IF_ERROR(writer_->EndFile());
  stats_.files += 1;
  HOTBACKUP_RETURN_IF_ERROR(RecordInManifest({archive_path, contents.size(), checksum.Digest(), {}, {}}));
  failed_ = false;
  return Status::OK();
}

Status ArchiveStream::AddManifest(const Manifest& manifest, ByteSink* copy) {
  if (failed_) return Status::InvalidArgument("archive stream used after an error");
  if (manifest.version >= 2 && manifest.backup_id.empty()) {
    return Status::InvalidArgument("a manifest without a backup id");
  }
  hint_path_.clear();
  DropPrefetch();
  const std::string header = ManifestHeader(manifest);
  const std::string files_end = ManifestFilesEnd(manifest_entries_ > 0);
  // The digest line ends the manifest but covers all before it: the spilled
  // lines are hashed in a first pass, so the size is known for the header.
  Sha256 sha;
  sha.Update(header);
  HOTBACKUP_RETURN_IF_ERROR(ReplaySpilledManifest([&sha](ByteSpan piece) {
    sha.Update(std::string_view(reinterpret_cast<const char*>(piece.data()), piece.size()));
    return Status::OK();
  }));
  sha.Update(manifest_lines_);
  sha.Update(files_end);
  const std::string digest_line = ManifestDigestLine(sha.HexDigest());
  const FileEntry entry =
      GeneratedEntry(kManifestPath, header.size() + manifest_spilled_ + manifest_lines_.size() +
                                        files_end.size() + digest_line.size());
  failed_ = true;
  auto write = [this, copy](ByteSpan piece) -> Status {
    HOTBACKUP_RETURN_IF_ERROR(writer_->Append(piece));
    return copy ? copy->Write(piece) : Status::OK();
  };
  auto write_string = [&write](const std::string& s) { return write(AsBytes(s.data(), s.size())); };
  HOTBACKUP_RETURN_IF_ERROR(writer_->BeginFile(entry));
  HOTBACKUP_RETURN_IF_ERROR(write_string(header));
  HOTBACKUP_RETURN_IF_ERROR(ReplaySpilledManifest(write));
  HOTBACKUP_RETURN_IF_ERROR(write_string(manifest_lines_));
  HOTBACKUP_RETURN_IF_ERROR(write_string(files_end));
  HOTBACKUP_RETURN_IF_ERROR(write_string(digest_line));
  HOTBACKUP_RETURN_IF_ERROR(writer_->EndFile());
  failed_ = false;
  return Status::OK();
}

Status ArchiveStream::ReplaySpilledManifest(const std::function<Status(ByteSpan)>& consume) {
  for (uint64_t offset = 0; offset < manifest_spilled_;) {
    ssize_t n = pread(manifest_spill_.get(), buffer_.data(),
                      std::min<uint64_t>(buffer_.size(), manifest_spilled_ - offset),
                      static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Status::IOError("read the manifest's temporary file", n < 0 ? errno : EIO);
    HOTBACKUP_RETURN_IF_ERROR(consume(AsBytes(buffer_.data(), static_cast<size_t>(n))));
    offset += static_cast<uint64_t>(n);
  }
  return Status::OK();
}

Status ArchiveStream::Finish() {
  if (failed_) return Status::InvalidArgument("archive stream used after an error");
  hint_path_.clear();
  DropPrefetch();
  failed_ = true;
  HOTBACKUP_RETURN_IF_ERROR(writer_->Finish());
  failed_ = false;
  return Status::OK();
}

}  // namespace hotbackup
