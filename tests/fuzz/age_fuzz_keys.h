// The fixed key and passphrase the age fuzz target decrypts with, and with
// which make_fuzz_seeds encrypts its age seeds, so that mutations of valid
// files reach past the header into the payload.
#ifndef HOTBACKUP_TESTS_FUZZ_AGE_FUZZ_KEYS_H_
#define HOTBACKUP_TESTS_FUZZ_AGE_FUZZ_KEYS_H_

#include "hotbackup/encrypt/age_keys.h"

namespace hotbackup {
namespace fuzz {

inline AgeIdentity FuzzIdentity() {
  AgeIdentity identity;
  for (size_t i = 0; i < identity.secret_key.size(); ++i) {
    identity.secret_key[i] = static_cast<uint8_t>(i + 1);
  }
  return identity;
}

inline constexpr char kFuzzPassphrase[] = "fuzz";
// scrypt's work factor is kept tiny so that every input runs fast.
inline constexpr int kFuzzScryptLog2N = 2;

}  // namespace fuzz
}  // namespace hotbackup

#endif  // HOTBACKUP_TESTS_FUZZ_AGE_FUZZ_KEYS_H_
