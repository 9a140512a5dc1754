// Base64 as age writes it (c2sp.org/age): RFC 4648 section 4, the standard
// alphabet "A-Za-z0-9+/", with no '=' padding.
//
// Decoding accepts only the canonical encoding, so that each byte string
// has exactly one text form and a header's MAC cannot be kept while its
// text changes: a length of 1 mod 4, '=', line ends, spaces, any other
// character, and nonzero unused bits in the last character are refused.
#ifndef HOTBACKUP_ENCRYPT_BASE64_H_
#define HOTBACKUP_ENCRYPT_BASE64_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "hotbackup/util/status.h"

namespace hotbackup {

// ceil(4 * size / 3) characters, unpadded.
std::string Base64Encode(std::span<const uint8_t> data);

// Replaces *data with the bytes `text` encodes. kCorruption for any
// non-canonical or malformed text; the message never quotes the text.
Status Base64Decode(std::string_view text, std::vector<uint8_t>* data);

}  // namespace hotbackup

#endif  // HOTBACKUP_ENCRYPT_BASE64_H_
