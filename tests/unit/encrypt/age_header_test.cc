// The age header against the real age 1.1.1: headers we write lead age to
// the file key (whole files made with a test-only payload encryptor), and
// headers age writes give us the file key (checked by decrypting their
// payload with a test-only decryptor). Then the published vector, and every
// kind of damage.
#include "hotbackup/io/byte_source.h"
#include "hotbackup/encrypt/age_header.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>

#include "hotbackup/encrypt/base64.h"
#include "hotbackup/encrypt/openssl_crypto.h"
#include "hotbackup/util/random_bytes.h"
#include "support/test_support.h"

namespace hotbackup {
namespace {

constexpr size_t kChunk = 64 * 1024;

std::span<const uint8_t> AsBytes(std::string_view s) {
  return std::span(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}

// Hands out a string, remembering how far it was read.
// An endless header: the version line, a stanza line, then 64-column body
// lines forever.
class EndlessSource final : public ByteSource {
 public:
  Status Read(std::span<uint8_t> buffer, size_t* n) override {
    static const std::string prefix = "age-encryption.org/v1\n-> x\n";
    for (uint8_t& b : buffer) {
      b = pos_ < prefix.size() ? prefix[pos_] : ((pos_ - prefix.size()) % 65 == 64 ? '\n' : 'A');
      ++pos_;
    }
    *n = buffer.size();
    return Status::OK();
  }
  uint64_t position() const { return pos_; }

 private:
  uint64_t pos_ = 0;
};

// The payload key and chunk nonces of the age format, for these tests only
// (the product's payload stream is age_stream.h's).
std::array<uint8_t, 32> PayloadKey(const AgeFileKey& file_key, std::span<const uint8_t> nonce) {
  std::array<uint8_t, 32> key;
  REQUIRE(HkdfSha256(file_key, nonce, "payload", key).ok());
  return key;
}

std::array<uint8_t, 12> ChunkNonce(uint64_t counter, bool last) {
  std::array<uint8_t, 12> nonce{};
  for (int i = 0; i < 8; ++i) nonce[10 - i] = static_cast<uint8_t>(counter >> (8 * i));
  nonce[11] = last ? 1 : 0;
  return nonce;
}

std::string EncryptPayload(const AgeFileKey& file_key, const std::string& plain) {
  std::array<uint8_t, 16> nonce;
  REQUIRE(RandomBytes(nonce).ok());
  ChaChaPoly aead(PayloadKey(file_key, nonce));
  std::string out(reinterpret_cast<const char*>(nonce.data()), nonce.size());
  size_t pos = 0;
  for (uint64_t counter = 0;; ++counter) {
    size_t n = std::min(kChunk, plain.size() - pos);
    bool last = pos + n == plain.size();
    std::vector<uint8_t> sealed(n + 16);
    REQUIRE(aead.Seal(ChunkNonce(counter, last), AsBytes(plain).subspan(pos, n), sealed).ok());
    out.append(sealed.begin(), sealed.end());
    pos += n;
    if (last) return out;
  }
}

Status DecryptPayload(const AgeFileKey& file_key, std::string_view payload, std::string* plain) {
  plain->clear();
  if (payload.size() < 16 + 16) return Status::Corruption("short payload");
  ChaChaPoly aead(PayloadKey(file_key, AsBytes(payload).first(16)));
  payload.remove_prefix(16);
  for (uint64_t counter = 0; !payload.empty(); ++counter) {
    size_t n = std::min(kChunk + 16, payload.size());
    bool last = n == payload.size();
    std::vector<uint8_t> opened(n - 16);
    HOTBACKUP_RETURN_IF_ERROR(
        aead.Open(ChunkNonce(counter, last), AsBytes(payload).first(n), opened));
    plain->append(opened.begin(), opened.end());
    payload.remove_prefix(n);
  }
  return Status::OK();
}

AgeIdentity MakeIdentity(uint8_t seed) {
  AgeIdentity id;
  id.secret_key.fill(seed);
  id.secret_key[0] = 0x11;
  return id;
}

AgeRecipient RecipientOf(const AgeIdentity& id) {
  AgeRecipient r;
  REQUIRE(AgeRecipientOf(id, &r).ok());
  return r;
}

Status Read(const std::string& header, const AgeDecryptWith& with, AgeFileKey* key) {
  StringSource source(header);
  return ReadAgeHeader(&source, with, key);
}

AgeDecryptWith WithIdentity(const AgeIdentity& id) {
  AgeDecryptWith with;
  with.identities.push_back(id);
  return with;
}

AgeDecryptWith WithPassphrase(const std::string& passphrase) {
  AgeDecryptWith with;
  with.passphrase = passphrase;
  return with;
}

// A header whose MAC line is recomputed for `key` after `body` (the header
// through its stanzas, without "---").
std::string WithMac(const std::string& body, const AgeFileKey& key) {
  std::string text = body + "---";
  std::array<uint8_t, 32> mac_key, mac;
  REQUIRE(HkdfSha256(key, {}, "header", mac_key).ok());
  REQUIRE(HmacSha256(mac_key, AsBytes(text), mac).ok());
  return text + " " + Base64Encode(mac) + "\n";
}

// The header without its MAC line ("---..."), and its stanza lines alone.
std::string WithoutMac(const std::string& header) { return header.substr(0, header.rfind("---")); }
std::string Stanzas(const std::string& header) {
  return WithoutMac(header).substr(std::string(kAgeMagic).size());
}

// Runs `argv` in a new session whose controlling terminal is a fresh pty,
// answering each prompt that mentions "passphrase" with the next of
// `answers`. age reads passphrases only from a terminal. Returns the exit
// code, or -2 when no pty is available.
int RunWithTerminal(const std::vector<std::string>& argv, const std::vector<std::string>& answers) {
  test::PseudoTerminal pty;
  if (!pty.ok()) return -2;
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    int null_fd = open("/dev/null", O_RDWR);
    if (setsid() < 0 || ioctl(pty.slave(), TIOCSCTTY, 0) != 0) _exit(126);
    dup2(pty.slave(), 0);
    dup2(null_fd, 1);
    dup2(null_fd, 2);
    execvp(args[0], args.data());
    _exit(127);
  }
  pty.CloseSlave();
  std::string seen;
  size_t answered = 0;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{pty.master(), POLLIN, 0};
    if (poll(&p, 1, 200) > 0) {
      char buf[512];
      ssize_t got = read(pty.master(), buf, sizeof(buf));
      if (got <= 0) break;  // EIO: the child closed the terminal
      seen.append(buf, static_cast<size_t>(got));
    }
    // Each prompt names the passphrase once.
    size_t prompts = 0;
    for (size_t at = seen.find("passphrase"); at != std::string::npos;
         at = seen.find("passphrase", at + 1)) {
      ++prompts;
    }
    while (answered < prompts && answered < answers.size()) {
      std::string line = answers[answered++] + "\n";
      REQUIRE(write(pty.master(), line.data(), line.size()) == static_cast<ssize_t>(line.size()));
    }
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) == pid) {
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
  }
  return test::Wait(pid);
}

TEST_CASE("AgeHeader: age decrypts files whose X25519 header is ours", "[unit][encrypt][age]") {
  REQUIRE(test::HaveTool("age"));
  test::TempDir dir;
  std::vector<std::string> key_files;
  std::vector<AgeRecipient> recipients;
  for (int i = 0; i < 3; ++i) {
    std::string key = dir / ("key" + std::to_string(i));
    REQUIRE(test::Run({"age-keygen", "-o", key}).exit_code == 0);
    key_files.push_back(key);
    std::vector<AgeIdentity> ids;
    REQUIRE(ReadAgeIdentityFile(key, &ids).ok());
    recipients.push_back(RecipientOf(ids[0]));
  }
  // Three chunks, the last one short; then exactly one chunk; then nothing.
  for (size_t size : {2 * kChunk + 1000, kChunk, size_t{0}}) {
    std::string plain = test::RandomBytes(size, static_cast<uint32_t>(size));
    for (size_t count : {size_t{1}, size_t{3}}) {
      CAPTURE(size, count);
      AgeEncryptTo to;
      to.recipients.assign(recipients.begin(), recipients.begin() + count);
      AgeFileKey key = NewAgeFileKey();
      std::string header;
      REQUIRE(WriteAgeHeader(to, key, &header).ok());
      test::WriteFile(dir / "file.age", header + EncryptPayload(key, plain));
      for (size_t i = 0; i < count; ++i) {
        // age creates -o's file at its first write: none for an empty file.
        unlink((dir / "out").c_str());
        test::ProcessResult r = test::Run(
            {"age", "-d", "-i", key_files[i], "-o", dir / "out", dir / "file.age"});
        INFO(r.stderr_text);
        REQUIRE(r.exit_code == 0);
        CHECK((size == 0 ? "" : test::ReadFile(dir / "out")) == plain);
      }
      if (count == 1) {  // a key the file is not for
        CHECK(test::Run({"age", "-d", "-i", key_files[2], "-o", dir / "out", dir / "file.age"})
                  .exit_code != 0);
      }
    }
  }
}

TEST_CASE("AgeHeader: age's multi-recipient files give us the file key", "[unit][encrypt][age]") {
  REQUIRE(test::HaveTool("age"));
  test::TempDir dir;
  std::vector<std::string> pubs;
  for (int i = 0; i < 3; ++i) {
    std::string key = dir / ("key" + std::to_string(i));
    REQUIRE(test::Run({"age-keygen", "-o", key}).exit_code == 0);
    REQUIRE(test::Run({"age-keygen", "-y", key}, "", dir / "pub").exit_code == 0);
    pubs.push_back(test::TrimTrailing(test::ReadFile(dir / "pub")));
  }
  test::WriteFile(dir / "recipients.txt", "# two of them\n" + pubs[0] + "\n\n" + pubs[1] + "\n");
  std::string plain = test::RandomBytes(kChunk + 77, 5);
  test::WriteFile(dir / "in", plain);
  test::ProcessResult r = test::Run({"age", "-R", dir / "recipients.txt", "-r", pubs[2], "-o",
                                     dir / "file.age", dir / "in"});
  INFO(r.stderr_text);
  REQUIRE(r.exit_code == 0);
  std::string file = test::ReadFile(dir / "file.age");
  for (int i = 0; i < 3; ++i) {
    CAPTURE(i);
    AgeDecryptWith with;
    REQUIRE(ReadAgeIdentityFile(dir / ("key" + std::to_string(i)), &with.identities).ok());
    StringSource source(file);
    AgeFileKey key;
    REQUIRE(ReadAgeHeader(&source, with, &key).ok());
    // Not a byte of the payload was consumed.
    size_t header_end = file.find("\n", file.find("\n---")+1) + 1;
    CHECK(source.position() == header_end);
    std::string decrypted;
    REQUIRE(DecryptPayload(key, std::string_view(file).substr(header_end), &decrypted).ok());
    CHECK(decrypted == plain);
  }
  // Our recipients file reads the same recipients age used.
  std::vector<AgeRecipient> recipients;
  REQUIRE(ReadAgeRecipientsFile(dir / "recipients.txt", &recipients).ok());
  CHECK(FormatAgeRecipient(recipients[1]) == pubs[1]);
  // An identity the file is not for.
  AgeFileKey key;
  Status s = Read(file, WithIdentity(MakeIdentity(9)), &key);
  CHECK(s.code() == Status::Code::kInvalidArgument);
  CHECK(s.message().find("no identity matches") != std::string::npos);
}

TEST_CASE("AgeHeader: the published example.age decrypts", "[unit][encrypt][age]") {
  const std::string dir = "/usr/share/gocode/src/filippo.io/age/testdata/";
  if (access((dir + "example.age").c_str(), R_OK) != 0) {
    WARN("golang-filippo-age-dev is not installed: no " + dir + "example.age");
    return;
  }
  // A copy: the package installs the key readable by all, which we refuse.
  test::TempDir copy;
  test::WriteFile(copy / "example_keys.txt", test::ReadFile(dir + "example_keys.txt"));
  REQUIRE(chmod((copy / "example_keys.txt").c_str(), 0600) == 0);
  AgeDecryptWith with;
  REQUIRE(ReadAgeIdentityFile(copy / "example_keys.txt", &with.identities).ok());
  std::string file = test::ReadFile(dir + "example.age");
  StringSource source(file);
  AgeFileKey key;
  REQUIRE(ReadAgeHeader(&source, with, &key).ok());
  std::string plain;
  REQUIRE(DecryptPayload(key, std::string_view(file).substr(source.position()), &plain).ok());
  CHECK(plain == "Black lives matter.");
}

TEST_CASE("AgeHeader: scrypt round trip, wrong passphrase, and age through a terminal",
          "[unit][encrypt][age]") {
  AgeEncryptTo to;
  to.passphrase = "correct horse battery staple";
  to.scrypt_log2_n = 10;
  AgeFileKey key = NewAgeFileKey();
  std::string header;
  REQUIRE(WriteAgeHeader(to, key, &header).ok());
  CHECK(header.find("\n-> scrypt ") != std::string::npos);
  CHECK(header.find(" 10\n") != std::string::npos);
  AgeFileKey got{};
  REQUIRE(Read(header, WithPassphrase("correct horse battery staple"), &got).ok());
  CHECK(got == key);
  Status s = Read(header, WithPassphrase("correct horse battery stapler"), &got);
  CHECK(s.code() == Status::Code::kInvalidArgument);
  CHECK(s.message().find("wrong passphrase") != std::string::npos);
  s = Read(header, WithIdentity(MakeIdentity(1)), &got);
  CHECK(s.code() == Status::Code::kInvalidArgument);
  CHECK(s.message().find("passphrase") != std::string::npos);

  // age (1.1.1 has no passphrase variable or flag) reads it from its
  // controlling terminal: give it one.
  REQUIRE(test::HaveTool("age"));
  test::TempDir dir;
  std::string plain = test::RandomBytes(3000, 3);
  test::WriteFile(dir / "ours.age", header + EncryptPayload(key, plain));
  int rc = RunWithTerminal({"age", "-d", "-o", dir / "out", dir / "ours.age"},
                           {"correct horse battery staple"});
  if (rc == -2) {
    WARN("no pseudo-terminals here: age's side of scrypt not tested");
    return;
  }
  REQUIRE(rc == 0);
  CHECK(test::ReadFile(dir / "out") == plain);
  CHECK(RunWithTerminal({"age", "-d", "-o", dir / "out2", dir / "ours.age"}, {"wrong"}) != 0);

  // And the other way: age -p (work factor 18), read with our code.
  test::WriteFile(dir / "in", plain);
  REQUIRE(RunWithTerminal({"age", "-p", "-o", dir / "theirs.age", dir / "in"},
                          {"tr0ub4dor&3", "tr0ub4dor&3"}) == 0);
  std::string file = test::ReadFile(dir / "theirs.age");
  StringSource source(file);
  REQUIRE(ReadAgeHeader(&source, WithPassphrase("tr0ub4dor&3"), &got).ok());
  std::string decrypted;
  REQUIRE(DecryptPayload(got, std::string_view(file).substr(source.position()), &decrypted).ok());
  CHECK(decrypted == plain);
}

TEST_CASE("AgeHeader: the header's layout", "[unit][encrypt]") {
  AgeEncryptTo to;
  to.recipients = {RecipientOf(MakeIdentity(1)), RecipientOf(MakeIdentity(2))};
  AgeFileKey key = NewAgeFileKey();
  std::string header;
  REQUIRE(WriteAgeHeader(to, key, &header).ok());
  std::vector<std::string> lines;
  for (size_t pos = 0; pos < header.size();) {
    size_t end = header.find('\n', pos);
    REQUIRE(end != std::string::npos);
    lines.push_back(header.substr(pos, end - pos));
    pos = end + 1;
  }
  REQUIRE(lines.size() == 6);
  CHECK(lines[0] == "age-encryption.org/v1");
  for (int i : {1, 3}) {
    CHECK(lines[i].starts_with("-> X25519 "));
    CHECK(lines[i].size() == 10 + 43);
    CHECK(lines[i + 1].size() == 43);  // 32 bytes: one short line
  }
  CHECK(lines[5].starts_with("--- "));
  CHECK(lines[5].size() == 4 + 43);
  CHECK(header.back() == '\n');
  CHECK(WithMac(WithoutMac(header), key) == header);

  AgeFileKey got;
  REQUIRE(Read(header, WithIdentity(MakeIdentity(2)), &got).ok());
  CHECK(got == key);

  CHECK(WriteAgeHeader(AgeEncryptTo{}, key, &header).code() == Status::Code::kInvalidArgument);
  to.passphrase = "x";
  CHECK(WriteAgeHeader(to, key, &header).code() == Status::Code::kInvalidArgument);
  AgeEncryptTo empty_pass;
  empty_pass.passphrase = "";
  CHECK(WriteAgeHeader(empty_pass, key, &header).code() == Status::Code::kInvalidArgument);
  AgeEncryptTo too_hard;
  too_hard.passphrase = "x";
  too_hard.scrypt_log2_n = 23;
  CHECK(WriteAgeHeader(too_hard, key, &header).code() == Status::Code::kInvalidArgument);
  AgeEncryptTo low_order;
  low_order.recipients.emplace_back();  // the all-zero point
  CHECK(WriteAgeHeader(low_order, key, &header).code() == Status::Code::kInvalidArgument);
}

TEST_CASE("AgeHeader: unknown stanzas are skipped when another matches", "[unit][encrypt]") {
  AgeIdentity id = MakeIdentity(3);
  AgeEncryptTo to;
  to.recipients = {RecipientOf(id)};
  AgeFileKey key = NewAgeFileKey();
  std::string header;
  REQUIRE(WriteAgeHeader(to, key, &header).ok());
  // Bodies of 0, 48 (a full line, then an empty one) and 100 bytes.
  std::string b48 = Base64Encode(AsBytes(std::string(48, 'x')));
  std::string b100 = Base64Encode(AsBytes(std::string(100, 'y')));
  std::string unknown = "-> ssh-ed25519 Zm9v YmFy\n\n-> grease-{} !\"#\n" + b48 + "\n\n" +
                        "-> other\n" + b100.substr(0, 64) + "\n" + b100.substr(64, 64) + "\n" +
                        b100.substr(128) + "\n";
  for (bool before : {true, false}) {
    std::string body = before ? kAgeMagic + unknown + Stanzas(header)
                              : kAgeMagic + Stanzas(header) + unknown;
    AgeFileKey got{};
    Status s = Read(WithMac(body, key), WithIdentity(id), &got);
    INFO(s.message());
    REQUIRE(s.ok());
    CHECK(got == key);
  }
  // Only unknown stanzas: no match.
  AgeFileKey got;
  CHECK(Read(WithMac(kAgeMagic + unknown, key), WithIdentity(id), &got).code() ==
        Status::Code::kInvalidArgument);
  // The MAC covers the unknown stanzas too.
  std::string added = kAgeMagic + unknown + Stanzas(header) + header.substr(header.rfind("---"));
  Status s = Read(added, WithIdentity(id), &got);
  CHECK(s.code() == Status::Code::kCorruption);
  CHECK(s.message().find("MAC") != std::string::npos);
}

TEST_CASE("AgeHeader: any edited byte of a header is refused", "[unit][encrypt]") {
  AgeIdentity id = MakeIdentity(4);
  AgeEncryptTo to;
  to.recipients = {RecipientOf(id), RecipientOf(MakeIdentity(5))};
  AgeFileKey key = NewAgeFileKey();
  std::string header;
  REQUIRE(WriteAgeHeader(to, key, &header).ok());
  for (size_t i = 0; i < header.size(); ++i) {
    for (char delta : {1, 2, 32}) {
      std::string bad = header;
      bad[i] = static_cast<char>(bad[i] ^ delta);
      AgeFileKey got{};
      Status s = Read(bad + "payload", WithIdentity(id), &got);
      CAPTURE(i, delta, s.message());
      CHECK_FALSE(s.ok());
    }
  }
  // A MAC character that stays canonical: a MAC mismatch as such.
  std::string bad = header;
  size_t mac_char = header.rfind("--- ") + 10;
  bad[mac_char] = bad[mac_char] == 'A' ? 'B' : 'A';
  AgeFileKey got;
  Status s = Read(bad, WithIdentity(id), &got);
  CHECK(s.code() == Status::Code::kCorruption);
  CHECK(s.message().find("MAC mismatch") != std::string::npos);
}

TEST_CASE("AgeHeader: truncated headers and non-age input", "[unit][encrypt]") {
  AgeIdentity id = MakeIdentity(6);
  AgeEncryptTo to;
  to.recipients = {RecipientOf(id)};
  AgeFileKey key = NewAgeFileKey();
  std::string header;
  REQUIRE(WriteAgeHeader(to, key, &header).ok());
  for (size_t size = 0; size < header.size(); ++size) {
    AgeFileKey got;
    Status s = Read(header.substr(0, size), WithIdentity(id), &got);
    CAPTURE(size, s.message());
    CHECK(s.code() == Status::Code::kCorruption);
  }
  AgeFileKey got;
  StringSource garbage("PK\x03\x04 this is a zip file, not age at all\n" + std::string(1 << 20, 'z'));
  Status s = ReadAgeHeader(&garbage, WithIdentity(id), &got);
  CHECK(s.code() == Status::Code::kCorruption);
  CHECK(s.message().find("not an age file") != std::string::npos);
  CHECK(garbage.position() <= 22);
  CHECK(Read("age-encryption.org/v2\n", WithIdentity(id), &got).code() ==
        Status::Code::kCorruption);
  CHECK(Read("age-encryption.org/v1\n---\n", WithIdentity(id), &got).code() ==
        Status::Code::kCorruption);

  // Garbage that looks like a header forever stops at the size limit.
  EndlessSource endless;
  s = ReadAgeHeader(&endless, WithIdentity(id), &got);
  CHECK(s.code() == Status::Code::kCorruption);
  CHECK(endless.position() <= kMaxAgeHeaderSize + 1);
}

TEST_CASE("AgeHeader: malformed lines are refused", "[unit][encrypt]") {
  AgeIdentity id = MakeIdentity(7);
  AgeEncryptTo to;
  to.recipients = {RecipientOf(id)};
  AgeFileKey key = NewAgeFileKey();
  std::string header;
  REQUIRE(WriteAgeHeader(to, key, &header).ok());
  std::string stanza = Stanzas(header);  // "-> X25519 <43>\n<43>\n"
  size_t share_end = stanza.find('\n');
  // Whether the header made of `stanzas` and a valid MAC gives `code`.
  auto refused = [&](const std::string& stanzas, Status::Code code = Status::Code::kCorruption) {
    AgeFileKey got;
    Status s = Read(WithMac(kAgeMagic + stanzas, key), WithIdentity(id), &got);
    INFO(s.message());
    return s.code() == code;
  };
  CHECK(refused(stanza, Status::Code::kOk));  // unchanged, with a recomputed MAC: fine

  // Non-canonical base64 in the share (its last character's spare bits)
  // and in the body; padding.
  auto spare_bits_set = [](char c) {
    const std::string alphabet =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    return alphabet[alphabet.find(c) ^ 1];
  };
  std::string bad = stanza;
  bad[share_end - 1] = spare_bits_set(bad[share_end - 1]);
  CHECK(refused(bad));
  bad = stanza;
  bad[bad.size() - 2] = spare_bits_set(bad[bad.size() - 2]);
  CHECK(refused(bad));
  bad = stanza;
  bad.insert(share_end, "=");
  CHECK(refused(bad));
  bad = stanza;
  bad.insert(bad.size() - 1, "=");
  CHECK(refused(bad));

  // A body line of 65 columns; a 64-column line with nothing after it.
  std::string b49 = Base64Encode(AsBytes(std::string(49, 'q')));  // 66 columns
  CHECK(refused(stanza + "-> foo\n" + b49.substr(0, 65) + "\n\n"));
  CHECK(refused(stanza + "-> foo\n" + b49.substr(0, 64) + "\n"));  // then "---" as body

  // Stanza lines: empty arguments, no type, bad characters.
  CHECK(refused(stanza + "-> \n\n"));
  CHECK(refused(stanza + "->\n\n"));
  CHECK(refused(stanza + "-> foo  bar\n\n"));
  CHECK(refused(stanza + "-> foo \n\n"));
  CHECK(refused(stanza + "-> foo\tbar\n\n"));
  CHECK(refused(stanza + "-> foo \xc3\xa9\n\n"));
  CHECK(refused(stanza + "junk\n"));
  std::string crlf = stanza;
  crlf.insert(share_end, "\r");
  CHECK(refused(crlf));
  // X25519 stanzas with the wrong share or body size are malformed, even
  // when another stanza would match.
  CHECK(refused("-> X25519 Zm9v\n" + stanza.substr(share_end + 1) + stanza));
  CHECK(refused("-> X25519\n" + stanza.substr(share_end + 1) + stanza));
  CHECK(refused(stanza.substr(0, share_end + 1) + "Zm9v\n" + stanza));

  // The MAC line.
  AgeFileKey got;
  std::string no_space = header;
  no_space.erase(no_space.rfind("--- ") + 3, 1);
  CHECK(Read(no_space, WithIdentity(id), &got).code() == Status::Code::kCorruption);
  std::string padded = header;
  padded.insert(padded.size() - 1, "=");
  CHECK(Read(padded, WithIdentity(id), &got).code() == Status::Code::kCorruption);
}

TEST_CASE("AgeHeader: scrypt stanza rules and the work factor limit", "[unit][encrypt]") {
  AgeEncryptTo pass;
  pass.passphrase = "hunter2";
  pass.scrypt_log2_n = 10;
  AgeFileKey key = NewAgeFileKey();
  std::string header;
  REQUIRE(WriteAgeHeader(pass, key, &header).ok());
  std::string scrypt = Stanzas(header);
  AgeFileKey got;

  // Work factor 23 (8 GiB): refused from the header alone, before scrypt.
  std::string hard = scrypt;
  size_t at = hard.find(" 10\n");
  REQUIRE(at != std::string::npos);
  hard.replace(at, 4, " 23\n");
  auto started = std::chrono::steady_clock::now();
  Status s = Read(WithMac(kAgeMagic + hard, key), WithPassphrase("hunter2"), &got);
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  CHECK(s.code() == Status::Code::kInvalidArgument);
  CHECK(s.message().find("work factor 23") != std::string::npos);
  CHECK(s.message().find("limit of 22") != std::string::npos);
  // No timed assertion; but running scrypt at 2^23 would take seconds and
  // 8 GiB, so a slow refusal is worth a word.
  if (seconds > 1) WARN("work factor 23 refused only after " + std::to_string(seconds) + " s");
  // The caller's own limit.
  AgeDecryptWith strict = WithPassphrase("hunter2");
  strict.max_scrypt_log2_n = 9;
  s = Read(header, strict, &got);
  CHECK(s.code() == Status::Code::kInvalidArgument);
  CHECK(s.message().find("limit of 9") != std::string::npos);
  for (const char* factor : {" 010\n", " 0\n", " -1\n", " 1x\n", " 99999999999999999999\n"}) {
    std::string odd = scrypt;
    odd.replace(at, 4, factor);
    s = Read(WithMac(kAgeMagic + odd, key), WithPassphrase("hunter2"), &got);
    CAPTURE(factor, s.message());
    CHECK_FALSE(s.ok());
  }

  // Beside an X25519 stanza, in either order.
  AgeIdentity id = MakeIdentity(8);
  AgeEncryptTo to;
  to.recipients = {RecipientOf(id)};
  std::string x_header;
  REQUIRE(WriteAgeHeader(to, key, &x_header).ok());
  for (const std::string& both : {scrypt + Stanzas(x_header), Stanzas(x_header) + scrypt}) {
    for (const AgeDecryptWith& with : {WithPassphrase("hunter2"), WithIdentity(id)}) {
      s = Read(WithMac(kAgeMagic + both, key), with, &got);
      CHECK(s.code() == Status::Code::kInvalidArgument);
      CHECK(s.message().find("only stanza") != std::string::npos);
    }
  }
  // Two scrypt stanzas.
  s = Read(WithMac(kAgeMagic + scrypt + scrypt, key), WithPassphrase("hunter2"), &got);
  CHECK(s.code() == Status::Code::kInvalidArgument);

  // A passphrase for a file without one.
  s = Read(x_header, WithPassphrase("hunter2"), &got);
  CHECK(s.code() == Status::Code::kInvalidArgument);
  CHECK(s.message().find("not passphrase-encrypted") != std::string::npos);
}

}  // namespace
}  // namespace hotbackup
