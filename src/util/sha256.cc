// One EVP_MD_CTX per digest; OpenSSL failures are programming errors here
// (SHA-256 is always available in OpenSSL 3's default provider), so they
// abort rather than travel as a Status.
#include "hotbackup/util/sha256.h"

#include <openssl/evp.h>

#include <cstdio>
#include <cstdlib>
#include <vector>

#include "hotbackup/util/random_bytes.h"

namespace hotbackup {
namespace {

[[noreturn]] void Fail(const char* what) {
  std::fprintf(stderr, "myrocks_hotbackup: OpenSSL %s failed\n", what);
  std::abort();
}

std::string ToHex(const unsigned char* bytes, size_t size) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(size * 2, '0');
  for (size_t i = 0; i < size; ++i) {
    out[2 * i] = kHex[bytes[i] >> 4];
    out[2 * i + 1] = kHex[bytes[i] & 0xf];
  }
  return out;
}

}  // namespace

struct Sha256::State {
  EVP_MD_CTX* ctx = nullptr;
  ~State() { EVP_MD_CTX_free(ctx); }
};

Sha256::Sha256() : state_(std::make_unique<State>()) {
  state_->ctx = EVP_MD_CTX_new();
  if (state_->ctx == nullptr || EVP_DigestInit_ex(state_->ctx, EVP_sha256(), nullptr) != 1) {
    Fail("SHA-256 init");
  }
}

Sha256::~Sha256() = default;

void Sha256::Update(std::string_view data) {
  if (EVP_DigestUpdate(state_->ctx, data.data(), data.size()) != 1) Fail("SHA-256 update");
}

std::string Sha256::HexDigest() {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (EVP_DigestFinal_ex(state_->ctx, digest, &size) != 1) Fail("SHA-256 final");
  return ToHex(digest, size);
}

std::string Sha256Hex(std::string_view data) {
  Sha256 sha;
  sha.Update(data);
  return sha.HexDigest();
}

bool IsSha256Hex(std::string_view text) {
  if (text.size() != 64) return false;
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

std::string RandomHex(size_t bytes) {
  std::vector<uint8_t> raw(bytes);
  Status s = RandomBytes(raw);
  if (!s.ok()) {
    // The one caller, NewBackupId (archive/manifest.h), hands the id back
    // as a plain value, so a failure has no way out but this; and with no
    // randomness no backup id could be trusted to be unique anyway.
    std::fprintf(stderr, "myrocks_hotbackup: %s\n", s.message().c_str());
    std::abort();
  }
  return ToHex(raw.data(), raw.size());
}

}  // namespace hotbackup
