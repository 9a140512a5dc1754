#include "hotbackup/io/byte_source.h"
#include "hotbackup/encrypt/age_stream.h"

#include <catch2/catch.hpp>
#include <cstring>

#include "hotbackup/encrypt/openssl_crypto.h"
#include "support/test_support.h"

namespace hotbackup {
namespace {

// A ByteSource over a string, handing out at most `step` bytes per Read.
AgeIdentity TestIdentity(uint8_t seed) {
  AgeIdentity identity;
  for (size_t i = 0; i < identity.secret_key.size(); ++i) {
    identity.secret_key[i] = static_cast<uint8_t>(seed * 31 + i);
  }
  return identity;
}

std::string Encrypt(const std::string& plain, int threads, const AgeIdentity& identity,
                    size_t write_size = 100000) {
  AgeRecipient recipient;
  REQUIRE(AgeRecipientOf(identity, &recipient).ok());
  AgeEncryptTo to;
  to.recipients.push_back(recipient);
  StringSink out;
  std::unique_ptr<ByteSink> sink;
  REQUIRE(NewAgeEncryptSink(to, threads, &out, &sink).ok());
  for (size_t at = 0; at < plain.size(); at += write_size) {
    const size_t n = std::min(write_size, plain.size() - at);
    REQUIRE(sink->Write(AsBytes(plain.data() + at, n)).ok());
  }
  REQUIRE(sink->Finish().ok());
  CHECK(out.finished());
  return out.contents();
}

Status Decrypt(const std::string& encrypted, const AgeIdentity& identity, std::string* plain,
               size_t step = SIZE_MAX) {
  StringSource source(encrypted, step);
  AgeDecryptWith with;
  with.identities.push_back(identity);
  AgeFileKey key;
  HOTBACKUP_RETURN_IF_ERROR(ReadAgeHeader(&source, with, &key));
  std::unique_ptr<ByteSource> decrypted;
  HOTBACKUP_RETURN_IF_ERROR(NewAgeDecryptSource(&source, key, "test", &decrypted));
  plain->clear();
  std::vector<uint8_t> buffer(70000);
  for (;;) {
    size_t n = 0;
    HOTBACKUP_RETURN_IF_ERROR(decrypted->Read(buffer, &n));
    if (n == 0) return Status::OK();
    plain->append(reinterpret_cast<const char*>(buffer.data()), n);
  }
}

// Bytes after the header: the nonce and the sealed chunks.
size_t HeaderSize(const std::string& encrypted) {
  return encrypted.find('\n', encrypted.find("\n---") + 1) + 1;
}

TEST_CASE("age stream: round trips at chunk and batch edges, any thread count",
          "[unit][age]") {
  const AgeIdentity identity = TestIdentity(1);
  const size_t kChunk = kAgeChunkSize;
  for (size_t size : {size_t{0}, size_t{1}, kChunk - 1, kChunk, kChunk + 1, 16 * kChunk,
                      16 * kChunk + 1, 40 * kChunk + 123}) {
    for (int threads : {0, 1, 3}) {
      CAPTURE(size, threads);
      const std::string plain = test::RandomBytes(size, static_cast<uint32_t>(size + threads));
      const std::string encrypted = Encrypt(plain, threads, identity, 30000);
      // Nonce, then every chunk and its tag; an empty payload is one empty chunk.
      const size_t chunks = size == 0 ? 1 : (size + kChunk - 1) / kChunk;
      CHECK(encrypted.size() - HeaderSize(encrypted) == kAgeNonceSize + size + chunks * kAgeTagSize);
      std::string back;
      Status s = Decrypt(encrypted, identity, &back, 7777);
      INFO(s.message());
      REQUIRE(s.ok());
      CHECK(back == plain);
    }
  }
}

TEST_CASE("age stream: a flipped byte anywhere, a cut at a chunk boundary, extra bytes: refused",
          "[unit][age]") {
  const AgeIdentity identity = TestIdentity(2);
  const std::string plain = test::RandomBytes(3 * kAgeChunkSize + 500, 9);
  const std::string encrypted = Encrypt(plain, 2, identity);
  const size_t payload = HeaderSize(encrypted) + kAgeNonceSize;
  const size_t sealed_chunk = kAgeChunkSize + kAgeTagSize;
  std::string back;
  // The first, a middle and the last chunk, and the nonce.
  for (size_t at : {payload + 10, payload + sealed_chunk + 5000, encrypted.size() - 3,
                    payload - 4}) {
    std::string damaged = encrypted;
    damaged[at] ^= 0x20;
    Status s = Decrypt(damaged, identity, &back);
    CAPTURE(at);
    CHECK(s.code() == Status::Code::kCorruption);
  }
  // Cut after two whole chunks: the second was not sealed as the last.
  Status s = Decrypt(encrypted.substr(0, payload + 2 * sealed_chunk), identity, &back);
  CHECK(s.code() == Status::Code::kCorruption);
  CHECK_THAT(s.message(), Catch::Contains("truncated"));
  // Cut inside a tag, and nothing after the header.
  CHECK(Decrypt(encrypted.substr(0, encrypted.size() - 5), identity, &back).code() ==
        Status::Code::kCorruption);
  CHECK(Decrypt(encrypted.substr(0, payload - 1), identity, &back).code() ==
        Status::Code::kCorruption);
  // Bytes after the last chunk.
  CHECK(Decrypt(encrypted + "x", identity, &back).code() == Status::Code::kCorruption);
  // Another identity: the header refuses it before any payload.
  s = Decrypt(encrypted, TestIdentity(3), &back);
  CHECK(s.code() == Status::Code::kInvalidArgument);
}

TEST_CASE("age stream: two encryptions of the same bytes differ (new file key and nonce)",
          "[unit][age]") {
  const AgeIdentity identity = TestIdentity(4);
  const std::string plain(100, 'a');
  CHECK(Encrypt(plain, 0, identity) != Encrypt(plain, 0, identity));
}

}  // namespace
}  // namespace hotbackup
