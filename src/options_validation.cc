// Validating the command line: the rules across options, after options.cc
// has read each one. A run starts nothing (no file, no connection) until
// these pass, and each failure is one line naming the option and saying
// what to do.
#include <string>

#include "hotbackup/compress/zstd_sink.h"
#include "hotbackup/options.h"
#include "hotbackup/s3/s3_url.h"

namespace hotbackup {
namespace {

// The mode flags given, in the order the user would read them.
std::vector<std::string> ModeFlagsGiven(const Options& o) {
  std::vector<std::string> flags;
  if (o.move_back) flags.push_back("--move_back");
  if (o.copy_back) flags.push_back("--copy_back");
  if (o.extract) flags.push_back("--extract");
  if (o.verify) flags.push_back("--verify");
  return flags;
}

// Which modes take `long_name`, for the hint in a refusal.
std::string ModesTaking(std::string_view long_name) {
  std::string modes;
  for (ModeKind mode : {ModeKind::kBackup, ModeKind::kWdtBackup, ModeKind::kExtract,
                        ModeKind::kVerifyArchive, ModeKind::kVerifyDirectory,
                        ModeKind::kMoveBack, ModeKind::kCopyBack}) {
    if (!OptionBelongsTo(long_name, mode)) continue;
    if (!modes.empty()) modes += ", ";
    modes += ModeDisplayName(mode);
  }
  return modes;
}

Status CheckRange(const char* option, int value, int low, int high) {
  if (value >= low && value <= high) return Status::OK();
  return Status::InvalidArgument(std::string("--") + option + " must be between " +
                                 std::to_string(low) + " and " + std::to_string(high) +
                                 ", not " + std::to_string(value));
}

}  // namespace

ModeKind ModeOf(const Options& o) {
  if (o.move_back) return ModeKind::kMoveBack;
  if (o.copy_back) return ModeKind::kCopyBack;
  if (o.extract) return ModeKind::kExtract;
  if (o.verify) return o.backup_dir.empty() ? ModeKind::kVerifyArchive : ModeKind::kVerifyDirectory;
  return o.stream == StreamKind::kWdt ? ModeKind::kWdtBackup : ModeKind::kBackup;
}

std::string_view ModeDisplayName(ModeKind mode) {
  switch (mode) {
    case ModeKind::kBackup:
      return "a tar/xbstream backup";
    case ModeKind::kWdtBackup:
      return "a WDT backup (--stream=wdt)";
    case ModeKind::kExtract:
      return "--extract";
    case ModeKind::kVerifyArchive:
      return "--verify of an archive";
    case ModeKind::kVerifyDirectory:
      return "--verify --backup_dir";
    case ModeKind::kMoveBack:
      return "--move_back";
    case ModeKind::kCopyBack:
      return "--copy_back";
  }
  return "?";
}

Status ValidateOptions(const Options& o) {
  if (std::vector<std::string> flags = ModeFlagsGiven(o); flags.size() > 1) {
    return Status::InvalidArgument(flags[0] + " and " + flags[1] +
                                   " are two modes: choose one of --move_back, --copy_back, "
                                   "--extract, --verify");
  }
  if (o.verify && !o.backup_dir.empty() && !o.input.empty()) {
    return Status::InvalidArgument("--verify checks an archive (--input or stdin) or a directory "
                                   "(--backup_dir), not both");
  }
  const ModeKind mode = ModeOf(o);
  for (const std::string& name : o.given) {
    if (OptionBelongsTo(name, mode)) continue;
    return Status::InvalidArgument("--" + name + " is not an option of " +
                                   std::string(ModeDisplayName(mode)) + " (it goes with " +
                                   ModesTaking(name) + ")");
  }

  // What each mode cannot do without.
  switch (mode) {
    case ModeKind::kExtract:
      if (o.backup_dir.empty()) {
        return Status::InvalidArgument("--extract needs --backup_dir, the directory to fill");
      }
      break;
    case ModeKind::kMoveBack:
    case ModeKind::kCopyBack:
      if (o.backup_dir.empty() || o.datadir.empty() || o.rocksdb_datadir.empty() ||
          o.rocksdb_waldir.empty()) {
        return Status::InvalidArgument(std::string(ModeDisplayName(mode)) +
                                       " needs --datadir, --rocksdb_datadir, --rocksdb_waldir "
                                       "and --backup_dir");
      }
      break;
    case ModeKind::kWdtBackup:
      if (o.destination.empty()) {
        return Status::InvalidArgument("--stream=wdt needs --destination, the host to send to");
      }
      if (o.backup_dir.empty()) {
        return Status::InvalidArgument(
            "--stream=wdt needs --backup_dir, the directory on --destination to receive into");
      }
      break;
    default:
      break;
  }

  // ssh would read "-oProxyCommand=..." as an option and run it; no host
  // name starts with '-' (wdt_round.cc puts "--" before it as well).
  if (o.destination.starts_with("-")) {
    return Status::InvalidArgument("--destination must be a host name ([user@]host), not '" +
                                   o.destination + "': it starts with '-'");
  }
  if (o.lock_wait_timeout < 1) {
    return Status::InvalidArgument("--lock_wait_timeout must be at least 1 second");
  }
  if (!o.encrypt_passphrase_file.empty() &&
      (!o.encrypt_recipients.empty() || !o.encrypt_recipients_file.empty())) {
    return Status::InvalidArgument(
        "--encrypt_passphrase_file cannot be combined with recipients (age allows a passphrase "
        "only on its own)");
  }
  HOTBACKUP_RETURN_IF_ERROR(CheckRange("encrypt_threads", o.encrypt_threads, 0, 256));
  for (const auto& [option, value] :
       {std::pair<const char*, const std::string&>{"--output", o.output},
        {"--input", o.input},
        {"--save_manifest", o.save_manifest},
        {"--incremental_base", o.incremental_base}}) {
    if (!IsS3Url(value)) continue;
    S3Url url;
    HOTBACKUP_RETURN_IF_ERROR(ParseS3Url(value, &url).WithContext(option));
    if (mode == ModeKind::kWdtBackup) {
      return Status::InvalidArgument(std::string(option) +
                                     ": s3:// is not supported with --stream=wdt");
    }
  }
  HOTBACKUP_RETURN_IF_ERROR(CheckRange("s3_parallel", o.s3_parallel, 1, 64));
  HOTBACKUP_RETURN_IF_ERROR(CheckRange("s3_retry_seconds", o.s3_retry_seconds, 0, 86400));
  if (!o.s3_endpoint.empty() && !o.s3_endpoint.starts_with("http://") &&
      !o.s3_endpoint.starts_with("https://")) {
    return Status::InvalidArgument("--s3_endpoint must be an http:// or https:// URL");
  }
  if (o.interval_seconds <= 0) {
    return Status::InvalidArgument("--interval must be positive");
  }
  if (o.avg_mbytes_per_sec <= 0) {
    return Status::InvalidArgument("--avg_mbytes_per_sec must be positive");
  }
  HOTBACKUP_RETURN_IF_ERROR(
      CheckRange("compress_level", o.compress_level, ZstdMinLevel(), ZstdMaxLevel()));
  HOTBACKUP_RETURN_IF_ERROR(CheckRange("compress_threads", o.compress_threads, 0, 256));
  if (o.port) HOTBACKUP_RETURN_IF_ERROR(CheckRange("port", *o.port, 1, 65535));
  return Status::OK();
}

}  // namespace hotbackup
