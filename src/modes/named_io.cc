// Opening what the command line names (see named_io.h).
#include "hotbackup/modes/named_io.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "hotbackup/io/file_io.h"
#include "hotbackup/io/input_file.h"
#include "hotbackup/io/output_file.h"
#include "hotbackup/s3/s3_download_source.h"
#include "hotbackup/s3/s3_upload_sink.h"
#include "hotbackup/s3/s3_url.h"
#include "hotbackup/util/log.h"

namespace hotbackup {

Status CheckOutputName(const std::string& option, const std::string& target) {
  if (IsS3Url(target)) return Status::OK();
  if (target.empty()) {
    if (isatty(STDOUT_FILENO)) {
      return Status::InvalidArgument(
          "stdout is a terminal; refusing to write an archive to it (redirect it to a file or "
          "pipe, or use --output)");
    }
    return Status::OK();
  }
  struct stat st;
  if (stat(target.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
    return Status::InvalidArgument(option + ": " + target +
                                   " is a directory; name the file to write");
  }
  const size_t slash = target.find_last_of('/');
  const std::string dir =
      slash == std::string::npos ? "." : (slash == 0 ? "/" : target.substr(0, slash));
  if (stat(dir.c_str(), &st) != 0) {
    return Status::IOError(option + ": directory " + dir, errno);
  }
  if (!S_ISDIR(st.st_mode)) {
    return Status::InvalidArgument(option + ": " + dir + " is not a directory");
  }
  return Status::OK();
}

Status CheckInputName(const std::string& option, const std::string& target) {
  if (IsS3Url(target)) return Status::OK();
  if (target.empty()) {
    if (isatty(STDIN_FILENO)) {
      return Status::InvalidArgument("stdin is a terminal; pipe an archive in, or use --input FILE");
    }
    return Status::OK();
  }
  const int fd = open(target.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return Status::IOError(option + ": open " + target, errno);
  struct stat st;
  const bool directory = fstat(fd, &st) == 0 && S_ISDIR(st.st_mode);
  close(fd);
  if (directory) return Status::InvalidArgument(option + ": " + target + " is a directory");
  return Status::OK();
}

Status S3ConfigFromOptions(const Options& options, S3Config* config) {
  config->endpoint = options.s3_endpoint;
  config->region = options.s3_region;
  config->retry.budget_seconds = options.s3_retry_seconds;
  return LoadS3Credentials(&config->credentials);
}

Status S3Access::Client(S3Client** client) {
  if (!client_) {
    S3Config config;
    HOTBACKUP_RETURN_IF_ERROR(S3ConfigFromOptions(options_, &config));
    client_ = std::make_unique<S3Client>(std::move(config));
  }
  *client = client_.get();
  return Status::OK();
}

Status S3Access::Object(const std::string& target, S3Url* url, S3Client** client) {
  HOTBACKUP_RETURN_IF_ERROR(ParseS3Url(target, url));
  return Client(client);
}

Status OpenOutput(const Options& options, const std::string& target, S3Access* s3,
                  std::unique_ptr<ByteSink>* sink) {
  if (IsS3Url(target)) {
    S3Url url;
    S3Client* client;
    HOTBACKUP_RETURN_IF_ERROR(s3->Object(target, &url, &client));
    S3UploadOptions upload;
    upload.parallel = options.s3_parallel;
    std::unique_ptr<S3UploadSink> upload_sink;
    HOTBACKUP_RETURN_IF_ERROR(S3UploadSink::Open(client, url, upload, &upload_sink));
    HB_LOG_INFO("Uploading to %s (%s): multipart, %d part%s in parallel, %zu MiB parts",
                url.ToString().c_str(),
                options.s3_endpoint.empty() ? "AWS" : options.s3_endpoint.c_str(),
                upload.parallel, upload.parallel == 1 ? "" : "s", upload.first_part_size >> 20);
    *sink = std::move(upload_sink);
    return Status::OK();
  }
  std::unique_ptr<OutputFile> file;
  if (target.empty()) {
    HOTBACKUP_RETURN_IF_ERROR(OutputFile::OpenStdout(&file));
  } else {
    HOTBACKUP_RETURN_IF_ERROR(OutputFile::Create(target, &file));
  }
  *sink = std::move(file);
  return Status::OK();
}

Status OpenInput(const Options& options, const std::string& target, S3Access* s3,
                 std::unique_ptr<ByteSource>* source, std::string* name) {
  if (IsS3Url(target)) {
    S3Url url;
    S3Client* client;
    HOTBACKUP_RETURN_IF_ERROR(s3->Object(target, &url, &client));
    S3DownloadOptions download;
    download.parallel = options.s3_parallel;
    std::unique_ptr<S3DownloadSource> download_source;
    HOTBACKUP_RETURN_IF_ERROR(S3DownloadSource::Open(client, url, download, &download_source));
    *source = std::move(download_source);
    *name = url.ToString();
    return Status::OK();
  }
  std::unique_ptr<InputFile> file;
  if (target.empty()) {
    HOTBACKUP_RETURN_IF_ERROR(InputFile::OpenStdin(&file));
  } else {
    HOTBACKUP_RETURN_IF_ERROR(InputFile::Open(target, &file));
  }
  *name = file->name();
  *source = std::move(file);
  return Status::OK();
}

Status ReadSmallFileOrObject(const std::string& target, uint64_t max_size, S3Access* s3,
                             std::string* contents) {
  if (!IsS3Url(target)) return ReadSmallFile(target, contents, max_size);
  S3Url url;
  S3Client* client;
  HOTBACKUP_RETURN_IF_ERROR(s3->Object(target, &url, &client));
  return client->GetObject(url, max_size, contents);
}

std::string DefaultManifestTarget(const std::string& output) {
  if (!IsS3Url(output)) return "";
  return output + ".manifest.json";
}

}  // namespace hotbackup
