// Thin RAII wrappers over OpenSSL 3's EVP interface for the primitives age
// uses. Algorithms are fetched by name from the default provider, so a
// build whose provider lacks one (a FIPS-only configuration has no X25519
// KDF or ChaCha20-Poly1305 there) fails with kNotSupported at first use
// rather than at startup.
#include "hotbackup/encrypt/openssl_crypto.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include <algorithm>
#include <string>

#include "hotbackup/util/openssl_error.h"

namespace hotbackup {
namespace {

template <typename T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const { Free(p); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, Deleter<EVP_PKEY_CTX, EVP_PKEY_CTX_free>>;
using CipherCtxPtr =
    std::unique_ptr<EVP_CIPHER_CTX, Deleter<EVP_CIPHER_CTX, EVP_CIPHER_CTX_free>>;
using CipherPtr = std::unique_ptr<EVP_CIPHER, Deleter<EVP_CIPHER, EVP_CIPHER_free>>;
using KdfPtr = std::unique_ptr<EVP_KDF, Deleter<EVP_KDF, EVP_KDF_free>>;
using KdfCtxPtr = std::unique_ptr<EVP_KDF_CTX, Deleter<EVP_KDF_CTX, EVP_KDF_CTX_free>>;
using MacPtr = std::unique_ptr<EVP_MAC, Deleter<EVP_MAC, EVP_MAC_free>>;
using MacCtxPtr = std::unique_ptr<EVP_MAC_CTX, Deleter<EVP_MAC_CTX, EVP_MAC_CTX_free>>;

// OSSL_PARAM wants a mutable pointer for input octet strings it only reads.
OSSL_PARAM OctetParam(const char* key, std::span<const uint8_t> bytes) {
  return OSSL_PARAM_construct_octet_string(key, const_cast<uint8_t*>(bytes.data()), bytes.size());
}

Status DeriveKdf(const char* name, OSSL_PARAM* params, std::span<uint8_t> out) {
  KdfPtr kdf(EVP_KDF_fetch(nullptr, name, nullptr));
  if (kdf == nullptr) return OpenSslError(std::string("fetch ") + name);
  KdfCtxPtr ctx(EVP_KDF_CTX_new(kdf.get()));
  if (ctx == nullptr) return OpenSslError(std::string(name) + " context");
  if (EVP_KDF_derive(ctx.get(), out.data(), out.size(), params) != 1) {
    return OpenSslError(name);
  }
  return Status::OK();
}

}  // namespace

Status X25519PublicKey(std::span<const uint8_t, kX25519Size> secret_key,
                       std::span<uint8_t, kX25519Size> public_key) {
  PkeyPtr key(
      EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, nullptr, secret_key.data(), kX25519Size));
  if (key == nullptr) return OpenSslError("X25519 private key");
  size_t size = kX25519Size;
  if (EVP_PKEY_get_raw_public_key(key.get(), public_key.data(), &size) != 1 ||
      size != kX25519Size) {
    return OpenSslError("X25519 public key");
  }
  return Status::OK();
}

Status X25519SharedSecret(std::span<const uint8_t, kX25519Size> secret_key,
                          std::span<const uint8_t, kX25519Size> peer_public_key,
                          std::span<uint8_t, kX25519Size> shared_secret) {
  PkeyPtr key(
      EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, nullptr, secret_key.data(), kX25519Size));
  if (key == nullptr) return OpenSslError("X25519 private key");
  PkeyPtr peer(
      EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, nullptr, peer_public_key.data(), kX25519Size));
  if (peer == nullptr) return OpenSslError("X25519 peer key");
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr));
  if (ctx == nullptr) return OpenSslError("X25519 context");
  // No peer validation by OpenSSL: the all-zero check below is the one
  // that matters, and it is ours to report.
  if (EVP_PKEY_derive_init(ctx.get()) != 1 ||
      EVP_PKEY_derive_set_peer_ex(ctx.get(), peer.get(), 0) != 1) {
    return OpenSslError("X25519 derive setup");
  }
  size_t size = kX25519Size;
  if (EVP_PKEY_derive(ctx.get(), shared_secret.data(), &size) != 1) {
    // OpenSSL's X25519 fails only for an all-zero result, a low-order peer.
    ERR_clear_error();
    Wipe(shared_secret);
    return Status::InvalidArgument("X25519 shared secret is all zeros (a low-order point)");
  }
  uint8_t any = 0;
  for (uint8_t b : shared_secret) any |= b;
  if (size != kX25519Size || any == 0) {
    Wipe(shared_secret);
    return Status::InvalidArgument("X25519 shared secret is all zeros (a low-order point)");
  }
  return Status::OK();
}

Status HkdfSha256(std::span<const uint8_t> ikm, std::span<const uint8_t> salt,
                  std::string_view info, std::span<uint8_t> out) {
  OSSL_PARAM params[5];
  size_t n = 0;
  params[n++] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, const_cast<char*>("SHA256"),
                                                 0);
  params[n++] = OctetParam(OSSL_KDF_PARAM_KEY, ikm);
  // RFC 5869: no salt means HashLen zero bytes, which is what HMAC makes of
  // an empty key too; OpenSSL does that when the parameter is absent.
  if (!salt.empty()) params[n++] = OctetParam(OSSL_KDF_PARAM_SALT, salt);
  if (!info.empty()) {
    params[n++] = OctetParam(OSSL_KDF_PARAM_INFO,
                             std::span(reinterpret_cast<const uint8_t*>(info.data()), info.size()));
  }
  params[n] = OSSL_PARAM_construct_end();
  return DeriveKdf("HKDF", params, out);
}

Status HmacSha256(std::span<const uint8_t> key, std::span<const uint8_t> message,
                  std::span<uint8_t, kHmacSha256Size> mac) {
  if (key.empty()) return Status::InvalidArgument("HMAC-SHA-256 with an empty key");
  MacPtr hmac(EVP_MAC_fetch(nullptr, "HMAC", nullptr));
  if (hmac == nullptr) return OpenSslError("fetch HMAC");
  MacCtxPtr ctx(EVP_MAC_CTX_new(hmac.get()));
  if (ctx == nullptr) return OpenSslError("HMAC context");
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, const_cast<char*>("SHA256"), 0),
      OSSL_PARAM_construct_end()};
  size_t size = 0;
  if (EVP_MAC_init(ctx.get(), key.data(), key.size(), params) != 1 ||
      EVP_MAC_update(ctx.get(), message.data(), message.size()) != 1 ||
      EVP_MAC_final(ctx.get(), mac.data(), &size, mac.size()) != 1 || size != mac.size()) {
    return OpenSslError("HMAC-SHA-256");
  }
  return Status::OK();
}

Status Scrypt(std::string_view passphrase, std::span<const uint8_t> salt, int log2_n, uint32_t r,
              uint32_t p, std::span<uint8_t> out) {
  if (log2_n < 1 || log2_n > 30 || r == 0 || p == 0) {
    return Status::InvalidArgument("scrypt parameters out of range");
  }
  uint64_t n = uint64_t{1} << log2_n;
  // OpenSSL refuses to allocate more than maxmem (1 GiB by default, less
  // than age's limit of log2 N = 22 needs): allow exactly what N, r and p
  // need, plus slack for its own bookkeeping.
  uint64_t maxmem = uint64_t{128} * r * (n + p + 2) + (uint64_t{1} << 20);
  OSSL_PARAM params[] = {
      OctetParam(OSSL_KDF_PARAM_PASSWORD,
                 std::span(reinterpret_cast<const uint8_t*>(passphrase.data()), passphrase.size())),
      OctetParam(OSSL_KDF_PARAM_SALT, salt),
      OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_N, &n),
      OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_R, &r),
      OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_P, &p),
      OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_MAXMEM, &maxmem),
      OSSL_PARAM_construct_end()};
  return DeriveKdf("SCRYPT", params, out);
}

struct ChaChaPoly::State {
  CipherCtxPtr ctx;
  CipherPtr cipher;
  std::array<uint8_t, kChaChaPolyKeySize> key{};
  // After the first init the context keeps the cipher, and later inits pass
  // none: re-initialising with a cipher would rebuild the provider context
  // on every chunk.
  bool initialized = false;
  ~State() { Wipe(key); }
};

ChaChaPoly::ChaChaPoly(std::span<const uint8_t, kChaChaPolyKeySize> key)
    : state_(std::make_unique<State>()) {
  std::copy(key.begin(), key.end(), state_->key.begin());
  state_->ctx.reset(EVP_CIPHER_CTX_new());
  state_->cipher.reset(EVP_CIPHER_fetch(nullptr, "ChaCha20-Poly1305", nullptr));
}

ChaChaPoly::~ChaChaPoly() = default;

Status ChaChaPoly::Seal(std::span<const uint8_t, kChaChaPolyNonceSize> nonce,
                        std::span<const uint8_t> plaintext, std::span<uint8_t> out) {
  if (out.size() != plaintext.size() + kChaChaPolyTagSize) {
    return Status::InvalidArgument("ChaCha20-Poly1305 seal: output is not input + 16 bytes");
  }
  return Run(true, nonce, plaintext, out);
}

Status ChaChaPoly::Open(std::span<const uint8_t, kChaChaPolyNonceSize> nonce,
                        std::span<const uint8_t> ciphertext_with_tag, std::span<uint8_t> out) {
  if (ciphertext_with_tag.size() < kChaChaPolyTagSize ||
      out.size() != ciphertext_with_tag.size() - kChaChaPolyTagSize) {
    return Status::InvalidArgument("ChaCha20-Poly1305 open: output is not input - 16 bytes");
  }
  return Run(false, nonce, ciphertext_with_tag, out);
}

Status ChaChaPoly::Run(bool encrypt, std::span<const uint8_t, kChaChaPolyNonceSize> nonce,
                       std::span<const uint8_t> in, std::span<uint8_t> out) {
  State& s = *state_;
  if (s.ctx == nullptr || s.cipher == nullptr) return OpenSslError("ChaCha20-Poly1305 setup");
  const size_t size = encrypt ? in.size() : in.size() - kChaChaPolyTagSize;
  const EVP_CIPHER* cipher = s.initialized ? nullptr : s.cipher.get();
  if (EVP_CipherInit_ex2(s.ctx.get(), cipher, s.key.data(), nonce.data(), encrypt ? 1 : 0,
                         nullptr) != 1) {
    return OpenSslError("ChaCha20-Poly1305 init");
  }
  s.initialized = true;
  if (!encrypt) {
    // Copied first: decrypting in place must not depend on where the tag sits.
    uint8_t tag[kChaChaPolyTagSize];
    std::copy(in.begin() + size, in.end(), tag);
    if (EVP_CIPHER_CTX_ctrl(s.ctx.get(), EVP_CTRL_AEAD_SET_TAG, kChaChaPolyTagSize, tag) != 1) {
      return OpenSslError("ChaCha20-Poly1305 set tag");
    }
  }
  // EVP_CipherUpdate counts in int.
  constexpr size_t kStep = size_t{1} << 30;
  for (size_t pos = 0; pos < size; pos += kStep) {
    int step = static_cast<int>(std::min(kStep, size - pos));
    int written = 0;
    if (EVP_CipherUpdate(s.ctx.get(), out.data() + pos, &written, in.data() + pos, step) != 1 ||
        written != step) {
      return OpenSslError("ChaCha20-Poly1305 update");
    }
  }
  int final_size = 0;
  if (EVP_CipherFinal_ex(s.ctx.get(), out.data() + size, &final_size) != 1) {
    if (!encrypt) {
      ERR_clear_error();
      return Status::Corruption("ChaCha20-Poly1305 authentication failed");
    }
    return OpenSslError("ChaCha20-Poly1305 final");
  }
  if (encrypt && EVP_CIPHER_CTX_ctrl(s.ctx.get(), EVP_CTRL_AEAD_GET_TAG, kChaChaPolyTagSize,
                                     out.data() + size) != 1) {
    return OpenSslError("ChaCha20-Poly1305 get tag");
  }
  return Status::OK();
}

Status ChaChaPolySeal(std::span<const uint8_t, kChaChaPolyKeySize> key,
                      std::span<const uint8_t, kChaChaPolyNonceSize> nonce,
                      std::span<const uint8_t> plaintext, std::span<uint8_t> out) {
  ChaChaPoly aead(key);
  return aead.Seal(nonce, plaintext, out);
}

Status ChaChaPolyOpen(std::span<const uint8_t, kChaChaPolyKeySize> key,
                      std::span<const uint8_t, kChaChaPolyNonceSize> nonce,
                      std::span<const uint8_t> ciphertext_with_tag, std::span<uint8_t> out) {
  ChaChaPoly aead(key);
  return aead.Open(nonce, ciphertext_with_tag, out);
}

bool ConstantTimeEqual(std::span<const uint8_t> a, std::span<const uint8_t> b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

void Wipe(std::span<uint8_t> bytes) { OPENSSL_cleanse(bytes.data(), bytes.size()); }
void Wipe(void* data, size_t size) { OPENSSL_cleanse(data, size); }

}  // namespace hotbackup
