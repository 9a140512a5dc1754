// SHA-256 through OpenSSL's EVP interface: the digest that ties a backup's
// manifest to itself and an incremental backup to its parent's manifest.
// Incremental, so a manifest streamed in pieces is hashed as it goes out.
#ifndef HOTBACKUP_UTIL_SHA256_H_
#define HOTBACKUP_UTIL_SHA256_H_

#include <memory>
#include <string>
#include <string_view>

namespace hotbackup {

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void Update(std::string_view data);
  // The digest of everything updated so far, as 64 lowercase hex digits.
  // The object may not be updated afterwards.
  std::string HexDigest();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// SHA-256 of `data` as 64 lowercase hex digits.
std::string Sha256Hex(std::string_view data);

// Whether `text` is 64 lowercase hex digits.
bool IsSha256Hex(std::string_view text);

// `bytes` random bytes from OpenSSL's CSPRNG, as lowercase hex.
std::string RandomHex(size_t bytes);

}  // namespace hotbackup

#endif  // HOTBACKUP_UTIL_SHA256_H_
