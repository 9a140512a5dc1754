// EncodeFixed / DecodeFixed (util/coding.h): little-endian whatever the
// host, at any alignment, and each the other's inverse.
#include "hotbackup/util/coding.h"

#include <catch2/catch.hpp>
#include <cstring>
#include <string>

namespace hotbackup {
namespace {

std::string Bytes(const uint8_t* p, size_t n) {
  return std::string(reinterpret_cast<const char*>(p), n);
}

TEST_CASE("EncodeFixed32/64: the least significant byte first", "[unit][util]") {
  uint8_t b[8];
  EncodeFixed32(b, 0x04030201u);
  CHECK(Bytes(b, 4) == "\x01\x02\x03\x04");
  EncodeFixed64(b, 0x0807060504030201ull);
  CHECK(Bytes(b, 8) == "\x01\x02\x03\x04\x05\x06\x07\x08");
  EncodeFixed32(b, 0xffffffffu);
  CHECK(Bytes(b, 4) == "\xff\xff\xff\xff");
}

TEST_CASE("DecodeFixed32/64: the inverse, at any alignment", "[unit][util]") {
  const uint8_t le[] = {0xf7, 0xcf, 0xf4, 0x85, 0xb7, 0x41, 0xe2, 0x88};  // RocksDB's footer magic
  CHECK(DecodeFixed64(le) == 0x88e241b785f4cff7ull);
  CHECK(DecodeFixed32(le) == 0x85f4cff7u);
  CHECK(DecodeFixed32(le + 4) == 0x88e241b7u);

  uint8_t buffer[16] = {};
  for (uint64_t v : {uint64_t{0}, uint64_t{1}, uint64_t{0xff}, uint64_t{0x100},
                     uint64_t{0x8000000000000000}, ~uint64_t{0}, uint64_t{0x0123456789abcdef}}) {
    for (size_t at = 0; at < 8; ++at) {
      CAPTURE(v, at);
      EncodeFixed64(buffer + at, v);
      CHECK(DecodeFixed64(buffer + at) == v);
      EncodeFixed32(buffer + at, static_cast<uint32_t>(v));
      CHECK(DecodeFixed32(buffer + at) == static_cast<uint32_t>(v));
      CHECK(buffer[at + 4] == static_cast<uint8_t>(v >> 32));  // the 32-bit write stops at 4
    }
  }
}

}  // namespace
}  // namespace hotbackup
