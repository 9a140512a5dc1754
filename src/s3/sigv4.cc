// AWS Signature Version 4 as S3 checks it: a canonical form of the request
// (method, path, sorted query, sorted lower-case headers, payload hash) is
// hashed into a string to sign, and that is MACed with a key derived from
// the secret by four chained HMAC-SHA-256 steps (date, region, service,
// "aws4_request"). S3 recomputes the same bytes from what it receives, so
// every rule here (which bytes are encoded, how values are trimmed, the sort
// order) must match the server's exactly; the published examples in the
// tests pin them.
#include "hotbackup/s3/sigv4.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>

#include "hotbackup/encrypt/openssl_crypto.h"
#include "hotbackup/util/sha256.h"

namespace hotbackup {
namespace {

constexpr char kAlgorithm[] = "AWS4-HMAC-SHA256";

// The headers SignV4 sets itself; a caller's copy of one is ignored.
constexpr std::array<std::string_view, 4> kOwnHeaders = {
    "host", "x-amz-date", "x-amz-content-sha256", "x-amz-security-token"};

using Mac = std::array<uint8_t, kHmacSha256Size>;

std::span<const uint8_t> Bytes(std::string_view text) {
  return {reinterpret_cast<const uint8_t*>(text.data()), text.size()};
}

// HMAC-SHA-256 cannot fail for a non-empty key short of OpenSSL itself being
// broken (no provider, no memory); as in util/sha256.cc that aborts rather
// than travelling as a Status through every request.
Mac Hmac(std::span<const uint8_t> key, std::string_view message) {
  Mac mac;
  Status s = HmacSha256(key, Bytes(message), mac);
  if (!s.ok()) {
    std::fprintf(stderr, "myrocks_hotbackup: SigV4 HMAC-SHA-256: %s\n", s.message().c_str());
    std::abort();
  }
  return mac;
}

std::string Hex(std::span<const uint8_t> bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (uint8_t b : bytes) {
    out += kHex[b >> 4];
    out += kHex[b & 0xf];
  }
  return out;
}

std::string Lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// A header value as SigV4 canonicalizes it: leading and trailing blanks
// removed, each inner run of blanks replaced by one space.
std::string CanonicalValue(std::string_view value) {
  std::string out;
  bool pending_space = false;
  for (char c : value) {
    if (c == ' ' || c == '\t') {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out += ' ';
    pending_space = false;
    out += c;
  }
  return out;
}

bool IsUnreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.' || c == '~';
}

}  // namespace

std::string UriEncode(std::string_view text, bool keep_slash) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (char ch : text) {
    unsigned char c = static_cast<unsigned char>(ch);
    if (IsUnreserved(c) || (keep_slash && c == '/')) {
      out += ch;
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    }
  }
  return out;
}

std::string UriEncodePath(std::string_view bucket, std::string_view key) {
  std::string path = "/";
  if (!bucket.empty()) {
    path += UriEncode(bucket, false);
    path += '/';
  }
  path += UriEncode(key, true);
  return path;
}

std::string CanonicalQueryString(const HttpHeaders& query) {
  HttpHeaders encoded;
  encoded.reserve(query.size());
  for (const std::pair<std::string, std::string>& parameter : query) {
    encoded.emplace_back(UriEncode(parameter.first, false), UriEncode(parameter.second, false));
  }
  // Sorted after encoding, by byte value: what S3 does with the query it
  // receives (already encoded), so the two sides agree for any name.
  std::sort(encoded.begin(), encoded.end());
  std::string out;
  for (const std::pair<std::string, std::string>& parameter : encoded) {
    if (!out.empty()) out += '&';
    out += parameter.first;
    out += '=';
    out += parameter.second;
  }
  return out;
}

HttpHeaders SignV4(const SigV4Request& request, const S3Credentials& credentials,
                   const std::string& region, time_t now, const std::string& service) {
  struct tm utc;
  gmtime_r(&now, &utc);
  char amz_date[17];  // 20130524T000000Z
  std::strftime(amz_date, sizeof(amz_date), "%Y%m%dT%H%M%SZ", &utc);
  const std::string date(amz_date, 8);
  const std::string scope = date + "/" + region + "/" + service + "/aws4_request";

  HttpHeaders added = {{"x-amz-date", amz_date}, {"x-amz-content-sha256", request.payload_sha256}};
  if (!credentials.session_token.empty()) {
    added.emplace_back("x-amz-security-token", credentials.session_token);
  }

  // Lower-case names, canonical values; the caller's order is kept among
  // equal names (stable sort) so that repeated headers join in send order.
  HttpHeaders signed_headers = {{"host", CanonicalValue(request.host)}};
  for (const std::pair<std::string, std::string>& header : added) {
    signed_headers.emplace_back(header.first, CanonicalValue(header.second));
  }
  for (const std::pair<std::string, std::string>& header : request.headers) {
    std::string name = Lower(header.first);
    if (std::find(kOwnHeaders.begin(), kOwnHeaders.end(), name) != kOwnHeaders.end()) continue;
    signed_headers.emplace_back(std::move(name), CanonicalValue(header.second));
  }
  std::stable_sort(signed_headers.begin(), signed_headers.end(),
                   [](const std::pair<std::string, std::string>& a,
                      const std::pair<std::string, std::string>& b) { return a.first < b.first; });

  std::string canonical_headers;
  std::string signed_names;
  for (size_t i = 0; i < signed_headers.size(); ++i) {
    const std::string& name = signed_headers[i].first;
    if (i > 0 && name == signed_headers[i - 1].first) {
      // A repeated header is one line with the values comma-separated.
      canonical_headers.back() = ',';
      canonical_headers += signed_headers[i].second + "\n";
      continue;
    }
    canonical_headers += name + ":" + signed_headers[i].second + "\n";
    if (!signed_names.empty()) signed_names += ';';
    signed_names += name;
  }

  const std::string canonical_request =
      request.method + "\n" + request.encoded_path + "\n" + CanonicalQueryString(request.query) +
      "\n" + canonical_headers + "\n" + signed_names + "\n" + request.payload_sha256;
  const std::string string_to_sign = std::string(kAlgorithm) + "\n" + amz_date + "\n" + scope +
                                     "\n" + Sha256Hex(canonical_request);

  std::string secret = "AWS4" + credentials.secret_access_key;
  Mac key = Hmac(Bytes(secret), date);
  Wipe(secret.data(), secret.size());
  for (std::string_view step :
       {std::string_view(region), std::string_view(service), std::string_view("aws4_request")}) {
    Mac next = Hmac(key, step);
    Wipe(key);
    key = next;
    Wipe(next);
  }
  const std::string signature = Hex(Hmac(key, string_to_sign));
  Wipe(key);

  added.emplace_back("Authorization",
                     std::string(kAlgorithm) + " Credential=" + credentials.access_key_id + "/" +
                         scope + ", SignedHeaders=" + signed_names + ", Signature=" + signature);
  return added;
}

}  // namespace hotbackup
