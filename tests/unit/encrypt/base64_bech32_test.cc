// Base64 (age's canonical, unpadded form) and Bech32 (BIP-173): round trips
// at every length, and every kind of malformed text refused.
#include <catch2/catch.hpp>

#include "hotbackup/encrypt/base64.h"
#include "hotbackup/encrypt/bech32.h"
#include "support/test_support.h"

namespace hotbackup {
namespace {

std::vector<uint8_t> Bytes(std::string_view s) { return std::vector<uint8_t>(s.begin(), s.end()); }

bool Decodes(std::string_view text) {
  std::vector<uint8_t> out;
  return Base64Decode(text, &out).ok();
}

TEST_CASE("Base64: RFC 4648 vectors without padding", "[unit][encrypt]") {
  const std::pair<std::string, std::string> vectors[] = {
      {"", ""},         {"f", "Zg"},         {"fo", "Zm8"},       {"foo", "Zm9v"},
      {"foob", "Zm9vYg"}, {"fooba", "Zm9vYmE"}, {"foobar", "Zm9vYmFy"}};
  for (const auto& [plain, encoded] : vectors) {
    CHECK(Base64Encode(Bytes(plain)) == encoded);
    std::vector<uint8_t> out;
    REQUIRE(Base64Decode(encoded, &out).ok());
    CHECK(out == Bytes(plain));
  }
  CHECK(Base64Encode(std::vector<uint8_t>{0xfb, 0xff}) == "+/8");
}

TEST_CASE("Base64: round trips at every length up to 200", "[unit][encrypt]") {
  for (size_t size = 0; size <= 200; ++size) {
    std::vector<uint8_t> data = Bytes(test::RandomBytes(size, static_cast<uint32_t>(size)));
    std::string text = Base64Encode(data);
    CHECK(text.size() == (size * 4 + 2) / 3);
    std::vector<uint8_t> out;
    REQUIRE(Base64Decode(text, &out).ok());
    CHECK(out == data);
  }
}

TEST_CASE("Base64: malformed and non-canonical text is refused", "[unit][encrypt]") {
  CHECK_FALSE(Decodes("Z"));         // 1 mod 4 is no length of any encoding
  CHECK_FALSE(Decodes("Zg=="));      // padding
  CHECK_FALSE(Decodes("Zg="));
  CHECK_FALSE(Decodes("Zm8="));
  CHECK_FALSE(Decodes("Zh"));        // "f" is Zg; Zh sets an unused bit
  CHECK_FALSE(Decodes("Zm9"));       // "fo" is Zm8
  CHECK_FALSE(Decodes("Zm 9v"));     // space
  CHECK_FALSE(Decodes("Zm9v\n"));    // line end
  CHECK_FALSE(Decodes("Zm9v\r"));
  CHECK_FALSE(Decodes("Zm-v"));      // URL-safe alphabet
  CHECK_FALSE(Decodes("Zm_v"));
  CHECK_FALSE(Decodes(std::string_view("Zm\0v", 4)));
  CHECK(Decodes(""));
  // Every last character with unused bits set is refused, the canonical one accepted.
  std::string base = Base64Encode(std::vector<uint8_t>(32, 0x5a));  // 43 chars: 2 spare bits
  const std::string alphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  int accepted = 0;
  for (char c : alphabet) {
    std::string text = base;
    text.back() = c;
    accepted += Decodes(text) ? 1 : 0;
  }
  CHECK(accepted == 16);  // 64 values / 4 for the two spare bits
  std::vector<uint8_t> out{1, 2, 3};
  CHECK(Base64Decode("Zh", &out).code() == Status::Code::kCorruption);
  CHECK(out.empty());
}

TEST_CASE("Bech32: BIP-173 valid strings decode, and re-encode in their case", "[unit][encrypt]") {
  const std::string valid[] = {
      "A12UEL5L",
      "a12uel5l",
      "an83characterlonghumanreadablepartthatcontainsthenumber1andtheexcludedcharactersbio1tt5tgs",
      "abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw",
      "11" + std::string(82, 'q') + "c8247j",  // 90 characters
      "split1checkupstagehandshakeupstreamerranterredcaperred2y9e3w",
  };
  for (const std::string& text : valid) {
    CAPTURE(text);
    std::string hrp;
    std::vector<uint8_t> data;
    Status s = Bech32Decode(text, &hrp, &data);
    // Some BIP-173 vectors carry 5-bit data whose padding is not a whole
    // byte; those must fail only on padding, never on the checksum.
    if (!s.ok()) {
      CHECK(s.message().find("padding") != std::string::npos);
      continue;
    }
    std::string again = Bech32Encode(hrp, data);
    std::string lower = text;
    for (char& c : lower) c = static_cast<char>(std::tolower(c));
    CHECK(again == lower);
  }
}

TEST_CASE("Bech32: round trips at every length, beyond 90 characters", "[unit][encrypt]") {
  for (size_t size = 0; size <= 100; ++size) {
    std::vector<uint8_t> data = Bytes(test::RandomBytes(size, 7 + static_cast<uint32_t>(size)));
    std::string text = Bech32Encode("age", data);
    std::string hrp;
    std::vector<uint8_t> out;
    REQUIRE(Bech32Decode(text, &hrp, &out).ok());
    CHECK(hrp == "age");
    CHECK(out == data);
    std::string upper = text;
    for (char& c : upper) c = static_cast<char>(std::toupper(c));
    REQUIRE(Bech32Decode(upper, &hrp, &out).ok());
    CHECK(hrp == "AGE");
    CHECK(out == data);
  }
}

TEST_CASE("Bech32: malformed strings are refused", "[unit][encrypt]") {
  std::string good = Bech32Encode("age", std::vector<uint8_t>(32, 0x42));
  auto refused = [](std::string_view text) {
    std::string hrp;
    std::vector<uint8_t> data;
    Status s = Bech32Decode(text, &hrp, &data);
    return s.code() == Status::Code::kInvalidArgument && data.empty();
  };
  CHECK_FALSE(refused(good));
  // BIP-173's invalid examples.
  CHECK(refused("\x20" "1nwldj5"));    // HRP character out of range
  CHECK(refused("\x7f" "1axkwrx"));
  CHECK(refused("pzry9x0s0muk"));      // no separator
  CHECK(refused("1pzry9x0s0muk"));     // empty HRP
  CHECK(refused("x1b4n0q5v"));         // invalid data character
  CHECK(refused("li1dgmt3"));          // too short checksum
  CHECK(refused("de1lg7wt\xff"));      // invalid character in checksum
  CHECK(refused("A1G7SGD8"));          // checksum computed with upper-case HRP
  CHECK(refused("10a06t8"));           // empty HRP
  CHECK(refused("1qzzfhee"));
  // Every single-character substitution breaks the checksum.
  for (size_t i = 4; i < good.size(); ++i) {
    std::string bad = good;
    bad[i] = bad[i] == 'q' ? 'p' : 'q';
    CAPTURE(i);
    CHECK(refused(bad));
  }
  std::string mixed = good;
  mixed[5] = static_cast<char>(std::toupper(mixed[5]));
  if (mixed != good) CHECK(refused(mixed));
  CHECK(refused(good + "q"));                        // extra character
  CHECK(refused(good.substr(0, good.size() - 1)));   // missing character
  CHECK(refused("age1" + std::string(1, 'b') + good.substr(4)));  // 'b' is not in the alphabet
  // Checksums valid, padding not (made with BIP-173's reference polymod):
  CHECK(refused("x1qpxqa3vz"));  // one byte, its 2 spare bits not zero
  CHECK(refused("x1qm7ssx4"));   // 5 spare bits: a whole character of padding
  std::string hrp;
  std::vector<uint8_t> data;
  REQUIRE(Bech32Decode("x1qqmkfy3s", &hrp, &data).ok());
  CHECK(data == std::vector<uint8_t>{0});
  CHECK(Bech32Encode("x", data) == "x1qqmkfy3s");
  REQUIRE(Bech32Decode("x1qqqq50w62d", &hrp, &data).ok());
  CHECK(data == std::vector<uint8_t>{0, 0});
}

}  // namespace
}  // namespace hotbackup
