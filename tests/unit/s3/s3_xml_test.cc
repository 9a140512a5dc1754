#include "hotbackup/s3/s3_xml.h"

#include <catch2/catch.hpp>

using namespace hotbackup;

// Answers as radosgw and AWS send them (namespace declarations included).
TEST_CASE("S3 XML: an error document gives its code and message", "[unit][s3]") {
  const char* xml =
      R"(<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchBucket</Code>)"
      R"(<Message>The specified bucket does not exist</Message><BucketName>nope</BucketName>)"
      R"(<RequestId>tx0000</RequestId><HostId>h</HostId></Error>)";
  S3Error error;
  REQUIRE(ParseS3Error(xml, &error));
  CHECK(error.code == "NoSuchBucket");
  CHECK(error.message == "The specified bucket does not exist");
  // radosgw leaves Message out.
  REQUIRE(ParseS3Error("<Error><Code>SignatureDoesNotMatch</Code></Error>", &error));
  CHECK(error.code == "SignatureDoesNotMatch");
  CHECK(error.message.empty());
}

TEST_CASE("S3 XML: what is not an error document is not taken for one", "[unit][s3]") {
  S3Error error;
  CHECK_FALSE(ParseS3Error("", &error));
  CHECK_FALSE(ParseS3Error("<html><body>502 Bad Gateway</body></html>", &error));
  CHECK_FALSE(ParseS3Error("<Error><Code>x</Code>", &error));  // cut short
  CHECK_FALSE(ParseS3Error("<ListBucketResult/>", &error));
}

TEST_CASE("S3 XML: the upload id of a new multipart upload", "[unit][s3]") {
  const char* xml =
      R"(<?xml version="1.0" encoding="UTF-8"?><InitiateMultipartUploadResult )"
      R"(xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Bucket>b</Bucket><Key>k</Key>)"
      R"(<UploadId>2~abcDEF-123</UploadId></InitiateMultipartUploadResult>)";
  std::string id;
  REQUIRE(ParseUploadId(xml, &id).ok());
  CHECK(id == "2~abcDEF-123");
  Status s = ParseUploadId("<InitiateMultipartUploadResult><UploadId/></InitiateMultipartUploadResult>", &id);
  CHECK(s.code() == Status::Code::kRemote);
  CHECK(ParseUploadId("<Error><Code>AccessDenied</Code></Error>", &id).code() ==
        Status::Code::kRemote);
}

TEST_CASE("S3 XML: CompleteMultipartUpload lists the parts with their ETags escaped", "[unit][s3]") {
  std::string xml = CompleteMultipartUploadXml({{1, "\"a1\""}, {2, "\"b&2\""}});
  CHECK(xml ==
        R"(<CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/">)"
        R"(<Part><PartNumber>1</PartNumber><ETag>"a1"</ETag></Part>)"
        R"(<Part><PartNumber>2</PartNumber><ETag>"b&amp;2"</ETag></Part>)"
        R"(</CompleteMultipartUpload>)");
}

TEST_CASE("S3 XML: an error inside a 200 answer to CompleteMultipartUpload fails", "[unit][s3]") {
  CHECK(ParseCompleteMultipartUploadResult(
            R"(<CompleteMultipartUploadResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">)"
            R"(<Location>l</Location><Bucket>b</Bucket><Key>k</Key><ETag>"e-2"</ETag>)"
            R"(</CompleteMultipartUploadResult>)")
            .ok());
  Status s = ParseCompleteMultipartUploadResult(
      "<Error><Code>InternalError</Code><Message>We encountered an internal error.</Message></Error>");
  CHECK(s.code() == Status::Code::kRemote);
  CHECK(s.message().find("InternalError") != std::string::npos);
  CHECK(ParseCompleteMultipartUploadResult("   ").code() == Status::Code::kRemote);
}
