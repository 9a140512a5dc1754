// Archive detection: every format under every layering is told from its
// first bytes and handed to the reader whole; garbage, short and empty
// inputs get their one-line errors.
#include "hotbackup/restore/archive_detection.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstring>

#include "hotbackup/archive/xbstream_format.h"
#include "hotbackup/compress/zstd_sink.h"
#include "hotbackup/encrypt/age_keys.h"
#include "hotbackup/encrypt/age_stream.h"
#include "support/test_support.h"

namespace hotbackup {
namespace {

// Short reads, shorter than every magic: detection must peek across reads.
constexpr size_t kPipeRead = 7;

std::string Archive(ArchiveFormat format) {
  StringSink out;
  std::unique_ptr<ArchiveWriter> writer;
  REQUIRE(NewArchiveWriter(format, &out, &writer).ok());
  const std::string data = test::RandomBytes(200000, 11);
  FileEntry entry;
  entry.archive_path = "db/000123.sst";
  entry.size = data.size();
  REQUIRE(writer->BeginFile(entry).ok());
  REQUIRE(writer->Append(AsBytes(data.data(), data.size())).ok());
  REQUIRE(writer->EndFile().ok());
  REQUIRE(writer->Finish().ok());
  return out.contents();
}

std::string Zstd(const std::string& plain) {
  StringSink out;
  std::unique_ptr<ByteSink> zstd;
  REQUIRE(NewZstdSink({3, 0}, &out, &zstd).ok());
  REQUIRE(zstd->Write(AsBytes(plain.data(), plain.size())).ok());
  REQUIRE(zstd->Finish().ok());
  return out.contents();
}

AgeIdentity TestIdentity(uint8_t seed) {
  AgeIdentity identity;
  for (size_t i = 0; i < identity.secret_key.size(); ++i) {
    identity.secret_key[i] = static_cast<uint8_t>(seed * 37 + i);
  }
  return identity;
}

std::string Age(const std::string& plain, const AgeIdentity& identity) {
  AgeRecipient recipient;
  REQUIRE(AgeRecipientOf(identity, &recipient).ok());
  AgeEncryptTo to;
  to.recipients.push_back(recipient);
  StringSink out;
  std::unique_ptr<ByteSink> age;
  REQUIRE(NewAgeEncryptSink(to, 0, &out, &age).ok());
  REQUIRE(age->Write(AsBytes(plain.data(), plain.size())).ok());
  REQUIRE(age->Finish().ok());
  return out.contents();
}

// A lookup that gives `identity` and counts its calls.
DecryptionLookup KeyOf(const AgeIdentity& identity, int* calls) {
  return [identity, calls](std::optional<AgeDecryptWith>* with) {
    ++*calls;
    AgeDecryptWith w;
    w.identities.push_back(identity);
    *with = std::move(w);
    return Status::OK();
  };
}

std::string ReadAll(ByteSource* source) {
  std::string out;
  std::vector<uint8_t> buffer(65536);
  for (;;) {
    size_t n = 0;
    REQUIRE(source->Read(buffer, &n).ok());
    if (n == 0) return out;
    out.append(reinterpret_cast<const char*>(buffer.data()), n);
  }
}

TEST_CASE("Archive detection: each format under each layering, handed over whole",
          "[unit][detect]") {
  const AgeIdentity identity = TestIdentity(1);
  for (ArchiveFormat format : {ArchiveFormat::kTar, ArchiveFormat::kXbstream}) {
    const std::string archive = Archive(format);
    for (bool compressed : {false, true}) {
      for (bool encrypted : {false, true}) {
        CAPTURE(format == ArchiveFormat::kTar ? "tar" : "xbstream", compressed, encrypted);
        std::string input = compressed ? Zstd(archive) : archive;
        if (encrypted) input = Age(input, identity);
        StringSource raw(input, kPipeRead);
        int calls = 0;
        ArchiveInput in;
        REQUIRE(in.Open(&raw, "backup", KeyOf(identity, &calls)).ok());
        CHECK(in.layers().format == format);
        CHECK(in.layers().compressed == compressed);
        CHECK(in.layers().encrypted == encrypted);
        CHECK(calls == (encrypted ? 1 : 0));      // a key is looked up only when needed
        CHECK(ReadAll(in.archive()) == archive);  // nothing looked at is lost
      }
    }
  }
}

TEST_CASE("Archive detection: the tests on bytes", "[unit][detect]") {
  const std::string tar = Archive(ArchiveFormat::kTar);
  const std::string xbs = Archive(ArchiveFormat::kXbstream);
  CHECK(DetectArchiveFormat(tar) == ArchiveFormat::kTar);
  CHECK(DetectArchiveFormat(xbs) == ArchiveFormat::kXbstream);
  CHECK(DetectArchiveFormat(tar.substr(0, kArchiveDetectSize)) == ArchiveFormat::kTar);
  // GNU tar's magic is "ustar  " with no NUL: still tar.
  std::string gnu = tar.substr(0, kArchiveDetectSize);
  gnu.replace(ustar::kMagicOffset, 8, std::string("ustar  \0", 8));
  CHECK(DetectArchiveFormat(gnu) == ArchiveFormat::kTar);
  // XBSTREAM's magic decides even over "ustar" at 257.
  std::string both = tar.substr(0, kArchiveDetectSize);
  both.replace(0, xbstream::kMagicSize, xbstream::kMagic);
  CHECK(DetectArchiveFormat(both) == ArchiveFormat::kXbstream);
  // Short heads: a magic cut short is no magic.
  CHECK(DetectArchiveFormat(xbs.substr(0, xbstream::kMagicSize)) == ArchiveFormat::kXbstream);
  CHECK_FALSE(DetectArchiveFormat(xbs.substr(0, xbstream::kMagicSize - 1)));
  CHECK_FALSE(DetectArchiveFormat(tar.substr(0, ustar::kMagicOffset + 4)));
  CHECK(DetectArchiveFormat(tar.substr(0, ustar::kMagicOffset + 5)) == ArchiveFormat::kTar);
  CHECK_FALSE(DetectArchiveFormat(""));
  CHECK_FALSE(DetectArchiveFormat(std::string(kArchiveDetectSize, '\0')));

  const std::string zst = Zstd("x");
  CHECK(IsZstdCompressed(zst));
  CHECK_FALSE(IsZstdCompressed(zst.substr(0, kZstdMagicSize - 1)));
  CHECK_FALSE(IsZstdCompressed(tar));
  const std::string age = Age("x", TestIdentity(2));
  CHECK(IsAgeEncrypted(age));
  CHECK(IsAgeEncrypted(age.substr(0, kAgeDetectSize)));
  CHECK_FALSE(IsAgeEncrypted(age.substr(0, kAgeDetectSize - 1)));
  CHECK_FALSE(IsAgeEncrypted("age-encryption.org/v2\n"));
  CHECK_FALSE(IsAgeEncrypted(zst));
}

// Only `in->layers()` may be used afterwards: the raw source is gone.
Status OpenPlain(const std::string& input, ArchiveInput* in) {
  StringSource raw(input, kPipeRead);
  return in->Open(&raw, "in.bin", DecryptionLookup());
}

TEST_CASE("Archive detection: garbage, short and empty inputs", "[unit][detect]") {
  ArchiveInput in;
  Status s = OpenPlain("", &in);
  CHECK(s.code() == Status::Code::kCorruption);
  CHECK(s.message() == "in.bin is empty: no archive to read");

  s = OpenPlain(test::RandomBytes(10000, 12), &in);
  CHECK(s.code() == Status::Code::kCorruption);
  CHECK(s.message() == "in.bin is neither a tar nor an XBSTREAM archive");

  // Shorter than the age magic; a tar cut inside its magic (cut after it,
  // it is a tar, for the reader to find truncated).
  for (const std::string& short_input :
       {std::string("ustar"), std::string("age"),
        Archive(ArchiveFormat::kTar).substr(0, ustar::kMagicOffset + 4)}) {
    ArchiveInput again;
    s = OpenPlain(short_input, &again);
    CHECK(s.code() == Status::Code::kCorruption);
    CHECK(s.message() == "in.bin is neither a tar nor an XBSTREAM archive");
  }
  ArchiveInput cut;
  REQUIRE(OpenPlain(Archive(ArchiveFormat::kTar).substr(0, ustar::kMagicOffset + 5), &cut).ok());
  CHECK(cut.layers().format == ArchiveFormat::kTar);

  // A zstd frame of garbage; an age file holding nothing.
  ArchiveInput zstd_garbage;
  s = OpenPlain(Zstd(test::RandomBytes(1000, 13)), &zstd_garbage);
  CHECK(s.code() == Status::Code::kCorruption);
  CHECK(s.message() ==
        "in.bin is neither a tar nor an XBSTREAM archive (after zstd decompression)");

  const AgeIdentity identity = TestIdentity(3);
  int calls = 0;
  StringSource empty_age(Age("", identity), kPipeRead);
  ArchiveInput age_empty;
  s = age_empty.Open(&empty_age, "in.age", KeyOf(identity, &calls));
  CHECK(s.code() == Status::Code::kCorruption);
  CHECK(s.message() == "in.age holds no archive");

  StringSource age_garbage(Age(Zstd("garbage"), identity), kPipeRead);
  ArchiveInput age_zstd_garbage;
  s = age_zstd_garbage.Open(&age_garbage, "in.age", KeyOf(identity, &calls));
  CHECK(s.message() ==
        "in.age is neither a tar nor an XBSTREAM archive (after zstd decompression) "
        "(after decryption)");
}

TEST_CASE("Archive detection: an encrypted input without the right key", "[unit][detect]") {
  const AgeIdentity identity = TestIdentity(4);
  const std::string input = Age(Archive(ArchiveFormat::kTar), identity);
  SECTION("no key given") {
    StringSource raw(input, kPipeRead);
    ArchiveInput in;
    Status s = in.Open(&raw, "in.age", DecryptionLookup());
    CHECK(s.code() == Status::Code::kInvalidArgument);
    CHECK(s.message() ==
          "in.age is encrypted (age): give --decrypt_identity or --decrypt_passphrase_file");
  }
  SECTION("the lookup finds none") {
    StringSource raw(input, kPipeRead);
    ArchiveInput in;
    Status s = in.Open(&raw, "in.age", [](std::optional<AgeDecryptWith>*) { return Status::OK(); });
    CHECK(s.code() == Status::Code::kInvalidArgument);
    CHECK_THAT(s.message(), Catch::StartsWith("in.age is encrypted (age)"));
  }
  SECTION("the lookup fails") {
    StringSource raw(input, kPipeRead);
    ArchiveInput in;
    Status s = in.Open(&raw, "in.age", [](std::optional<AgeDecryptWith>*) {
      return Status::InvalidArgument("--decrypt_identity: no such file");
    });
    CHECK(s.message() == "--decrypt_identity: no such file");
  }
  SECTION("another identity") {
    StringSource raw(input, kPipeRead);
    int calls = 0;
    ArchiveInput in;
    Status s = in.Open(&raw, "in.age", KeyOf(TestIdentity(5), &calls));
    CHECK(s.code() == Status::Code::kInvalidArgument);
    CHECK_THAT(s.message(), Catch::StartsWith("in.age: "));
  }
}

}  // namespace
}  // namespace hotbackup
