// Where the AWS CLI and SDKs find keys, in the same order: the environment,
// then a profile of the shared credentials file (INI as `aws configure`
// writes it). Only the three keys this tool signs with are read. Every
// message names variables, files, line numbers and profiles, never a line's
// text or a value: the file holds secrets, and messages end up in logs.
#include "hotbackup/s3/s3_credentials.h"

#include <cerrno>
#include <cstdint>
#include <cstdlib>

#include "hotbackup/io/secret_file.h"

namespace hotbackup {
namespace {

constexpr char kAccessKeyVar[] = "AWS_ACCESS_KEY_ID";
constexpr char kSecretKeyVar[] = "AWS_SECRET_ACCESS_KEY";
constexpr char kSessionTokenVar[] = "AWS_SESSION_TOKEN";
constexpr char kFileVar[] = "AWS_SHARED_CREDENTIALS_FILE";
constexpr char kProfileVar[] = "AWS_PROFILE";
constexpr char kDefaultProfile[] = "default";
constexpr uint64_t kMaxFileSize = 1 << 20;

std::string_view Trim(std::string_view s) {
  size_t b = s.find_first_not_of(" \t\r");
  if (b == std::string_view::npos) return {};
  size_t e = s.find_last_not_of(" \t\r");
  return s.substr(b, e - b + 1);
}

std::string Lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// The variable's value, or "" when unset: an empty variable counts as unset,
// as it does for the AWS CLI.
std::string Env(const GetEnvFunction& getenv, const char* name) {
  const char* value = getenv(name);
  return value == nullptr ? std::string() : std::string(value);
}

}  // namespace

Status ParseAwsCredentialsFile(std::string_view text, const std::string& file_name,
                               const std::string& profile, S3Credentials* credentials) {
  const std::string where = file_name + " [" + profile + "]";
  bool found = false;
  bool in_profile = false;
  S3Credentials parsed;
  int line_number = 0;
  while (!text.empty()) {
    size_t end = text.find('\n');
    std::string_view line = Trim(text.substr(0, end));
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    ++line_number;
    if (line.empty() || line[0] == '#' || line[0] == ';') continue;
    const std::string at = file_name + ":" + std::to_string(line_number);
    if (line[0] == '[') {
      if (line.back() != ']') return Status::InvalidArgument(at + ": unterminated section header");
      in_profile = Trim(line.substr(1, line.size() - 2)) == profile;
      found = found || in_profile;
      continue;
    }
    if (!in_profile) continue;
    size_t eq = line.find('=');
    if (eq == std::string_view::npos) {
      return Status::InvalidArgument(at + ": expected 'name = value' in profile [" + profile + "]");
    }
    std::string key = Lower(Trim(line.substr(0, eq)));
    std::string_view value = Trim(line.substr(eq + 1));
    if (key == "aws_access_key_id") {
      parsed.access_key_id = value;
    } else if (key == "aws_secret_access_key") {
      parsed.secret_access_key = value;
    } else if (key == "aws_session_token") {
      parsed.session_token = value;
    }
  }
  if (!found) {
    return Status::InvalidArgument(file_name + ": no profile [" + profile +
                                   "] (AWS_PROFILE chooses another)");
  }
  if (parsed.access_key_id.empty()) {
    return Status::InvalidArgument(where + ": no aws_access_key_id");
  }
  if (parsed.secret_access_key.empty()) {
    return Status::InvalidArgument(where + ": no aws_secret_access_key");
  }
  parsed.source = where;
  *credentials = std::move(parsed);
  return Status::OK();
}

Status LoadS3Credentials(const GetEnvFunction& getenv, S3Credentials* credentials) {
  std::string access_key = Env(getenv, kAccessKeyVar);
  std::string secret_key = Env(getenv, kSecretKeyVar);
  if (!access_key.empty() && !secret_key.empty()) {
    credentials->access_key_id = std::move(access_key);
    credentials->secret_access_key = std::move(secret_key);
    credentials->session_token = Env(getenv, kSessionTokenVar);
    credentials->source = "the environment";
    return Status::OK();
  }
  if (!access_key.empty() || !secret_key.empty()) {
    const char* set = access_key.empty() ? kSecretKeyVar : kAccessKeyVar;
    const char* unset = access_key.empty() ? kAccessKeyVar : kSecretKeyVar;
    return Status::InvalidArgument(std::string(set) + " is set but " + unset +
                                   " is not: set both or neither");
  }

  std::string file = Env(getenv, kFileVar);
  std::string home = Env(getenv, "HOME");
  if (file.starts_with("~/") && !home.empty()) file = home + file.substr(1);
  if (file.empty()) {
    if (home.empty()) {
      return Status::InvalidArgument(std::string("no S3 credentials: ") + kAccessKeyVar + ", " +
                                     kFileVar + " and HOME are all unset");
    }
    file = home + "/.aws/credentials";
  }
  std::string profile = Env(getenv, kProfileVar);
  if (profile.empty()) profile = kDefaultProfile;

  std::string text;
  // Refused when group or others may read it, as ssh refuses a private key.
  Status read_status = ReadSecretFile(file, "a credentials file", &text, kMaxFileSize);
  if (read_status.code() == Status::Code::kIoError && read_status.errno_value() == ENOENT) {
    return Status::IOError(std::string("no S3 credentials in the environment (") + kAccessKeyVar +
                               ", " + kSecretKeyVar + ") nor in " + file,
                           ENOENT);
  }
  HOTBACKUP_RETURN_IF_ERROR(read_status.WithContext("S3 credentials"));
  return ParseAwsCredentialsFile(text, file, profile, credentials);
}

Status LoadS3Credentials(S3Credentials* credentials) {
  return LoadS3Credentials([](const char* name) { return std::getenv(name); }, credentials);
}

}  // namespace hotbackup
