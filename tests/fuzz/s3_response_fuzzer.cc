// Fuzz target: what an S3 endpoint (or whoever answers in its place) sends
// back, and the shared credentials file: the first byte picks the parser
// (an error document, CreateMultipartUpload's answer, the answer to
// CompleteMultipartUpload, or ~/.aws/credentials), the rest is its input.
#include <cstdint>
#include <string>
#include <string_view>

#include "hotbackup/s3/s3_credentials.h"
#include "hotbackup/s3/s3_xml.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 4) {
    case 0: {
      hotbackup::S3Error error;
      (void)hotbackup::ParseS3Error(text, &error);
      break;
    }
    case 1: {
      std::string upload_id;
      (void)hotbackup::ParseUploadId(text, &upload_id);
      break;
    }
    case 2:
      (void)hotbackup::ParseCompleteMultipartUploadResult(text);
      break;
    default: {
      hotbackup::S3Credentials credentials;
      (void)hotbackup::ParseAwsCredentialsFile(text, "credentials", "default", &credentials);
      (void)hotbackup::ParseAwsCredentialsFile(text, "credentials", "prod", &credentials);
      break;
    }
  }
  return 0;
}
