// age keys and key files: what age-keygen writes parses, to the public key
// it prints; malformed keys and unsupported key types are refused with the
// line number and never the key; passphrase files are checked like ssh
// private keys.
#include "hotbackup/encrypt/age_keys.h"

#include <sys/stat.h>

#include <catch2/catch.hpp>

#include "hotbackup/encrypt/bech32.h"
#include "support/test_support.h"

namespace hotbackup {
namespace {

// An identity file as age-keygen leaves it: mode 0600 (readable by others,
// it is refused).
void WriteIdentityFile(const std::string& path, const std::string& text) {
  test::WriteFile(path, text);
  REQUIRE(chmod(path.c_str(), 0600) == 0);
}

// The "# public key: age1..." comment of an age-keygen file.
std::string PublicKeyComment(const std::string& key_file) {
  std::string text = test::ReadFile(key_file);
  const std::string marker = "# public key: ";
  size_t pos = text.find(marker);
  REQUIRE(pos != std::string::npos);
  pos += marker.size();
  return text.substr(pos, text.find('\n', pos) - pos);
}

TEST_CASE("AgeKeys: age-keygen's keys parse to the public key it prints", "[unit][encrypt][age]") {
  REQUIRE(test::HaveTool("age-keygen"));
  test::TempDir dir;
  for (int i = 0; i < 3; ++i) {
    std::string key = dir / ("key" + std::to_string(i));
    REQUIRE(test::Run({"age-keygen", "-o", key}).exit_code == 0);
    REQUIRE(test::Run({"age-keygen", "-y", key}, "", dir / "pub").exit_code == 0);
    std::string printed = test::TrimTrailing(test::ReadFile(dir / "pub"));

    std::vector<AgeIdentity> identities;
    REQUIRE(ReadAgeIdentityFile(key, &identities).ok());
    REQUIRE(identities.size() == 1);
    AgeRecipient recipient;
    REQUIRE(AgeRecipientOf(identities[0], &recipient).ok());
    CHECK(FormatAgeRecipient(recipient) == PublicKeyComment(key));
    CHECK(FormatAgeRecipient(recipient) == printed);

    // Both encodings round-trip to age's exact text.
    AgeRecipient parsed;
    REQUIRE(ParseAgeRecipient(printed, &parsed).ok());
    CHECK(parsed.public_key == recipient.public_key);
    std::string text = test::ReadFile(key);
    size_t at = text.find("AGE-SECRET-KEY-1");
    REQUIRE(at != std::string::npos);
    CHECK(FormatAgeIdentity(identities[0]) == test::TrimTrailing(text.substr(at)));
  }
}

TEST_CASE("AgeKeys: malformed keys are refused without quoting them", "[unit][encrypt]") {
  AgeIdentity identity;
  identity.secret_key.fill(7);
  std::string secret = FormatAgeIdentity(identity);
  AgeRecipient recipient;
  REQUIRE(AgeRecipientOf(identity, &recipient).ok());
  std::string pub = FormatAgeRecipient(recipient);
  REQUIRE(pub.starts_with("age1"));
  REQUIRE(secret.starts_with("AGE-SECRET-KEY-1"));

  auto identity_refused = [&](const std::string& text) {
    AgeIdentity out;
    Status s = ParseAgeIdentity(text, &out);
    if (!text.empty()) CHECK(s.message().find(text) == std::string::npos);
    CHECK(s.message().find(secret.substr(16, 20)) == std::string::npos);
    return s.code() == Status::Code::kInvalidArgument;
  };
  auto recipient_refused = [&](const std::string& text) {
    AgeRecipient out;
    return ParseAgeRecipient(text, &out).code() == Status::Code::kInvalidArgument;
  };
  AgeIdentity round;
  REQUIRE(ParseAgeIdentity(secret, &round).ok());
  CHECK(round.secret_key == identity.secret_key);

  std::string lower = secret;
  for (char& c : lower) c = static_cast<char>(std::tolower(c));
  CHECK(identity_refused(lower));  // age compares the HRP in upper case: so do we
  std::string mixed = secret;
  mixed.back() = static_cast<char>(std::tolower(mixed.back()));
  CHECK(identity_refused(mixed));
  std::string bad_checksum = secret;
  bad_checksum[20] = bad_checksum[20] == 'Q' ? 'P' : 'Q';
  CHECK(identity_refused(bad_checksum));
  CHECK(identity_refused(pub));     // a recipient is not an identity
  CHECK(identity_refused(""));
  CHECK(identity_refused(secret + " "));
  std::string short_key = Bech32Encode("AGE-SECRET-KEY-", std::vector<uint8_t>(31, 7));
  for (char& c : short_key) c = static_cast<char>(std::toupper(c));
  CHECK(identity_refused(short_key));

  std::string upper = pub;
  for (char& c : upper) c = static_cast<char>(std::toupper(c));
  CHECK(recipient_refused(upper));  // age accepts recipients in lower case only
  CHECK(recipient_refused(secret));
  CHECK(recipient_refused(Bech32Encode("age", std::vector<uint8_t>(33, 1))));
  CHECK(recipient_refused(Bech32Encode("agf", std::vector<uint8_t>(32, 1))));
  std::string bad_pub = pub;
  bad_pub[10] = bad_pub[10] == 'q' ? 'p' : 'q';
  CHECK(recipient_refused(bad_pub));
}

TEST_CASE("AgeKeys: recipients file with comments, blank lines and CRLF", "[unit][encrypt]") {
  test::TempDir dir;
  std::vector<std::string> pubs;
  for (uint8_t i = 1; i <= 3; ++i) {
    AgeIdentity id;
    id.secret_key.fill(i);
    AgeRecipient r;
    REQUIRE(AgeRecipientOf(id, &r).ok());
    pubs.push_back(FormatAgeRecipient(r));
  }
  test::WriteFile(dir / "r.txt",
                  "# team keys\n\n" + pubs[0] + "\n" + pubs[1] + "\r\n#" + pubs[2] + "\n\n" +
                      pubs[2]);  // no final newline
  std::vector<AgeRecipient> recipients;
  REQUIRE(ReadAgeRecipientsFile(dir / "r.txt", &recipients).ok());
  REQUIRE(recipients.size() == 3);
  for (size_t i = 0; i < 3; ++i) CHECK(FormatAgeRecipient(recipients[i]) == pubs[i]);

  const std::string ssh =
      "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHsKLqeplhpW+uObz5dvMgjz1OxfM/XXUB+VHtZ6isGN user@host";
  test::WriteFile(dir / "ssh.txt", pubs[0] + "\n# comment\n" + ssh + "\n");
  Status s = ReadAgeRecipientsFile(dir / "ssh.txt", &recipients);
  CHECK(s.code() == Status::Code::kNotSupported);
  CHECK(s.message().find("line 3") != std::string::npos);
  CHECK(s.message().find("AAAAC3") == std::string::npos);

  test::WriteFile(dir / "plugin.txt", "age1yubikey1qwt50d05nh5vutpdzmlg5wn80xq5negm4uj9ghv0snvdd3yysf5yw3rhl3t\n");
  s = ReadAgeRecipientsFile(dir / "plugin.txt", &recipients);
  CHECK(s.code() == Status::Code::kNotSupported);
  CHECK(s.message().find("line 1") != std::string::npos);

  std::string bad = pubs[1];
  bad[12] = bad[12] == 'q' ? 'p' : 'q';
  test::WriteFile(dir / "bad.txt", pubs[0] + "\n\n" + bad + "\n");
  s = ReadAgeRecipientsFile(dir / "bad.txt", &recipients);
  CHECK(s.code() == Status::Code::kInvalidArgument);
  CHECK(s.message().find("line 3") != std::string::npos);
  CHECK(s.message().find(bad) == std::string::npos);

  test::WriteFile(dir / "indented.txt", " " + pubs[0] + "\n");  // as age: no trimming
  CHECK(ReadAgeRecipientsFile(dir / "indented.txt", &recipients).code() ==
        Status::Code::kInvalidArgument);
  test::WriteFile(dir / "empty.txt", "# nobody\n\n");
  CHECK(ReadAgeRecipientsFile(dir / "empty.txt", &recipients).code() ==
        Status::Code::kInvalidArgument);
  CHECK_FALSE(ReadAgeRecipientsFile(dir / "missing.txt", &recipients).ok());
}

TEST_CASE("AgeKeys: identity file with several keys, plugins refused", "[unit][encrypt]") {
  test::TempDir dir;
  std::string text = "# created: 2024\n";
  std::vector<std::string> secrets;
  for (uint8_t i = 1; i <= 2; ++i) {
    AgeIdentity id;
    id.secret_key.fill(i);
    secrets.push_back(FormatAgeIdentity(id));
    text += "# public key: whatever\n" + secrets.back() + "\n\n";
  }
  WriteIdentityFile(dir / "k.txt", text);
  std::vector<AgeIdentity> identities;
  REQUIRE(ReadAgeIdentityFile(dir / "k.txt", &identities).ok());
  REQUIRE(identities.size() == 2);
  CHECK(FormatAgeIdentity(identities[1]) == secrets[1]);

  WriteIdentityFile(dir / "plugin.txt",
                  secrets[0] + "\nAGE-PLUGIN-YUBIKEY-1QQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQ\n");
  Status s = ReadAgeIdentityFile(dir / "plugin.txt", &identities);
  CHECK(s.code() == Status::Code::kNotSupported);
  CHECK(s.message().find("line 2") != std::string::npos);
  CHECK(s.message().find("QQQQ") == std::string::npos);

  std::string bad = secrets[0];
  bad[30] = bad[30] == 'Q' ? 'P' : 'Q';
  WriteIdentityFile(dir / "bad.txt", "#\n" + bad + "\n");
  s = ReadAgeIdentityFile(dir / "bad.txt", &identities);
  CHECK(s.code() == Status::Code::kInvalidArgument);
  CHECK(s.message().find("line 2") != std::string::npos);
  CHECK(s.message().find(bad.substr(16, 30)) == std::string::npos);
  WriteIdentityFile(dir / "none.txt", "# empty\n");
  CHECK(ReadAgeIdentityFile(dir / "none.txt", &identities).code() ==
        Status::Code::kInvalidArgument);
}

TEST_CASE("AgeKeys: the published example key file parses", "[unit][encrypt][age]") {
  const std::string path = "/usr/share/gocode/src/filippo.io/age/testdata/example_keys.txt";
  if (access(path.c_str(), R_OK) != 0) {
    WARN("golang-filippo-age-dev is not installed: " + path + " missing");
    return;
  }
  // A copy: the package installs it readable by all, which we refuse.
  test::TempDir dir;
  WriteIdentityFile(dir / "example_keys.txt", test::ReadFile(path));
  std::vector<AgeIdentity> identities;
  REQUIRE(ReadAgeIdentityFile(dir / "example_keys.txt", &identities).ok());
  REQUIRE(identities.size() == 1);
  REQUIRE(test::HaveTool("age-keygen"));
  REQUIRE(test::Run({"age-keygen", "-y", path}, "", dir / "pub").exit_code == 0);
  AgeRecipient recipient;
  REQUIRE(AgeRecipientOf(identities[0], &recipient).ok());
  CHECK(FormatAgeRecipient(recipient) == test::TrimTrailing(test::ReadFile(dir / "pub")));
}

TEST_CASE("AgeKeys: passphrase files", "[unit][encrypt]") {
  test::TempDir dir;
  std::string path = dir / "pass";
  std::string passphrase;

  test::WriteFile(path, "correct horse\r\nsecond line\n");
  REQUIRE(chmod(path.c_str(), 0644) == 0);
  Status s = ReadPassphraseFile(path, &passphrase);
  CHECK(s.code() == Status::Code::kInvalidArgument);
  CHECK(s.message().find("chmod 600") != std::string::npos);
  CHECK(s.message().find("correct") == std::string::npos);
  CHECK(passphrase.empty());
  for (mode_t mode : {0640, 0604, 0620, 0602, 0610}) {
    REQUIRE(chmod(path.c_str(), mode) == 0);
    CHECK(ReadPassphraseFile(path, &passphrase).code() == Status::Code::kInvalidArgument);
  }

  REQUIRE(chmod(path.c_str(), 0600) == 0);
  REQUIRE(ReadPassphraseFile(path, &passphrase).ok());
  CHECK(passphrase == "correct horse");
  REQUIRE(chmod(path.c_str(), 0400) == 0);
  REQUIRE(ReadPassphraseFile(path, &passphrase).ok());

  std::string other = dir / "other";
  test::WriteFile(other, "no newline at all ");
  REQUIRE(chmod(other.c_str(), 0600) == 0);
  REQUIRE(ReadPassphraseFile(other, &passphrase).ok());
  CHECK(passphrase == "no newline at all ");
  test::WriteFile(other, "unix\nx");
  REQUIRE(ReadPassphraseFile(other, &passphrase).ok());
  CHECK(passphrase == "unix");

  for (const char* empty : {"", "\n", "\r\n", "\nsecond line\n"}) {
    test::WriteFile(other, empty);
    REQUIRE(chmod(other.c_str(), 0600) == 0);
    s = ReadPassphraseFile(other, &passphrase);
    CHECK(s.code() == Status::Code::kInvalidArgument);
    CHECK(s.message().find("empty") != std::string::npos);
  }
  CHECK(ReadPassphraseFile(dir / "missing", &passphrase).code() == Status::Code::kIoError);
}

}  // namespace
}  // namespace hotbackup
