// S3Credentials: the keys requests are signed with, found where every AWS
// tool looks for them, and never taken from the command line.
//
//   1. AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN if
//      set) from the environment; one without the other is an error;
//   2. else the shared credentials file, AWS_SHARED_CREDENTIALS_FILE or
//      $HOME/.aws/credentials, section [AWS_PROFILE] (default "default"):
//      aws_access_key_id, aws_secret_access_key, aws_session_token.
//
// The file is INI as the AWS CLI writes it: '#' and ';' start comment lines,
// keys and values are trimmed, key names are case-insensitive. Errors are one
// line and never contain a secret (they name the file, the line number, the
// profile and the missing key, never a line's text):
//   - one of the two variables without the other: kInvalidArgument naming both;
//   - no keys in the environment and no credentials file: kIoError with
//     errno_value() ENOENT, saying where it looked (Status has no kNotFound);
//   - the profile absent, a key missing or a malformed line in the profile:
//     kInvalidArgument;
//   - a credentials file whose mode gives group or others any access:
//     kInvalidArgument saying `chmod 600 FILE`, as ssh refuses a private key
//     (io/secret_file.h), whatever the profile.
#ifndef HOTBACKUP_S3_S3_CREDENTIALS_H_
#define HOTBACKUP_S3_S3_CREDENTIALS_H_

#include <functional>
#include <string>
#include <string_view>

#include "hotbackup/util/status.h"

namespace hotbackup {

struct S3Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // empty unless temporary credentials
  std::string source;         // for messages: "the environment" or "<file> [profile]"
};

// Looks up environment variables; returns null for an unset one.
using GetEnvFunction = std::function<const char*(const char* name)>;

// As described above, with the process's environment.
Status LoadS3Credentials(S3Credentials* credentials);

// The same with an explicit environment, for tests.
Status LoadS3Credentials(const GetEnvFunction& getenv, S3Credentials* credentials);

// Reads profile `profile` out of the text of a credentials file; `file_name`
// is for messages. kInvalidArgument when the profile is absent, when it
// lacks aws_access_key_id or aws_secret_access_key (or has one empty), and
// for a malformed line in it or an unterminated section header anywhere.
Status ParseAwsCredentialsFile(std::string_view text, const std::string& file_name,
                               const std::string& profile, S3Credentials* credentials);

}  // namespace hotbackup

#endif  // HOTBACKUP_S3_S3_CREDENTIALS_H_
