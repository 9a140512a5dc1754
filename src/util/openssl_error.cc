// OpenSSL reports failures through a per-thread queue of error codes; this
// turns the first one into a message and empties the queue, so that a
// stale code never shows up in the message of a later failure.
#include "hotbackup/util/openssl_error.h"

#include <openssl/err.h>

#include <string>

namespace hotbackup {

Status OpenSslError(std::string_view what) {
  std::string message = "OpenSSL " + std::string(what) + " failed";
  unsigned long code = ERR_peek_error();
  if (code != 0) {
    char reason[256];
    ERR_error_string_n(code, reason, sizeof(reason));
    message += ": ";
    message += reason;
  }
  ERR_clear_error();
  return Status::NotSupported(message);
}

}  // namespace hotbackup
