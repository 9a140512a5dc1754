// Bech32, written from BIP-173: the checksum is a BCH code over GF(32)
// computed by the polymod below on the expanded HRP (the high 3 bits of
// each character, a zero, then the low 5 bits) followed by the data.
// Secret keys pass through here, so every intermediate buffer is wiped.
#include "hotbackup/encrypt/bech32.h"

#include <algorithm>

#include "hotbackup/encrypt/openssl_crypto.h"

namespace hotbackup {
namespace {

constexpr char kCharset[] = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
constexpr size_t kChecksumSize = 6;

uint32_t Polymod(std::span<const uint8_t> values) {
  static constexpr uint32_t kGenerator[5] = {0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd,
                                             0x2a1462b3};
  uint32_t chk = 1;
  for (uint8_t v : values) {
    uint32_t top = chk >> 25;
    chk = ((chk & 0x1ffffff) << 5) ^ v;
    for (int i = 0; i < 5; ++i) {
      if ((top >> i) & 1) chk ^= kGenerator[i];
    }
  }
  return chk;
}

// `hrp` must already be lower case.
std::vector<uint8_t> HrpExpand(std::string_view hrp) {
  std::vector<uint8_t> out;
  out.reserve(hrp.size() * 2 + 1);
  for (char c : hrp) out.push_back(static_cast<uint8_t>(c) >> 5);
  out.push_back(0);
  for (char c : hrp) out.push_back(static_cast<uint8_t>(c) & 31);
  return out;
}

char ToLower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

int CharsetIndex(char c) {
  const char* p = std::find(kCharset, kCharset + 32, c);
  return p == kCharset + 32 ? -1 : static_cast<int>(p - kCharset);
}

// Wipes a buffer that may hold key bits when it goes.
struct WipedBytes {
  std::vector<uint8_t> bytes;
  ~WipedBytes() { Wipe(bytes); }
};

}  // namespace

std::string Bech32Encode(std::string_view hrp, std::span<const uint8_t> data) {
  std::string lower_hrp(hrp);
  for (char& c : lower_hrp) c = ToLower(c);
  WipedBytes values;
  values.bytes = HrpExpand(lower_hrp);
  const size_t data_start = values.bytes.size();
  // 8-bit groups to 5-bit groups, the last one zero-padded.
  uint32_t acc = 0;
  int bits = 0;
  for (uint8_t b : data) {
    acc = ((acc << 8) | b) & 0xfff;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      values.bytes.push_back(static_cast<uint8_t>((acc >> bits) & 31));
    }
  }
  if (bits > 0) values.bytes.push_back(static_cast<uint8_t>((acc << (5 - bits)) & 31));
  acc = 0;
  const size_t data_end = values.bytes.size();
  values.bytes.resize(data_end + kChecksumSize, 0);
  uint32_t checksum = Polymod(values.bytes) ^ 1;
  for (size_t i = 0; i < kChecksumSize; ++i) {
    values.bytes[data_end + i] = static_cast<uint8_t>((checksum >> (5 * (5 - i))) & 31);
  }
  std::string out = lower_hrp + '1';
  out.reserve(out.size() + values.bytes.size() - data_start);
  for (size_t i = data_start; i < values.bytes.size(); ++i) out += kCharset[values.bytes[i]];
  return out;
}

Status Bech32Decode(std::string_view text, std::string* hrp, std::vector<uint8_t>* data) {
  hrp->clear();
  data->clear();
  bool has_lower = false, has_upper = false;
  for (char c : text) {
    if (c < 33 || c > 126) return Status::InvalidArgument("invalid Bech32: character out of range");
    has_lower |= (c >= 'a' && c <= 'z');
    has_upper |= (c >= 'A' && c <= 'Z');
  }
  if (has_lower && has_upper) return Status::InvalidArgument("invalid Bech32: mixed case");
  size_t separator = text.rfind('1');
  if (separator == std::string_view::npos || separator == 0) {
    return Status::InvalidArgument("invalid Bech32: no human-readable part before a '1'");
  }
  if (text.size() - separator - 1 < kChecksumSize) {
    return Status::InvalidArgument("invalid Bech32: too short for its checksum");
  }
  std::string lower_hrp(text.substr(0, separator));
  for (char& c : lower_hrp) c = ToLower(c);
  WipedBytes values;
  values.bytes = HrpExpand(lower_hrp);
  const size_t data_start = values.bytes.size();
  for (char c : text.substr(separator + 1)) {
    int v = CharsetIndex(ToLower(c));
    if (v < 0) return Status::InvalidArgument("invalid Bech32: character outside the alphabet");
    values.bytes.push_back(static_cast<uint8_t>(v));
  }
  if (Polymod(values.bytes) != 1) return Status::InvalidArgument("invalid Bech32: bad checksum");
  // 5-bit groups back to bytes; what is left must be padding: under 5 bits
  // and all zero (BIP-173's rule, which keeps the encoding unique).
  WipedBytes out;
  uint32_t acc = 0;
  int bits = 0;
  for (size_t i = data_start; i < values.bytes.size() - kChecksumSize; ++i) {
    acc = ((acc << 5) | values.bytes[i]) & 0xfff;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.bytes.push_back(static_cast<uint8_t>((acc >> bits) & 0xff));
    }
  }
  bool bad_padding = bits >= 5 || ((acc << (8 - bits)) & 0xff) != 0;
  acc = 0;
  if (bad_padding) return Status::InvalidArgument("invalid Bech32: bad padding");
  *hrp = std::string(text.substr(0, separator));
  data->swap(out.bytes);
  return Status::OK();
}

}  // namespace hotbackup
