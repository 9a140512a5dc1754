// OpenSslError: the Status an OpenSSL failure becomes, for every caller of
// OpenSSL that can report one (random bytes, age's primitives).
#ifndef HOTBACKUP_UTIL_OPENSSL_ERROR_H_
#define HOTBACKUP_UTIL_OPENSSL_ERROR_H_

#include <string_view>

#include "hotbackup/util/status.h"

namespace hotbackup {

// kNotSupported, "OpenSSL <what> failed: <reason>", with OpenSSL's first
// queued reason (if any). Clears this thread's OpenSSL error queue, so that
// a later, unrelated call does not report this failure as its own.
Status OpenSslError(std::string_view what);

}  // namespace hotbackup

#endif  // HOTBACKUP_UTIL_OPENSSL_ERROR_H_
