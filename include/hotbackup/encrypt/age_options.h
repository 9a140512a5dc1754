// The command line's encryption settings, read into what the age header
// needs: recipients (--encrypt_recipient, --encrypt_recipients_file) or a
// passphrase (--encrypt_passphrase_file) for a backup, identities
// (--decrypt_identity) or a passphrase (--decrypt_passphrase_file) for
// --extract / --verify. Keys and passphrases only ever come from files (a
// public recipient may be on the command line); errors name the option and
// the file, never a key.
#ifndef HOTBACKUP_ENCRYPT_AGE_OPTIONS_H_
#define HOTBACKUP_ENCRYPT_AGE_OPTIONS_H_

#include <optional>

#include "hotbackup/encrypt/age_header.h"
#include "hotbackup/options.h"
#include "hotbackup/util/status.h"

namespace hotbackup {

// nullopt when no --encrypt_* option was given.
Status EncryptionFromOptions(const Options& options, std::optional<AgeEncryptTo>* to);

// nullopt when no --decrypt_* option was given.
Status DecryptionFromOptions(const Options& options, std::optional<AgeDecryptWith>* with);

}  // namespace hotbackup

#endif  // HOTBACKUP_ENCRYPT_AGE_OPTIONS_H_
