// S3Url: an object named on the command line as s3://BUCKET/KEY.
//
// The bucket follows S3's naming rules (3 to 63 characters of lower-case
// letters, digits, '.' and '-', starting and ending with a letter or digit);
// the key is everything after the first '/' after the bucket, non-empty, at
// most 1024 bytes, taken verbatim (it is URI-encoded only when a request is
// signed and sent).
#ifndef HOTBACKUP_S3_S3_URL_H_
#define HOTBACKUP_S3_S3_URL_H_

#include <string>
#include <string_view>

#include "hotbackup/util/status.h"

namespace hotbackup {

struct S3Url {
  std::string bucket;
  std::string key;

  std::string ToString() const { return "s3://" + bucket + "/" + key; }
};

// True when `text` starts with "s3://" (and so must parse as an S3Url).
bool IsS3Url(std::string_view text);

// kInvalidArgument, one line naming `text`, for anything that is not a valid
// s3://BUCKET/KEY.
Status ParseS3Url(std::string_view text, S3Url* url);

// The object beside `url` whose key is url.key + suffix (the manifest stored
// next to an archive: "<key>.manifest.json").
S3Url WithKeySuffix(const S3Url& url, std::string_view suffix);

}  // namespace hotbackup

#endif  // HOTBACKUP_S3_S3_URL_H_
