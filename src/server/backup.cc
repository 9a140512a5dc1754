// The backup driver: connection, rounds of checkpoints, misc files, and the
// summary. Ownership makes cleanup automatic: the Checkpoint removes its
// directory and the OutputFile its partial file on every path out.
#include "hotbackup/server/backup.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <map>
#include <vector>

#include "hotbackup/archive/archive_stream.h"
#include "hotbackup/io/file_io.h"
#include "hotbackup/io/output_file.h"
#include "hotbackup/server/checkpoint.h"
#include "hotbackup/server/client_config.h"
#include "hotbackup/server/misc_files.h"
#include "hotbackup/server/mysql_connection.h"
#include "hotbackup/server/rocksdb_files.h"
#include "hotbackup/util/interrupt.h"
#include "hotbackup/util/log.h"
#include "hotbackup/util/progress.h"

namespace hotbackup {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr double kGiB = 1024.0 * 1024.0 * 1024.0;


struct CheckpointListing {
  std::map<std::string, uint64_t> ssts;  // name -> size, sorted by name
  std::vector<std::string> wal;
  std::vector<std::string> manifest;
};

Status ListCheckpoint(const std::string& dir, CheckpointListing* listing) {
  std::error_code ec;
  for (const fs::directory_entry& e : fs::directory_iterator(dir, ec)) {
    std::string name = e.path().filename().string();
    if (IsSstFileName(name)) {
      uint64_t size = e.file_size(ec);
      if (ec) return Status::IOError("stat " + e.path().string(), ec.value());
      listing->ssts[name] = size;
    } else if (IsMetadataFileName(name)) {
      listing->manifest.push_back(name);
    } else if (IsWalFileName(name)) {
      listing->wal.push_back(name);
    }
  }
  if (ec) return Status::IOError("list checkpoint " + dir, ec.value());
  std::sort(listing->wal.begin(), listing->wal.end());
  std::sort(listing->manifest.begin(), listing->manifest.end());
  return Status::OK();
}

// Resolves a server path setting that may be relative to the datadir.
std::string ResolveAgainst(const std::string& datadir, const std::string& path) {
  if (path.empty() || path[0] == '/') return path;
  std::string rel = path.starts_with("./") ? path.substr(2) : path;
  return datadir + "/" + rel;
}

class BackupRun {
 public:
  explicit BackupRun(const Options& options)
      : options_(options), progress_(isatty(STDERR_FILENO) == 1) {}

  Status Run() {
    start_time_ = time(nullptr);
    start_ = Clock::now();
    HB_LOG_INFO("Starting backup.");
    HOTBACKUP_RETURN_IF_ERROR(ResolveConnectionConfig(options_, &connection_config_));
    // The output first: a terminal or an unwritable file is refused before
    // the server is asked for anything.
    if (options_.output.empty()) {
      HOTBACKUP_RETURN_IF_ERROR(OutputFile::OpenStdout(&output_));
    } else {
      HOTBACKUP_RETURN_IF_ERROR(OutputFile::Create(options_.output, &output_));
    }
    HOTBACKUP_RETURN_IF_ERROR(Connect());
    HOTBACKUP_RETURN_IF_ERROR(InspectServer());
    HOTBACKUP_RETURN_IF_ERROR(OpenStream());
    HOTBACKUP_RETURN_IF_ERROR(PrepareCheckpointRoot(options_.checkpoint_dir));

    bool finished = false;
    for (int round = 1; !finished; ++round) {
      rounds_ = round;
      HOTBACKUP_RETURN_IF_ERROR(RunRound(round, &finished));
    }
    progress_.Clear();
    HB_LOG_INFO("Sent %6.2f GB of sst files, %zu files in total.",
                static_cast<double>(sst_bytes_sent_) / kGiB, sent_ssts_.size());
    HB_LOG_INFO("RocksDB Backup Done.");

    HOTBACKUP_RETURN_IF_ERROR(WaitForDebugSignalFile());
    HOTBACKUP_RETURN_IF_ERROR(BackupMiscFiles());
    HOTBACKUP_RETURN_IF_ERROR(stream_->AddManifest(MakeManifest()));
    HOTBACKUP_RETURN_IF_ERROR(stream_->Finish());
    LogSummary();
    HB_LOG_INFO("All Backups Done.");
    return Status::OK();
  }

 private:
  Status Connect() { return connection_.Connect(connection_config_); }

  Status InspectServer() {
    HB_LOG_INFO("Connected to MySQL %s at %s", connection_.server_version().c_str(),
                connection_config_.Describe().c_str());
    std::optional<std::string> value;
    datadir_ = options_.datadir;
    if (datadir_.empty()) {
      HOTBACKUP_RETURN_IF_ERROR(connection_.QueryValue("SELECT @@datadir", &value));
      datadir_ = value.value_or("");
      HB_LOG_INFO("Set datadir: %s", datadir_.c_str());
    }
    datadir_ = StripTrailingSlashes(datadir_);
    if (datadir_.empty()) return Status::InvalidArgument("the server reported no datadir");

    Status s = connection_.QueryValue("SELECT @@global.rocksdb_datadir", &value);
    if (!s.ok()) {
      return Status::Server("the server has no MyRocks (SELECT @@global.rocksdb_datadir failed); "
                            "is the RocksDB plugin loaded?");
    }
    rocksdb_datadir_ = StripTrailingSlashes(ResolveAgainst(datadir_, value.value_or("")));

    bool server_direct = false;
    HOTBACKUP_RETURN_IF_ERROR(
        connection_.QueryValue("SELECT @@global.rocksdb_use_direct_reads", &value));
    server_direct = value && *value != "0" && *value != "OFF";
    direct_ = options_.direct_io == DirectIo::kOn ||
              (options_.direct_io == DirectIo::kAuto && server_direct);
    HB_LOG_INFO("Direct I/O: %d", direct_ ? 1 : 0);
    return Status::OK();
  }

  Status OpenStream() {
    StreamOptions so;
    so.format = options_.stream == StreamKind::kXbstream ? ArchiveFormat::kXbstream
                                                         : ArchiveFormat::kTar;
    so.compression = options_.compression;
    so.zstd = {options_.compress_level, options_.compress_threads};
    so.read_mode = direct_ ? ReadMode::kDirect : ReadMode::kBuffered;
    if (options_.avg_mbytes_per_sec_given) {
      so.max_bytes_per_second = static_cast<uint64_t>(options_.avg_mbytes_per_sec) << 20;
    }
    so.on_progress = [this](uint64_t bytes) {
      if (sending_sst_) progress_.AddSent(bytes);
    };
    return ArchiveStream::Open(so, output_.get(), &stream_);
  }

  Status RunRound(int round, bool* finished) {
    // A fresh connection per round, as the original: a long round must not
    // meet a server-side idle timeout.
    if (round > 1) HOTBACKUP_RETURN_IF_ERROR(Connect());
    std::string path = StripTrailingSlashes(options_.checkpoint_dir) + "/" + std::to_string(round);
    Checkpoint checkpoint;
    progress_.Clear();
    HB_LOG_INFO("Creating checkpoint at %s", path.c_str());
    HOTBACKUP_RETURN_IF_ERROR(checkpoint.Create(&connection_, path));
    HB_LOG_INFO("Created checkpoint at %s", path.c_str());

    CheckpointListing listing;
    HOTBACKUP_RETURN_IF_ERROR(ListCheckpoint(path, &listing));
    std::vector<std::pair<std::string, uint64_t>> targets;
    uint64_t target_bytes = 0;
    for (const auto& [name, size] : listing.ssts) {
      auto sent = sent_ssts_.find(name);
      if (sent != sent_ssts_.end() && sent->second == size) continue;
      targets.emplace_back(name, size);
      target_bytes += size;
    }
    progress_.SetTarget(sst_bytes_sent_ + target_bytes);
    HB_LOG_INFO("Starting backup from snapshot: target files %zu", targets.size());
    // Renewing the checkpoint only helps while it makes progress. Under heavy
    // writes, compaction can rewrite SSTs faster than they are sent, and the
    // original then renewed forever. A round that starts with no less to send
    // than the one before runs to completion, so the backup always ends.
    const bool may_renew = target_bytes < remaining_at_last_round_start_;
    remaining_at_last_round_start_ = target_bytes;
    if (!may_renew) {
      HB_LOG_INFO("Round %d has no less to send than the one before (%.2f GB); finishing it "
                  "without renewing the checkpoint",
                  round, static_cast<double>(target_bytes) / kGiB);
    }

    Clock::time_point round_start = Clock::now();
    size_t sent_this_round = 0;
    for (size_t i = 0; i < targets.size(); ++i) {
      const std::string& name = targets[i].first;
      const uint64_t size = targets[i].second;
      // With O_DIRECT the next file's first blocks are read while this one ends.
      const std::string next = i + 1 < targets.size() ? targets[i + 1].first
                                : !listing.wal.empty() ? listing.wal.front()
                                                       : std::string();
      if (!next.empty()) stream_->HintNextFile(path + "/" + next);
      sending_sst_ = true;
      HOTBACKUP_RETURN_IF_ERROR(SendAndUnlink(path, name));
      sending_sst_ = false;
      sent_ssts_[name] = size;
      sst_bytes_sent_ += size;
      ++sent_this_round;
      double elapsed = std::chrono::duration<double>(Clock::now() - round_start).count();
      if (may_renew && elapsed > options_.interval_seconds && sent_this_round < targets.size()) {
        progress_.Clear();
        HB_LOG_INFO("Snapshot round finished. Elapsed Time: %5.2f.  Remaining sst files: %zu",
                    elapsed, targets.size() - sent_this_round);
        return checkpoint.Remove();
      }
    }

    progress_.Clear();
    HB_LOG_INFO("Backup WAL..");
    for (size_t i = 0; i < listing.wal.size(); ++i) {
      if (i + 1 < listing.wal.size()) stream_->HintNextFile(path + "/" + listing.wal[i + 1]);
      HOTBACKUP_RETURN_IF_ERROR(SendAndUnlink(path, listing.wal[i]));
    }
    HB_LOG_INFO("Backup Manifest..");
    for (const std::string& name : listing.manifest) {
      HOTBACKUP_RETURN_IF_ERROR(SendAndUnlink(path, name));
    }
    *finished = true;
    return checkpoint.Remove();
  }

  // Streams a checkpoint file to the archive root, then drops our link so
  // the server's compactions can free the space.
  Status SendAndUnlink(const std::string& dir, const std::string& name) {
    std::string path = dir + "/" + name;
    HOTBACKUP_RETURN_IF_ERROR(stream_->AddFile(path, name));
    if (unlink(path.c_str()) != 0) return Status::IOError("remove " + path, errno);
    return Status::OK();
  }

  Status WaitForDebugSignalFile() {
    if (options_.debug_signal_file.empty()) return Status::OK();
    while (access(options_.debug_signal_file.c_str(), F_OK) != 0) {
      HB_LOG_INFO("Waiting until %s is created..", options_.debug_signal_file.c_str());
      HOTBACKUP_RETURN_IF_ERROR(InterruptibleSleep(1.0));
    }
    return Status::OK();
  }

  Status BackupMiscFiles() {
    MiscFileScan scan;
    scan.datadir = datadir_;
    scan.skip_directories = {".rocksdb", "#rocksdb"};
    for (const std::string& dir : {rocksdb_datadir_, StripTrailingSlashes(options_.checkpoint_dir)}) {
      fs::path p(dir);
      std::error_code ec;
      if (fs::equivalent(p.parent_path(), datadir_, ec)) {
        scan.skip_directories.insert(p.filename().string());
      }
    }
    scan.frm_not_after = options_.skip_check_frm_timestamp ? 0 : start_time_;
    HB_LOG_INFO("Taking MySQL misc backups..");
    std::vector<MiscFile> files;
    HOTBACKUP_RETURN_IF_ERROR(ListMiscFiles(scan, &files));
    for (const MiscFile& f : files) {
      const std::string path = datadir_ + "/" + f.relative_path;
      Status s = stream_->AddFile(path, f.relative_path,
                                  f.top_level ? GrowthPolicy::kReadSizeAtOpen : GrowthPolicy::kFail);
      // Skipped only if the file is really gone (not for another ENOENT).
      if (s.code() == Status::Code::kIoError && s.errno_value() == ENOENT && f.top_level &&
          access(path.c_str(), F_OK) != 0 && errno == ENOENT) {
        HB_LOG_WARN("%s vanished before it could be copied; skipped", f.relative_path.c_str());
        continue;
      }
      HOTBACKUP_RETURN_IF_ERROR(s);
      ++misc_files_;
    }
    HB_LOG_INFO("MySQL misc backups done.");
    return Status::OK();
  }

  Manifest MakeManifest() const {
    Manifest m;
    m.tool_version = HOTBACKUP_VERSION;
    m.server_version = connection_.server_version();
    m.stream = options_.stream == StreamKind::kXbstream ? "xbstream" : "tar";
    m.rounds = rounds_;
    m.start_time = FormatUtcTime(start_time_);
    m.end_time = FormatUtcTime(time(nullptr));
    return m;
  }

  void LogSummary() {
    double seconds = std::chrono::duration<double>(Clock::now() - start_).count();
    const StreamStats& st = stream_->stats();
    HB_LOG_INFO(
        "Backup summary: %d round%s, %llu files (%zu SST, %zu misc), %.2f GB read, %.2f GB "
        "written, %.1f s, %.1f MB/s",
        rounds_, rounds_ == 1 ? "" : "s", static_cast<unsigned long long>(st.files),
        sent_ssts_.size(), misc_files_, static_cast<double>(st.file_bytes) / kGiB,
        static_cast<double>(output_->bytes_written()) / kGiB, seconds,
        seconds > 0 ? static_cast<double>(st.file_bytes) / seconds / (1 << 20) : 0.0);
  }

  const Options& options_;
  ConnectionConfig connection_config_;
  MysqlConnection connection_;
  std::unique_ptr<OutputFile> output_;
  std::unique_ptr<ArchiveStream> stream_;
  ProgressReporter progress_;
  std::string datadir_;
  std::string rocksdb_datadir_;
  bool direct_ = false;
  bool sending_sst_ = false;
  time_t start_time_ = 0;
  Clock::time_point start_;
  int rounds_ = 0;
  std::map<std::string, uint64_t> sent_ssts_;  // across rounds: name -> size
  uint64_t sst_bytes_sent_ = 0;
  uint64_t remaining_at_last_round_start_ = UINT64_MAX;
  size_t misc_files_ = 0;
};

}  // namespace

Status RunBackup(const Options& options) {
  BackupRun run(options);
  return run.Run();
}

}  // namespace hotbackup
