// The XML of S3's REST API that this tool reads and writes, through pugixml:
// error documents, the upload id of a new multipart upload, the body of
// CompleteMultipartUpload and its answer (which can be an error inside an
// HTTP 200). Element names are matched without their namespace.
#ifndef HOTBACKUP_S3_S3_XML_H_
#define HOTBACKUP_S3_S3_XML_H_

#include <string>
#include <string_view>
#include <vector>

#include "hotbackup/util/status.h"

namespace hotbackup {

struct S3Error {
  std::string code;     // "NoSuchBucket", "SignatureDoesNotMatch", ...
  std::string message;  // the server's text, may be empty
};

// True when `xml` is an <Error> document; fills `error`.
bool ParseS3Error(std::string_view xml, S3Error* error);

// The UploadId of an InitiateMultipartUploadResult; kRemote when absent.
Status ParseUploadId(std::string_view xml, std::string* upload_id);

struct CompletedPart {
  int number = 0;
  std::string etag;  // as the server sent it, quotes included
};

// <CompleteMultipartUpload> listing `parts` (in ascending part number).
std::string CompleteMultipartUploadXml(const std::vector<CompletedPart>& parts);

// The answer to CompleteMultipartUpload: OK for a
// CompleteMultipartUploadResult, kRemote for an <Error> (S3 may send one
// with status 200 after a long assembly) or anything else.
Status ParseCompleteMultipartUploadResult(std::string_view xml);

}  // namespace hotbackup

#endif  // HOTBACKUP_S3_S3_XML_H_
