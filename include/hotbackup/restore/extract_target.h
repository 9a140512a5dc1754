// ExtractTarget: where the entries of an archive being read back land, the
// EntrySink (archive/entry_sink.h) that --extract and --verify give the
// readers.
//
// With a directory, files are written under a temporary sibling
// "<dir>.extracting-XXXXXX" (locked with flock while in use; one a killed
// run left is removed by the next Open for the same <dir>, one in use makes
// it fail) and the whole tree is renamed onto <dir> only by a successful
// Commit, after every file has matched the archive's manifest
// and the filesystem has been synced. Without one (--verify), nothing is
// written: the bytes are only counted and hashed. Destroyed without a
// successful Commit, the target removes everything it wrote: a damaged
// archive never leaves files that look like a complete backup.
//
// Files of a megabyte or more are written with O_DIRECT where the file system
// takes it (DirectFileWriter). A file gets the archive's mode only through
// RestoredFileMode, directories kRestoredDirectoryMode (restored_attributes.h):
// no archive sets a setuid bit or a group- or world-writable file. Paths
// (entries and the manifest's) must pass ValidateArchivePath (archive_path.h);
// directories are created with mkdirat and files with O_EXCL | O_NOFOLLOW
// below a directory the target made itself, so no entry can write outside
// it. Not thread-safe.
#ifndef HOTBACKUP_RESTORE_EXTRACT_TARGET_H_
#define HOTBACKUP_RESTORE_EXTRACT_TARGET_H_

#include <sys/types.h>

#include <ctime>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "hotbackup/archive/checksum.h"
#include "hotbackup/archive/entry_sink.h"
#include "hotbackup/archive/manifest.h"
#include "hotbackup/io/byte_sink.h"
#include "hotbackup/io/direct_file_writer.h"
#include "hotbackup/io/unique_fd.h"
#include "hotbackup/restore/incremental_restore.h"
#include "hotbackup/util/status.h"

namespace hotbackup {

inline constexpr char kExtractingInfix[] = ".extracting-";

struct ExtractStats {
  uint64_t files = 0;  // including the manifest
  uint64_t bytes = 0;
};

// Logs the INFO line that ends a successful --extract or --verify:
// "<verb> N files (X GB) in S s: every file matches the manifest of the
// backup of MySQL <version> taken <time> (R rounds)".
void LogManifestMatch(const char* verb, const ExtractStats& stats, double seconds,
                      const Manifest& manifest);
// A warning naming the tables a partial backup holds without their rows
// (Manifest::left_out); nothing for a complete backup.
void LogLeftOutTables(const Manifest& manifest);

class ExtractTarget final : public EntrySink {
 public:
  ExtractTarget() = default;
  ~ExtractTarget() override;
  ExtractTarget(const ExtractTarget&) = delete;
  ExtractTarget& operator=(const ExtractTarget&) = delete;

  // `dir` must be absent or an empty directory; "" = verify only.
  Status Open(const std::string& dir);

  // A file entry begins. Interleaving files (XBSTREAM allows it) is fine;
  // a path that was already seen is kCorruption.
  Status BeginFile(const std::string& path, mode_t permissions, timespec mtime) override;
  Status Write(const std::string& path, ByteSpan data) override;
  Status EndFile(const std::string& path) override;
  Status MakeDirectory(const std::string& path) override;

  // Checks every file against the manifest (which must be present and list
  // exactly the files seen, with their sizes and checksums, besides an
  // incremental backup's files marked "in" an earlier backup). Those are
  // taken from `incremental_base_dir` (incremental_restore.h), which an
  // incremental archive needs to be extracted and a full one refuses; in
  // verify-only mode they are checked there if it is given. Then makes the
  // tree durable and puts it in place.
  Status Commit(Manifest* manifest, const std::string& incremental_base_dir = "");

  const ExtractStats& stats() const { return stats_; }
  // Files taken from the base by Commit.
  const BaseFileStats& base_stats() const { return base_stats_; }

 private:
  struct OpenFile {
    UniqueFd fd;
    FileChecksum checksum;
    uint64_t size = 0;
    mode_t permissions = 0;
    timespec mtime{};
  };
  // A file read to its end. Kept compact (its path in done_paths_), since
  // an archive may hold hundreds of thousands.
  struct DoneFile {
    uint64_t size;
    uint64_t checksum;
    uint64_t path_offset;
    uint32_t path_size;
    bool listed;  // matched by a manifest entry
  };

  void RemoveTemporaryTree();
  // Removes "<dir>.extracting-XXXXXX" trees no live extraction holds (a
  // killed run's); refuses when one is held.
  Status RemoveStaleTemporaryTrees();
  Status TakeBaseFiles(const Manifest& manifest, const std::string& base_dir);
  std::string_view DonePath(size_t index) const;
  // The index in done_ of `path`, or -1.
  int64_t FindDone(std::string_view path) const;
  // Checks one manifest entry against the files read; `next` is where the
  // entry is expected (the manifest lists files in archive order).
  Status MatchListed(ManifestFile&& file, size_t* next, std::vector<ManifestFile>* from_base);

  std::string final_dir_;
  std::string temp_dir_;  // empty in verify-only mode or after Commit
  UniqueFd root_;
  std::map<std::string, OpenFile> open_;
  // Writes the file that starts while it is free (every file, unless
  // XBSTREAM interleaves them): with O_DIRECT from a file's first megabyte
  // on, so that a restore does not go through the page cache. Destroyed
  // before open_'s files are closed (RemoveTemporaryTree): its thread may
  // be writing to one.
  std::unique_ptr<DirectFileWriter> writer_;
  std::string writer_path_;  // the file it is writing, or ""
  std::vector<DoneFile> done_;  // in the order they ended, the manifest aside
  std::string done_paths_;
  std::unordered_multimap<uint64_t, uint32_t> done_by_hash_;  // path's XXH3 -> index
  UniqueFd manifest_spill_;  // the manifest's bytes, for ParseManifestFile
  bool manifest_seen_ = false;
  ExtractStats stats_;
  BaseFileStats base_stats_;
};

}  // namespace hotbackup

#endif  // HOTBACKUP_RESTORE_EXTRACT_TARGET_H_
