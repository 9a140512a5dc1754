// ParseCommandLine and ValidateOptions without the binary: which options
// each mode takes (checked against this file's own table, so a wrong row in
// options.cc's table fails here), the modes chosen and refused together,
// numbers and ranges, the required options of each mode, the messages (the
// option named, ASCII quotes), --help winning over every error, and the
// password wiped from argv whatever the outcome.
#include "hotbackup/options.h"

#include <catch2/catch.hpp>
#include <map>
#include <regex>
#include <set>
#include <string>
#include <vector>

namespace hotbackup {
namespace {

// argv as main() gets it: writable strings (ParseCommandLine rewrites them).
class Argv {
 public:
  explicit Argv(const std::vector<std::string>& args) {
    storage_.push_back("myrocks_hotbackup");
    storage_.insert(storage_.end(), args.begin(), args.end());
    for (std::string& s : storage_) pointers_.push_back(s.data());
    pointers_.push_back(nullptr);
  }
  int argc() const { return static_cast<int>(storage_.size()); }
  char** argv() { return pointers_.data(); }
  // The argument as it is now in memory.
  std::string operator[](size_t i) const { return std::string(pointers_[i]); }

 private:
  std::vector<std::string> storage_;
  std::vector<char*> pointers_;
};

Status Parse(const std::vector<std::string>& args, Options* options) {
  Argv argv(args);
  return ParseCommandLine(argv.argc(), argv.argv(), options);
}

Status Parse(const std::vector<std::string>& args) {
  Options options;
  return Parse(args, &options);
}

std::string Show(const std::vector<std::string>& args) {
  std::string s;
  for (const std::string& a : args) s += (s.empty() ? "" : " ") + a;
  return s;
}

const std::vector<ModeKind> kModes = {ModeKind::kBackup,          ModeKind::kWdtBackup,
                                      ModeKind::kExtract,         ModeKind::kVerifyArchive,
                                      ModeKind::kVerifyDirectory, ModeKind::kMoveBack,
                                      ModeKind::kCopyBack};

// The smallest valid command line of each mode.
std::vector<std::string> BaseArgs(ModeKind mode) {
  switch (mode) {
    case ModeKind::kBackup:
      return {};
    case ModeKind::kWdtBackup:
      return {"--stream=wdt", "--destination=backuphost", "--backup_dir=/b"};
    case ModeKind::kExtract:
      return {"--extract", "--backup_dir=/b"};
    case ModeKind::kVerifyArchive:
      return {"--verify"};
    case ModeKind::kVerifyDirectory:
      return {"--verify", "--backup_dir=/b"};
    case ModeKind::kMoveBack:
    case ModeKind::kCopyBack:
      return {mode == ModeKind::kMoveBack ? "--move_back" : "--copy_back", "--datadir=/d",
              "--rocksdb_datadir=/d/#rocksdb", "--rocksdb_waldir=/w", "--backup_dir=/b"};
  }
  return {};
}

// How a refusal names the mode (the flag a user typed, or "backup").
std::string NameOf(ModeKind mode) {
  switch (mode) {
    case ModeKind::kBackup:
      return "backup";
    case ModeKind::kWdtBackup:
      return "--stream=wdt";
    case ModeKind::kExtract:
      return "--extract";
    case ModeKind::kVerifyArchive:
    case ModeKind::kVerifyDirectory:
      return "--verify";
    case ModeKind::kMoveBack:
      return "--move_back";
    case ModeKind::kCopyBack:
      return "--copy_back";
  }
  return "?";
}

// Which modes each option belongs to, written down here from what each mode
// does (README, the modes' Check and Run) rather than copied from the
// table, with a valid value for it ("" for a flag).
using ModeSet = std::set<ModeKind>;
const ModeSet kBackups = {ModeKind::kBackup, ModeKind::kWdtBackup};
const ModeSet kTarXbstream = {ModeKind::kBackup};
const ModeSet kWdtOnly = {ModeKind::kWdtBackup};
const ModeSet kMoveBacks = {ModeKind::kMoveBack, ModeKind::kCopyBack};
const ModeSet kReadsArchive = {ModeKind::kExtract, ModeKind::kVerifyArchive};
const ModeSet kS3 = {ModeKind::kBackup, ModeKind::kExtract, ModeKind::kVerifyArchive};
ModeSet Union(ModeSet a, const ModeSet& b) {
  a.insert(b.begin(), b.end());
  return a;
}

struct Expected {
  ModeSet modes;
  std::string value;  // "" for a flag
};

const std::map<std::string, Expected>& ExpectedTable() {
  static const std::map<std::string, Expected> table = {
      {"interval", {kBackups, "10"}},
      {"checkpoint_dir", {kBackups, "/cp"}},
      {"datadir", {Union(kBackups, kMoveBacks), "/d"}},
      {"stream", {kBackups, "xbstream"}},
      {"destination", {kWdtOnly, "backuphost"}},
      {"avg_mbytes_per_sec", {kBackups, "100"}},
      {"extra_wdt_sender_options", {kWdtOnly, "-num_ports=2"}},
      {"extra_wdt_receiver_options", {kWdtOnly, "-num_ports=2"}},
      {"wdt_path", {kWdtOnly, "/usr/bin/wdt"}},
      {"ssh_command", {kWdtOnly, "ssh -p 2222"}},
      {"user", {kBackups, "backup"}},
      {"password", {kBackups, "secret"}},
      {"port", {kBackups, "3307"}},
      {"socket", {kBackups, "/run/mysqld/mysqld.sock"}},
      {"host", {kBackups, "db1"}},
      {"defaults_file", {kBackups, "/etc/backup.cnf"}},
      {"rocksdb_datadir", {kMoveBacks, "/d/#rocksdb"}},
      {"rocksdb_waldir", {kMoveBacks, "/w"}},
      {"backup_dir",
       {{ModeKind::kWdtBackup, ModeKind::kExtract, ModeKind::kVerifyDirectory,
         ModeKind::kMoveBack, ModeKind::kCopyBack},
        "/b"}},
      {"skip_check_frm_timestamp", {Union(kBackups, kMoveBacks), ""}},
      // Only the tar/XBSTREAM backup waits for it (WdtBackupConfig has no
      // such field): a WDT backup would ignore it silently.
      {"debug_signal_file", {kTarXbstream, "/tmp/signal"}},
      {"output", {kTarXbstream, "/backups/today.tar"}},
      {"compress", {kTarXbstream, "zstd"}},
      {"compress_level", {kTarXbstream, "5"}},
      {"compress_threads", {kTarXbstream, "2"}},
      {"direct_io", {kTarXbstream, "off"}},
      {"input", {kReadsArchive, "/backups/today.tar"}},
      {"slave_info", {kBackups, ""}},
      {"no_backup_locks", {kBackups, ""}},
      {"allow_partial_backup", {kBackups, ""}},
      {"lock_wait_timeout", {kBackups, "60"}},
      {"incremental_base", {kTarXbstream, "/backups/full.manifest.json"}},
      {"save_manifest", {kBackups, "/backups/today.manifest.json"}},
      {"incremental_base_dir", {kReadsArchive, "/restore/full"}},
      {"encrypt_recipient", {kTarXbstream, "age1recipient"}},
      {"encrypt_recipients_file", {kTarXbstream, "/etc/backup.recipients"}},
      {"encrypt_passphrase_file", {kTarXbstream, "/etc/backup.pass"}},
      {"encrypt_threads", {kTarXbstream, "4"}},
      {"decrypt_identity", {kReadsArchive, "/etc/backup.key"}},
      {"decrypt_passphrase_file", {kReadsArchive, "/etc/backup.pass"}},
      {"s3_endpoint", {kS3, "http://127.0.0.1:7480"}},
      {"s3_region", {kS3, "eu-west-1"}},
      {"s3_parallel", {kS3, "8"}},
      {"s3_retry_seconds", {kS3, "60"}},
  };
  return table;
}

// The mode flags and --help/--version: every mode's.
const std::set<std::string> kEveryModes = {"move_back", "copy_back", "extract", "verify", "help",
                                           "version"};

std::vector<std::string> With(std::vector<std::string> args, const std::string& name,
                              const std::string& value) {
  args.push_back(value.empty() ? "--" + name : "--" + name + "=" + value);
  return args;
}

bool InArgs(const std::vector<std::string>& args, const std::string& name) {
  for (const std::string& a : args) {
    if (a == "--" + name || a.rfind("--" + name + "=", 0) == 0) return true;
  }
  return false;
}

// The long names --help lists, below its "Usage:" line.
std::set<std::string> OptionsInHelp() {
  Options options;
  REQUIRE(Parse({"--help"}, &options).ok());
  const std::string& help = options.help_text;
  const size_t usage = help.find("Usage:");
  REQUIRE(usage != std::string::npos);
  std::set<std::string> names;
  // "  -i, --interval arg" or "      --destination arg"; a description's
  // continuation lines are indented further.
  std::regex line(R"(\n(?:  -[A-Za-z], |      )--([a-z0-9_]+))");
  for (std::sregex_iterator it(help.begin() + usage, help.end(), line), end; it != end; ++it) {
    names.insert((*it)[1].str());
  }
  return names;
}

TEST_CASE("Options: this test's table lists every option --help shows", "[unit][options]") {
  std::set<std::string> mine = kEveryModes;
  for (const auto& [name, expected] : ExpectedTable()) mine.insert(name);
  const std::set<std::string> in_help = OptionsInHelp();
  CHECK(in_help.size() > 40);
  for (const std::string& name : in_help) {
    CAPTURE(name);
    CHECK(mine.count(name) == 1);  // a new option: say here which modes take it
  }
  for (const std::string& name : mine) {
    CAPTURE(name);
    CHECK(in_help.count(name) == 1);
  }
}

TEST_CASE("Options: OptionBelongsTo agrees with the modes each option is for", "[unit][options]") {
  for (const auto& [name, expected] : ExpectedTable()) {
    for (ModeKind mode : kModes) {
      CAPTURE(name, NameOf(mode), static_cast<int>(mode));
      CHECK(OptionBelongsTo(name, mode) == (expected.modes.count(mode) == 1));
    }
  }
  for (const std::string& name : kEveryModes) {
    for (ModeKind mode : kModes) {
      CAPTURE(name, static_cast<int>(mode));
      CHECK(OptionBelongsTo(name, mode));
    }
  }
  CHECK_FALSE(OptionBelongsTo("no_such_option", ModeKind::kBackup));
}

TEST_CASE("Options: each mode's smallest command line chooses it", "[unit][options]") {
  for (ModeKind mode : kModes) {
    Options options;
    const std::vector<std::string> args = BaseArgs(mode);
    Status s = Parse(args, &options);
    INFO(Show(args) << ": " << s.message());
    REQUIRE(s.ok());
    CHECK(options.mode == mode);
    CHECK(ModeOf(options) == mode);
  }
}

TEST_CASE("Options: each mode accepts each of its own options", "[unit][options]") {
  for (ModeKind mode : kModes) {
    for (const auto& [name, expected] : ExpectedTable()) {
      if (expected.modes.count(mode) == 0 || InArgs(BaseArgs(mode), name)) continue;
      const std::vector<std::string> args = With(BaseArgs(mode), name, expected.value);
      Options options;
      Status s = Parse(args, &options);
      INFO(Show(args) << ": " << s.message());
      CHECK(s.ok());
      CHECK(options.mode == mode);
      CHECK(options.Given(name));
    }
  }
}

TEST_CASE("Options: each mode refuses each option of another mode, naming both",
          "[unit][options]") {
  size_t refusals = 0;
  for (ModeKind mode : kModes) {
    for (const auto& [name, expected] : ExpectedTable()) {
      if (expected.modes.count(mode) == 1) continue;
      // --backup_dir after --verify is a mode of its own, --verify of a
      // directory (and --input with it is refused in its own words, below).
      if (mode == ModeKind::kVerifyArchive && name == "backup_dir") continue;
      if (mode == ModeKind::kVerifyDirectory && name == "input") continue;
      const std::vector<std::string> args = With(BaseArgs(mode), name, expected.value);
      Status s = Parse(args);
      INFO(Show(args) << ": " << s.message());
      CHECK_FALSE(s.ok());
      CHECK(s.code() == Status::Code::kInvalidArgument);
      CHECK_THAT(s.message(), Catch::StartsWith("--" + name + " "));
      CHECK_THAT(s.message(), Catch::Contains(NameOf(mode)));
      CHECK_THAT(s.message(), Catch::Contains("not an option of"));
      ++refusals;
    }
  }
  CHECK(refusals > 150);
}

TEST_CASE("Options: an option of another mode is refused by its short name too",
          "[unit][options]") {
  struct Case {
    std::vector<std::string> args;
    std::string option;
  };
  const std::vector<Case> cases = {
      {{"--extract", "-b", "/r", "-c", "/cp"}, "--checkpoint_dir"},
      {{"--extract", "-b", "/r", "-i", "10"}, "--interval"},
      {{"--verify", "-r", "/d"}, "--rocksdb_datadir"},
      {{"-w", "/w"}, "--rocksdb_waldir"},
      {{"-b", "/r"}, "--backup_dir"},
      {{"-m", "-d", "/d", "-r", "/r", "-w", "/w", "-b", "/b", "-u", "root"}, "--user"},
      {{"--extract", "--backup_dir=/r", "--defaults-file=/etc/my.cnf"}, "--defaults_file"},
  };
  for (const Case& c : cases) {
    Status s = Parse(c.args);
    INFO(Show(c.args) << ": " << s.message());
    CHECK_FALSE(s.ok());
    CHECK_THAT(s.message(), Catch::StartsWith(c.option + " "));
    CHECK_THAT(s.message(), Catch::Contains("not an option of"));
  }
}

TEST_CASE("Options: the issue's two silent cases are refused", "[unit][options]") {
  // An archive given without --extract started a backup.
  Status s = Parse({"--input=x.xbs", "--backup_dir=/r"});
  INFO(s.message());
  CHECK_FALSE(s.ok());
  CHECK_THAT(s.message(), Catch::Contains("not an option of"));
  CHECK_THAT(s.message(), Catch::Contains("--extract"));  // where it goes
  // --extract ignored both.
  for (const std::string option : {"--compress=zstd", "--output=/tmp/x"}) {
    s = Parse({"--extract", "--backup_dir=/r", option});
    INFO(option << ": " << s.message());
    CHECK_FALSE(s.ok());
    CHECK_THAT(s.message(), Catch::StartsWith(option.substr(0, option.find('=')) + " "));
    CHECK_THAT(s.message(), Catch::Contains("--extract"));
  }
}

TEST_CASE("Options: two mode flags are refused, naming both", "[unit][options]") {
  const std::vector<std::string> flags = {"--move_back", "--copy_back", "--extract", "--verify"};
  for (size_t i = 0; i < flags.size(); ++i) {
    for (size_t j = 0; j < flags.size(); ++j) {
      if (i == j) continue;
      const std::vector<std::string> args = {flags[i], flags[j], "--backup_dir=/b",
                                             "--datadir=/d", "--rocksdb_datadir=/r",
                                             "--rocksdb_waldir=/w"};
      Status s = Parse(args);
      INFO(Show(args) << ": " << s.message());
      CHECK_FALSE(s.ok());
      CHECK_THAT(s.message(), Catch::Contains(flags[i]));
      CHECK_THAT(s.message(), Catch::Contains(flags[j]));
      CHECK_THAT(s.message(), Catch::Contains("two modes"));
    }
  }
  Status s = Parse({"--extract", "--verify", "--move_back", "--backup_dir=/b"});
  CHECK_FALSE(s.ok());
  CHECK_THAT(s.message(), Catch::Contains("two modes"));
}

TEST_CASE("Options: --verify of an archive and of a directory at once is refused",
          "[unit][options]") {
  Status s = Parse({"--verify", "--backup_dir=/b", "--input=/a.tar"});
  INFO(s.message());
  CHECK_FALSE(s.ok());
  CHECK_THAT(s.message(), Catch::Contains("--input"));
  CHECK_THAT(s.message(), Catch::Contains("--backup_dir"));
}

TEST_CASE("Options: a number that does not parse is refused naming its option",
          "[unit][options]") {
  // Each in the tar/XBSTREAM backup, which takes them all: only the number
  // can be wrong.
  for (const std::string name : {"interval", "avg_mbytes_per_sec", "port", "lock_wait_timeout",
                                 "compress_level", "compress_threads", "encrypt_threads",
                                 "s3_parallel", "s3_retry_seconds"}) {
    for (const std::string bad : {"abc", "12x", "1.5", "99999999999", "0x10", ""}) {
      const std::vector<std::string> args = {"--" + name + "=" + bad};
      Status s = Parse(args);
      INFO(Show(args) << ": " << s.message());
      CHECK_FALSE(s.ok());
      CHECK_THAT(s.message(), Catch::StartsWith("--" + name + " "));
      CHECK_THAT(s.message(), Catch::Contains(bad));
      CHECK_THAT(s.message(), !Catch::Contains("failed to parse"));
    }
  }
}

TEST_CASE("Options: --interval=abc says --interval", "[unit][options]") {
  Status s = Parse({"--interval=abc"});
  INFO(s.message());
  CHECK_FALSE(s.ok());
  CHECK_THAT(s.message(), Catch::Contains("--interval"));
  CHECK_THAT(s.message(), Catch::Contains("abc"));
}

bool HasTypographicQuotes(const std::string& s) {
  return s.find("\u2018") != std::string::npos || s.find("\u2019") != std::string::npos;
}

TEST_CASE("Options: unknown options are quoted with ASCII quotes", "[unit][options]") {
  struct Case {
    std::vector<std::string> args;
    std::string quoted;
  };
  const std::vector<Case> cases = {
      {{"--no_such_option"}, "'--no_such_option'"},
      {{"--no_such_option=1"}, "'--no_such_option'"},
      {{"-x"}, "'-x'"},
      {{"--extract", "--backup_dir=/r", "--colour"}, "'--colour'"},
  };
  for (const Case& c : cases) {
    Status s = Parse(c.args);
    INFO(Show(c.args) << ": " << s.message());
    CHECK_FALSE(s.ok());
    CHECK_THAT(s.message(), Catch::Contains("unknown option " + c.quoted));
    CHECK_FALSE(HasTypographicQuotes(s.message()));
  }
}

TEST_CASE("Options: no parser message carries typographic quotes", "[unit][options]") {
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"--interval"}, {"--backup_dir"}, {"-i"}, {"--stream=zip"}, {"stray"},
           {"--extract=maybe", "--backup_dir=/b"}}) {
    Status s = Parse(args);
    INFO(Show(args) << ": " << s.message());
    CHECK_FALSE(s.ok());
    CHECK_FALSE(HasTypographicQuotes(s.message()));
  }
  // An option missing its value names it.
  Status s = Parse({"--interval"});
  CHECK_THAT(s.message(), Catch::Contains("interval"));
}

TEST_CASE("Options: --help wins over any other error", "[unit][options]") {
  const std::vector<std::vector<std::string>> cases = {
      {"--help"},
      {"-h"},
      {"--help", "--no_such_option"},
      {"--no_such_option", "--help"},
      {"-x", "-h"},
      {"--interval=abc", "--help"},
      {"--interval", "--help"},
      {"--extract", "--help"},  // no --backup_dir
      {"--extract", "--verify", "--help"},
      {"--extract", "--backup_dir=/b", "--compress=zstd", "-h"},
      {"--stream=zip", "--help"},
      {"--port=0", "--help"},
      {"stray", "--help"},
  };
  for (const std::vector<std::string>& args : cases) {
    Options options;
    Status s = Parse(args, &options);
    INFO(Show(args) << ": " << s.message());
    CHECK(s.ok());
    CHECK(options.help);
    CHECK_THAT(options.help_text, Catch::Contains("--backup_dir"));
  }
}

TEST_CASE("Options: -p/--password is wiped from argv even when parsing fails",
          "[unit][options]") {
  struct Case {
    std::vector<std::string> args;
    size_t at;  // the argument holding the password
  };
  const std::vector<Case> cases = {
      {{"--password=hunter2"}, 1},
      {{"-p", "hunter2"}, 2},
      {{"--password", "hunter2"}, 2},
      {{"-phunter2"}, 1},
      {{"-fphunter2"}, 1},
      // Refused while reading.
      {{"--password=hunter2", "--no_such_option"}, 1},
      {{"-p", "hunter2", "--interval=abc"}, 2},
      {{"--interval=abc", "-phunter2"}, 2},
      {{"--password=hunter2", "stray"}, 1},
      // Refused by validation.
      {{"--extract", "--password=hunter2"}, 2},
      {{"-p", "hunter2", "--port=0"}, 2},
      {{"--extract", "--verify", "-phunter2"}, 3},
  };
  for (const Case& c : cases) {
    Argv argv(c.args);
    Options options;
    Status s = ParseCommandLine(argv.argc(), argv.argv(), &options);
    INFO(Show(c.args) << ": " << s.message() << " -> " << argv[c.at]);
    CHECK(argv[c.at].find("hunter2") == std::string::npos);
    CHECK(argv[c.at].size() == c.args[c.at - 1].size());  // overwritten in place
  }
}

TEST_CASE("Options: the password is wiped when --help answers too", "[unit][options]") {
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"--password=hunter2", "--help"}, {"-p", "hunter2", "-h"}}) {
    Argv argv(args);
    Options options;
    Status s = ParseCommandLine(argv.argc(), argv.argv(), &options);
    CHECK(s.ok());
    CHECK(options.help);
    for (int i = 1; i < argv.argc(); ++i) {
      INFO(Show(args) << " -> argv[" << i << "] = " << argv[i]);
      CHECK(argv[i].find("hunter2") == std::string::npos);
    }
  }
}

TEST_CASE("Options: the password is read before it is wiped", "[unit][options]") {
  Options options;
  REQUIRE(Parse({"-p", "hunter2"}, &options).ok());
  REQUIRE(options.password.has_value());
  CHECK(*options.password == "hunter2");
}

TEST_CASE("Options: --extract needs --backup_dir", "[unit][options]") {
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"--extract"}, {"--extract", "--input=/a.tar"}}) {
    Status s = Parse(args);
    INFO(Show(args) << ": " << s.message());
    CHECK_FALSE(s.ok());
    CHECK_THAT(s.message(), Catch::Contains("--extract"));
    CHECK_THAT(s.message(), Catch::Contains("--backup_dir"));
  }
}

TEST_CASE("Options: --move_back and --copy_back need each of their four directories",
          "[unit][options]") {
  for (ModeKind mode : {ModeKind::kMoveBack, ModeKind::kCopyBack}) {
    const std::vector<std::string> full = BaseArgs(mode);
    for (size_t drop = 1; drop < full.size(); ++drop) {
      std::vector<std::string> args = full;
      const std::string dropped = args[drop].substr(0, args[drop].find('='));
      args.erase(args.begin() + static_cast<long>(drop));
      Status s = Parse(args);
      INFO(Show(args) << ": " << s.message());
      CHECK_FALSE(s.ok());
      CHECK_THAT(s.message(), Catch::Contains(NameOf(mode)));
      CHECK_THAT(s.message(), Catch::Contains(dropped));
    }
    Status s = Parse({NameOf(mode)});
    CHECK_FALSE(s.ok());
  }
}

TEST_CASE("Options: --stream=wdt needs --destination and --backup_dir", "[unit][options]") {
  Status s = Parse({"--stream=wdt", "--backup_dir=/b"});
  INFO(s.message());
  CHECK_FALSE(s.ok());
  CHECK_THAT(s.message(), Catch::Contains("--destination"));
  s = Parse({"--stream=wdt", "--destination=backuphost"});
  INFO(s.message());
  CHECK_FALSE(s.ok());
  CHECK_THAT(s.message(), Catch::Contains("--backup_dir"));
  // ssh would read a leading '-' as an option of its own.
  s = Parse({"--stream=wdt", "--destination=-oProxyCommand=x", "--backup_dir=/b"});
  INFO(s.message());
  CHECK_FALSE(s.ok());
  CHECK_THAT(s.message(), Catch::Contains("--destination"));
}

TEST_CASE("Options: values out of range are refused naming the option", "[unit][options]") {
  struct Case {
    ModeKind mode;
    std::string option;
    std::vector<std::string> refused;
    std::vector<std::string> accepted;
  };
  const std::vector<Case> cases = {
      {ModeKind::kBackup, "interval", {"0", "-1"}, {"1", "86400"}},
      {ModeKind::kBackup, "port", {"0", "-1", "65536"}, {"1", "65535"}},
      {ModeKind::kBackup, "lock_wait_timeout", {"0", "-5"}, {"1", "3600"}},
      {ModeKind::kBackup, "avg_mbytes_per_sec", {"0", "-1"}, {"1", "10000"}},
      {ModeKind::kWdtBackup, "avg_mbytes_per_sec", {"0"}, {"1"}},
      {ModeKind::kBackup, "compress_level", {"23", "99", "-1000000"}, {"1", "19", "-5"}},
      {ModeKind::kBackup, "compress_threads", {"-1", "257"}, {"0", "256"}},
      {ModeKind::kBackup, "encrypt_threads", {"-1", "257"}, {"0", "256"}},
      {ModeKind::kBackup, "s3_parallel", {"0", "65"}, {"1", "64"}},
      {ModeKind::kExtract, "s3_parallel", {"0", "65"}, {"1", "64"}},
      {ModeKind::kBackup, "s3_retry_seconds", {"-1", "86401"}, {"0", "86400"}},
  };
  for (const Case& c : cases) {
    for (const std::string& value : c.refused) {
      const std::vector<std::string> args = With(BaseArgs(c.mode), c.option, value);
      Status s = Parse(args);
      INFO(Show(args) << ": " << s.message());
      CHECK_FALSE(s.ok());
      CHECK_THAT(s.message(), Catch::StartsWith("--" + c.option + " "));
    }
    for (const std::string& value : c.accepted) {
      const std::vector<std::string> args = With(BaseArgs(c.mode), c.option, value);
      Status s = Parse(args);
      INFO(Show(args) << ": " << s.message());
      CHECK(s.ok());
    }
  }
}

TEST_CASE("Options: words that must be one of a few are refused naming the option",
          "[unit][options]") {
  struct Case {
    std::string arg;
    std::string option;
  };
  for (const Case& c : std::vector<Case>{{"--stream=zip", "--stream"},
                                         {"--compress=gzip", "--compress"},
                                         {"--direct_io=maybe", "--direct_io"},
                                         {"--s3_endpoint=ftp://x", "--s3_endpoint"},
                                         {"--output=s3://", "--output"},
                                         {"--save_manifest=s3://", "--save_manifest"},
                                         {"--incremental_base=s3://", "--incremental_base"}}) {
    Status s = Parse({c.arg});
    INFO(c.arg << ": " << s.message());
    CHECK_FALSE(s.ok());
    CHECK_THAT(s.message(), Catch::Contains(c.option));
  }
  Status s = Parse({"--extract", "--backup_dir=/b", "--input=s3://"});
  INFO(s.message());
  CHECK_FALSE(s.ok());
  CHECK_THAT(s.message(), Catch::Contains("--input"));
}

TEST_CASE("Options: combinations the modes cannot honour are refused", "[unit][options]") {
  Status s = Parse({"--encrypt_passphrase_file=/p", "--encrypt_recipient=age1x"});
  INFO(s.message());
  CHECK_FALSE(s.ok());
  CHECK_THAT(s.message(), Catch::Contains("--encrypt_passphrase_file"));
  s = Parse({"--stream=wdt", "--destination=backuphost", "--backup_dir=/b",
             "--save_manifest=s3://bucket/key"});
  INFO(s.message());
  CHECK_FALSE(s.ok());
  CHECK_THAT(s.message(), Catch::Contains("--save_manifest"));
  CHECK_THAT(s.message(), Catch::Contains("--stream=wdt"));
}

TEST_CASE("Options: ValidateOptions alone refuses what Options does not allow",
          "[unit][options]") {
  Options options;
  CHECK(ValidateOptions(options).ok());
  options.given = {"input"};
  Status s = ValidateOptions(options);
  CHECK_FALSE(s.ok());
  CHECK_THAT(s.message(), Catch::StartsWith("--input "));
  options = Options();
  options.extract = true;
  options.backup_dir = "/b";
  options.given = {"extract", "backup_dir"};
  CHECK(ValidateOptions(options).ok());
  options.move_back = true;
  CHECK_FALSE(ValidateOptions(options).ok());
}

}  // namespace
}  // namespace hotbackup
