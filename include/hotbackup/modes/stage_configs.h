// The command line turned into the narrow settings each stage takes: the
// server session's (with the connection resolved), the archive stream's,
// and age's (recipients, identities and passphrases read from their files).
// The modes call these; no stage below sees Options.
//
// Keys and passphrases only ever come from files (a public recipient may be
// on the command line); errors name the option and the file, never a key.
#ifndef HOTBACKUP_MODES_STAGE_CONFIGS_H_
#define HOTBACKUP_MODES_STAGE_CONFIGS_H_

#include <optional>

#include "hotbackup/archive/archive_stream.h"
#include "hotbackup/encrypt/age_header.h"
#include "hotbackup/options.h"
#include "hotbackup/server/server_session.h"
#include "hotbackup/util/status.h"

namespace hotbackup {

// -u -p -P -S --host --defaults_file, MYSQL_PWD and the option file merged
// (client_config.h), and the session's own options. Reads the option file;
// connects to nothing.
Status SessionConfigFromOptions(const Options& options, SessionConfig* config);

// --stream, --compress*, --avg_mbytes_per_sec (only when given: a tar or
// XBSTREAM stream is not throttled by default).
StreamOptions StreamOptionsFromOptions(const Options& options);

// --direct_io: unset for auto (as the server reads).
std::optional<ReadMode> ReadModeFromOptions(const Options& options);

// nullopt when no --encrypt_* option was given.
Status EncryptionFromOptions(const Options& options, std::optional<AgeEncryptTo>* to);
// nullopt when no --decrypt_* option was given.
Status DecryptionFromOptions(const Options& options, std::optional<AgeDecryptWith>* with);

}  // namespace hotbackup

#endif  // HOTBACKUP_MODES_STAGE_CONFIGS_H_
