// The command line: every option of the original myrocks_hotbackup.py, with
// its short and long names and defaults, plus this tool's own options in the
// same underscore style.
//
// Only the modes layer (modes/) and main.cc read Options: the stages below
// take narrow configs of their own, which the modes fill from these fields.
#ifndef HOTBACKUP_OPTIONS_H_
#define HOTBACKUP_OPTIONS_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hotbackup/compress/compression.h"
#include "hotbackup/util/status.h"

namespace hotbackup {

enum class StreamKind { kTar, kXbstream, kWdt };
// What one run does; each mode accepts only its own options (options.cc's
// table says which).
enum class ModeKind {
  kBackup,           // a tar or XBSTREAM stream (the default)
  kWdtBackup,        // --stream=wdt
  kExtract,          // --extract
  kVerifyArchive,    // --verify (stdin or --input)
  kVerifyDirectory,  // --verify --backup_dir
  kMoveBack,         // -m / --move_back
  kCopyBack,         // --copy_back
};
enum class DirectIo { kAuto, kOn, kOff };  // kAuto follows rocksdb_use_direct_reads

struct Options {
  // -- the original's options --
  int interval_seconds = 300;                                    // -i
  std::string checkpoint_dir = "/data/mysql/backup/snapshot";    // -c
  std::string datadir;                                           // -d; empty = ask the server
  StreamKind stream = StreamKind::kTar;                          // -s
  std::string destination;                                       // WDT only
  int avg_mbytes_per_sec = 500;           // WDT's default; tar/xbstream only when given
  bool avg_mbytes_per_sec_given = false;  // without it, only WDT is throttled
  std::string extra_wdt_sender_options;
  std::string extra_wdt_receiver_options;
  std::string wdt_path = "wdt";     // WDT: run locally and remotely
  std::string ssh_command = "ssh";  // WDT: split on blanks
  std::optional<std::string> user;      // -u; default "root" unless an option file names one
  std::optional<std::string> password;  // -p
  std::optional<int> port;              // -P; default 3306
  std::optional<std::string> socket;    // -S; takes precedence over host and port
  bool move_back = false;               // -m
  std::string rocksdb_datadir;          // -r
  std::string rocksdb_waldir;           // -w
  std::string backup_dir;               // -b
  bool skip_check_frm_timestamp = false;  // -f
  std::string debug_signal_file;          // -D

  // -- this tool's own --
  std::optional<std::string> host;  // default 127.0.0.1
  std::string defaults_file;        // client option file; default ~/.my.cnf
  std::string output;               // empty = stdout
  Compression compression = Compression::kNone;
  int compress_level = 3;
  int compress_threads = 0;
  DirectIo direct_io = DirectIo::kAuto;
  bool extract = false;    // read an archive into --backup_dir
  bool verify = false;     // check an archive, or with backup_dir a directory; writes nothing
  std::string input;       // --extract / --verify input; empty = stdin
  bool copy_back = false;  // move-back that leaves the backup directory intact
  bool slave_info = false;       // record a replica's position in its primary's binlog
  bool no_backup_locks = false;  // no BACKUP STAGE: no consistent binlog position
  int lock_wait_timeout = 30;    // seconds, for BACKUP STAGE BLOCK_COMMIT
  bool allow_partial_backup = false;  // leave out tables of engines not copied (InnoDB...)
  std::string incremental_base;      // backup: the manifest of the backup to build on
  std::string save_manifest;         // backup: also write the manifest to this file
  std::string incremental_base_dir;  // extract/verify: the extracted parent backup
  std::vector<std::string> encrypt_recipients;  // backup: age1... public keys
  std::string encrypt_recipients_file;          // backup: age's recipients file
  std::string encrypt_passphrase_file;          // backup: scrypt passphrase, file mode 0600
  int encrypt_threads = 2;                      // backup: sealing threads
  std::string decrypt_identity;                 // extract/verify: age identity file
  std::string decrypt_passphrase_file;          // extract/verify: the passphrase
  // Object storage: --output, --input, --save_manifest and --incremental_base
  // may name s3://BUCKET/KEY; credentials only from the environment or
  // ~/.aws/credentials (s3/s3_credentials.h).
  std::string s3_endpoint;            // "" = AWS; given = path-style addressing
  std::string s3_region = "us-east-1";
  int s3_parallel = 4;                // parts / ranges in flight
  int s3_retry_seconds = 300;         // give up on a request failing this long

  bool help = false;
  bool version = false;
  std::string help_text;

  ModeKind mode = ModeKind::kBackup;  // from the flags above (ModeOf)
  std::vector<std::string> given;     // long names of the options on the command line
  bool Given(std::string_view long_name) const;
};

// Parses argv: the option table is declared, argv read into *options, and
// the result validated (ValidateOptions). On success with -p/--password
// given, the password's bytes in argv are overwritten so it does not linger
// in /proc/<pid>/cmdline. With -h/--help anywhere, only help is set (and
// help_text): help wins over every other error. Errors are one line naming
// the option, meant for "myrocks_hotbackup: <message>" and exit code 2.
Status ParseCommandLine(int argc, char** argv, Options* options);

// The mode the flags choose (the first of move_back, copy_back, extract,
// verify set; else the stream's backup). ValidateOptions refuses two.
ModeKind ModeOf(const Options& options);
// "--extract", "a tar/xbstream backup", ...: how messages name a mode.
std::string_view ModeDisplayName(ModeKind mode);

// Whether the option `long_name` ("interval", "backup_dir") is one of
// `mode`'s (help and version are every mode's).
bool OptionBelongsTo(std::string_view long_name, ModeKind mode);

// The rules across options, on what ParseCommandLine read: one mode; each
// option given (Options::given) belongs to that mode; values in range;
// combinations the modes cannot honour. Does not touch files or the network.
Status ValidateOptions(const Options& options);

}  // namespace hotbackup

#endif  // HOTBACKUP_OPTIONS_H_
