// The cryptographic primitives age needs, all from OpenSSL 3's EVP interface
// (nothing here is hand-written cryptography): X25519, HKDF-SHA-256,
// HMAC-SHA-256, scrypt, ChaCha20-Poly1305 and the system's random bytes.
//
// Every function is thread-safe (no shared state); a ChaChaPoly object is
// not: use one per thread. Errors never contain key material. Secrets held
// in temporaries are wiped with OPENSSL_cleanse before returning. A failure
// of OpenSSL itself (an algorithm missing from the provider, no memory) is
// kNotSupported with OpenSSL's reason; wrong sizes are kInvalidArgument (a
// caller's bug).
#ifndef HOTBACKUP_ENCRYPT_OPENSSL_CRYPTO_H_
#define HOTBACKUP_ENCRYPT_OPENSSL_CRYPTO_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

#include "hotbackup/util/status.h"

namespace hotbackup {

inline constexpr size_t kX25519Size = 32;          // keys, shares and shared secrets
inline constexpr size_t kChaChaPolyKeySize = 32;
inline constexpr size_t kChaChaPolyNonceSize = 12;
inline constexpr size_t kChaChaPolyTagSize = 16;
inline constexpr size_t kHmacSha256Size = 32;

// The X25519 public key of `secret_key` (the scalar times the basepoint).
Status X25519PublicKey(std::span<const uint8_t, kX25519Size> secret_key,
                       std::span<uint8_t, kX25519Size> public_key);

// The X25519 shared secret of `secret_key` and `peer_public_key`.
// kInvalidArgument when it is all zeros (a low-order peer point), which
// age (and RFC 7748 section 6.1) requires refusing.
Status X25519SharedSecret(std::span<const uint8_t, kX25519Size> secret_key,
                          std::span<const uint8_t, kX25519Size> peer_public_key,
                          std::span<uint8_t, kX25519Size> shared_secret);

// HKDF-SHA-256 (RFC 5869, extract then expand) of `ikm` into all of `out`
// (at most 255 * 32 bytes). An empty `salt` is HKDF's default salt.
Status HkdfSha256(std::span<const uint8_t> ikm, std::span<const uint8_t> salt,
                  std::string_view info, std::span<uint8_t> out);

// HMAC-SHA-256 of `message` under `key` (not empty).
Status HmacSha256(std::span<const uint8_t> key, std::span<const uint8_t> message,
                  std::span<uint8_t, kHmacSha256Size> mac);

// scrypt (RFC 7914) with N = 2^log2_n into all of `out`. 1 <= log2_n <= 30.
// OpenSSL's memory guard (maxmem) is set to what these parameters need
// (128 * r * (N + p + 2) bytes, 4 GiB at log2_n 22 with r 8): callers bound
// log2_n themselves, before calling, to bound time and memory.
Status Scrypt(std::string_view passphrase, std::span<const uint8_t> salt, int log2_n, uint32_t r,
              uint32_t p, std::span<uint8_t> out);

// ChaCha20-Poly1305 (RFC 8439) under one key, reusing one EVP_CIPHER_CTX
// for every call: cheap enough per 64 KiB chunk. Not thread-safe; one object
// per thread. The key is copied and wiped by the destructor.
class ChaChaPoly {
 public:
  explicit ChaChaPoly(std::span<const uint8_t, kChaChaPolyKeySize> key);
  ~ChaChaPoly();
  ChaChaPoly(const ChaChaPoly&) = delete;
  ChaChaPoly& operator=(const ChaChaPoly&) = delete;

  // Encrypts `plaintext` (no associated data) into `out`, which must be
  // exactly plaintext.size() + 16 bytes: the ciphertext then the tag.
  // In place is allowed: out.data() == plaintext.data() (any other overlap
  // is not).
  Status Seal(std::span<const uint8_t, kChaChaPolyNonceSize> nonce,
              std::span<const uint8_t> plaintext, std::span<uint8_t> out);

  // Decrypts `ciphertext_with_tag` (at least 16 bytes) into `out`, exactly
  // 16 bytes shorter. kCorruption when the tag does not match; `out` then
  // holds unauthenticated bytes the caller must discard. In place is allowed:
  // out.data() == ciphertext_with_tag.data().
  Status Open(std::span<const uint8_t, kChaChaPolyNonceSize> nonce,
              std::span<const uint8_t> ciphertext_with_tag, std::span<uint8_t> out);

 private:
  Status Run(bool encrypt, std::span<const uint8_t, kChaChaPolyNonceSize> nonce,
             std::span<const uint8_t> in, std::span<uint8_t> out);

  struct State;
  std::unique_ptr<State> state_;
};

// One-shot forms of ChaChaPoly::Seal and ::Open, for a single message.
Status ChaChaPolySeal(std::span<const uint8_t, kChaChaPolyKeySize> key,
                      std::span<const uint8_t, kChaChaPolyNonceSize> nonce,
                      std::span<const uint8_t> plaintext, std::span<uint8_t> out);
Status ChaChaPolyOpen(std::span<const uint8_t, kChaChaPolyKeySize> key,
                      std::span<const uint8_t, kChaChaPolyNonceSize> nonce,
                      std::span<const uint8_t> ciphertext_with_tag, std::span<uint8_t> out);

// Compares in time independent of the contents (CRYPTO_memcmp); false when
// the sizes differ.
bool ConstantTimeEqual(std::span<const uint8_t> a, std::span<const uint8_t> b);

// Overwrites `bytes` so that the compiler cannot elide it (OPENSSL_cleanse).
void Wipe(std::span<uint8_t> bytes);
void Wipe(void* data, size_t size);

}  // namespace hotbackup

#endif  // HOTBACKUP_ENCRYPT_OPENSSL_CRYPTO_H_
