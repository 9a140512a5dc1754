// The OpenSSL wrappers against their RFCs' published vectors, and the
// ChaCha20-Poly1305 class's in-place use and tag checks.
#include "hotbackup/encrypt/openssl_crypto.h"
#include "hotbackup/util/random_bytes.h"

#include <catch2/catch.hpp>

#include "support/test_support.h"

namespace hotbackup {
namespace {

std::vector<uint8_t> Hex(std::string_view hex) {
  std::vector<uint8_t> out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<uint8_t>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  }
  return out;
}

template <size_t N>
std::array<uint8_t, N> HexArray(std::string_view hex) {
  std::vector<uint8_t> v = Hex(hex);
  REQUIRE(v.size() == N);
  std::array<uint8_t, N> out;
  std::copy(v.begin(), v.end(), out.begin());
  return out;
}

std::vector<uint8_t> Bytes(std::string_view s) { return std::vector<uint8_t>(s.begin(), s.end()); }

TEST_CASE("OpenSslCrypto: X25519 matches RFC 7748", "[unit][encrypt]") {
  // Section 6.1: Alice's and Bob's keys and their shared secret.
  auto alice = HexArray<32>("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
  auto bob = HexArray<32>("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb");
  std::array<uint8_t, 32> alice_public, bob_public, shared1, shared2;
  REQUIRE(X25519PublicKey(alice, alice_public).ok());
  REQUIRE(X25519PublicKey(bob, bob_public).ok());
  CHECK(alice_public ==
        HexArray<32>("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a"));
  CHECK(bob_public ==
        HexArray<32>("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f"));
  REQUIRE(X25519SharedSecret(alice, bob_public, shared1).ok());
  REQUIRE(X25519SharedSecret(bob, alice_public, shared2).ok());
  CHECK(shared1 == shared2);
  CHECK(shared1 == HexArray<32>("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742"));
}

TEST_CASE("OpenSslCrypto: X25519 refuses an all-zero shared secret", "[unit][encrypt]") {
  auto alice = HexArray<32>("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
  std::array<uint8_t, 32> zero_point{}, one_point{}, shared;
  one_point[0] = 1;  // u = 1 has order 4: also an all-zero result
  for (const auto& point : {zero_point, one_point}) {
    shared.fill(0x77);
    Status s = X25519SharedSecret(alice, point, shared);
    CHECK(s.code() == Status::Code::kInvalidArgument);
    CHECK(s.message().find("all zeros") != std::string::npos);
  }
}

TEST_CASE("OpenSslCrypto: HKDF-SHA-256 matches RFC 5869", "[unit][encrypt]") {
  std::vector<uint8_t> ikm(22, 0x0b);
  std::vector<uint8_t> salt = Hex("000102030405060708090a0b0c");
  std::vector<uint8_t> info = Hex("f0f1f2f3f4f5f6f7f8f9");
  std::vector<uint8_t> okm(42);
  REQUIRE(HkdfSha256(ikm, salt, std::string(info.begin(), info.end()), okm).ok());
  CHECK(okm == Hex("3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf"
                   "34007208d5b887185865"));
  // Test case 3: no salt, no info.
  REQUIRE(HkdfSha256(ikm, {}, "", okm).ok());
  CHECK(okm == Hex("8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d"
                   "9d201395faa4b61a96c8"));
}

TEST_CASE("OpenSslCrypto: HMAC-SHA-256 matches RFC 4231", "[unit][encrypt]") {
  std::array<uint8_t, 32> mac;
  REQUIRE(HmacSha256(Bytes("Jefe"), Bytes("what do ya want for nothing?"), mac).ok());
  CHECK(mac == HexArray<32>("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"));
  CHECK(HmacSha256({}, Bytes("x"), mac).code() == Status::Code::kInvalidArgument);
}

TEST_CASE("OpenSslCrypto: scrypt matches RFC 7914", "[unit][encrypt]") {
  std::vector<uint8_t> out(64);
  REQUIRE(Scrypt("password", Bytes("NaCl"), 10, 8, 16, out).ok());
  CHECK(out == Hex("fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b373162"
                   "2eaf30d92e22a3886ff109279d9830dac727afb94a83ee6d8360cbdfa2cc0640"));
  CHECK(Scrypt("password", Bytes("NaCl"), 0, 8, 1, out).code() ==
        Status::Code::kInvalidArgument);
  CHECK(Scrypt("password", Bytes("NaCl"), 31, 8, 1, out).code() ==
        Status::Code::kInvalidArgument);
}

TEST_CASE("OpenSslCrypto: ChaCha20-Poly1305 seals and opens, in place too", "[unit][encrypt]") {
  std::array<uint8_t, 32> key;
  REQUIRE(RandomBytes(key).ok());
  ChaChaPoly aead(key);
  for (size_t size : {size_t{0}, size_t{1}, size_t{16}, size_t{65536}, size_t{100000}}) {
    CAPTURE(size);
    std::vector<uint8_t> plain = Bytes(test::RandomBytes(size, static_cast<uint32_t>(size)));
    std::array<uint8_t, 12> nonce{};
    nonce[11] = static_cast<uint8_t>(size);
    std::vector<uint8_t> sealed(size + 16);
    REQUIRE(aead.Seal(nonce, plain, sealed).ok());
    // The one-shot form agrees; in place gives the same bytes.
    std::vector<uint8_t> sealed2(size + 16);
    REQUIRE(ChaChaPolySeal(key, nonce, plain, sealed2).ok());
    CHECK(sealed == sealed2);
    std::vector<uint8_t> in_place = plain;
    in_place.resize(size + 16);
    REQUIRE(aead.Seal(nonce, std::span(in_place).first(size), in_place).ok());
    CHECK(in_place == sealed);

    std::vector<uint8_t> opened(size);
    REQUIRE(aead.Open(nonce, sealed, opened).ok());
    CHECK(opened == plain);
    REQUIRE(aead.Open(nonce, in_place, std::span(in_place).first(size)).ok());
    in_place.resize(size);
    CHECK(in_place == plain);

    // A changed bit anywhere, or another nonce, fails authentication.
    for (size_t i : {size_t{0}, sealed.size() / 2, sealed.size() - 1}) {
      std::vector<uint8_t> bad = sealed;
      bad[i] ^= 0x10;
      CHECK(aead.Open(nonce, bad, opened).code() == Status::Code::kCorruption);
    }
    std::array<uint8_t, 12> other = nonce;
    other[0] ^= 1;
    CHECK(ChaChaPolyOpen(key, other, sealed, opened).code() == Status::Code::kCorruption);
    // The object still works after a failure.
    REQUIRE(aead.Open(nonce, sealed, opened).ok());
  }
  std::vector<uint8_t> small(15), out(0);
  std::array<uint8_t, 12> nonce{};
  CHECK(aead.Open(nonce, small, out).code() == Status::Code::kInvalidArgument);
  CHECK(aead.Seal(nonce, small, out).code() == Status::Code::kInvalidArgument);
}

TEST_CASE("OpenSslCrypto: ChaCha20-Poly1305 matches RFC 8439's keystream", "[unit][encrypt]") {
  // Section 2.4.2's key, nonce and plaintext; there the block counter
  // starts at 1, as it does for the AEAD's ciphertext (2.8), so the AEAD's
  // ciphertext equals 2.4.2's output, whatever the tag.
  auto key = HexArray<32>("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
  auto nonce = HexArray<12>("000000000000004a00000000");
  std::string text =
      "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the "
      "future, sunscreen would be it.";
  std::vector<uint8_t> sealed(text.size() + 16);
  REQUIRE(ChaChaPolySeal(key, nonce, Bytes(text), sealed).ok());
  std::vector<uint8_t> expected = Hex(
      "6e2e359a2568f98041ba0728dd0d6981e97e7aec1d4360c20a27afccfd9fae0b"
      "f91b65c5524733ab8f593dabcd62b3571639d624e65152ab8f530c359f0861d8"
      "07ca0dbf500d6a6156a38e088a22b65e52bc514d16ccf806818ce91ab7793736"
      "5af90bbf74a35be6b40b8eedf2785e42874d");
  CHECK(std::vector<uint8_t>(sealed.begin(), sealed.begin() + text.size()) == expected);
}

}  // namespace
}  // namespace hotbackup
