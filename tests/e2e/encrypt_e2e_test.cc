// Encrypted archives and the real age tool: ours decrypted by `age -d` and
// read by the stock readers (GNU tar, mbstream, zstd), files encrypted by
// `age -r` read by our --extract, passphrases, and every kind of damage
// refused in one line with nothing extracted.
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <filesystem>

#include "hotbackup/archive/archive_stream.h"
#include "hotbackup/encrypt/age_stream.h"
#include "hotbackup/io/output_file.h"
#include "support/sandbox_server.h"
#include "support/test_support.h"

namespace hotbackup {
namespace {

namespace fs = std::filesystem;
using test::BinaryPath;
using test::ProcessResult;
using test::Run;
using test::TempDir;

// An age key pair made by age-keygen: the identity file and the recipient.
struct KeyPair {
  std::string identity_file;
  std::string recipient;
};

KeyPair MakeKey(const TempDir& dir, const std::string& name) {
  KeyPair k;
  k.identity_file = dir / (name + ".txt");
  ProcessResult r = Run({"age-keygen", "-o", k.identity_file});
  REQUIRE(r.exit_code == 0);
  r = Run({"age-keygen", "-y", k.identity_file}, "", dir / (name + ".pub"));
  REQUIRE(r.exit_code == 0);
  k.recipient = test::TrimTrailing(test::ReadFile(dir / (name + ".pub")));
  REQUIRE(k.recipient.starts_with("age1"));
  return k;
}

// Our pipeline without a server: the tree under `root` archived, compressed
// if asked, encrypted to `to`, into `archive`.
void MakeEncryptedArchive(ArchiveFormat format, Compression compression, const AgeEncryptTo& to,
                          const std::string& root, const std::vector<std::string>& paths,
                          const std::string& archive) {
  std::unique_ptr<OutputFile> out;
  REQUIRE(OutputFile::Create(archive, &out).ok());
  std::unique_ptr<ByteSink> encrypt;
  REQUIRE(NewAgeEncryptSink(to, 2, out.get(), &encrypt).ok());
  StreamOptions options;
  options.format = format;
  options.compression = compression;
  std::unique_ptr<ArchiveStream> stream;
  REQUIRE(ArchiveStream::Open(options, encrypt.get(), &stream).ok());
  for (const std::string& p : paths) REQUIRE(stream->AddFile(root + "/" + p, p).ok());
  REQUIRE(stream->AddManifest(test::TestManifest(format == ArchiveFormat::kTar ? "tar" : "xbstream")).ok());
  REQUIRE(stream->Finish().ok());
}

AgeEncryptTo To(const std::vector<KeyPair>& keys) {
  AgeEncryptTo to;
  for (const KeyPair& k : keys) {
    AgeRecipient r;
    REQUIRE(ParseAgeRecipient(k.recipient, &r).ok());
    to.recipients.push_back(r);
  }
  return to;
}

ProcessResult OurExtract(const std::string& archive, const std::string& dir,
                         const std::vector<std::string>& extra) {
  std::vector<std::string> argv = {BinaryPath(), "--extract", "--input=" + archive,
                                   "--backup_dir=" + dir};
  argv.insert(argv.end(), extra.begin(), extra.end());
  return Run(argv);
}

TEST_CASE("age: ours decrypted by age -d and read by the stock readers, both formats, with and "
          "without zstd",
          "[e2e][age]") {
  TempDir work;
  const KeyPair key = MakeKey(work, "key");
  const std::string root = work / "tree";
  const std::vector<std::string> paths = test::GenerateNastyTree(root);
  for (ArchiveFormat format : {ArchiveFormat::kTar, ArchiveFormat::kXbstream}) {
    for (Compression compression : {Compression::kNone, Compression::kZstd}) {
      const bool tar = format == ArchiveFormat::kTar;
      const bool zstd = compression == Compression::kZstd;
      CAPTURE(tar, zstd);
      const std::string tag = std::string(tar ? "tar" : "xbs") + (zstd ? "-zst" : "");
      const std::string archive = work / (tag + ".age");
      MakeEncryptedArchive(format, compression, To({key}), root, paths, archive);
      CHECK(test::ReadFile(archive).starts_with("age-encryption.org/v1\n"));

      // age -d [| zstd -dc] | tar -x / mbstream -x
      const std::string plain = work / (tag + ".plain");
      ProcessResult r = Run({"age", "-d", "-i", key.identity_file, "-o", plain, archive});
      INFO(r.stderr_text);
      REQUIRE(r.exit_code == 0);
      std::string unpacked = plain;
      if (zstd) {
        unpacked = plain + ".unz";
        REQUIRE(Run({"zstd", "-q", "-d", plain, "-o", unpacked}).exit_code == 0);
      }
      const std::string out = work / ("stock-" + tag);
      fs::create_directories(out);
      if (tar) {
        r = Run({"tar", "-xf", unpacked, "-C", out});
      } else {
        // mbstream makes one level of parent directory only: the skeleton.
        for (const std::string& p : paths) {
          fs::create_directories(fs::path(out + "/" + p).parent_path());
        }
        r = Run({"mbstream", "-x", "-C", out}, unpacked);
      }
      INFO(r.stderr_text);
      REQUIRE(r.exit_code == 0);
      // XBSTREAM carries no modes or mtimes: bytes only there.
      // Ours masks the modes (restored_attributes.h); stock tools keep them.
      auto same = [&](const std::string& dir, unsigned mode_mask = 07777) {
        if (tar) return test::CompareFiles(root, dir, paths, mode_mask);
        for (const std::string& p : paths) {
          if (test::ReadFile(root + "/" + p) != test::ReadFile(dir + "/" + p)) return p;
        }
        return std::string();
      };
      CHECK(same(out).empty());

      // And ours, with the identity file.
      r = OurExtract(archive, work / ("ours-" + tag), {"--decrypt_identity=" + key.identity_file});
      INFO(r.stderr_text);
      REQUIRE(r.exit_code == 0);
      CHECK_THAT(r.stderr_text, Catch::Contains("+age"));
      CHECK(same(work / ("ours-" + tag), 0750).empty());
    }
  }
}

TEST_CASE("age: files encrypted by age -r to several recipients, one ours, read by --extract",
          "[e2e][age]") {
  TempDir work;
  const KeyPair a = MakeKey(work, "a"), ours = MakeKey(work, "ours"), c = MakeKey(work, "c");
  const KeyPair stranger = MakeKey(work, "stranger");
  const std::string root = work / "tree";
  fs::create_directories(root + "/db");
  test::WriteFile(root + "/000001.sst", test::RandomBytes(300000, 5));
  test::WriteFile(root + "/db/t.frm", "frm");
  const std::vector<std::string> paths = {"000001.sst", "db/t.frm"};
  // Our plain archive, encrypted by the real tool.
  MakeEncryptedArchive(ArchiveFormat::kXbstream, Compression::kZstd, To({ours}), root, paths,
                       work / "ours.age");
  REQUIRE(Run({"age", "-d", "-i", ours.identity_file, "-o", work / "plain.xbs.zst",
               work / "ours.age"})
              .exit_code == 0);
  ProcessResult r = Run({"age", "-r", a.recipient, "-r", ours.recipient, "-r", c.recipient, "-o",
                         work / "theirs.age", work / "plain.xbs.zst"});
  REQUIRE(r.exit_code == 0);
  r = OurExtract(work / "theirs.age", work / "out", {"--decrypt_identity=" + ours.identity_file});
  INFO(r.stderr_text);
  REQUIRE(r.exit_code == 0);
  for (const std::string& p : paths) CHECK(test::ReadFile(root + "/" + p) == test::ReadFile(work / "out/" + p));
  // --verify too, and an identity that is none of the recipients: refused.
  r = Run({BinaryPath(), "--verify", "--input=" + (work / "theirs.age"),
           "--decrypt_identity=" + c.identity_file});
  CHECK(r.exit_code == 0);
  r = OurExtract(work / "theirs.age", work / "out2", {"--decrypt_identity=" + stranger.identity_file});
  CHECK(r.exit_code == 1);
  CHECK(test::CountErrorLines(r.stderr_text) == 1);
  CHECK_FALSE(fs::exists(work / "out2"));
  // An age file whose content is not an archive: one line.
  test::WriteFile(work / "note.txt", "hello");
  REQUIRE(Run({"age", "-r", ours.recipient, "-o", work / "note.age", work / "note.txt"}).exit_code == 0);
  r = OurExtract(work / "note.age", work / "out3", {"--decrypt_identity=" + ours.identity_file});
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.stderr_text, Catch::Contains("(after decryption)"));
}

TEST_CASE("age: a passphrase file, readable by its owner only", "[e2e][age]") {
  TempDir work;
  const std::string root = work / "tree";
  fs::create_directories(root);
  test::WriteFile(root + "/a", test::RandomBytes(200000, 7));
  test::WriteFile(work / "pass", "correct horse battery staple\n");
  chmod((work / "pass").c_str(), 0600);
  AgeEncryptTo to;
  to.passphrase = "correct horse battery staple";
  MakeEncryptedArchive(ArchiveFormat::kTar, Compression::kNone, to, root, {"a"}, work / "p.age");
  CHECK_THAT(test::ReadFile(work / "p.age"), Catch::Contains("-> scrypt "));
  ProcessResult r = OurExtract(work / "p.age", work / "out", {"--decrypt_passphrase_file=" + (work / "pass")});
  INFO(r.stderr_text);
  REQUIRE(r.exit_code == 0);
  CHECK(test::ReadFile(work / "out/a") == test::ReadFile(root + "/a"));

  chmod((work / "pass").c_str(), 0644);
  r = OurExtract(work / "p.age", work / "out2", {"--decrypt_passphrase_file=" + (work / "pass")});
  CHECK(r.exit_code != 0);
  CHECK_THAT(r.stderr_text, Catch::Contains("chmod 600"));
  CHECK(test::CountErrorLines(r.stderr_text) == 1);
  test::WriteFile(work / "wrong", "incorrect horse\n");
  chmod((work / "wrong").c_str(), 0600);
  r = OurExtract(work / "p.age", work / "out3", {"--decrypt_passphrase_file=" + (work / "wrong")});
  CHECK(r.exit_code == 1);
  CHECK(test::CountErrorLines(r.stderr_text) == 1);
  CHECK_FALSE(fs::exists(work / "out3"));
  // Encrypted, and no way to decrypt given.
  r = OurExtract(work / "p.age", work / "out4", {});
  CHECK(r.exit_code != 0);
  CHECK_THAT(r.stderr_text, Catch::Contains("is encrypted (age)"));
  // The passphrase never reaches the log.
  CHECK_THAT(r.stderr_text, !Catch::Contains("horse"));
}

TEST_CASE("age: damage in the first, a middle and the last chunk, a cut at a chunk boundary, a "
          "header edit: each refused, nothing extracted",
          "[e2e][age]") {
  TempDir work;
  const KeyPair key = MakeKey(work, "key");
  const std::string root = work / "tree";
  fs::create_directories(root);
  // Incompressible, about 5 chunks of 64 KiB.
  test::WriteFile(root + "/data", test::RandomBytes(5 * 65536 - 1000, 11));
  MakeEncryptedArchive(ArchiveFormat::kTar, Compression::kNone, To({key}), root, {"data"},
                       work / "a.age");
  const std::string good = test::ReadFile(work / "a.age");
  const size_t header_end = good.find('\n', good.find("\n---") + 1) + 1;
  const size_t payload = header_end + kAgeNonceSize;
  const size_t sealed = kAgeChunkSize + kAgeTagSize;
  REQUIRE(good.size() > payload + 4 * sealed);

  int n = 0;
  auto refused = [&](const std::string& bytes, const std::string& message) {
    const std::string file = work / ("bad" + std::to_string(++n) + ".age");
    test::WriteFile(file, bytes);
    const std::string target = work / ("out" + std::to_string(n));
    ProcessResult r = OurExtract(file, target, {"--decrypt_identity=" + key.identity_file});
    INFO(message << ": " << r.stderr_text);
    CHECK(r.exit_code == 1);
    CHECK_THAT(r.stderr_text, Catch::Contains(message));
    CHECK(test::CountErrorLines(r.stderr_text) == 1);
    CHECK_FALSE(fs::exists(target));
  };
  auto flipped = [&](size_t at) {
    std::string b = good;
    b[at] ^= 0x01;
    return b;
  };
  refused(flipped(payload + 100), "chunk 0 does not authenticate");
  refused(flipped(payload + 2 * sealed + 7), "chunk 2 does not authenticate");
  refused(flipped(good.size() - 1), "damaged or truncated");
  refused(good.substr(0, payload + 3 * sealed), "damaged or truncated");
  // The header: a stanza's base64 and the MAC.
  const size_t stanza_body = good.find('\n', good.find("-> X25519")) + 1;
  std::string header_edit = good;
  header_edit[stanza_body + 3] = header_edit[stanza_body + 3] == 'A' ? 'B' : 'A';
  refused(header_edit, ".age: age header");  // the file named, whatever the reason
  std::string mac_edit = good;
  mac_edit[header_end - 5] = mac_edit[header_end - 5] == 'A' ? 'B' : 'A';
  refused(mac_edit, ".age: age header");
  // The real tool agrees on the cut stream.
  test::WriteFile(work / "cut.age", good.substr(0, payload + 3 * sealed));
  CHECK(Run({"age", "-d", "-i", key.identity_file, "-o", work / "cut.out", work / "cut.age"})
            .exit_code != 0);
}

}  // namespace
}  // namespace hotbackup
