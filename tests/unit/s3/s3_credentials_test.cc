// Credentials from a fake environment and from credentials files written to
// a temporary directory: the lookup order, the INI details the AWS CLI
// writes, and messages that never carry a key.
#include "hotbackup/s3/s3_credentials.h"

#include <catch2/catch.hpp>
#include <cerrno>
#include <filesystem>
#include <map>

#include "support/test_support.h"

namespace hotbackup {
namespace {

constexpr char kSecret[] = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
constexpr char kKeyId[] = "AKIAIOSFODNN7EXAMPLE";

// An environment of exactly the given variables.
GetEnvFunction FakeEnv(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const char* name) -> const char* {
    auto it = vars.find(name);
    return it == vars.end() ? nullptr : it->second.c_str();
  };
}

// A credentials file as `aws configure` leaves it: mode 0600 (readable by
// others, it is refused).
void WriteCredentials(const std::string& path, const std::string& text) {
  test::WriteFile(path, text);
  std::filesystem::permissions(
      path, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
}

bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

TEST_CASE("S3Credentials: the environment comes first", "[unit][s3]") {
  test::TempDir dir;
  WriteCredentials(dir / "credentials",
                  "[default]\naws_access_key_id = FILEKEY\n"
                  "aws_secret_access_key = FILESECRET\n");
  S3Credentials credentials;
  REQUIRE(LoadS3Credentials(FakeEnv({{"AWS_ACCESS_KEY_ID", kKeyId},
                                     {"AWS_SECRET_ACCESS_KEY", kSecret},
                                     {"AWS_SESSION_TOKEN", "TOKEN"},
                                     {"AWS_SHARED_CREDENTIALS_FILE", dir / "credentials"}}),
                            &credentials)
              .ok());
  CHECK(credentials.access_key_id == kKeyId);
  CHECK(credentials.secret_access_key == kSecret);
  CHECK(credentials.session_token == "TOKEN");
  CHECK(credentials.source == "the environment");
}

TEST_CASE("S3Credentials: one key variable without the other is an error", "[unit][s3]") {
  S3Credentials credentials;
  Status s = LoadS3Credentials(FakeEnv({{"AWS_ACCESS_KEY_ID", kKeyId}}), &credentials);
  CHECK(s.code() == Status::Code::kInvalidArgument);
  CHECK(Contains(s.message(), "AWS_ACCESS_KEY_ID"));
  CHECK(Contains(s.message(), "AWS_SECRET_ACCESS_KEY"));
  CHECK_FALSE(Contains(s.message(), kKeyId));

  s = LoadS3Credentials(FakeEnv({{"AWS_SECRET_ACCESS_KEY", kSecret}, {"HOME", "/nonexistent"}}),
                        &credentials);
  CHECK(s.code() == Status::Code::kInvalidArgument);
  CHECK(Contains(s.message(), "AWS_ACCESS_KEY_ID"));
  CHECK(Contains(s.message(), "AWS_SECRET_ACCESS_KEY"));
  CHECK_FALSE(Contains(s.message(), kSecret));
}

TEST_CASE("S3Credentials: the default profile of HOME/.aws/credentials", "[unit][s3]") {
  test::TempDir home;
  REQUIRE(std::filesystem::create_directory(home / ".aws"));
  WriteCredentials(home / ".aws/credentials",
                  "[other]\naws_access_key_id = OTHERKEY\naws_secret_access_key = OTHERSECRET\n"
                  "[default]\naws_access_key_id = " +
                      std::string(kKeyId) + "\naws_secret_access_key = " + kSecret + "\n");
  S3Credentials credentials;
  REQUIRE(LoadS3Credentials(FakeEnv({{"HOME", home.path()}}), &credentials).ok());
  CHECK(credentials.access_key_id == kKeyId);
  CHECK(credentials.secret_access_key == kSecret);
  CHECK(credentials.session_token.empty());
  CHECK(credentials.source == home / ".aws/credentials [default]");
}

TEST_CASE("S3Credentials: AWS_SHARED_CREDENTIALS_FILE and AWS_PROFILE", "[unit][s3]") {
  test::TempDir dir;
  WriteCredentials(dir / "creds",
                  "[default]\naws_access_key_id = DEFAULTKEY\naws_secret_access_key = DS\n"
                  "[backup]\naws_access_key_id = BACKUPKEY\naws_secret_access_key = BS\n"
                  "aws_session_token = BT\n");
  S3Credentials credentials;
  REQUIRE(LoadS3Credentials(FakeEnv({{"AWS_SHARED_CREDENTIALS_FILE", dir / "creds"},
                                     {"AWS_PROFILE", "backup"},
                                     {"HOME", "/nonexistent"}}),
                            &credentials)
              .ok());
  CHECK(credentials.access_key_id == "BACKUPKEY");
  CHECK(credentials.secret_access_key == "BS");
  CHECK(credentials.session_token == "BT");
  CHECK(credentials.source == dir / "creds [backup]");

  // "~/" in the variable is HOME, as for the AWS CLI.
  REQUIRE(
      LoadS3Credentials(FakeEnv({{"AWS_SHARED_CREDENTIALS_FILE", "~/creds"}, {"HOME", dir.path()}}),
                        &credentials)
          .ok());
  CHECK(credentials.access_key_id == "DEFAULTKEY");
}

TEST_CASE("S3Credentials: no environment and no file says where it looked", "[unit][s3]") {
  test::TempDir home;
  S3Credentials credentials;
  Status s = LoadS3Credentials(FakeEnv({{"HOME", home.path()}}), &credentials);
  CHECK(s.code() == Status::Code::kIoError);
  CHECK(s.errno_value() == ENOENT);
  CHECK(Contains(s.message(), "AWS_ACCESS_KEY_ID"));
  CHECK(Contains(s.message(), home / ".aws/credentials"));
  CHECK_FALSE(Contains(s.message(), "\n"));

  s = LoadS3Credentials(FakeEnv({{"AWS_SHARED_CREDENTIALS_FILE", home / "missing"}}), &credentials);
  CHECK(s.code() == Status::Code::kIoError);
  CHECK(Contains(s.message(), home / "missing"));

  s = LoadS3Credentials(FakeEnv({}), &credentials);
  CHECK_FALSE(s.ok());
  CHECK(Contains(s.message(), "HOME"));
}

TEST_CASE("S3Credentials: INI details as the AWS CLI writes them", "[unit][s3]") {
  const std::string text =
      "# written by aws configure\r\n"
      "; another comment\r\n"
      "\r\n"
      "[ default ]\r\n"
      "  AWS_Access_Key_ID=AKID  \r\n"
      "region = us-east-1\r\n"
      "aws_secret_access_key =   secret = with equals  \r\n"
      "# aws_session_token = commented out\r\n";
  S3Credentials credentials;
  REQUIRE(ParseAwsCredentialsFile(text, "f", "default", &credentials).ok());
  CHECK(credentials.access_key_id == "AKID");
  CHECK(credentials.secret_access_key == "secret = with equals");
  CHECK(credentials.session_token.empty());
  CHECK(credentials.source == "f [default]");

  // No final newline; a later section of the same name adds to the first.
  REQUIRE(ParseAwsCredentialsFile("[p]\naws_access_key_id=A\n[q]\naws_access_key_id=Q\n"
                                  "[p]\naws_secret_access_key=S",
                                  "f", "p", &credentials)
              .ok());
  CHECK(credentials.access_key_id == "A");
  CHECK(credentials.secret_access_key == "S");
}

TEST_CASE("S3Credentials: a missing profile or key is named", "[unit][s3]") {
  S3Credentials credentials;
  Status s =
      ParseAwsCredentialsFile("[default]\naws_access_key_id = A\naws_secret_access_key = S\n",
                              "/home/u/.aws/credentials", "prod", &credentials);
  CHECK(s.code() == Status::Code::kInvalidArgument);
  CHECK(Contains(s.message(), "/home/u/.aws/credentials"));
  CHECK(Contains(s.message(), "[prod]"));

  s = ParseAwsCredentialsFile("[prod]\naws_access_key_id = A\n", "c", "prod", &credentials);
  CHECK(s.code() == Status::Code::kInvalidArgument);
  CHECK(s.message() == "c [prod]: no aws_secret_access_key");

  s = ParseAwsCredentialsFile(
      "[prod]\naws_secret_access_key = " + std::string(kSecret) + "\naws_access_key_id =\n", "c",
      "prod", &credentials);
  CHECK(s.code() == Status::Code::kInvalidArgument);
  CHECK(s.message() == "c [prod]: no aws_access_key_id");
}

TEST_CASE("S3Credentials: a malformed file never echoes a secret", "[unit][s3]") {
  const std::string secret = kSecret;
  const std::string cases[] = {
      "[default]\naws_access_key_id = A\naws_secret_access_key " + secret + "\n",   // no '='
      "[default]\naws_access_key_id = A\n" + secret + "\n",                         // stray line
      "[default\naws_secret_access_key = " + secret + "\n",                         // bad header
      "[" + secret + "\n",                                                          // bad header
      "[default]\naws_access_key_id = A\naws_secret_acess_key = " + secret + "\n",  // typo
  };
  for (const std::string& text : cases) {
    test::TempDir dir;
    WriteCredentials(dir / "credentials", text);
    S3Credentials credentials;
    Status s = LoadS3Credentials(FakeEnv({{"AWS_SHARED_CREDENTIALS_FILE", dir / "credentials"}}),
                                 &credentials);
    INFO(s.message());
    CHECK(s.code() == Status::Code::kInvalidArgument);
    CHECK(Contains(s.message(), dir / "credentials"));
    CHECK_FALSE(Contains(s.message(), secret));
    CHECK_FALSE(Contains(s.message(), "wJalr"));
    CHECK_FALSE(Contains(s.message(), "\n"));
  }

  // The line number locates the problem instead.
  S3Credentials credentials;
  Status s = ParseAwsCredentialsFile(cases[0], "c", "default", &credentials);
  CHECK(s.message() == "c:3: expected 'name = value' in profile [default]");
}

}  // namespace
}  // namespace hotbackup
