// Files of secrets refused when group or others have any access to them, as
// ssh refuses a private key, with one line naming the file and the chmod
// that fixes it: the shared check itself, an age identity file and an S3
// credentials file; 0600 and 0400 accepted, and a recipients file (public
// keys) readable by anyone.
#include "hotbackup/io/secret_file.h"

#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <map>

#include "hotbackup/encrypt/age_keys.h"
#include "hotbackup/s3/s3_credentials.h"
#include "support/test_support.h"

namespace hotbackup {
namespace {

constexpr mode_t kOpenModes[] = {0640, 0604, 0620, 0602, 0610, 0644, 0666};

bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// The refusal: one line naming the file and the fix, and no secret.
void CheckRefusal(const Status& s, const std::string& path, const std::string& secret) {
  INFO(s.message());
  CHECK(s.code() == Status::Code::kInvalidArgument);
  CHECK(Contains(s.message(), "chmod 600 " + path));
  CHECK(s.message().starts_with(path + ": "));
  CHECK_FALSE(Contains(s.message(), "\n"));
  CHECK_FALSE(Contains(s.message(), secret));
}

void Chmod(const std::string& path, mode_t mode) { REQUIRE(chmod(path.c_str(), mode) == 0); }

TEST_CASE("Secret file: refused when group or others may access it, read when 0600 or 0400",
          "[unit][secret]") {
  test::TempDir dir;
  const std::string path = dir / "secret";
  test::WriteFile(path, "s3cr3t\n");
  std::string contents;
  for (mode_t mode : kOpenModes) {
    CAPTURE(mode);
    Chmod(path, mode);
    CheckRefusal(ReadSecretFile(path, "a key file", &contents, 1024), path, "s3cr3t");
    UniqueFd fd;
    CHECK(OpenSecretFile(path, "a key file", &fd).code() == Status::Code::kInvalidArgument);
    CHECK_FALSE(fd.valid());
  }
  for (mode_t mode : {0600, 0400}) {
    Chmod(path, mode);
    REQUIRE(ReadSecretFile(path, "a key file", &contents, 1024).ok());
    CHECK(contents == "s3cr3t\n");
  }
  Chmod(path, 0600);
  CHECK(ReadSecretFile(path, "a key file", &contents, 3).code() == Status::Code::kInvalidArgument);
  CHECK(ReadSecretFile(dir / "missing", "a key file", &contents, 1024).code() ==
        Status::Code::kIoError);
  // A directory is not a file of secrets (its mode would pass: 0700).
  std::filesystem::create_directory(dir / "d");
  Chmod(dir / "d", 0700);
  CHECK(ReadSecretFile(dir / "d", "a key file", &contents, 1024).code() ==
        Status::Code::kInvalidArgument);
}

TEST_CASE(
    "Secret file: an age identity file readable by others is refused, 0600 read; "
    "recipients files may be public",
    "[unit][secret][encrypt]") {
  test::TempDir dir;
  AgeIdentity id;
  id.secret_key.fill(7);
  const std::string secret = FormatAgeIdentity(id);
  const std::string path = dir / "key.txt";
  test::WriteFile(path, "# created by the test\n" + secret + "\n");
  std::vector<AgeIdentity> identities;
  for (mode_t mode : kOpenModes) {
    CAPTURE(mode);
    Chmod(path, mode);
    Status s = ReadAgeIdentityFile(path, &identities);
    CheckRefusal(s, path, secret.substr(16, 20));
    CHECK(Contains(s.message(), "identity file"));
    CHECK(identities.empty());
  }
  Chmod(path, 0600);
  REQUIRE(ReadAgeIdentityFile(path, &identities).ok());
  REQUIRE(identities.size() == 1);
  CHECK(FormatAgeIdentity(identities[0]) == secret);

  AgeRecipient recipient;
  REQUIRE(AgeRecipientOf(id, &recipient).ok());
  test::WriteFile(dir / "recipients.txt", FormatAgeRecipient(recipient) + "\n");
  Chmod(dir / "recipients.txt", 0644);
  std::vector<AgeRecipient> recipients;
  CHECK(ReadAgeRecipientsFile(dir / "recipients.txt", &recipients).ok());
}

TEST_CASE("Secret file: an S3 credentials file readable by others is refused, 0600 read",
          "[unit][secret][s3]") {
  test::TempDir home;
  std::filesystem::create_directories(home / ".aws");
  const std::string path = home / ".aws/credentials";
  test::WriteFile(path,
                  "[default]\naws_access_key_id = AKIAEXAMPLE\n"
                  "aws_secret_access_key = wJalrXUtnFEMI\n");
  std::map<std::string, std::string> vars = {{"HOME", home.path()}};
  GetEnvFunction env = [&vars](const char* name) -> const char* {
    auto it = vars.find(name);
    return it == vars.end() ? nullptr : it->second.c_str();
  };
  S3Credentials credentials;
  for (mode_t mode : kOpenModes) {
    CAPTURE(mode);
    Chmod(path, mode);
    Status s = LoadS3Credentials(env, &credentials);
    INFO(s.message());
    CHECK(s.code() == Status::Code::kInvalidArgument);
    CHECK(Contains(s.message(), path + ": "));
    CHECK(Contains(s.message(), "chmod 600 " + path));
    CHECK_FALSE(Contains(s.message(), "wJalrXUtnFEMI"));
    CHECK(credentials.secret_access_key.empty());
  }
  Chmod(path, 0600);
  REQUIRE(LoadS3Credentials(env, &credentials).ok());
  CHECK(credentials.secret_access_key == "wJalrXUtnFEMI");
  // AWS_SHARED_CREDENTIALS_FILE is the same kind of file.
  test::WriteFile(home / "other", "[p]\naws_access_key_id = A\naws_secret_access_key = B\n");
  Chmod(home / "other", 0640);
  vars = {{"AWS_SHARED_CREDENTIALS_FILE", home / "other"}, {"AWS_PROFILE", "p"}};
  CHECK(LoadS3Credentials(env, &credentials).code() == Status::Code::kInvalidArgument);
  Chmod(home / "other", 0600);
  CHECK(LoadS3Credentials(env, &credentials).ok());
}

}  // namespace
}  // namespace hotbackup
