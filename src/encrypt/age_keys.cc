// age's key encodings and key files. A recipient is Bech32 with HRP "age"
// (lower case only); an identity is Bech32 with HRP "AGE-SECRET-KEY-",
// upper case only: age's own parser compares the HRP in the case the text
// has, so it accepts exactly these two forms, and so do we. The files
// follow age's rules too: lines split at '\n' with one trailing '\r'
// dropped, empty lines and lines starting with '#' skipped, anything else
// must be a key. Secret bytes read here are wiped once parsed.
#include "hotbackup/encrypt/age_keys.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "hotbackup/encrypt/bech32.h"
#include "hotbackup/encrypt/openssl_crypto.h"
#include "hotbackup/io/file_io.h"
#include "hotbackup/io/secret_file.h"
#include "hotbackup/io/unique_fd.h"
#include "hotbackup/util/interrupt.h"

namespace hotbackup {
namespace {

constexpr char kRecipientHrp[] = "age";
constexpr char kIdentityHrp[] = "AGE-SECRET-KEY-";
// age's own limit for recipient and identity files.
constexpr uint64_t kKeyFileSizeLimit = uint64_t{16} << 20;
// A passphrase file is read up to this size; its first line must end
// within it.
constexpr size_t kPassphraseFileLimit = size_t{64} << 10;

// A string holding secret text, wiped when it goes.
struct WipedString {
  std::string text;
  ~WipedString() { Wipe(text.data(), text.size()); }
};

std::string ToUpper(std::string s) {
  for (char& c : s) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return s;
}

// Calls `on_line(line, line_number)` for each line of `contents` that is
// neither empty nor a '#' comment, stopping at the first error.
template <typename OnLine>
Status ForEachKeyLine(std::string_view contents, OnLine on_line) {
  int line_number = 0;
  while (!contents.empty()) {
    ++line_number;
    size_t end = contents.find('\n');
    std::string_view line = contents.substr(0, end);
    contents = end == std::string_view::npos ? std::string_view() : contents.substr(end + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || line.front() == '#') continue;
    HOTBACKUP_RETURN_IF_ERROR(on_line(line, line_number));
  }
  return Status::OK();
}

}  // namespace

AgeIdentity::~AgeIdentity() { Wipe(secret_key); }

Status ParseAgeRecipient(std::string_view text, AgeRecipient* recipient) {
  std::string hrp;
  std::vector<uint8_t> data;
  Status s = Bech32Decode(text, &hrp, &data);
  if (!s.ok()) return Status::InvalidArgument("malformed age recipient: " + s.message());
  if (hrp != kRecipientHrp) {
    return Status::InvalidArgument("malformed age recipient: not an age1... X25519 key");
  }
  if (data.size() != recipient->public_key.size()) {
    return Status::InvalidArgument("malformed age recipient: wrong key length");
  }
  std::copy(data.begin(), data.end(), recipient->public_key.begin());
  return Status::OK();
}

std::string FormatAgeRecipient(const AgeRecipient& recipient) {
  return Bech32Encode(kRecipientHrp, recipient.public_key);
}

Status ParseAgeIdentity(std::string_view text, AgeIdentity* identity) {
  std::string hrp;
  std::vector<uint8_t> data;
  Status s = Bech32Decode(text, &hrp, &data);
  Status result;
  if (!s.ok()) {
    result = Status::InvalidArgument("malformed age identity: " + s.message());
  } else if (hrp != kIdentityHrp) {
    result = Status::InvalidArgument(
        "malformed age identity: not an AGE-SECRET-KEY-1... key in upper case");
  } else if (data.size() != identity->secret_key.size()) {
    result = Status::InvalidArgument("malformed age identity: wrong key length");
  } else {
    std::copy(data.begin(), data.end(), identity->secret_key.begin());
  }
  Wipe(data);
  return result;
}

std::string FormatAgeIdentity(const AgeIdentity& identity) {
  WipedString lower{Bech32Encode(kIdentityHrp, identity.secret_key)};
  return ToUpper(lower.text);
}

Status AgeRecipientOf(const AgeIdentity& identity, AgeRecipient* recipient) {
  return X25519PublicKey(identity.secret_key, recipient->public_key);
}

Status ReadAgeRecipientsFile(const std::string& path, std::vector<AgeRecipient>* recipients) {
  recipients->clear();
  std::string contents;
  HOTBACKUP_RETURN_IF_ERROR(ReadSmallFile(path, &contents, kKeyFileSizeLimit));
  HOTBACKUP_RETURN_IF_ERROR(
      ForEachKeyLine(contents, [&](std::string_view line, int line_number) -> Status {
        std::string where = path + " line " + std::to_string(line_number);
        // age's other recipient types: SSH keys, and plugins, whose Bech32
        // HRP "age1<name>" puts a second '1' in the line (X25519 data never
        // has one: '1' is not in the Bech32 alphabet).
        if (line.starts_with("ssh-") ||
            (line.starts_with("age1") && line.find('1', 4) != std::string_view::npos)) {
          return Status::NotSupported(where +
                                      ": only age1... X25519 recipients are supported here "
                                      "(not SSH keys or plugins)");
        }
        AgeRecipient recipient;
        Status s = ParseAgeRecipient(line, &recipient);
        if (!s.ok()) return s.WithContext(where);
        recipients->push_back(recipient);
        return Status::OK();
      }));
  if (recipients->empty()) return Status::InvalidArgument(path + ": no recipients in the file");
  return Status::OK();
}

Status ReadAgeIdentityFile(const std::string& path, std::vector<AgeIdentity>* identities) {
  identities->clear();
  WipedString contents;
  HOTBACKUP_RETURN_IF_ERROR(
      ReadSecretFile(path, "an age identity file", &contents.text, kKeyFileSizeLimit));
  HOTBACKUP_RETURN_IF_ERROR(
      ForEachKeyLine(contents.text, [&](std::string_view line, int line_number) -> Status {
        std::string where = path + " line " + std::to_string(line_number);
        if (line.starts_with("AGE-PLUGIN-") || line.starts_with("-----BEGIN")) {
          return Status::NotSupported(
              where + ": only AGE-SECRET-KEY-1... X25519 identities are supported here "
                      "(not SSH keys or plugins)");
        }
        AgeIdentity identity;
        Status s = ParseAgeIdentity(line, &identity);
        if (!s.ok()) return s.WithContext(where);
        identities->push_back(identity);
        return Status::OK();
      }));
  if (identities->empty()) return Status::InvalidArgument(path + ": no identities in the file");
  return Status::OK();
}

Status ReadPassphraseFile(const std::string& path, std::string* passphrase) {
  passphrase->clear();
  UniqueFd fd;
  HOTBACKUP_RETURN_IF_ERROR(OpenSecretFile(path, "a passphrase file", &fd));
  WipedString contents;
  contents.text.resize(kPassphraseFileLimit);
  size_t size = 0;
  while (size < contents.text.size()) {
    ssize_t got = read(fd.get(), contents.text.data() + size, contents.text.size() - size);
    if (got < 0) {
      if (errno == EINTR) {
        HOTBACKUP_RETURN_IF_ERROR(CheckInterrupted());
        continue;
      }
      return Status::IOError("read " + path, errno);
    }
    if (got == 0) break;
    size += static_cast<size_t>(got);
    if (contents.text.find('\n') < size) break;
  }
  std::string_view text(contents.text.data(), size);
  size_t end = text.find('\n');
  if (end == std::string_view::npos && size == contents.text.size()) {
    return Status::InvalidArgument(path + ": the passphrase's line is longer than 64 KiB");
  }
  std::string_view line = text.substr(0, end);
  if (end != std::string_view::npos && !line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (line.empty()) return Status::InvalidArgument(path + ": the passphrase is empty");
  passphrase->assign(line);
  return Status::OK();
}

}  // namespace hotbackup
