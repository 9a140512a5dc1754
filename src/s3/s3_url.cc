// s3://BUCKET/KEY as named on the command line. The bucket is checked
// against S3's naming rules here, so that a typo fails before any request is
// signed; the key is kept byte for byte (S3 keys may hold spaces, '%', any
// UTF-8), and only encoded when a request is built.
#include "hotbackup/s3/s3_url.h"

namespace hotbackup {
namespace {

constexpr std::string_view kScheme = "s3://";
constexpr size_t kMinBucket = 3;
constexpr size_t kMaxBucket = 63;
constexpr size_t kMaxKey = 1024;

bool IsLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

// `text` quoted for a one-line message: control bytes shown as \xNN.
std::string Quoted(std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "'";
  for (char ch : text) {
    unsigned char c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c == 0x7f) {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    } else {
      out += ch;
    }
  }
  return out + "'";
}

// "" when `bucket` is a valid name, else what is wrong with it.
std::string BucketProblem(std::string_view bucket) {
  if (bucket.size() < kMinBucket || bucket.size() > kMaxBucket) {
    return "a bucket name has 3 to 63 characters";
  }
  for (char c : bucket) {
    if (!IsLowerAlnum(c) && c != '.' && c != '-') {
      return "a bucket name has only lower-case letters, digits, '.' and '-'";
    }
  }
  if (!IsLowerAlnum(bucket.front()) || !IsLowerAlnum(bucket.back())) {
    return "a bucket name starts and ends with a letter or digit";
  }
  return "";
}

}  // namespace

bool IsS3Url(std::string_view text) { return text.starts_with(kScheme); }

Status ParseS3Url(std::string_view text, S3Url* url) {
  auto invalid = [&](std::string_view why) {
    return Status::InvalidArgument("invalid S3 URL " + Quoted(text) + ": " + std::string(why));
  };
  if (!IsS3Url(text)) return invalid("expected s3://BUCKET/KEY");
  std::string_view rest = text.substr(kScheme.size());
  size_t slash = rest.find('/');
  if (slash == std::string_view::npos) return invalid("expected s3://BUCKET/KEY, no key given");
  std::string_view bucket = rest.substr(0, slash);
  std::string_view key = rest.substr(slash + 1);
  if (bucket.empty()) return invalid("no bucket name");
  if (std::string problem = BucketProblem(bucket); !problem.empty()) return invalid(problem);
  if (key.empty()) return invalid("the object key is empty");
  if (key.size() > kMaxKey) return invalid("an object key is at most 1024 bytes");
  url->bucket = std::string(bucket);
  url->key = std::string(key);
  return Status::OK();
}

S3Url WithKeySuffix(const S3Url& url, std::string_view suffix) {
  S3Url out = url;
  out.key += suffix;
  return out;
}

}  // namespace hotbackup
