// The age v1 header (c2sp.org/age), written and read from the spec:
//
//   "age-encryption.org/v1\n"
//   per stanza: "-> " type and arguments joined by single spaces, "\n",
//     then the body in base64, 64 columns a line, every line "\n"-ended,
//     the last line shorter than 64 (empty when the body is a multiple of
//     48 bytes, or empty);
//   "--- " base64(HMAC-SHA-256(HKDF(file key, "", "header"), the header
//     through "---")) "\n".
//
// An argument is one or more characters in 33..126. Every base64 is
// canonical and unpadded. The X25519 stanza wraps the file key under
// HKDF(shared secret, ephemeral share || recipient, ".../X25519"); the
// scrypt stanza under scrypt(passphrase, ".../scrypt" || salt, 2^log2N, 8,
// 1); both with ChaCha20-Poly1305 and a zero nonce.
//
// Reading takes one byte at a time from the source, so that nothing past
// the header's last newline is consumed: the payload is the caller's. The
// header is small (about 200 bytes per recipient), so this costs nothing
// that matters, and kMaxAgeHeaderSize bounds what garbage input can make
// us hold.
#include "hotbackup/encrypt/age_header.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "hotbackup/encrypt/base64.h"
#include "hotbackup/encrypt/openssl_crypto.h"
#include "hotbackup/util/random_bytes.h"

namespace hotbackup {
namespace {

constexpr std::string_view kVersionLine = "age-encryption.org/v1";
constexpr std::string_view kX25519Type = "X25519";
constexpr std::string_view kScryptType = "scrypt";
constexpr std::string_view kX25519Label = "age-encryption.org/v1/X25519";
constexpr std::string_view kScryptLabel = "age-encryption.org/v1/scrypt";
constexpr std::string_view kStanzaPrefix = "-> ";
constexpr std::string_view kMacPrefix = "---";
constexpr size_t kColumnsPerLine = 64;
constexpr size_t kBytesPerLine = kColumnsPerLine / 4 * 3;
constexpr size_t kScryptSaltSize = 16;
constexpr size_t kWrappedKeySize = sizeof(AgeFileKey) + kChaChaPolyTagSize;
constexpr std::array<uint8_t, kChaChaPolyNonceSize> kZeroNonce{};
constexpr uint32_t kScryptR = 8;
constexpr uint32_t kScryptP = 1;
static_assert(kBytesPerLine == 48);
static_assert(sizeof(kAgeMagic) - 1 == kVersionLine.size() + 1);

struct Stanza {
  std::string type;
  std::vector<std::string> args;
  std::vector<uint8_t> body;
};

// A fixed-size secret, wiped when it goes.
template <size_t N>
struct Secret {
  std::array<uint8_t, N> bytes{};
  ~Secret() { Wipe(bytes); }
};

std::span<const uint8_t> AsSpan(std::string_view s) {
  return std::span(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}

void AppendStanza(const Stanza& stanza, std::string* out) {
  *out += kStanzaPrefix;
  *out += stanza.type;
  for (const std::string& arg : stanza.args) *out += ' ' + arg;
  *out += '\n';
  std::string body = Base64Encode(stanza.body);
  // Full lines, then the short (possibly empty) last line.
  size_t pos = 0;
  for (; body.size() - pos >= kColumnsPerLine; pos += kColumnsPerLine) {
    out->append(body, pos, kColumnsPerLine);
    *out += '\n';
  }
  out->append(body, pos, std::string::npos);
  *out += '\n';
}

// Wraps `file_key` under `wrap_key` into a 32-byte body.
Status WrapFileKey(std::span<const uint8_t, kChaChaPolyKeySize> wrap_key,
                   const AgeFileKey& file_key, std::vector<uint8_t>* body) {
  body->assign(kWrappedKeySize, 0);
  return ChaChaPolySeal(wrap_key, kZeroNonce, file_key, *body);
}

// The wrap key of an X25519 stanza: HKDF over the shared secret, salted
// with the ephemeral share and the recipient's public key.
Status X25519WrapKey(std::span<const uint8_t, kX25519Size> shared_secret,
                     std::span<const uint8_t, kX25519Size> share,
                     std::span<const uint8_t, kX25519Size> recipient,
                     std::span<uint8_t, kChaChaPolyKeySize> wrap_key) {
  std::array<uint8_t, 2 * kX25519Size> salt;
  std::copy(share.begin(), share.end(), salt.begin());
  std::copy(recipient.begin(), recipient.end(), salt.begin() + kX25519Size);
  return HkdfSha256(shared_secret, salt, kX25519Label, wrap_key);
}

Status ScryptWrapKey(std::string_view passphrase, std::span<const uint8_t> salt, int log2_n,
                     std::span<uint8_t, kChaChaPolyKeySize> wrap_key) {
  std::vector<uint8_t> labeled(kScryptLabel.begin(), kScryptLabel.end());
  labeled.insert(labeled.end(), salt.begin(), salt.end());
  return Scrypt(passphrase, labeled, log2_n, kScryptR, kScryptP, wrap_key);
}

Status HeaderMac(const AgeFileKey& file_key, std::string_view header_through_dashes,
                 std::span<uint8_t, kHmacSha256Size> mac) {
  Secret<kHmacSha256Size> mac_key;
  HOTBACKUP_RETURN_IF_ERROR(HkdfSha256(file_key, {}, "header", mac_key.bytes));
  return HmacSha256(mac_key.bytes, AsSpan(header_through_dashes), mac);
}

Status Malformed(std::string_view what) {
  return Status::Corruption("age header: " + std::string(what));
}

// Reads the header's lines without reading past them, keeping every byte
// for the MAC.
class LineReader {
 public:
  explicit LineReader(ByteSource* source) : source_(source) {}

  // The next line, without its '\n', in *line (valid until the next
  // ReadLine).
  // kCorruption at the end of the input or beyond kMaxAgeHeaderSize.
  Status ReadLine(std::string_view* line) {
    size_t start = raw_.size();
    for (;;) {
      uint8_t byte = 0;
      size_t n = 0;
      HOTBACKUP_RETURN_IF_ERROR(source_->Read(std::span(&byte, 1), &n));
      if (n == 0) return Malformed("truncated (the input ends inside the header)");
      if (raw_.size() >= kMaxAgeHeaderSize) {
        return Malformed("longer than " + std::to_string(kMaxAgeHeaderSize >> 20) + " MiB");
      }
      if (byte == '\n') break;
      raw_ += static_cast<char>(byte);
      // Fail at the first wrong byte of the version line: a file that is
      // not age must not be read far.
      if (start == 0 && (raw_.size() > kVersionLine.size() ||
                         raw_.back() != kVersionLine[raw_.size() - 1])) {
        return Status::Corruption("not an age file (no age-encryption.org/v1 line)");
      }
    }
    raw_ += '\n';  // before taking the view: appending may move raw_
    *line = std::string_view(raw_).substr(start, raw_.size() - 1 - start);
    return Status::OK();
  }

  const std::string& raw() const { return raw_; }

 private:
  ByteSource* source_;
  std::string raw_;
};

bool ValidArgument(std::string_view arg) {
  return !arg.empty() && std::all_of(arg.begin(), arg.end(), [](char c) {
    return static_cast<unsigned char>(c) >= 33 && static_cast<unsigned char>(c) <= 126;
  });
}

// Parses "-> type args..." (without the prefix) and the body lines after it.
Status ReadStanza(std::string_view args_text, LineReader* reader, Stanza* stanza) {
  std::vector<std::string> words;
  for (;;) {
    size_t space = args_text.find(' ');
    std::string_view word = args_text.substr(0, space);
    if (!ValidArgument(word)) return Malformed("malformed stanza line");
    words.emplace_back(word);
    if (space == std::string_view::npos) break;
    args_text.remove_prefix(space + 1);
  }
  stanza->type = words.front();
  stanza->args.assign(words.begin() + 1, words.end());
  for (;;) {
    std::string_view line;
    HOTBACKUP_RETURN_IF_ERROR(reader->ReadLine(&line));
    if (line.size() > kColumnsPerLine) {
      return Malformed("stanza body line longer than 64 columns");
    }
    std::vector<uint8_t> bytes;
    Status s = Base64Decode(line, &bytes);
    if (!s.ok()) return Malformed("stanza body: " + s.message());
    stanza->body.insert(stanza->body.end(), bytes.begin(), bytes.end());
    if (line.size() < kColumnsPerLine) return Status::OK();
  }
}

// The 32-byte base64 argument of an X25519 stanza, and its 32-byte body.
Status CheckX25519Stanza(const Stanza& stanza, std::array<uint8_t, kX25519Size>* share) {
  std::vector<uint8_t> bytes;
  if (stanza.args.size() != 1 || !Base64Decode(stanza.args[0], &bytes).ok() ||
      bytes.size() != kX25519Size) {
    return Malformed("malformed X25519 stanza (its share)");
  }
  if (stanza.body.size() != kWrappedKeySize) {
    return Malformed("malformed X25519 stanza (its body is not a wrapped file key)");
  }
  std::copy(bytes.begin(), bytes.end(), share->begin());
  return Status::OK();
}

Status UnwrapX25519(const std::vector<Stanza>& stanzas,
                    const std::vector<AgeIdentity>& identities, AgeFileKey* file_key) {
  if (identities.empty()) {
    return Status::InvalidArgument(
        "age header: the file is encrypted to recipients: an identity is needed");
  }
  std::vector<AgeRecipient> ours(identities.size());
  for (size_t i = 0; i < identities.size(); ++i) {
    HOTBACKUP_RETURN_IF_ERROR(AgeRecipientOf(identities[i], &ours[i]));
  }
  for (const Stanza& stanza : stanzas) {
    if (stanza.type != kX25519Type) continue;  // another type: not ours, skipped as age does
    std::array<uint8_t, kX25519Size> share;
    HOTBACKUP_RETURN_IF_ERROR(CheckX25519Stanza(stanza, &share));
    for (size_t i = 0; i < identities.size(); ++i) {
      Secret<kX25519Size> shared;
      Status s = X25519SharedSecret(identities[i].secret_key, share, shared.bytes);
      if (s.code() == Status::Code::kInvalidArgument) {
        return Malformed("X25519 stanza with a low-order share");
      }
      HOTBACKUP_RETURN_IF_ERROR(s);
      Secret<kChaChaPolyKeySize> wrap_key;
      HOTBACKUP_RETURN_IF_ERROR(
          X25519WrapKey(shared.bytes, share, ours[i].public_key, wrap_key.bytes));
      // A tag mismatch only means this stanza is for someone else.
      s = ChaChaPolyOpen(wrap_key.bytes, kZeroNonce, stanza.body, *file_key);
      if (s.ok()) return Status::OK();
      if (s.code() != Status::Code::kCorruption) return s;
    }
  }
  Wipe(*file_key);
  return Status::InvalidArgument(
      "age header: no identity matches any of the file's recipients");
}

Status UnwrapScrypt(const Stanza& stanza, const std::string& passphrase, int max_log2_n,
                    AgeFileKey* file_key) {
  std::vector<uint8_t> salt;
  if (stanza.args.size() != 2 || !Base64Decode(stanza.args[0], &salt).ok() ||
      salt.size() != kScryptSaltSize) {
    return Malformed("malformed scrypt stanza (its salt)");
  }
  const std::string& digits = stanza.args[1];
  if (digits.front() == '0' ||
      !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return Malformed("malformed scrypt stanza (its work factor)");
  }
  if (stanza.body.size() != kWrappedKeySize) {
    return Malformed("malformed scrypt stanza (its body is not a wrapped file key)");
  }
  // Refused before any work: scrypt's time and memory double with each step.
  int log2_n = digits.size() > 2 ? 1000 : std::atoi(digits.c_str());
  if (log2_n > max_log2_n) {
    return Status::InvalidArgument(
        "age header: scrypt work factor " + (digits.size() > 2 ? "above 99" : digits) +
        " is above the limit of " + std::to_string(max_log2_n) + " (it would need " +
        (log2_n > 30 ? std::string("too much") : std::to_string((uint64_t{1} << log2_n) >> 10) +
                                                     " MiB") +
        " of memory)");
  }
  Secret<kChaChaPolyKeySize> wrap_key;
  HOTBACKUP_RETURN_IF_ERROR(ScryptWrapKey(passphrase, salt, log2_n, wrap_key.bytes));
  Status s = ChaChaPolyOpen(wrap_key.bytes, kZeroNonce, stanza.body, *file_key);
  if (s.code() == Status::Code::kCorruption) {
    Wipe(*file_key);
    return Status::InvalidArgument("age header: wrong passphrase");
  }
  return s;
}

}  // namespace

AgeFileKey NewAgeFileKey() {
  AgeFileKey key;
  Status s = RandomBytes(key);
  if (!s.ok()) {
    // No randomness means no safe key: nothing sensible can continue.
    std::fprintf(stderr, "myrocks_hotbackup: %s\n", s.message().c_str());
    std::abort();
  }
  return key;
}

Status WriteAgeHeader(const AgeEncryptTo& to, const AgeFileKey& file_key, std::string* header) {
  header->clear();
  std::vector<Stanza> stanzas;
  if (to.passphrase.has_value()) {
    if (!to.recipients.empty()) {
      return Status::InvalidArgument("age: a passphrase cannot be combined with recipients");
    }
    if (to.passphrase->empty()) return Status::InvalidArgument("age: the passphrase is empty");
    if (to.scrypt_log2_n < 1 || to.scrypt_log2_n > kScryptMaxLog2N) {
      return Status::InvalidArgument("age: scrypt work factor must be 1 to " +
                                     std::to_string(kScryptMaxLog2N));
    }
    std::array<uint8_t, kScryptSaltSize> salt;
    HOTBACKUP_RETURN_IF_ERROR(RandomBytes(salt));
    Secret<kChaChaPolyKeySize> wrap_key;
    HOTBACKUP_RETURN_IF_ERROR(
        ScryptWrapKey(*to.passphrase, salt, to.scrypt_log2_n, wrap_key.bytes));
    Stanza& stanza = stanzas.emplace_back();
    stanza.type = kScryptType;
    stanza.args = {Base64Encode(salt), std::to_string(to.scrypt_log2_n)};
    HOTBACKUP_RETURN_IF_ERROR(WrapFileKey(wrap_key.bytes, file_key, &stanza.body));
  } else {
    if (to.recipients.empty()) return Status::InvalidArgument("age: no recipient");
    for (size_t i = 0; i < to.recipients.size(); ++i) {
      const AgeRecipient& recipient = to.recipients[i];
      Secret<kX25519Size> ephemeral;
      HOTBACKUP_RETURN_IF_ERROR(RandomBytes(ephemeral.bytes));
      std::array<uint8_t, kX25519Size> share;
      HOTBACKUP_RETURN_IF_ERROR(X25519PublicKey(ephemeral.bytes, share));
      Secret<kX25519Size> shared;
      Status s = X25519SharedSecret(ephemeral.bytes, recipient.public_key, shared.bytes);
      if (s.code() == Status::Code::kInvalidArgument) {
        return Status::InvalidArgument("age: recipient " + std::to_string(i + 1) +
                                       " is not a usable X25519 key (a low-order point)");
      }
      HOTBACKUP_RETURN_IF_ERROR(s);
      Secret<kChaChaPolyKeySize> wrap_key;
      HOTBACKUP_RETURN_IF_ERROR(
          X25519WrapKey(shared.bytes, share, recipient.public_key, wrap_key.bytes));
      Stanza& stanza = stanzas.emplace_back();
      stanza.type = kX25519Type;
      stanza.args = {Base64Encode(share)};
      HOTBACKUP_RETURN_IF_ERROR(WrapFileKey(wrap_key.bytes, file_key, &stanza.body));
    }
  }
  std::string text = kAgeMagic;
  for (const Stanza& stanza : stanzas) AppendStanza(stanza, &text);
  text += kMacPrefix;
  std::array<uint8_t, kHmacSha256Size> mac;
  HOTBACKUP_RETURN_IF_ERROR(HeaderMac(file_key, text, mac));
  text += ' ' + Base64Encode(mac) + '\n';
  *header = std::move(text);
  return Status::OK();
}

Status ReadAgeHeader(ByteSource* source, const AgeDecryptWith& with, AgeFileKey* file_key) {
  LineReader reader(source);
  std::string_view line;
  HOTBACKUP_RETURN_IF_ERROR(reader.ReadLine(&line));
  if (line != kVersionLine) {
    return Status::Corruption("not an age file (no age-encryption.org/v1 line)");
  }
  std::vector<Stanza> stanzas;
  std::vector<uint8_t> mac;
  size_t mac_input_size = 0;
  for (;;) {
    HOTBACKUP_RETURN_IF_ERROR(reader.ReadLine(&line));
    if (line.starts_with(kStanzaPrefix)) {
      HOTBACKUP_RETURN_IF_ERROR(
          ReadStanza(line.substr(kStanzaPrefix.size()), &reader, &stanzas.emplace_back()));
      continue;
    }
    if (line.starts_with(kMacPrefix)) {
      if (line.size() < 4 || line[3] != ' ' || !Base64Decode(line.substr(4), &mac).ok() ||
          mac.size() != kHmacSha256Size) {
        return Malformed("malformed MAC line");
      }
      // The MAC covers the header through "---": everything before this
      // line's " <mac>\n".
      mac_input_size = reader.raw().size() - (line.size() - kMacPrefix.size()) - 1;
      break;
    }
    return Malformed("a line that is neither a stanza nor the MAC line");
  }
  if (stanzas.empty()) return Malformed("no recipient stanzas");

  bool has_scrypt = std::any_of(stanzas.begin(), stanzas.end(),
                                [](const Stanza& s) { return s.type == kScryptType; });
  AgeFileKey key{};
  if (has_scrypt) {
    // Anyone able to add a stanza to a passphrase file could otherwise
    // make it decrypt under their key while the passphrase holder
    // believes it private: age allows a scrypt stanza only alone.
    if (stanzas.size() != 1) {
      return Status::InvalidArgument(
          "age header: a scrypt (passphrase) stanza must be the only stanza of a file");
    }
    if (!with.passphrase.has_value()) {
      return Status::InvalidArgument(
          "age header: the file is passphrase-encrypted: a passphrase is needed");
    }
    HOTBACKUP_RETURN_IF_ERROR(
        UnwrapScrypt(stanzas.front(), *with.passphrase, with.max_scrypt_log2_n, &key));
  } else {
    if (with.passphrase.has_value()) {
      return Status::InvalidArgument(
          "age header: a passphrase was given but the file is not passphrase-encrypted");
    }
    HOTBACKUP_RETURN_IF_ERROR(UnwrapX25519(stanzas, with.identities, &key));
  }

  std::array<uint8_t, kHmacSha256Size> expected;
  Status s = HeaderMac(key, std::string_view(reader.raw()).substr(0, mac_input_size), expected);
  if (s.ok() && !ConstantTimeEqual(expected, mac)) {
    s = Status::Corruption("age header: MAC mismatch (the header was altered)");
  }
  if (!s.ok()) {
    Wipe(key);
    return s;
  }
  *file_key = key;
  Wipe(key);
  return Status::OK();
}

}  // namespace hotbackup
