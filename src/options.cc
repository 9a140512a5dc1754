// Command-line parsing with cxxopts. The option table mirrors the Python
// original's OptionParser (names, short letters, defaults, help), so
// existing cron lines keep working; new options follow its underscore style.
#include "hotbackup/options.h"

#include <cstring>
#include <cxxopts.hpp>

#include "hotbackup/compress/zstd_sink.h"
#include "hotbackup/s3/s3_url.h"

namespace hotbackup {
namespace {

constexpr char kUsage[] = R"(myrocks_hotbackup: hot backup streamer for MyRocks (RocksDB in MySQL/MariaDB)

Backup (archive on stdout; log lines on stderr):
  set -o pipefail
  myrocks_hotbackup --user=root --socket=/run/mysqld/mysqld.sock \
      --checkpoint_dir=/data/backup/snapshot | ssh backuphost 'tar -x -C /backups/today'
  myrocks_hotbackup --stream=xbstream --compress=zstd --output=/backups/today.xbs.zst

Extract and check, without tar, xbstream or mbstream (format and zstd detected):
  ssh backuphost cat /backups/today.xbs.zst | myrocks_hotbackup --extract --backup_dir=/restore/today
  myrocks_hotbackup --verify --input=/backups/today.tar
  myrocks_hotbackup --verify --backup_dir=/restore/today     # extracted or received

Object storage (credentials: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY or ~/.aws/credentials):
  myrocks_hotbackup --stream=xbstream --compress=zstd --output=s3://backups/db1/today.xbs.zst
  myrocks_hotbackup --incremental_base=s3://backups/db1/today.xbs.zst.manifest.json \
      --output=s3://backups/db1/today-inc1.tar
  myrocks_hotbackup --extract --input=s3://backups/db1/today.xbs.zst --backup_dir=/restore/today
  (--s3_endpoint=http://rgw.local:7480 for Ceph RGW, MinIO and other S3-compatible stores)

Move-back (on the host the backup was sent to; --copy_back keeps the backup):
  myrocks_hotbackup --move_back --datadir=/var/lib/mysql --rocksdb_datadir=/var/lib/mysql/#rocksdb \
      --rocksdb_waldir=/var/lib/mysql/#rocksdb --backup_dir=/backups/today

The password is best kept out of the command line: MYSQL_PWD, or the [client]
group of ~/.my.cnf or of --defaults_file.
)";

std::string Lowercase(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// MySQL clients spell it --defaults-file; accept that as well as ours.
void NormalizeDashedOptions(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], "--defaults-file", 15) == 0 &&
        (argv[i][15] == '\0' || argv[i][15] == '=')) {
      argv[i][10] = '_';
    }
  }
}

// Overwrites the value of -p/--password in argv (the kernel shows argv's
// memory in /proc/<pid>/cmdline and ps).
void WipePassword(int argc, char** argv) {
  auto wipe = [](char* s) { std::memset(s, 'x', std::strlen(s)); };
  for (int i = 1; i < argc; ++i) {
    char* a = argv[i];
    if (std::strcmp(a, "--") == 0) break;
    if (std::strcmp(a, "--password") == 0 || std::strcmp(a, "-p") == 0) {
      if (i + 1 < argc) wipe(argv[++i]);
    } else if (std::strncmp(a, "--password=", 11) == 0) {
      wipe(a + 11);
    } else if (a[0] == '-' && a[1] != '-' && a[1] != '\0') {
      // A cluster of short options: "-fp secret", "-psecret", "-uroot".
      for (char* c = a + 1; *c; ++c) {
        if (*c == 'p') {
          if (c[1]) {
            wipe(c + 1);
          } else if (i + 1 < argc) {
            wipe(argv[++i]);
          }
          break;
        }
        // Options that take a value consume the rest of the cluster.
        if (std::strchr("icdsuPSrwbD", *c)) break;
      }
    }
  }
}

}  // namespace

Status ParseCommandLine(int argc, char** argv, Options* o) {
  NormalizeDashedOptions(argc, argv);
  cxxopts::Options parser("myrocks_hotbackup", kUsage);
  parser.custom_help("[OPTIONS]");
  // clang-format off
  parser.add_options()
    ("i,interval", "Number of seconds to renew checkpoint",
     cxxopts::value<int>()->default_value("300"))
    ("c,checkpoint_dir", "Local directory name where checkpoints will be created.",
     cxxopts::value<std::string>()->default_value(o->checkpoint_dir))
    ("d,datadir", "backup mode: src MySQL datadir. move_back mode: dest MySQL datadir",
     cxxopts::value<std::string>())
    ("s,stream", "Streaming backup format: tar, xbstream or wdt",
     cxxopts::value<std::string>()->default_value("tar"))
    ("destination", "Remote server name. Only used for WDT mode so far.",
     cxxopts::value<std::string>()->default_value(""))
    ("avg_mbytes_per_sec", "Average backup rate in MBytes/sec; throttles tar and xbstream "
     "streams when given (WDT: default 500)", cxxopts::value<int>()->default_value("500"))
    ("extra_wdt_sender_options", "Extra options for WDT sender",
     cxxopts::value<std::string>()->default_value(""))
    ("extra_wdt_receiver_options", "Extra options for WDT receiver",
     cxxopts::value<std::string>()->default_value(""))
    ("wdt_path", "WDT: the wdt binary, run locally and on --destination",
     cxxopts::value<std::string>()->default_value("wdt"))
    ("ssh_command", "WDT: the ssh client and its options, split on blanks (no shell)",
     cxxopts::value<std::string>()->default_value("ssh"))
    ("u,user", "MySQL user name (default root)", cxxopts::value<std::string>())
    ("p,password", "MySQL password; prefer MYSQL_PWD or an option file", cxxopts::value<std::string>())
    ("P,port", "MySQL port number (default 3306)", cxxopts::value<int>())
    ("S,socket", "MySQL socket path. Takes precedence over --port.", cxxopts::value<std::string>())
    ("host", "MySQL host for TCP connections (default 127.0.0.1)", cxxopts::value<std::string>())
    ("defaults_file", "Client option file to read [client] from instead of ~/.my.cnf "
     "(also --defaults-file)", cxxopts::value<std::string>())
    ("m,move_back", "Moving MyRocks backup files to proper locations.")
    ("r,rocksdb_datadir", "RocksDB target data directory where backup data files will be moved. "
     "Must be empty.", cxxopts::value<std::string>())
    ("w,rocksdb_waldir", "RocksDB target data directory where backup wal files will be moved. "
     "Must be empty.", cxxopts::value<std::string>())
    ("b,backup_dir", "move_back mode: Locations where backup files are stored.",
     cxxopts::value<std::string>())
    ("f,skip_check_frm_timestamp", "skipping to check if frm files are updated after starting backup.")
    ("D,debug_signal_file", "debugging purpose: waiting until the specified file is created",
     cxxopts::value<std::string>())
    ("output", "Write the archive to this file instead of stdout (replaced atomically on "
     "success), or to the S3 object s3://BUCKET/KEY (it appears only when the backup is "
     "complete; its manifest is stored beside it as KEY.manifest.json)",
     cxxopts::value<std::string>())
    ("compress", "Compress the stream: none or zstd", cxxopts::value<std::string>()->default_value("none"))
    ("compress_level", "zstd level; negative levels are faster", cxxopts::value<int>()->default_value("3"))
    ("compress_threads", "zstd worker threads (0 = compress in the main thread)",
     cxxopts::value<int>()->default_value("0"))
    ("direct_io", "Read with O_DIRECT: auto (as the server's rocksdb_use_direct_reads), on or off",
     cxxopts::value<std::string>()->default_value("auto"))
    ("extract", "Read an archive (tar or XBSTREAM, plain or zstd) from stdin or --input into "
     "--backup_dir, checking every file against the backup's manifest")
    ("verify", "Read an archive from stdin or --input and check it against its manifest, "
     "writing nothing; with --backup_dir, check that directory against the manifest in it")
    ("input", "Archive file or s3://BUCKET/KEY object for --extract / --verify (default: stdin)",
     cxxopts::value<std::string>())
    ("copy_back", "Like --move_back, but copies and leaves --backup_dir intact")
    ("slave_info", "On a replica, also record where it was in its primary's binlog "
     "(xtrabackup_slave_info)")
    ("no_backup_locks", "Do not block commits at each checkpoint (no BACKUP STAGE, no RELOAD "
     "privilege needed); the backup then has no consistent binlog position")
    ("allow_partial_backup", "Take the backup even if user tables of an engine it does not "
     "copy (InnoDB, ...) hold rows: their definitions travel, their rows do not; the manifest "
     "names them")
    ("lock_wait_timeout", "Seconds to wait for in-flight commits when blocking commits at a "
     "checkpoint before giving up", cxxopts::value<int>()->default_value("30"))
    ("incremental_base", "Incremental backup: the manifest of an earlier backup of this server "
     "(full or incremental), a file or s3://BUCKET/KEY; SST files it holds are not sent",
     cxxopts::value<std::string>())
    ("save_manifest", "Also write the backup's manifest to this file or s3:// object when the "
     "backup is complete (the next --incremental_base)", cxxopts::value<std::string>())
    ("incremental_base_dir", "--extract / --verify of an incremental backup: the extracted "
     "backup it was taken against; the files it holds are taken from there",
     cxxopts::value<std::string>())
    ("encrypt_recipient", "Encrypt the backup (age format) to this age1... public key; "
     "repeatable", cxxopts::value<std::vector<std::string>>())
    ("encrypt_recipients_file", "Encrypt to the recipients listed in this file (age's "
     "recipients file format)", cxxopts::value<std::string>())
    ("encrypt_passphrase_file", "Encrypt with the passphrase on this file's first line "
     "(age's scrypt; the file must be mode 0600 or stricter)", cxxopts::value<std::string>())
    ("encrypt_threads", "Threads sealing the encrypted stream (0 = the main thread)",
     cxxopts::value<int>()->default_value("2"))
    ("decrypt_identity", "--extract / --verify of an encrypted archive: age identity file "
     "(age-keygen's output)", cxxopts::value<std::string>())
    ("decrypt_passphrase_file", "--extract / --verify of an archive encrypted with a "
     "passphrase: the file holding it (mode 0600)", cxxopts::value<std::string>())
    ("s3_endpoint", "S3-compatible endpoint URL for s3:// names (path-style addressing), "
     "e.g. http://127.0.0.1:7480; default AWS. Credentials come from AWS_ACCESS_KEY_ID / "
     "AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN or ~/.aws/credentials (AWS_PROFILE)",
     cxxopts::value<std::string>())
    ("s3_region", "S3 region requests are signed for", cxxopts::value<std::string>()->default_value("us-east-1"))
    ("s3_parallel", "S3 parts uploaded, or ranges downloaded, in parallel",
     cxxopts::value<int>()->default_value("4"))
    ("s3_retry_seconds", "Give up on an S3 request that has kept failing (throttled, 5xx, "
     "unreachable) for this long", cxxopts::value<int>()->default_value("300"))
    ("h,help", "Print this help and exit")
    ("version", "Print the version and exit");
  // clang-format on

  try {
    cxxopts::ParseResult r = parser.parse(argc, argv);
    if (!r.unmatched().empty()) {
      return Status::InvalidArgument("unexpected argument '" + r.unmatched().front() + "'");
    }
    o->help = r.count("help") > 0;
    o->version = r.count("version") > 0;
    o->help_text = parser.help();
    o->interval_seconds = r["interval"].as<int>();
    o->checkpoint_dir = r["checkpoint_dir"].as<std::string>();
    if (r.count("datadir")) o->datadir = r["datadir"].as<std::string>();
    std::string stream = Lowercase(r["stream"].as<std::string>());
    if (stream == "tar") {
      o->stream = StreamKind::kTar;
    } else if (stream == "xbstream") {
      o->stream = StreamKind::kXbstream;
    } else if (stream == "wdt") {
      o->stream = StreamKind::kWdt;
    } else {
      return Status::InvalidArgument("--stream must be tar, xbstream or wdt, not '" + stream + "'");
    }
    o->destination = r["destination"].as<std::string>();
    // ssh would read "-oProxyCommand=..." as an option and run it; no host
    // name starts with '-' (wdt_round.cc puts "--" before it as well).
    if (o->destination.starts_with("-")) {
      return Status::InvalidArgument("--destination must be a host name ([user@]host), not '" +
                                     o->destination + "': it starts with '-'");
    }
    o->avg_mbytes_per_sec = r["avg_mbytes_per_sec"].as<int>();
    o->avg_mbytes_per_sec_given = r.count("avg_mbytes_per_sec") > 0;
    o->extra_wdt_sender_options = r["extra_wdt_sender_options"].as<std::string>();
    o->extra_wdt_receiver_options = r["extra_wdt_receiver_options"].as<std::string>();
    o->wdt_path = r["wdt_path"].as<std::string>();
    o->ssh_command = r["ssh_command"].as<std::string>();
    if (r.count("user")) o->user = r["user"].as<std::string>();
    if (r.count("password")) o->password = r["password"].as<std::string>();
    if (r.count("port")) o->port = r["port"].as<int>();
    if (r.count("socket")) o->socket = r["socket"].as<std::string>();
    if (r.count("host")) o->host = r["host"].as<std::string>();
    if (r.count("defaults_file")) o->defaults_file = r["defaults_file"].as<std::string>();
    o->move_back = r.count("move_back") > 0;
    if (r.count("rocksdb_datadir")) o->rocksdb_datadir = r["rocksdb_datadir"].as<std::string>();
    if (r.count("rocksdb_waldir")) o->rocksdb_waldir = r["rocksdb_waldir"].as<std::string>();
    if (r.count("backup_dir")) o->backup_dir = r["backup_dir"].as<std::string>();
    o->skip_check_frm_timestamp = r.count("skip_check_frm_timestamp") > 0;
    o->slave_info = r.count("slave_info") > 0;
    o->no_backup_locks = r.count("no_backup_locks") > 0;
    o->allow_partial_backup = r.count("allow_partial_backup") > 0;
    o->lock_wait_timeout = r["lock_wait_timeout"].as<int>();
    if (o->lock_wait_timeout < 1) {
      return Status::InvalidArgument("--lock_wait_timeout must be at least 1 second");
    }
    if (r.count("debug_signal_file")) o->debug_signal_file = r["debug_signal_file"].as<std::string>();
    if (r.count("output")) o->output = r["output"].as<std::string>();
    o->extract = r.count("extract") > 0;
    o->verify = r.count("verify") > 0;
    o->copy_back = r.count("copy_back") > 0;
    if (r.count("input")) o->input = r["input"].as<std::string>();
    if (r.count("incremental_base")) o->incremental_base = r["incremental_base"].as<std::string>();
    if (r.count("save_manifest")) o->save_manifest = r["save_manifest"].as<std::string>();
    if (r.count("encrypt_recipient")) {
      o->encrypt_recipients = r["encrypt_recipient"].as<std::vector<std::string>>();
    }
    if (r.count("encrypt_recipients_file")) {
      o->encrypt_recipients_file = r["encrypt_recipients_file"].as<std::string>();
    }
    if (r.count("encrypt_passphrase_file")) {
      o->encrypt_passphrase_file = r["encrypt_passphrase_file"].as<std::string>();
    }
    o->encrypt_threads = r["encrypt_threads"].as<int>();
    if (r.count("decrypt_identity")) o->decrypt_identity = r["decrypt_identity"].as<std::string>();
    if (r.count("decrypt_passphrase_file")) {
      o->decrypt_passphrase_file = r["decrypt_passphrase_file"].as<std::string>();
    }
    if (r.count("incremental_base_dir")) {
      o->incremental_base_dir = r["incremental_base_dir"].as<std::string>();
    }
    if (r.count("s3_endpoint")) o->s3_endpoint = r["s3_endpoint"].as<std::string>();
    o->s3_region = r["s3_region"].as<std::string>();
    o->s3_parallel = r["s3_parallel"].as<int>();
    o->s3_retry_seconds = r["s3_retry_seconds"].as<int>();
    std::string compress = Lowercase(r["compress"].as<std::string>());
    if (compress == "none") {
      o->compression = Compression::kNone;
    } else if (compress == "zstd") {
      o->compression = Compression::kZstd;
    } else {
      return Status::InvalidArgument("--compress must be none or zstd, not '" + compress + "'");
    }
    o->compress_level = r["compress_level"].as<int>();
    o->compress_threads = r["compress_threads"].as<int>();
    std::string direct = Lowercase(r["direct_io"].as<std::string>());
    if (direct == "auto") {
      o->direct_io = DirectIo::kAuto;
    } else if (direct == "on" || direct == "1" || direct == "true") {
      o->direct_io = DirectIo::kOn;
    } else if (direct == "off" || direct == "0" || direct == "false") {
      o->direct_io = DirectIo::kOff;
    } else {
      return Status::InvalidArgument("--direct_io must be auto, on or off, not '" + direct + "'");
    }
  } catch (const cxxopts::exceptions::exception& e) {
    return Status::InvalidArgument(e.what());
  }

  if (o->password) WipePassword(argc, argv);

  if (o->move_back + o->copy_back + o->extract + o->verify > 1) {
    return Status::InvalidArgument("choose one of --move_back, --copy_back, --extract, --verify");
  }
  if (o->verify && !o->backup_dir.empty() && !o->input.empty()) {
    return Status::InvalidArgument("--verify checks an archive (--input or stdin) or a directory "
                                   "(--backup_dir), not both");
  }
  const bool restoring = o->move_back || o->copy_back || o->extract || o->verify;
  if (restoring && (!o->incremental_base.empty() || !o->save_manifest.empty())) {
    return Status::InvalidArgument("--incremental_base and --save_manifest are backup options");
  }
  if (!o->incremental_base_dir.empty() && !o->extract && !(o->verify && o->backup_dir.empty())) {
    return Status::InvalidArgument(
        "--incremental_base_dir goes with --extract or --verify of an incremental archive");
  }
  const bool encrypting = !o->encrypt_recipients.empty() || !o->encrypt_recipients_file.empty() ||
                          !o->encrypt_passphrase_file.empty();
  const bool decrypting = !o->decrypt_identity.empty() || !o->decrypt_passphrase_file.empty();
  if (encrypting && restoring) {
    return Status::InvalidArgument("--encrypt_* options are backup options; --extract and --verify "
                                   "take --decrypt_identity or --decrypt_passphrase_file");
  }
  if (decrypting && !o->extract && !(o->verify && o->backup_dir.empty())) {
    return Status::InvalidArgument("--decrypt_* options go with --extract or --verify of an archive");
  }
  if (!o->encrypt_passphrase_file.empty() &&
      (!o->encrypt_recipients.empty() || !o->encrypt_recipients_file.empty())) {
    return Status::InvalidArgument(
        "--encrypt_passphrase_file cannot be combined with recipients (age allows a passphrase "
        "only on its own)");
  }
  if (encrypting && o->stream == StreamKind::kWdt) {
    return Status::InvalidArgument("encryption is not supported with --stream=wdt");
  }
  if (o->encrypt_threads < 0 || o->encrypt_threads > 256) {
    return Status::InvalidArgument("--encrypt_threads must be between 0 and 256");
  }
  if (!o->incremental_base.empty() && o->stream == StreamKind::kWdt) {
    return Status::InvalidArgument("--incremental_base is not supported with --stream=wdt");
  }
  for (const auto& [option, value] : {std::pair<const char*, const std::string&>{"--output", o->output},
                                      {"--input", o->input},
                                      {"--save_manifest", o->save_manifest},
                                      {"--incremental_base", o->incremental_base}}) {
    if (!IsS3Url(value)) continue;
    S3Url url;
    HOTBACKUP_RETURN_IF_ERROR(ParseS3Url(value, &url).WithContext(option));
    if (o->stream == StreamKind::kWdt && !o->extract && !o->verify) {
      return Status::InvalidArgument(std::string(option) +
                                     ": s3:// is not supported with --stream=wdt");
    }
  }
  if (o->s3_parallel < 1 || o->s3_parallel > 64) {
    return Status::InvalidArgument("--s3_parallel must be between 1 and 64");
  }
  if (o->s3_retry_seconds < 0 || o->s3_retry_seconds > 86400) {
    return Status::InvalidArgument("--s3_retry_seconds must be between 0 and 86400");
  }
  if (!o->s3_endpoint.empty() && !o->s3_endpoint.starts_with("http://") &&
      !o->s3_endpoint.starts_with("https://")) {
    return Status::InvalidArgument("--s3_endpoint must be an http:// or https:// URL");
  }
  if (o->interval_seconds <= 0) return Status::InvalidArgument("--interval must be positive");
  if (o->avg_mbytes_per_sec <= 0) {
    return Status::InvalidArgument("--avg_mbytes_per_sec must be positive");
  }
  if (o->compress_level < ZstdMinLevel() || o->compress_level > ZstdMaxLevel()) {
    return Status::InvalidArgument("--compress_level must be between " +
                                   std::to_string(ZstdMinLevel()) + " and " +
                                   std::to_string(ZstdMaxLevel()));
  }
  if (o->compress_threads < 0 || o->compress_threads > 256) {
    return Status::InvalidArgument("--compress_threads must be between 0 and 256");
  }
  if (o->port && (*o->port <= 0 || *o->port > 65535)) {
    return Status::InvalidArgument("--port must be between 1 and 65535");
  }
  return Status::OK();
}

}  // namespace hotbackup
