// RandomBytes: fills what it is given, of any size, and never the same
// twice.
#include "hotbackup/util/random_bytes.h"

#include <algorithm>
#include <array>
#include <catch2/catch.hpp>
#include <vector>

#include "hotbackup/util/sha256.h"

namespace hotbackup {
namespace {

TEST_CASE("RandomBytes: fills the whole span, differently each time", "[unit][random]") {
  std::array<uint8_t, 32> a{}, b{};
  REQUIRE(RandomBytes(a).ok());
  REQUIRE(RandomBytes(b).ok());
  CHECK(a != b);
  // 32 zero bytes by chance: 2^-256.
  CHECK(std::any_of(a.begin(), a.end(), [](uint8_t x) { return x != 0; }));

  // The last byte of a large buffer is written too (RAND_bytes takes an int,
  // so a larger request would come in pieces).
  std::vector<uint8_t> large(1 << 20, 0);
  REQUIRE(RandomBytes(large).ok());
  CHECK(std::any_of(large.end() - 16, large.end(), [](uint8_t x) { return x != 0; }));

  std::vector<uint8_t> none;
  CHECK(RandomBytes(none).ok());
}

TEST_CASE("RandomHex: lowercase hex of the requested length, unique", "[unit][random]") {
  const std::string a = RandomHex(16), b = RandomHex(16);
  CHECK(a.size() == 32);
  CHECK(a != b);
  CHECK(a.find_first_not_of("0123456789abcdef") == std::string::npos);
  CHECK(RandomHex(0).empty());
}

}  // namespace
}  // namespace hotbackup
