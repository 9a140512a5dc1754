// Where the command line's names lead: a file, standard input/output, or an
// S3 object (s3://BUCKET/KEY). The modes check the names in Check (nothing
// created, nothing connected) and open their outputs and inputs here in Run,
// so that the stages see only a ByteSink or a ByteSource and never learn
// where the bytes go.
#ifndef HOTBACKUP_MODES_NAMED_IO_H_
#define HOTBACKUP_MODES_NAMED_IO_H_

#include <cstdint>
#include <memory>
#include <string>

#include "hotbackup/io/byte_sink.h"
#include "hotbackup/io/byte_source.h"
#include "hotbackup/options.h"
#include "hotbackup/s3/s3_client.h"
#include "hotbackup/util/status.h"

namespace hotbackup {

// `target` as `option` ("--output") names it: "" is stdout, refused when a
// terminal; s3:// names are left to the upload; a file must not be a
// directory and its directory must exist. Errors name the option.
Status CheckOutputName(const std::string& option, const std::string& target);

// `target` as --input names it: "" is stdin, refused when a terminal;
// s3:// names are left to the download; a file must be one we can open.
Status CheckInputName(const std::string& option, const std::string& target);

// --s3_endpoint, --s3_region, --s3_retry_seconds and the credentials.
Status S3ConfigFromOptions(const Options& options, S3Config* config);

// The S3 client of a run, made on first use (credentials are only looked
// for when an s3:// name is given). Outlives every sink and source it opens.
class S3Access {
 public:
  explicit S3Access(const Options& options) : options_(options) {}
  Status Client(S3Client** client);
  // The object an s3:// name means, and the client to reach it with.
  Status Object(const std::string& target, S3Url* url, S3Client** client);

 private:
  const Options& options_;
  std::unique_ptr<S3Client> client_;
};

// A backup's archive or manifest: "s3://..." is an S3UploadSink; "" is
// standard output; anything else a file (io/output_file.h). Either way the
// result exists under its name only after Finish.
Status OpenOutput(const Options& options, const std::string& target, S3Access* s3,
                  std::unique_ptr<ByteSink>* sink);

// --extract / --verify's input: "s3://..." is an S3DownloadSource, "" is
// standard input (refused when a terminal), anything else a file. `name` is
// set to what messages should call it.
Status OpenInput(const Options& options, const std::string& target, S3Access* s3,
                 std::unique_ptr<ByteSource>* source, std::string* name);

// The whole of a small file or S3 object (a manifest), at most `max_size`
// bytes.
Status ReadSmallFileOrObject(const std::string& target, uint64_t max_size, S3Access* s3,
                             std::string* contents);

// Where a backup to `output` saves its manifest unless --save_manifest says:
// beside an S3 object, as KEY.manifest.json; nowhere for a file or stdout.
std::string DefaultManifestTarget(const std::string& output);

}  // namespace hotbackup

#endif  // HOTBACKUP_MODES_NAMED_IO_H_
