// Command-line parsing with cxxopts, in three steps: the option table is
// declared (names, short letters, defaults, help and the modes each option
// belongs to), argv is read into Options, and the result is validated
// (options_validation.cc). The table mirrors the Python original's
// OptionParser, so existing cron lines keep working; new options follow its
// underscore style.
#include "hotbackup/options.h"

#include <cstring>
#include <cxxopts.hpp>

#include <algorithm>
#include <charconv>

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

// The modes an option belongs to, as bits of a mask.
constexpr unsigned Bit(ModeKind mode) { return 1u << static_cast<unsigned>(mode); }
constexpr unsigned kBackup = Bit(ModeKind::kBackup);
constexpr unsigned kWdt = Bit(ModeKind::kWdtBackup);
constexpr unsigned kExtract = Bit(ModeKind::kExtract);
constexpr unsigned kVerifyArchive = Bit(ModeKind::kVerifyArchive);
constexpr unsigned kVerifyDirectory = Bit(ModeKind::kVerifyDirectory);
constexpr unsigned kMoveBack = Bit(ModeKind::kMoveBack) | Bit(ModeKind::kCopyBack);
constexpr unsigned kBackups = kBackup | kWdt;
constexpr unsigned kReadsArchive = kExtract | kVerifyArchive;
constexpr unsigned kEveryMode = ~0u;

enum class Kind { kFlag, kValue, kList };

struct OptionSpec {
  const char* names;          // cxxopts' "s,long"
  const char* help;
  Kind kind = Kind::kValue;
  const char* default_value;  // nullptr: none (shown by --help when set)
  unsigned modes;             // kEveryMode for the mode flags themselves
};

// clang-format off
const OptionSpec kOptionTable[] = {
  {"i,interval", "Number of seconds to renew checkpoint", Kind::kValue, "300", kBackups},
  {"c,checkpoint_dir", "Local directory name where checkpoints will be created.", Kind::kValue,
   "/data/mysql/backup/snapshot", kBackups},
  {"d,datadir", "backup mode: src MySQL datadir. move_back mode: dest MySQL datadir",
   Kind::kValue, nullptr, kBackups | kMoveBack},
  {"s,stream", "Streaming backup format: tar, xbstream or wdt", Kind::kValue, "tar", kBackups},
  {"destination", "Remote server name. Only used for WDT mode so far.", Kind::kValue, "", kWdt},
  {"avg_mbytes_per_sec", "Average backup rate in MBytes/sec: throttles tar and xbstream "
   "streams when given; WDT's default is 500", Kind::kValue, nullptr, kBackups},
  {"extra_wdt_sender_options", "Extra options for WDT sender", Kind::kValue, "", kWdt},
  {"extra_wdt_receiver_options", "Extra options for WDT receiver", Kind::kValue, "", kWdt},
  {"wdt_path", "WDT: the wdt binary, run locally and on --destination", Kind::kValue, "wdt", kWdt},
  {"ssh_command", "WDT: the ssh client and its options, split on blanks (no shell)",
   Kind::kValue, "ssh", kWdt},
  {"u,user", "MySQL user name (default root)", Kind::kValue, nullptr, kBackups},
  {"p,password", "MySQL password; prefer MYSQL_PWD or an option file", Kind::kValue, nullptr,
   kBackups},
  {"P,port", "MySQL port number (default 3306)", Kind::kValue, nullptr, kBackups},
  {"S,socket", "MySQL socket path. Takes precedence over --port.", Kind::kValue, nullptr,
   kBackups},
  {"host", "MySQL host for TCP connections (default 127.0.0.1)", Kind::kValue, nullptr,
   kBackups},
  {"defaults_file", "Client option file to read [client] from instead of ~/.my.cnf "
   "(also --defaults-file)", Kind::kValue, nullptr, kBackups},
  {"m,move_back", "Moving MyRocks backup files to proper locations.", Kind::kFlag, nullptr,
   kEveryMode},
  {"r,rocksdb_datadir", "RocksDB target data directory where backup data files will be moved. "
   "Must be empty.", Kind::kValue, nullptr, kMoveBack},
  {"w,rocksdb_waldir", "RocksDB target data directory where backup wal files will be moved. "
   "Must be empty.", Kind::kValue, nullptr, kMoveBack},
  {"b,backup_dir", "move_back mode: Locations where backup files are stored. Also the "
   "directory --extract fills, --verify checks and WDT's receiver writes on --destination",
   Kind::kValue, nullptr, kWdt | kExtract | kVerifyDirectory | kMoveBack},
  {"f,skip_check_frm_timestamp", "skipping to check if frm files are updated after starting "
   "backup. move_back mode: move a backup directory whose manifest is missing or does not "
   "match", Kind::kFlag, nullptr, kBackups | kMoveBack},
  {"D,debug_signal_file", "debugging purpose: waiting until the specified file is created",
   Kind::kValue, nullptr, kBackup},
  {"output", "Write the archive to this file instead of stdout (replaced atomically on "
   "success), or to the S3 object s3://BUCKET/KEY (it appears only when the backup is "
   "complete; its manifest is stored beside it as KEY.manifest.json)", Kind::kValue, nullptr,
   kBackup},
  {"compress", "Compress the stream: none or zstd", Kind::kValue, "none", kBackup},
  {"compress_level", "zstd level; negative levels are faster", Kind::kValue, "3", kBackup},
  {"compress_threads", "zstd worker threads (0 = compress in the main thread)", Kind::kValue,
   "0", kBackup},
  {"direct_io", "Read with O_DIRECT: auto (as the server's rocksdb_use_direct_reads), on or off",
   Kind::kValue, "auto", kBackup},
  {"extract", "Read an archive (tar or XBSTREAM, plain or zstd) from stdin or --input into "
   "--backup_dir, checking every file against the backup's manifest", Kind::kFlag, nullptr,
   kEveryMode},
  {"verify", "Read an archive from stdin or --input and check it against its manifest, "
   "writing nothing; with --backup_dir, check that directory against the manifest in it",
   Kind::kFlag, nullptr, kEveryMode},
  {"input", "Archive file or s3://BUCKET/KEY object for --extract / --verify (default: stdin)",
   Kind::kValue, nullptr, kReadsArchive},
  {"copy_back", "Like --move_back, but copies and leaves --backup_dir intact", Kind::kFlag,
   nullptr, kEveryMode},
  {"slave_info", "On a replica, also record where it was in its primary's binlog "
   "(xtrabackup_slave_info)", Kind::kFlag, nullptr, kBackups},
  {"no_backup_locks", "Do not block commits at each checkpoint (no BACKUP STAGE, no RELOAD "
   "privilege needed); the backup then has no consistent binlog position", Kind::kFlag, nullptr,
   kBackups},
  {"allow_partial_backup", "Take the backup even if user tables of an engine it does not "
   "copy (InnoDB, ...) hold rows: their definitions travel, their rows do not; the manifest "
   "names them", Kind::kFlag, nullptr, kBackups},
  {"lock_wait_timeout", "Seconds to wait for in-flight commits when blocking commits at a "
   "checkpoint before giving up", Kind::kValue, "30", kBackups},
  {"incremental_base", "Incremental backup: the manifest of an earlier backup of this server "
   "(full or incremental), a file or s3://BUCKET/KEY; SST files it holds are not sent",
   Kind::kValue, nullptr, kBackup},
  {"save_manifest", "Also write the backup's manifest to this file or s3:// object when the "
   "backup is complete (the next --incremental_base)", Kind::kValue, nullptr, kBackups},
  {"incremental_base_dir", "--extract / --verify of an incremental backup: the extracted "
   "backup it was taken against; the files it holds are taken from there", Kind::kValue,
   nullptr, kReadsArchive},
  {"encrypt_recipient", "Encrypt the backup (age format) to this age1... public key; "
   "repeatable", Kind::kList, nullptr, kBackup},
  {"encrypt_recipients_file", "Encrypt to the recipients listed in this file (age's "
   "recipients file format)", Kind::kValue, nullptr, kBackup},
  {"encrypt_passphrase_file", "Encrypt with the passphrase on this file's first line "
   "(age's scrypt; the file must be mode 0600 or stricter)", Kind::kValue, nullptr, kBackup},
  {"encrypt_threads", "Threads sealing the encrypted stream (0 = the main thread)",
   Kind::kValue, "2", kBackup},
  {"decrypt_identity", "--extract / --verify of an encrypted archive: age identity file "
   "(age-keygen's output)", Kind::kValue, nullptr, kReadsArchive},
  {"decrypt_passphrase_file", "--extract / --verify of an archive encrypted with a "
   "passphrase: the file holding it (mode 0600)", Kind::kValue, nullptr, kReadsArchive},
  {"s3_endpoint", "S3-compatible endpoint URL for s3:// names (path-style addressing), "
   "e.g. http://127.0.0.1:7480; default AWS. Credentials come from AWS_ACCESS_KEY_ID / "
   "AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN or ~/.aws/credentials (AWS_PROFILE)",
   Kind::kValue, nullptr, kBackup | kReadsArchive},
  {"s3_region", "S3 region requests are signed for", Kind::kValue, "us-east-1",
   kBackup | kReadsArchive},
  {"s3_parallel", "S3 parts uploaded, or ranges downloaded, in parallel", Kind::kValue, "4",
   kBackup | kReadsArchive},
  {"s3_retry_seconds", "Give up on an S3 request that has kept failing (throttled, 5xx, "
   "unreachable) for this long", Kind::kValue, "300", kBackup | kReadsArchive},
  {"h,help", "Print this help and exit", Kind::kFlag, nullptr, kEveryMode},
  {"version", "Print the version and exit", Kind::kFlag, nullptr, kEveryMode},
};
// clang-format on

// "i,interval" -> "interval".
std::string_view LongName(const OptionSpec& spec) {
  std::string_view names = spec.names;
  size_t comma = names.find(',');
  return comma == std::string_view::npos ? names : names.substr(comma + 1);
}

const OptionSpec* FindOption(std::string_view long_name) {
  for (const OptionSpec& spec : kOptionTable) {
    if (LongName(spec) == long_name) return &spec;
  }
  return nullptr;
}

// Declaring: the table into cxxopts. Numbers are read as text and converted
// here, so that a bad one is reported with its option's name.
void DeclareOptions(cxxopts::Options* parser) {
  parser->custom_help("[OPTIONS]");
  for (const OptionSpec& spec : kOptionTable) {
    std::shared_ptr<cxxopts::Value> value;
    switch (spec.kind) {
      case Kind::kFlag:
        value = cxxopts::value<bool>();
        break;
      case Kind::kValue:
        value = cxxopts::value<std::string>();
        break;
      case Kind::kList:
        value = cxxopts::value<std::vector<std::string>>();
        break;
    }
    if (spec.default_value != nullptr) value->default_value(spec.default_value);
    parser->add_option("", cxxopts::Option(spec.names, spec.help, value));
  }
}

// cxxopts quotes names with typographic quotes; our messages use ASCII.
std::string AsciiQuotes(std::string text) {
  for (const char* quote : {"\u2018", "\u2019"}) {
    for (size_t at; (at = text.find(quote)) != std::string::npos;) text.replace(at, 3, "'");
  }
  return text;
}

bool AsksForHelp(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--") == 0) return false;
    if (std::strcmp(argv[i], "--help") == 0 || std::strcmp(argv[i], "-h") == 0) return true;
  }
  return false;
}

Status ParseInt(const cxxopts::ParseResult& r, const char* name, int* out) {
  const std::string text = r[name].as<std::string>();
  int value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) {
    return Status::InvalidArgument(std::string("--") + name + " takes a whole number, not '" +
                                   text + "'");
  }
  *out = value;
  return Status::OK();
}

// Reading: the parsed result into Options, each value converted and named
// in its error.
Status ReadOptions(const cxxopts::ParseResult& r, Options* o) {
  for (const OptionSpec& spec : kOptionTable) {
    std::string name(LongName(spec));
    if (r.count(name) > 0) o->given.push_back(name);
  }
  auto text = [&](const char* name, std::string* out) {
    if (r.count(name) || FindOption(name)->default_value != nullptr) {
      *out = r[name].as<std::string>();
    }
  };
  auto optional_text = [&](const char* name, std::optional<std::string>* out) {
    if (r.count(name)) *out = r[name].as<std::string>();
  };
  auto flag = [&](const char* name) { return r.count(name) > 0; };

  o->help = flag("help");
  o->version = flag("version");
  HOTBACKUP_RETURN_IF_ERROR(ParseInt(r, "interval", &o->interval_seconds));
  text("checkpoint_dir", &o->checkpoint_dir);
  text("datadir", &o->datadir);
  const std::string stream = Lowercase(r["stream"].as<std::string>());
  if (stream == "tar") {
    o->stream = StreamKind::kTar;
  } else if (stream == "xbstream") {
    o->stream = StreamKind::kXbstream;
  } else if (stream == "wdt") {
    o->stream = StreamKind::kWdt;
  } else {
    return Status::InvalidArgument("--stream must be tar, xbstream or wdt, not '" + stream + "'");
  }
  text("destination", &o->destination);
  o->avg_mbytes_per_sec_given = flag("avg_mbytes_per_sec");
  if (o->avg_mbytes_per_sec_given) {
    HOTBACKUP_RETURN_IF_ERROR(ParseInt(r, "avg_mbytes_per_sec", &o->avg_mbytes_per_sec));
  }
  text("extra_wdt_sender_options", &o->extra_wdt_sender_options);
  text("extra_wdt_receiver_options", &o->extra_wdt_receiver_options);
  text("wdt_path", &o->wdt_path);
  text("ssh_command", &o->ssh_command);
  optional_text("user", &o->user);
  optional_text("password", &o->password);
  if (flag("port")) {
    int port = 0;
    HOTBACKUP_RETURN_IF_ERROR(ParseInt(r, "port", &port));
    o->port = port;
  }
  optional_text("socket", &o->socket);
  optional_text("host", &o->host);
  text("defaults_file", &o->defaults_file);
  o->move_back = flag("move_back");
  text("rocksdb_datadir", &o->rocksdb_datadir);
  text("rocksdb_waldir", &o->rocksdb_waldir);
  text("backup_dir", &o->backup_dir);
  o->skip_check_frm_timestamp = flag("skip_check_frm_timestamp");
  text("debug_signal_file", &o->debug_signal_file);
  text("output", &o->output);
  const std::string compress = Lowercase(r["compress"].as<std::string>());
  if (compress == "none") {
    o->compression = Compression::kNone;
  } else if (compress == "zstd") {
    o->compression = Compression::kZstd;
  } else {
    return Status::InvalidArgument("--compress must be none or zstd, not '" + compress + "'");
  }
  HOTBACKUP_RETURN_IF_ERROR(ParseInt(r, "compress_level", &o->compress_level));
  HOTBACKUP_RETURN_IF_ERROR(ParseInt(r, "compress_threads", &o->compress_threads));
  const std::string direct = Lowercase(r["direct_io"].as<std::string>());
  if (direct == "auto") {
    o->direct_io = DirectIo::kAuto;
  } else if (direct == "on" || direct == "1" || direct == "true") {
    o->direct_io = DirectIo::kOn;
  } else if (direct == "off" || direct == "0" || direct == "false") {
    o->direct_io = DirectIo::kOff;
  } else {
    return Status::InvalidArgument("--direct_io must be auto, on or off, not '" + direct + "'");
  }
  o->extract = flag("extract");
  o->verify = flag("verify");
  text("input", &o->input);
  o->copy_back = flag("copy_back");
  o->slave_info = flag("slave_info");
  o->no_backup_locks = flag("no_backup_locks");
  o->allow_partial_backup = flag("allow_partial_backup");
  HOTBACKUP_RETURN_IF_ERROR(ParseInt(r, "lock_wait_timeout", &o->lock_wait_timeout));
  text("incremental_base", &o->incremental_base);
  text("save_manifest", &o->save_manifest);
  text("incremental_base_dir", &o->incremental_base_dir);
  if (flag("encrypt_recipient")) {
    o->encrypt_recipients = r["encrypt_recipient"].as<std::vector<std::string>>();
  }
  text("encrypt_recipients_file", &o->encrypt_recipients_file);
  text("encrypt_passphrase_file", &o->encrypt_passphrase_file);
  HOTBACKUP_RETURN_IF_ERROR(ParseInt(r, "encrypt_threads", &o->encrypt_threads));
  text("decrypt_identity", &o->decrypt_identity);
  text("decrypt_passphrase_file", &o->decrypt_passphrase_file);
  text("s3_endpoint", &o->s3_endpoint);
  text("s3_region", &o->s3_region);
  HOTBACKUP_RETURN_IF_ERROR(ParseInt(r, "s3_parallel", &o->s3_parallel));
  HOTBACKUP_RETURN_IF_ERROR(ParseInt(r, "s3_retry_seconds", &o->s3_retry_seconds));
  return Status::OK();
}

}  // namespace

bool Options::Given(std::string_view long_name) const {
  return std::find(given.begin(), given.end(), long_name) != given.end();
}

bool OptionBelongsTo(std::string_view long_name, ModeKind mode) {
  const OptionSpec* spec = FindOption(long_name);
  return spec != nullptr && (spec->modes & Bit(mode)) != 0;
}

Status ParseCommandLine(int argc, char** argv, Options* o) {
  NormalizeDashedOptions(argc, argv);
  cxxopts::Options parser("myrocks_hotbackup", kUsage);
  DeclareOptions(&parser);
  o->help_text = parser.help();
  // Whatever else is wrong, --help answers with the help (the password
  // wiped all the same).
  if (AsksForHelp(argc, argv)) {
    WipePassword(argc, argv);
    o->help = true;
    return Status::OK();
  }
  Status read;
  try {
    cxxopts::ParseResult r = parser.parse(argc, argv);
    if (!r.unmatched().empty()) {
      read = Status::InvalidArgument("unexpected argument '" + r.unmatched().front() + "'");
    } else {
      read = ReadOptions(r, o);
    }
  } catch (const cxxopts::exceptions::no_such_option& e) {
    // "Option 'x' does not exist" -> "unknown option '--x'"
    const std::string what = AsciiQuotes(e.what());
    const size_t open = what.find('\''), close = what.rfind('\'');
    const std::string name = open < close ? what.substr(open + 1, close - open - 1) : what;
    read = Status::InvalidArgument("unknown option '" + std::string(name.size() == 1 ? "-" : "--") +
                                   name + "'");
  } catch (const cxxopts::exceptions::exception& e) {
    read = Status::InvalidArgument(AsciiQuotes(e.what()));
  }
  // Wiped whatever happened: a refused command line can still carry it.
  WipePassword(argc, argv);
  HOTBACKUP_RETURN_IF_ERROR(read);
  if (o->help || o->version) return Status::OK();
  HOTBACKUP_RETURN_IF_ERROR(ValidateOptions(*o));
  o->mode = ModeOf(*o);
  return Status::OK();
}

}  // namespace hotbackup
