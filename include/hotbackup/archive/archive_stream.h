// ArchiveStream: the streaming pipeline, file by file, in bounded memory.
//
//   FileReader -> ArchiveWriter (tar | xbstream) -> [ZstdSink] -> output sink
//
// AddFile reads a file once, start to end, into the archive; Finish writes
// the archive trailer, ends the zstd frame and finishes the output sink
// (which, for an OutputFile, makes the archive durable and visible). Memory
// does not grow with file sizes or counts: one read buffer, the encoder's
// chunk buffer (10 MiB for XBSTREAM) and zstd's window.
//
// The output sink is not owned and must remain live while the stream is
// used. After an error the stream is unusable; destroying it without Finish
// leaves the output unfinished (an OutputFile then removes its temporary
// file). Not thread-safe.
#ifndef HOTBACKUP_ARCHIVE_ARCHIVE_STREAM_H_
#define HOTBACKUP_ARCHIVE_ARCHIVE_STREAM_H_

#include <sys/stat.h>

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "hotbackup/archive/archive_path.h"
#include "hotbackup/archive/archive_writer.h"
#include "hotbackup/archive/checksum.h"
#include "hotbackup/archive/manifest.h"
#include "hotbackup/compress/compression.h"
#include "hotbackup/compress/zstd_sink.h"
#include "hotbackup/io/aligned_buffer.h"
#include "hotbackup/io/byte_sink.h"
#include "hotbackup/io/directory_cache.h"
#include "hotbackup/io/file_reader.h"
#include "hotbackup/io/read_ahead.h"
#include "hotbackup/io/throttle.h"
#include "hotbackup/io/unique_fd.h"

namespace hotbackup {

struct StreamOptions {
  ArchiveFormat format = ArchiveFormat::kTar;
  Compression compression = Compression::kNone;
  ZstdOptions zstd;
  ReadMode read_mode = ReadMode::kBuffered;
  // Average read rate limit in bytes per second; 0 = unlimited.
  uint64_t max_bytes_per_second = 0;
  // Called with the byte count after each block read, on the calling thread.
  std::function<void(uint64_t bytes)> on_progress;
};

struct StreamStats {
  uint64_t files = 0;
  uint64_t file_bytes = 0;  // bytes read from files
};

class ArchiveStream {
 public:
  ~ArchiveStream();
  ArchiveStream(const ArchiveStream&) = delete;
  ArchiveStream& operator=(const ArchiveStream&) = delete;

  // Fails with kInvalidArgument for options the encoders refuse.
  static Status Open(const StreamOptions& options, ByteSink* output,
                     std::unique_ptr<ArchiveStream>* stream);

  // Streams the regular file at `source_path` (symlinks followed) into the
  // archive as `archive_path`, which must be relative, without "." or ".."
  // components. Keeps permission bits, mtime and ownership. Fails with
  // kChanged if the file changes size while being read (see GrowthPolicy),
  // kAborted on SIGINT/SIGTERM/SIGHUP (see interrupt.h).
  // `sst_key`, if not empty, is recorded as the file's "sst" identity in
  // the manifest.
  Status AddFile(const std::string& source_path, const std::string& archive_path,
                 GrowthPolicy growth = GrowthPolicy::kFail, std::string_view sst_key = {});
  // As AddFile, for a file already open as `fd` (whose fstat(2) is `st`):
  // the bytes of the inode opened, whatever the path names by now.
  // `source_path` names it in messages.
  Status AddOpenedFile(UniqueFd fd, const struct stat& st, const std::string& source_path,
                       const std::string& archive_path, GrowthPolicy growth = GrowthPolicy::kFail);

  // Announces the file the next AddFile will add (same source path and
  // growth policy). In direct mode it is opened (and its size taken) by the
  // next AddFile, and its first blocks are read while that file is still
  // being encoded, so the device does not wait between files. For files that
  // do not change while the backup runs (a checkpoint's). Optional; a hint
  // that turns out wrong only costs a few reads, and errors opening the
  // hinted file are reported by the AddFile that adds it.
  void HintNextFile(const std::string& source_path, GrowthPolicy growth = GrowthPolicy::kFail);

  // Adds a small file made in memory (a position file the backup writes),
  // listed in the manifest like any other. Mode 0640, mtime now.
  Status AddContents(const std::string& archive_path, std::string_view contents);

  // Lists in the manifest a file of the restored state that is not in this
  // archive: an incremental backup's file whose bytes an earlier backup
  // holds (file.in names it). Writes nothing to the archive.
  Status ListFileFromBase(const ManifestFile& file);

  // Appends the manifest as the archive's last entry (kManifestPath): the
  // given fields (manifest.files is ignored), plus every file added or
  // listed so far with its size and checksum, and its digest line. The file
  // list is kept in an unlinked temporary file, not in memory, so memory
  // stays flat whatever the number of files. The same bytes also go to
  // `copy` unless it is null (--save_manifest); it is not finished here.
  Status AddManifest(const Manifest& manifest, ByteSink* copy = nullptr);

  // Completes the archive and the output.
  Status Finish();

  const StreamStats& stats() const { return stats_; }

 private:
  ArchiveStream() = default;
  // Opens a reader through the directory cache (retrying by the whole path
  // if the cached directory turns out to be stale) and queues its direct
  // reads. *reader is left as it was on failure.
  // The body of AddFile and AddOpenedFile, from an open reader.
  Status AddFromReader(std::unique_ptr<FileReader> reader, const std::string& archive_path,
                       std::string_view sst_key);
  Status OpenAndQueue(const std::string& source_path, GrowthPolicy growth,
                      std::unique_ptr<FileReader>* reader);
  // The reader for `source_path`: the prefetched one if it matches, else a
  // new one (any other prefetch is dropped). Queues it for direct reads.
  Status OpenReader(const std::string& source_path, GrowthPolicy growth,
                    std::unique_ptr<FileReader>* reader);
  // Opens the hinted next file and queues its direct reads (none if empty).
  void Prefetch(const std::string& source_path, GrowthPolicy growth);
  // Drops a prefetched file and its reads in flight.
  void DropPrefetch();
  // Feeds the manifest lines spilled so far to `consume`, in order.
  Status ReplaySpilledManifest(const std::function<Status(ByteSpan)>& consume);
  // Adds a file's line to the manifest's list (memory, then the spill file).
  Status RecordInManifest(const ManifestFile& file);
  // Checksums, encodes, reports and paces one block of the current file.
  Status Consume(ByteSpan block, FileChecksum* checksum);

  StreamOptions options_;
  std::unique_ptr<ByteSink> compressor_;  // null without compression
  std::unique_ptr<ArchiveWriter> writer_;
  AlignedBuffer buffer_;                   // buffered reads
  DirectoryCache directories_;             // files are opened relative to their directory
  std::unique_ptr<ReadAhead> read_ahead_;  // direct reads (direct mode only)
  // The file HintNextFile announced, opened (and its reads queued) early.
  std::string hint_path_;
  GrowthPolicy hint_growth_ = GrowthPolicy::kFail;
  std::unique_ptr<FileReader> prefetched_;
  size_t block_size_ = 0;  // bytes per read
  std::unique_ptr<Throttle> throttle_;
  StreamStats stats_;
  // The manifest's file lines: buffered here, spilled to manifest_spill_.
  std::string manifest_lines_;
  UniqueFd manifest_spill_;
  uint64_t manifest_spilled_ = 0;
  uint64_t manifest_entries_ = 0;
  bool failed_ = false;
};

}  // namespace hotbackup

#endif  // HOTBACKUP_ARCHIVE_ARCHIVE_STREAM_H_
