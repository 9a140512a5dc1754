// Bech32 (BIP-173, the original checksum constant 1, not Bech32m), as age
// encodes its keys: a human-readable part (HRP), the separator '1', the
// data as 5-bit characters from "qpzry9x8gf2tvdw0s3jn54khce6mua7l", and a
// 6-character checksum. Unlike BIP-173, no 90-character limit: age's keys
// are longer (an identity is 74 characters, a post-quantum key far more).
#ifndef HOTBACKUP_ENCRYPT_BECH32_H_
#define HOTBACKUP_ENCRYPT_BECH32_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "hotbackup/util/status.h"

namespace hotbackup {

// Lower-case Bech32 of `data` (8-bit bytes, regrouped into 5-bit characters
// with zero padding) under `hrp`, which must be 1 or more characters in
// 33..126 (it is lower-cased). Upper-case the result for an upper-case key.
std::string Bech32Encode(std::string_view hrp, std::span<const uint8_t> data);

// Splits `text` at its last '1' into *hrp (in the case `text` has) and
// *data (the 8-bit bytes). kInvalidArgument for mixed case, a character
// outside 33..126 or outside the data alphabet, an empty HRP, a data part
// shorter than the checksum, a wrong checksum, or padding that is more
// than 4 bits or not zero. Messages never quote `text` (it may be a secret
// key).
Status Bech32Decode(std::string_view text, std::string* hrp, std::vector<uint8_t>* data);

}  // namespace hotbackup

#endif  // HOTBACKUP_ENCRYPT_BECH32_H_
