// Random bytes from OpenSSL's CSPRNG (RAND_bytes), the one place the tool
// asks for them: backup ids (sha256.h's RandomHex) and age's file keys,
// nonces, salts and ephemeral keys (encrypt/). Thread-safe.
#ifndef HOTBACKUP_UTIL_RANDOM_BYTES_H_
#define HOTBACKUP_UTIL_RANDOM_BYTES_H_

#include <cstdint>
#include <span>

#include "hotbackup/util/status.h"

namespace hotbackup {

// Fills `out`, of any size. Fails (kNotSupported, with OpenSSL's reason)
// only when the generator cannot be seeded; `out` is then unspecified.
Status RandomBytes(std::span<uint8_t> out);

}  // namespace hotbackup

#endif  // HOTBACKUP_UTIL_RANDOM_BYTES_H_
