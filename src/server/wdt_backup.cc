// WDT mode: the original's rounds, its defects fixed.
//
//   round N: a consistent checkpoint <checkpoint_dir>/<N> (commits blocked,
//     as in the stream mode), the server's own files staged into it (the
//     definitions while DDL is blocked, the mysql schema and Aria logs with
//     the checkpoint; other files linked, or copied across filesystems),
//     the position files and our manifest written into it; then the
//     directory is sent by wdt (wdt_round.h), resuming what earlier rounds
//     sent; the checkpoint is removed. A round that wdt completed within
//     --interval ends the backup; otherwise the next round starts once the
//     interval is over.
//
// Before each round the remote directory is rid of what the new round must
// send anew: files of earlier rounds that this checkpoint no longer has, and
// files that changed (by checksum: wdt resumes by size alone, so a rewritten
// .frm or Aria file of the same size would otherwise be kept stale), except
// RocksDB's WAL and MANIFEST when they only grew. So the received directory
// ends up holding exactly the last round's checkpoint, plus wdt's .wdt.log.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>

#include "hotbackup/archive/checksum.h"
#include "hotbackup/archive/manifest.h"
#include "hotbackup/io/file_copy.h"
#include "hotbackup/io/file_io.h"
#include "hotbackup/io/byte_sink.h"
#include "hotbackup/io/unique_fd.h"
#include "hotbackup/server/wdt_backup.h"
#include "hotbackup/server/binlog_position.h"
#include "hotbackup/server/checkpoint.h"
#include "hotbackup/server/rocksdb_files.h"
#include "hotbackup/server/server_session.h"
#include "hotbackup/server/sst_properties.h"
#include "hotbackup/util/child_process.h"
#include "hotbackup/util/interrupt.h"
#include "hotbackup/util/log.h"
#include "hotbackup/util/scratch_directory.h"
#include "hotbackup/util/progress.h"
#include "hotbackup/wdt/shell_words.h"
#include "hotbackup/wdt/wdt_round.h"

namespace hotbackup {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// Rounds in a row that left the destination nothing (or next to nothing)
// more to resume before the backup gives up.
constexpr int kMaxRoundsWithoutProgress = 3;
constexpr uint64_t kMinProgressBytes = 64 * 1024;

struct FileState {
  uint64_t size = 0;
  uint64_t xxh3 = 0;
  std::string sst_key;  // SSTs: ReadSstKey's
};

// Files a later round may keep at the receiver when the name is still there
// with the same or a larger size: RocksDB never rewrites them in place.
bool IsAppendOnly(const std::string& relative_path) {
  if (relative_path.find('/') != std::string::npos) return false;
  return IsSstFileName(relative_path) || IsWalFileName(relative_path) ||
         relative_path.starts_with("MANIFEST-");
}

// Whether the receiver's copy of a file sent (perhaps partly) by the last
// round must go: kept when the file is the same (size and checksum) or, for
// RocksDB's append-only files, has only grown.
// Resuming from wdt's transfer log (block mode), only an unchanged file is
// kept: the log describes the blocks of the file as it was.
bool NeedsResending(const std::string& relative_path, const FileState& before,
                    const FileState& now, WdtResumption resumption) {
  if (now.size == before.size && now.xxh3 == before.xxh3) return false;
  if (resumption == WdtResumption::kTransferLog) return true;
  return !(IsAppendOnly(relative_path) && !IsSstFileName(relative_path) && now.size > before.size);
}

Status ChecksumFile(const std::string& path, uint64_t* size, uint64_t* xxh3) {
  UniqueFd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (!fd.valid()) return Status::IOError("open " + path, errno);
  FileChecksum checksum;
  std::vector<uint8_t> buffer(1 << 20);
  *size = 0;
  for (;;) {
    HOTBACKUP_RETURN_IF_ERROR(CheckInterrupted());  // a whole backup's data passes here
    ssize_t n = read(fd.get(), buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::IOError("read " + path, errno);
    if (n == 0) break;
    checksum.Update(AsBytes(buffer.data(), static_cast<size_t>(n)));
    *size += static_cast<uint64_t>(n);
  }
  *xxh3 = checksum.Digest();
  return Status::OK();
}

Status WriteSmallFile(const std::string& path, const std::string& contents) {
  UniqueFd fd(open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640));
  if (!fd.valid()) return Status::IOError("create " + path, errno);
  return WriteFully(fd.get(), AsBytes(contents.data(), contents.size()), path);
}

// A copy of the datadir file `from` (up to its size when opened) at `to`,
// directories made; a symbolic link followed only to `owner`'s file.
Status CopyInto(const std::string& from, uid_t owner, const std::string& to) {
  std::error_code ec;
  fs::create_directories(fs::path(to).parent_path(), ec);
  if (ec) return Status::IOError("create " + fs::path(to).parent_path().string(), ec.value());
  UniqueFd in;
  struct stat st;
  HOTBACKUP_RETURN_IF_ERROR(OpenDatadirFile(from, owner, &in, &st));
  uint64_t bytes = 0;
  return CopyOpenFile(in.get(), st, from, to, Durability::kNotSynced, &bytes);
}

// Every regular file below `dir`, relative to it.
Status ListTree(const std::string& dir, std::vector<std::string>* files) {
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::end(it);
       it.increment(ec)) {
    // Not fs::relative: it would resolve the pinned "/proc/self/fd/N" prefix.
    if (it->is_regular_file(ec)) files->push_back(it->path().string().substr(dir.size() + 1));
  }
  if (ec) return Status::IOError("list " + dir, ec.value());
  std::sort(files->begin(), files->end());
  return Status::OK();
}

class WdtBackupRun {
 public:
  WdtBackupRun(const WdtBackupConfig& config, ByteSink* manifest_copy)
      : config_(config),
        server_(config.session),
        round_options_(config.round),
        manifest_copy_(manifest_copy) {}

  Status Run() {
    start_time_ = time(nullptr);
    start_ = Clock::now();
    HB_LOG_INFO("Starting backup.");
    if (round_options_.resumption == WdtResumption::kTransferLog) {
      HB_LOG_INFO("WDT: the sender is in block mode (%s in --extra_wdt_sender_options): rounds "
                  "resume from wdt's transfer log at the destination (.wdt.log), block by block, "
                  "instead of from its files' sizes",
                  config_.resumption_reason.c_str());
    }
    HOTBACKUP_RETURN_IF_ERROR(log_dir_.Create("wdt"));
    round_options_.log_dir = log_dir_.path();
    backup_id_ = NewBackupId();
    HOTBACKUP_RETURN_IF_ERROR(server_.Open());
    Status db_id = server_.ReadDbId(&db_id_);
    if (!db_id.ok()) HB_LOG_WARN("%s; the manifest records no DB id", db_id.message().c_str());
    HOTBACKUP_RETURN_IF_ERROR(checkpoint_root_.Prepare(config_.session.checkpoint_dir));
    // wdt sends a directory: the definitions are linked into it.
    server_.HoldDefinitionsAs(DefinitionSnapshot::Hold::kLinks);
    HOTBACKUP_RETURN_IF_ERROR(server_.BeginBackup());
    HB_LOG_INFO("Backing up myrocks to %s:%s using WDT", config_.round.destination.c_str(),
                config_.round.remote_dir.c_str());
    int rounds_without_progress = 0;
    for (int round = 1;; ++round) {
      rounds_ = round;
      const Clock::time_point round_start = Clock::now();
      WdtRoundResult result;
      HOTBACKUP_RETURN_IF_ERROR(RunRound(round, &result));
      if (result.complete()) {
        // What the destination holds now: kept from earlier rounds + this one's.
        total_sent_ = result.previously_sent + result.bytes_sent;
        break;
      }
      // A first round whose sender could not even connect will not do better
      // next time: the receiver's URL names a host not reachable from here.
      if (round == 1 && result.sender_exit == kWdtConnectionError && result.bytes_sent == 0 &&
          result.previously_sent == 0) {
        return Status::Server(
            "the wdt sender could not connect to the receiver on " + config_.round.destination +
            " (its URL names the receiving host as that host calls itself; if that name does "
            "not resolve here, give -hostname in --extra_wdt_receiver_options); the sender "
            "said: " +
            LogTail(log_dir_.path() + "/sender.log"));
      }
      // Progress is what the destination keeps: what this round found there
      // must exceed what the round before found, or that round was lost.
      const bool progress =
          round == 1 || result.previously_sent >= previously_sent_ + kMinProgressBytes;
      previously_sent_ = result.previously_sent;
      rounds_without_progress = progress ? 0 : rounds_without_progress + 1;
      HB_LOG_INFO(
          "Round %d did not complete (sender exit %d, receiver exit %d, %.2f MB sent, "
          "%.2f MB kept from earlier rounds)",
          round, result.sender_exit, result.receiver_exit,
          static_cast<double>(result.bytes_sent) / (1 << 20),
          static_cast<double>(result.previously_sent) / (1 << 20));
      if (rounds_without_progress >= kMaxRoundsWithoutProgress) {
        return Status::Server(
            std::to_string(rounds_without_progress) +
            " WDT rounds in a row left nothing at the destination for the next one to resume; "
            "a round must complete within --interval: raise --interval or "
            "--avg_mbytes_per_sec (the last sender said: " +
            LogTail(log_dir_.path() + "/sender.log") + ")");
      }
      const double elapsed = std::chrono::duration<double>(Clock::now() - round_start).count();
      if (elapsed < config_.interval_seconds) {
        HB_LOG_INFO("Sleeping for %f seconds", config_.interval_seconds - elapsed);
        HOTBACKUP_RETURN_IF_ERROR(InterruptibleSleep(config_.interval_seconds - elapsed));
      }
    }
    HOTBACKUP_RETURN_IF_ERROR(server_.CheckDictionaryUnchanged());
    if (manifest_copy_) {
      HOTBACKUP_RETURN_IF_ERROR(
          manifest_copy_->Write(AsBytes(last_manifest_.data(), last_manifest_.size())));
      HOTBACKUP_RETURN_IF_ERROR(manifest_copy_->Finish().WithContext("--save_manifest"));
      HB_LOG_INFO("Saved the manifest as %s", config_.save_manifest.c_str());
    }
    const double seconds = std::chrono::duration<double>(Clock::now() - start_).count();
    HB_LOG_INFO("Backup summary: %d round%s, %zu files, %.2f GB received, %.1f s, %.1f MB/s",
                rounds_, rounds_ == 1 ? "" : "s", previous_round_.size(),
                static_cast<double>(total_sent_) / (1 << 30), seconds,
                seconds > 0 ? static_cast<double>(total_sent_) / seconds / (1 << 20) : 0.0);
    server_.FinishTableCacheReload();
    HB_LOG_INFO("Finished myrocks backup using WDT");
    HB_LOG_INFO("All Backups Done.");
    return Status::OK();
  }

 private:
  Status RunRound(int round, WdtRoundResult* result) {
    HB_LOG_INFO("Starting backup round %d", round);
    if (round > 1) HOTBACKUP_RETURN_IF_ERROR(server_.Connect());
    round_options_.recovery_id = server_.datadir();
    std::string name;
    HOTBACKUP_RETURN_IF_ERROR(checkpoint_root_.NewRoundName(round, &name));
    Checkpoint checkpoint(&checkpoint_root_, name);
    StagingDirectory staging;
    HOTBACKUP_RETURN_IF_ERROR(staging.Create(checkpoint_root_, name));
    const std::string stage = staging.path();
    HOTBACKUP_RETURN_IF_ERROR(server_.CheckpointWithServerFiles(
        round, &checkpoint, stage, config_.session.skip_check_frm_timestamp ? 0 : start_time_));
    const std::string path = checkpoint.path();
    HOTBACKUP_RETURN_IF_ERROR(FillCheckpoint(path, stage));
    HOTBACKUP_RETURN_IF_ERROR(staging.Remove());

    std::map<std::string, FileState> files;
    HOTBACKUP_RETURN_IF_ERROR(WriteManifest(path, &files));
    const std::string script = PreparationScript(files);
    previous_round_ = files;
    // Progress as in the stream modes, of this round's transfer.
    uint64_t round_bytes = 0;
    for (const auto& [rel, state] : files) round_bytes += state.size;
    ProgressReporter progress(isatty(STDERR_FILENO) == 1);
    progress.SetTarget(round_bytes);
    round_options_.on_progress = [&progress](uint64_t bytes) {
      if (bytes > progress.sent()) progress.AddSent(bytes - progress.sent());
    };
    // The sender reads the directory through our descriptor of it, which it
    // inherits at the same number, as we do (see checkpoint.h).
    round_options_.sender_inherited_fds = {checkpoint.fd()};
    Status sent = RunWdtRound(round_options_, path, script, result);
    progress.Clear();
    round_options_.on_progress = nullptr;
    HOTBACKUP_RETURN_IF_ERROR(sent);
    return checkpoint.Remove();
  }

  // Moves the staged files into the checkpoint, links the others in, and
  // writes the position files.
  Status FillCheckpoint(const std::string& path, const std::string& stage) {
    std::vector<std::string> staged;
    HOTBACKUP_RETURN_IF_ERROR(ListTree(stage, &staged));
    const bool replace_gtid_table = !server_.gtid_slave_pos().files().empty();
    std::error_code ec;
    for (const std::string& rel : staged) {
      if (replace_gtid_table && rel == kGtidSlavePosFrm) continue;
      const std::string to = path + "/" + rel;
      fs::create_directories(fs::path(to).parent_path(), ec);
      if (ec) return Status::IOError("create " + fs::path(to).parent_path().string(), ec.value());
      if (rename((stage + "/" + rel).c_str(), to.c_str()) != 0) {
        return Status::IOError("move " + stage + "/" + rel + " to " + to, errno);
      }
    }
    for (const GtidSlavePosTable::File& f : server_.gtid_slave_pos().files()) {
      uint64_t bytes = 0;
      HOTBACKUP_RETURN_IF_ERROR(
          CopyFile(f.source_path, path + "/" + f.archive_path, Durability::kNotSynced, &bytes));
    }
    for (const MiscFile& f : server_.misc_files()) {
      if (f.moment != CopyMoment::kAfter) continue;
      const std::string from = server_.datadir() + "/" + f.relative_path;
      // Copied, not linked: a log or table written meanwhile must stay what
      // the manifest says until wdt has sent it.
      Status s = CopyInto(from, server_.datadir_owner(), path + "/" + f.relative_path);
      if (s.code() == Status::Code::kIoError && s.errno_value() == ENOENT &&
          access(from.c_str(), F_OK) != 0) {
        HB_LOG_WARN("%s vanished before it could be copied; skipped", f.relative_path.c_str());
        continue;
      }
      HOTBACKUP_RETURN_IF_ERROR(s);
    }
    const BinlogPosition& position = server_.position();
    if (position.consistent && position.log_bin) {
      HOTBACKUP_RETURN_IF_ERROR(
          WriteSmallFile(path + "/" + kBinlogInfoPath, FormatBinlogInfo(position)));
    }
    if (position.consistent && config_.session.slave_info && position.source) {
      HOTBACKUP_RETURN_IF_ERROR(
          WriteSmallFile(path + "/" + kSlaveInfoPath, FormatSlaveInfo(*position.source)));
    }
    return Status::OK();
  }

  // Checksums every file of the round (an SST once per backup: they never
  // change) and writes the manifest beside them.
  Status WriteManifest(const std::string& path, std::map<std::string, FileState>* files) {
    std::vector<std::string> names;
    HOTBACKUP_RETURN_IF_ERROR(ListTree(path, &names));
    Manifest m;
    m.tool_version = HOTBACKUP_VERSION;
    m.server_version = server_.server_version();
    m.stream = "wdt";
    m.rounds = rounds_;
    m.start_time = FormatUtcTime(start_time_);
    m.end_time = FormatUtcTime(time(nullptr));
    m.backup_id = backup_id_;
    m.db_id = db_id_;
    m.binlog = server_.position();
    m.left_out = server_.left_out();
    for (const std::string& rel : names) {
      FileState state;
      struct stat st;
      const std::string full = path + "/" + rel;
      if (stat(full.c_str(), &st) != 0) return Status::IOError("stat " + full, errno);
      auto known = sst_checksums_.find(rel);
      if (IsSstFileName(rel) && known != sst_checksums_.end() &&
          known->second.size == static_cast<uint64_t>(st.st_size)) {
        state = known->second;
      } else {
        HOTBACKUP_RETURN_IF_ERROR(ChecksumFile(full, &state.size, &state.xxh3));
        if (IsSstFileName(rel)) {
          std::string db_id;
          HOTBACKUP_RETURN_IF_ERROR(ReadSstKey(full, &state.sst_key, &db_id));
          sst_checksums_[rel] = state;
        }
      }
      (*files)[rel] = state;
      m.files.push_back({rel, state.size, state.xxh3, state.sst_key, {}});
    }
    const std::string json = SerializeManifest(m);
    last_manifest_ = json;
    HOTBACKUP_RETURN_IF_ERROR(WriteSmallFile(path + "/" + kManifestPath, json));
    FileState manifest_state;
    HOTBACKUP_RETURN_IF_ERROR(
        ChecksumFile(path + "/" + kManifestPath, &manifest_state.size, &manifest_state.xxh3));
    (*files)[kManifestPath] = manifest_state;
    return Status::OK();
  }

  // The script run on the destination before the round: make the directory,
  // drop what this round sends anew (see the top of this file).
  std::string PreparationScript(const std::map<std::string, FileState>& files) const {
    const std::string dir = ShellQuote(config_.round.remote_dir);
    // Every command checked by itself (`set -e` is ignored where the script
    // is inlined before `||`): never an rm outside the backup directory.
    std::string script = "mkdir -p -- " + dir + " || exit 97\ncd -- " + dir + " || exit 97\n";
    std::vector<std::string> drop = {"CURRENT", kManifestPath};
    for (const auto& [rel, state] : previous_round_) {
      auto now = files.find(rel);
      if (now != files.end() &&
          !NeedsResending(rel, state, now->second, round_options_.resumption)) {
        continue;
      }
      drop.push_back(rel);
    }
    for (const auto& [rel, state] : files) {
      // In round 1 nothing there is known to be ours: a file of the same name
      // left by another backup (file numbers repeat) must not be resumed.
      if ((previous_round_.empty() || !IsAppendOnly(rel)) && !previous_round_.count(rel)) {
        drop.push_back(rel);
      }
    }
    for (size_t i = 0; i < drop.size(); i += 64) {
      script += "rm -f --";
      for (size_t j = i; j < std::min(drop.size(), i + 64); ++j) {
        script += ' ';
        script += ShellQuote(drop[j]);
      }
      script += " || exit 97\n";
    }
    return script;
  }

  const WdtBackupConfig& config_;
  CheckpointRoot checkpoint_root_;  // outlives every round's checkpoint
  ServerSession server_;
  WdtRoundOptions round_options_;
  ScratchDirectory log_dir_;  // wdt's logs: their last lines go into our errors
  time_t start_time_ = 0;
  Clock::time_point start_;
  int rounds_ = 0;
  uint64_t total_sent_ = 0;
  uint64_t previously_sent_ = 0;
  std::map<std::string, FileState> previous_round_;
  std::map<std::string, FileState> sst_checksums_;
  std::string backup_id_;
  std::string db_id_;
  std::string last_manifest_;                  // the last round's, for --save_manifest
  ByteSink* manifest_copy_;                    // --save_manifest, or null
};

}  // namespace

Status WdtBackup(const WdtBackupConfig& config, ByteSink* manifest_copy) {
  WdtBackupRun run(config, manifest_copy);
  return run.Run();
}

}  // namespace hotbackup
