// AWS Signature Version 4 for S3 requests (docs.aws.amazon.com, "Signing AWS
// API requests"), every digest and MAC through OpenSSL.
//
// The caller describes the request as it will be sent: the host header's
// value, the path already URI-encoded, the query parameters undecoded, the
// headers to sign besides host and the x-amz-* ones this adds, and the hex
// SHA-256 of the payload (or "UNSIGNED-PAYLOAD"). S3 requires
// x-amz-content-sha256 on every request (radosgw rejects one without it),
// so SignV4 always adds it.
#ifndef HOTBACKUP_S3_SIGV4_H_
#define HOTBACKUP_S3_SIGV4_H_

#include <ctime>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "hotbackup/s3/s3_credentials.h"

namespace hotbackup {

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

struct SigV4Request {
  std::string method;          // "GET", "PUT", "POST", "DELETE", "HEAD"
  std::string host;            // the Host header: "bucket.s3.us-east-1.amazonaws.com", "127.0.0.1:7480"
  std::string encoded_path;    // UriEncodePath(...) of the path: "/bucket/some%20key"
  HttpHeaders query;           // name, value; not encoded; a flag parameter has value ""
  HttpHeaders headers;         // other headers to sign (e.g. content-type), any case; a
                               // name given twice is signed as one "a,b" line; host,
                               // x-amz-date, x-amz-content-sha256 and x-amz-security-token
                               // here are ignored (SignV4 sets those)
  std::string payload_sha256;  // lower-case hex, or "UNSIGNED-PAYLOAD"
};

// The headers to add to the request: x-amz-date, x-amz-content-sha256,
// x-amz-security-token (when the credentials have a session token) and
// Authorization. `now` is the signing time (UTC); `service` is "s3".
HttpHeaders SignV4(const SigV4Request& request, const S3Credentials& credentials,
                   const std::string& region, time_t now, const std::string& service = "s3");

// RFC 3986 encoding as SigV4 wants it: unreserved characters (A-Z a-z 0-9
// - _ . ~) kept, every other byte %XX with upper-case hex; '/' kept when
// `keep_slash` (object keys in paths), encoded otherwise (query values).
std::string UriEncode(std::string_view text, bool keep_slash);

// "/" + bucket + "/" + key, encoded for a path-style URL; "/" + key for a
// virtual-hosted one (bucket empty).
std::string UriEncodePath(std::string_view bucket, std::string_view key);

// The canonical query string: each name and value UriEncode'd (slash
// encoded), sorted by encoded name then encoded value (byte order), joined
// "a=1&b=" ("" for none). Also what goes after '?' in the URL sent, so that
// both agree byte for byte.
std::string CanonicalQueryString(const HttpHeaders& query);


}  // namespace hotbackup

#endif  // HOTBACKUP_S3_SIGV4_H_
