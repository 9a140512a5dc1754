// The age header (c2sp.org/age, "age-encryption.org/v1"): the stanzas that
// carry the file key to each recipient, and the header MAC.
//
//   age-encryption.org/v1
//   -> X25519 <ephemeral share, base64>      one stanza per recipient, or
//   <wrapped file key, base64>
//   -> scrypt <salt, base64> <log2 N>         a single scrypt stanza
//   <wrapped file key, base64>
//   --- <HMAC-SHA-256 of the header up to "---", base64>
//
// Base64 is RFC 4648 standard without padding, bodies wrapped at 64
// columns, canonical encodings only (age rejects others). The file key is
// 16 random bytes; the payload that follows the header is age_stream.h's.
// Every primitive is OpenSSL's (X25519, HKDF-SHA-256, ChaCha20-Poly1305,
// scrypt, HMAC-SHA-256).
#ifndef HOTBACKUP_ENCRYPT_AGE_HEADER_H_
#define HOTBACKUP_ENCRYPT_AGE_HEADER_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "hotbackup/encrypt/age_keys.h"
#include "hotbackup/io/byte_source.h"
#include "hotbackup/util/status.h"

namespace hotbackup {

using AgeFileKey = std::array<uint8_t, 16>;

inline constexpr char kAgeMagic[] = "age-encryption.org/v1\n";

// scrypt (r = 8, p = 1) needs 128 * r * N bytes: 256 MiB at age's default
// work factor log2 N = 18, which we write too, and 4 GiB at 22, the most
// age's own reader accepts and so the most ours does.
inline constexpr int kScryptDefaultLog2N = 18;
inline constexpr int kScryptMaxLog2N = 22;

// ReadAgeHeader refuses a longer header (kCorruption), so that garbage
// input cannot make it hold unbounded memory. A header costs about 110
// bytes per X25519 recipient: 1 MiB is thousands of recipients, far beyond
// any real file, and age itself writes nothing near it.
inline constexpr size_t kMaxAgeHeaderSize = size_t{1} << 20;

struct AgeEncryptTo {
  std::vector<AgeRecipient> recipients;  // X25519
  std::optional<std::string> passphrase;  // scrypt; then no recipients
  int scrypt_log2_n = kScryptDefaultLog2N;
};

struct AgeDecryptWith {
  std::vector<AgeIdentity> identities;
  std::optional<std::string> passphrase;
  int max_scrypt_log2_n = kScryptMaxLog2N;
};

// A new random file key.
AgeFileKey NewAgeFileKey();

// The whole header for `file_key`, from the magic line through the MAC line
// and its newline. kInvalidArgument for no recipient, or a passphrase with
// recipients.
Status WriteAgeHeader(const AgeEncryptTo& to, const AgeFileKey& file_key, std::string* header);

// Reads the header from `source` (exactly its bytes: the payload's first
// byte is the next one `source` gives), unwraps the file key with one of
// `with`, and checks the MAC. Unknown stanza types are skipped, as age
// does. Errors, one line each, never showing a key:
//   kCorruption: not an age file, a malformed header (a malformed X25519
//     stanza too, even beside one that matches, as age), a header longer
//     than kMaxAgeHeaderSize, a MAC mismatch;
//   kInvalidArgument: no identity matches any of the file's recipients, a
//     wrong passphrase, a scrypt work factor above the limit, a scrypt
//     stanza beside others, a passphrase given for a file without one.
Status ReadAgeHeader(ByteSource* source, const AgeDecryptWith& with, AgeFileKey* file_key);

}  // namespace hotbackup

#endif  // HOTBACKUP_ENCRYPT_AGE_HEADER_H_
