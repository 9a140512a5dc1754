// RAND_bytes behind a Status. RAND_bytes takes an int length, so a larger
// request is made in pieces.
#include "hotbackup/util/random_bytes.h"

#include <openssl/rand.h>

#include <algorithm>
#include <climits>

#include "hotbackup/util/openssl_error.h"

namespace hotbackup {

Status RandomBytes(std::span<uint8_t> out) {
  while (!out.empty()) {
    const size_t n = std::min<size_t>(out.size(), INT_MAX);
    if (RAND_bytes(out.data(), static_cast<int>(n)) != 1) return OpenSslError("RAND_bytes");
    out = out.subspan(n);
  }
  return Status::OK();
}

}  // namespace hotbackup
