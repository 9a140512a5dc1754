// The backup driver: connection, rounds of checkpoints, misc files, and the
// summary. Ownership makes cleanup automatic: the Checkpoint removes its
// directory, the BackupStage ends the server's backup stage and the
// OutputFile removes its partial file on every path out.
//
// The rounds send SSTs from checkpoints that take no lock (SSTs are
// immutable; none of those moments is restored). Once they are all sent, a
// last checkpoint is made with the server's files and the binlog
// coordinates at one moment (ServerSession::CheckpointWithServerFiles):
// table definitions staged while DDL is blocked, the system tables while
// commits are blocked too. They, its few new SSTs, WAL and MANIFEST are sent
// after.
#include "hotbackup/server/backup.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <functional>
#include <iterator>
#include <set>
#include <map>
#include <vector>

#include "hotbackup/archive/archive_stream.h"
#include "hotbackup/encrypt/age_stream.h"
#include "hotbackup/io/file_copy.h"
#include "hotbackup/io/file_io.h"
#include "hotbackup/server/binlog_position.h"
#include "hotbackup/server/checkpoint.h"
#include "hotbackup/server/incremental_base.h"
#include "hotbackup/server/misc_files.h"
#include "hotbackup/server/rocksdb_files.h"
#include "hotbackup/server/server_session.h"
#include "hotbackup/server/sst_properties.h"
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

class BackupRun {
 public:
  BackupRun(const BackupConfig& config, const BackupOutputs& outputs)
      : config_(config),
        outputs_(outputs),
        server_(config.session),
        base_(config.base),
        progress_(isatty(STDERR_FILENO) == 1) {}

  Status Run() {
    start_time_ = time(nullptr);
    start_ = Clock::now();
    backup_id_ = NewBackupId();
    HB_LOG_INFO("Starting backup.");
    if (base_) {
      HB_LOG_INFO("Incremental backup on top of backup %s taken %s (%zu SST files)",
                  base_->manifest().backup_id.c_str(), base_->manifest().start_time.c_str(),
                  base_->sst_count());
    }
    counted_output_ = std::make_unique<CountingSink>(outputs_.archive);
    HOTBACKUP_RETURN_IF_ERROR(server_.Open());
    Status db_id = server_.ReadDbId(&db_id_);
    if (!db_id.ok()) {
      if (base_) return db_id;
      HB_LOG_WARN("%s; the manifest records no DB id", db_id.message().c_str());
    }
    direct_ = config_.read_mode ? *config_.read_mode == ReadMode::kDirect
                                 : server_.server_direct_reads();
    HB_LOG_INFO("Direct I/O: %d", direct_ ? 1 : 0);
    HOTBACKUP_RETURN_IF_ERROR(OpenStream());
    HOTBACKUP_RETURN_IF_ERROR(checkpoint_root_.Prepare(config_.session.checkpoint_dir));
    HOTBACKUP_RETURN_IF_ERROR(server_.BeginBackup());

    bool finished = false;
    for (int round = 1; !finished; ++round) {
      rounds_ = round;
      HOTBACKUP_RETURN_IF_ERROR(RunRound(round, &finished));
    }
    HOTBACKUP_RETURN_IF_ERROR(WaitForDebugSignalFile());
    ++rounds_;
    HOTBACKUP_RETURN_IF_ERROR(RunLastRound(rounds_));
    progress_.Clear();
    HB_LOG_INFO("Sent %6.2f GB of sst files, %zu files in total.",
                static_cast<double>(sst_bytes_sent_) / kGiB, sent_ssts_.size());
    HB_LOG_INFO("RocksDB Backup Done.");

    HOTBACKUP_RETURN_IF_ERROR(CopyMiscFiles(CopyMoment::kAfter, server_.datadir()));
    HB_LOG_INFO("MySQL misc backups done.");
    HOTBACKUP_RETURN_IF_ERROR(server_.CheckDictionaryUnchanged());
    HOTBACKUP_RETURN_IF_ERROR(AddPositionFiles());
    HOTBACKUP_RETURN_IF_ERROR(stream_->AddManifest(MakeManifest(), outputs_.manifest_copy));
    HOTBACKUP_RETURN_IF_ERROR(stream_->Finish());
    server_.FinishTableCacheReload();
    if (outputs_.manifest_copy) {
      // Only a complete backup's manifest may become the next one's base.
      HOTBACKUP_RETURN_IF_ERROR(outputs_.manifest_copy->Finish().WithContext("--save_manifest"));
      HB_LOG_INFO("Saved the manifest as %s", outputs_.manifest_copy_name.c_str());
    }
    LogSummary();
    HB_LOG_INFO("All Backups Done.");
    return Status::OK();
  }

 private:
  Status OpenStream() {
    StreamOptions so = config_.stream;
    so.read_mode = direct_ ? ReadMode::kDirect : ReadMode::kBuffered;
    so.on_progress = [this](uint64_t bytes) {
      if (sending_sst_) progress_.AddSent(bytes);
    };
    // Encryption is the last transform: what leaves is an age file.
    ByteSink* output = counted_output_.get();
    if (const std::optional<AgeEncryptTo>& encryption = config_.encryption; encryption) {
      HOTBACKUP_RETURN_IF_ERROR(
          NewAgeEncryptSink(*encryption, config_.encrypt_threads, output, &encryptor_));
      output = encryptor_.get();
      HB_LOG_INFO("Encrypting the stream (age) to %s",
                  encryption->passphrase
                      ? "a passphrase"
                      : (std::to_string(encryption->recipients.size()) + " recipient" +
                         (encryption->recipients.size() == 1 ? "" : "s")).c_str());
    }
    return ArchiveStream::Open(so, output, &stream_);
  }

  Status RunRound(int round, bool* finished) {
    // A fresh connection per round, as the original: a long round must not
    // meet a server-side idle timeout.
    if (round > 1) HOTBACKUP_RETURN_IF_ERROR(server_.Connect());
    std::string round_name;
    HOTBACKUP_RETURN_IF_ERROR(checkpoint_root_.NewRoundName(round, &round_name));
    Checkpoint checkpoint(&checkpoint_root_, round_name);
    progress_.Clear();
    HOTBACKUP_RETURN_IF_ERROR(server_.SstCheckpoint(&checkpoint));
    const std::string path = checkpoint.path();

    CheckpointListing listing;
    HOTBACKUP_RETURN_IF_ERROR(ListCheckpoint(path, &listing));
    std::vector<std::pair<std::string, uint64_t>> targets;
    uint64_t target_bytes = 0;
    HOTBACKUP_RETURN_IF_ERROR(SelectSsts(path, listing, [&](const std::string& name, uint64_t size) {
      targets.emplace_back(name, size);
      target_bytes += size;
    }));
    if (round == 1) HOTBACKUP_RETURN_IF_ERROR(CheckBaseLineage(listing));
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
      HOTBACKUP_RETURN_IF_ERROR(SendAndUnlink(path, name, sst_info_[name].key));
      sending_sst_ = false;
      sent_ssts_[name] = size;
      sst_bytes_sent_ += size;
      ++sent_this_round;
      double elapsed = std::chrono::duration<double>(Clock::now() - round_start).count();
      if (may_renew && elapsed > config_.interval_seconds && sent_this_round < targets.size()) {
        progress_.Clear();
        HB_LOG_INFO("Snapshot round finished. Elapsed Time: %5.2f.  Remaining sst files: %zu",
                    elapsed, targets.size() - sent_this_round);
        return checkpoint.Remove();
      }
    }

    *finished = true;
    return checkpoint.Remove();
  }

  // The checkpoint the backup restores. Just before it, with DDL blocked,
  // the table definitions are listed and copied to a staging directory; with
  // it, commits blocked too, the mysql schema and Aria's logs. Everything is
  // archived once the server runs freely again: the staged files, then the
  // checkpoint's SSTs not sent yet (memtable flushes and compactions since
  // the last round), its WAL and its MANIFEST/CURRENT/OPTIONS.
  Status RunLastRound(int round) {
    HOTBACKUP_RETURN_IF_ERROR(server_.Connect());
    std::string round_name;
    HOTBACKUP_RETURN_IF_ERROR(checkpoint_root_.NewRoundName(round, &round_name));
    Checkpoint checkpoint(&checkpoint_root_, round_name);
    progress_.Clear();
    StagingDirectory staging;
    HOTBACKUP_RETURN_IF_ERROR(staging.Create(checkpoint_root_, round_name));
    const std::string stage = staging.path();
    HOTBACKUP_RETURN_IF_ERROR(server_.CheckpointWithServerFiles(
        round, &checkpoint, stage, config_.session.skip_check_frm_timestamp ? 0 : start_time_));
    const std::string path = checkpoint.path();
    HB_LOG_INFO("Staged %.2f MB of table definitions and system tables with the checkpoint",
                static_cast<double>(server_.staged_bytes()) / (1 << 20));
    HOTBACKUP_RETURN_IF_ERROR(CopyMiscFiles(CopyMoment::kDdlBlocked, stage));
    HOTBACKUP_RETURN_IF_ERROR(CopyMiscFiles(CopyMoment::kWritesBlocked, stage));
    HOTBACKUP_RETURN_IF_ERROR(CopyMiscFiles(CopyMoment::kCommitsBlocked, stage));
    HOTBACKUP_RETURN_IF_ERROR(staging.Remove());

    CheckpointListing listing;
    HOTBACKUP_RETURN_IF_ERROR(ListCheckpoint(path, &listing));
    std::vector<std::string> targets;
    uint64_t target_bytes = 0;
    HOTBACKUP_RETURN_IF_ERROR(SelectSsts(path, listing, [&](const std::string& name, uint64_t size) {
      targets.push_back(name);
      target_bytes += size;
    }));
    progress_.SetTarget(sst_bytes_sent_ + target_bytes);
    HB_LOG_INFO("Last round: SST files new since the previous checkpoint: %zu", targets.size());
    for (size_t i = 0; i < targets.size(); ++i) {
      const std::string next = i + 1 < targets.size() ? targets[i + 1]
                               : !listing.wal.empty() ? listing.wal.front()
                                                      : std::string();
      if (!next.empty()) stream_->HintNextFile(path + "/" + next);
      sending_sst_ = true;
      HOTBACKUP_RETURN_IF_ERROR(SendAndUnlink(path, targets[i], sst_info_[targets[i]].key));
      sending_sst_ = false;
      sent_ssts_[targets[i]] = listing.ssts[targets[i]];
      sst_bytes_sent_ += listing.ssts[targets[i]];
    }
    progress_.Clear();
    HOTBACKUP_RETURN_IF_ERROR(ListSstsFromBase(listing));
    HB_LOG_INFO("Backup WAL..");
    for (size_t i = 0; i < listing.wal.size(); ++i) {
      if (i + 1 < listing.wal.size()) stream_->HintNextFile(path + "/" + listing.wal[i + 1]);
      HOTBACKUP_RETURN_IF_ERROR(SendAndUnlink(path, listing.wal[i]));
    }
    HB_LOG_INFO("Backup Manifest..");
    for (const std::string& name : listing.manifest) {
      HOTBACKUP_RETURN_IF_ERROR(SendAndUnlink(path, name));
    }
    return checkpoint.Remove();
  }

  // mariabackup's position files at the archive root, from the last
  // checkpoint's coordinates. Not written without commit blocks: a position
  // that does not match the data would silently seed a diverging replica.
  Status AddPositionFiles() {
    const BinlogPosition& position = server_.position();
    if (!position.consistent) return Status::OK();
    if (position.log_bin) {
      HOTBACKUP_RETURN_IF_ERROR(stream_->AddContents(kBinlogInfoPath, FormatBinlogInfo(position)));
    }
    if (config_.session.slave_info) {
      if (!position.source) {
        HB_LOG_WARN("--slave_info: the server is not a replica; no %s written", kSlaveInfoPath);
      } else {
        HOTBACKUP_RETURN_IF_ERROR(
            stream_->AddContents(kSlaveInfoPath, FormatSlaveInfo(*position.source)));
      }
    }
    return Status::OK();
  }

  // Calls `send` for each SST of the checkpoint at `dir` that must be sent:
  // neither sent by an earlier round (same name and size) nor held by the
  // incremental base. Reads the identity of each SST not seen before.
  Status SelectSsts(const std::string& dir, const CheckpointListing& listing,
                    const std::function<void(const std::string&, uint64_t)>& send) {
    for (const auto& [name, size] : listing.ssts) {
      auto sent = sent_ssts_.find(name);
      if (sent != sent_ssts_.end() && sent->second == size) continue;
      auto known = sst_info_.find(name);
      if (known == sst_info_.end() || known->second.size != size) {
        SstInfo info;
        info.size = size;
        HOTBACKUP_RETURN_IF_ERROR(ReadSstKey(dir + "/" + name, &info.key, &info.db_id));
        if (base_) info.in_base = base_->Find(name, size, info.key);
        known = sst_info_.insert_or_assign(name, std::move(info)).first;
      }
      if (known->second.in_base == nullptr) send(name, size);
    }
    return Status::OK();
  }

  // Refuses an --incremental_base from another RocksDB instance, once the
  // first checkpoint's SSTs are known.
  Status CheckBaseLineage(const CheckpointListing& listing) const {
    if (!base_) return Status::OK();
    std::set<std::string> sst_db_ids;
    for (const auto& entry : listing.ssts) {
      auto it = sst_info_.find(entry.first);
      if (it != sst_info_.end() && !it->second.db_id.empty()) sst_db_ids.insert(it->second.db_id);
    }
    return base_->CheckSameLineage(db_id_, sst_db_ids);
  }

  // Lists in the manifest the last checkpoint's SSTs that the incremental
  // base holds: with the files sent, the restored state.
  Status ListSstsFromBase(const CheckpointListing& listing) {
    for (const auto& [name, size] : listing.ssts) {
      if (sent_ssts_.count(name)) continue;
      const ManifestFile* held = sst_info_.at(name).in_base;
      if (held == nullptr) continue;
      HOTBACKUP_RETURN_IF_ERROR(stream_->ListFileFromBase(*held));
      ++base_files_;
      base_bytes_ += size;
    }
    if (base_) {
      HB_LOG_INFO("Incremental: %zu SST files (%.2f GB) are held by earlier backups, not sent",
                  base_files_, static_cast<double>(base_bytes_) / kGiB);
    }
    return Status::OK();
  }

  // Streams a checkpoint file to the archive root, then drops our link so
  // the server's compactions can free the space.
  Status SendAndUnlink(const std::string& dir, const std::string& name,
                       const std::string& sst_key = "") {
    std::string path = dir + "/" + name;
    HOTBACKUP_RETURN_IF_ERROR(stream_->AddFile(path, name, GrowthPolicy::kFail, sst_key));
    if (unlink(path.c_str()) != 0) return Status::IOError("remove " + path, errno);
    return Status::OK();
  }

  Status WaitForDebugSignalFile() {
    if (config_.debug_signal_file.empty()) return Status::OK();
    while (access(config_.debug_signal_file.c_str(), F_OK) != 0) {
      HB_LOG_INFO("Waiting until %s is created..", config_.debug_signal_file.c_str());
      HOTBACKUP_RETURN_IF_ERROR(InterruptibleSleep(1.0));
    }
    return Status::OK();
  }

  // Archives the misc files of one moment: staged ones from `root`, the
  // others (kAfter) from the datadir.
  Status CopyMiscFiles(CopyMoment moment, const std::string& root) {
    const bool replace_gtid_table = !server_.gtid_slave_pos().files().empty();
    if (moment == CopyMoment::kCommitsBlocked && replace_gtid_table) {
      for (const GtidSlavePosTable::File& f : server_.gtid_slave_pos().files()) {
        HOTBACKUP_RETURN_IF_ERROR(stream_->AddFile(f.source_path, f.archive_path));
        ++misc_files_;
      }
    }
    for (const MiscFile& f : server_.misc_files()) {
      if (f.moment != moment) continue;
      if (replace_gtid_table && f.relative_path == kGtidSlavePosFrm) continue;
      UniqueFd held;
      struct stat st;
      if (moment == CopyMoment::kDdlBlocked && server_.definitions() != nullptr &&
          server_.definitions()->TakeOpenFile(f.relative_path, &held, &st)) {
        // The definition as it was while DDL was blocked, whatever DDL did
        // to its name since.
        HOTBACKUP_RETURN_IF_ERROR(stream_->AddOpenedFile(
            std::move(held), st, server_.datadir() + "/" + f.relative_path, f.relative_path));
        ++misc_files_;
        continue;
      }
      const std::string path = root + "/" + f.relative_path;
      // Logs and, without backup locks, tables written meanwhile: as much
      // as there was when opened. A staged copy never changes.
      const bool may_grow = moment == CopyMoment::kAfter && (f.top_level || f.table_data);
      const GrowthPolicy growth = may_grow ? GrowthPolicy::kReadSizeAtOpen : GrowthPolicy::kFail;
      Status s;
      if (moment == CopyMoment::kAfter) {
        // From the datadir: a symbolic link followed only to its owner's file.
        UniqueFd fd;
        s = OpenDatadirFile(path, server_.datadir_owner(), &fd, &st);
        if (s.ok()) s = stream_->AddOpenedFile(std::move(fd), st, path, f.relative_path, growth);
      } else {
        s = stream_->AddFile(path, f.relative_path, growth);
      }
      // Skipped only if the file is really gone (not for another ENOENT).
      if (s.code() == Status::Code::kIoError && s.errno_value() == ENOENT &&
          moment == CopyMoment::kAfter && access(path.c_str(), F_OK) != 0 && errno == ENOENT) {
        HB_LOG_WARN("%s vanished before it could be copied; skipped", f.relative_path.c_str());
        continue;
      }
      HOTBACKUP_RETURN_IF_ERROR(s);
      ++misc_files_;
    }
    return Status::OK();
  }

  Manifest MakeManifest() const {
    Manifest m;
    m.tool_version = HOTBACKUP_VERSION;
    m.server_version = server_.server_version();
    m.stream = config_.stream.format == ArchiveFormat::kXbstream ? "xbstream" : "tar";
    m.rounds = rounds_;
    m.start_time = FormatUtcTime(start_time_);
    m.end_time = FormatUtcTime(time(nullptr));
    m.backup_id = backup_id_;
    m.db_id = db_id_;
    if (base_) m.parent = base_->AsParent();
    m.binlog = server_.position();
    m.left_out = server_.left_out();
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
        static_cast<double>(counted_output_->bytes_written()) / kGiB, seconds,
        seconds > 0 ? static_cast<double>(st.file_bytes) / seconds / (1 << 20) : 0.0);
  }

  // What the backup knows of a checkpoint's SST, by name.
  struct SstInfo {
    uint64_t size = 0;
    std::string key;    // ReadSstKey
    std::string db_id;  // "" for a content key
    const ManifestFile* in_base = nullptr;  // the incremental base's copy, if it holds the file
  };

  const BackupConfig& config_;
  const BackupOutputs& outputs_;
  CheckpointRoot checkpoint_root_;  // outlives every round's checkpoint
  ServerSession server_;
  const IncrementalBase* base_;
  std::string backup_id_;
  std::string db_id_;
  std::map<std::string, SstInfo> sst_info_;
  size_t base_files_ = 0;
  uint64_t base_bytes_ = 0;
  std::unique_ptr<CountingSink> counted_output_;  // outputs_.archive, counted
  std::unique_ptr<ByteSink> encryptor_;  // between the archive stream and output_
  std::unique_ptr<ArchiveStream> stream_;
  ProgressReporter progress_;
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

Status StreamBackup(const BackupConfig& config, const BackupOutputs& outputs) {
  BackupRun run(config, outputs);
  return run.Run();
}

}  // namespace hotbackup
