// age keys and passphrases as the age tool writes them (c2sp.org/age):
// X25519 recipients "age1..." (Bech32, HRP "age"), identities
// "AGE-SECRET-KEY-1..." (Bech32, HRP "AGE-SECRET-KEY-", upper case), and the
// files that hold them. Parsing is strict: a key that does not decode is an
// error naming the file and line, never skipped. No key material is ever put
// in a message.
#ifndef HOTBACKUP_ENCRYPT_AGE_KEYS_H_
#define HOTBACKUP_ENCRYPT_AGE_KEYS_H_

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "hotbackup/util/status.h"

namespace hotbackup {

using X25519Key = std::array<uint8_t, 32>;

struct AgeRecipient {
  X25519Key public_key{};
};

// A secret key; the memory is wiped when the object goes.
struct AgeIdentity {
  X25519Key secret_key{};
  ~AgeIdentity();
  AgeIdentity() = default;
  AgeIdentity(const AgeIdentity&) = default;
  AgeIdentity& operator=(const AgeIdentity&) = default;
};

// "age1..." -> recipient. kInvalidArgument for anything else (a wrong
// checksum, HRP, length or mixed case). Lower case only, as age: its parser
// compares the HRP "age" in the case the text has.
Status ParseAgeRecipient(std::string_view text, AgeRecipient* recipient);
std::string FormatAgeRecipient(const AgeRecipient& recipient);

// "AGE-SECRET-KEY-1..." -> identity; upper case only (age's rule, as for
// recipients). kInvalidArgument otherwise.
Status ParseAgeIdentity(std::string_view text, AgeIdentity* identity);
std::string FormatAgeIdentity(const AgeIdentity& identity);
// The recipient of an identity (X25519 of the basepoint).
Status AgeRecipientOf(const AgeIdentity& identity, AgeRecipient* recipient);

// age's recipients file: one "age1..." per line; blank lines and lines
// starting with '#' ignored. Other recipient types (ssh keys, plugins) are
// kNotSupported, naming the line. At least one recipient.
Status ReadAgeRecipientsFile(const std::string& path, std::vector<AgeRecipient>* recipients);

// age's identity file (age-keygen's output): "AGE-SECRET-KEY-1..." lines;
// blank lines and '#' comments ignored. Plugin identities and SSH private
// keys are kNotSupported, naming the line. At least one identity.
//
// In both files, as in age, a line ends at '\n' (one '\r' before it is
// dropped) and is not otherwise trimmed; errors name the file and line.
// An identity file is refused (kInvalidArgument) when its mode gives group
// or others any access, as ssh refuses a private key (io/secret_file.h); a
// recipients file holds public keys only and may be readable by anyone.
Status ReadAgeIdentityFile(const std::string& path, std::vector<AgeIdentity>* identities);

// A passphrase file: its first line, without its "\n" or "\r\n" (at most
// 64 KiB). Refused (kInvalidArgument) when the file's mode gives group or
// others any access (as ssh refuses a private key: chmod 600; the check of
// io/secret_file.h), or when the passphrase is empty.
Status ReadPassphraseFile(const std::string& path, std::string* passphrase);

}  // namespace hotbackup

#endif  // HOTBACKUP_ENCRYPT_AGE_KEYS_H_
