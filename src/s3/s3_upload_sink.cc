// S3UploadSink (see its header): parts filled from a pool of buffers,
// uploaded by worker threads, completed only after the last byte.
#include "hotbackup/s3/s3_upload_sink.h"

#include <algorithm>
#include <chrono>
#include <cstring>

#include "hotbackup/util/interrupt.h"
#include "hotbackup/util/log.h"

namespace hotbackup {

size_t S3UploadSink::PartSize(int part_number, const S3UploadOptions& options) {
  int doublings = std::min((part_number - 1) / std::max(options.parts_per_size, 1), 20);
  size_t size = options.first_part_size;
  for (int i = 0; i < doublings && size < kS3MaxPartSize; ++i) size *= 2;
  return std::min(size, kS3MaxPartSize);
}

Status S3UploadSink::Open(S3Client* client, const S3Url& url, const S3UploadOptions& options,
                          std::unique_ptr<S3UploadSink>* sink) {
  if (options.parallel < 1 || options.parallel > 64) {
    return Status::InvalidArgument("--s3_parallel must be between 1 and 64");
  }
  if (options.first_part_size < kS3MinPartSize) {
    return Status::InvalidArgument("S3 parts must be at least 5 MiB");
  }
  std::string upload_id;
  HOTBACKUP_RETURN_IF_ERROR(client->CreateMultipartUpload(url, &upload_id));
  sink->reset(new S3UploadSink(client, url, options, std::move(upload_id)));
  return Status::OK();
}

S3UploadSink::S3UploadSink(S3Client* client, S3Url url, S3UploadOptions options,
                           std::string upload_id)
    : client_(client), url_(std::move(url)), options_(options), upload_id_(std::move(upload_id)) {
  for (int i = 0; i < options_.parallel; ++i) workers_.emplace_back([this] { Worker(); });
}

S3UploadSink::~S3UploadSink() {
  StopWorkers();
  if (!finished_) {
    Status aborted = Abort();
    if (!aborted.ok()) {
      HB_LOG_WARN("could not abort the upload to %s (%s); its parts stay until a lifecycle rule "
                  "or an AbortMultipartUpload removes them",
                  url_.ToString().c_str(), aborted.message().c_str());
    }
  }
}

void S3UploadSink::StopWorkers() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  if (!finished_) cancel_ = true;
  changed_.notify_all();
  for (std::thread& t : workers_) t.join();
  workers_.clear();
}

Status S3UploadSink::Abort() {
  // Parts still arriving when the abort lands may be kept by some stores;
  // the workers are stopped first so none is.
  return client_->AbortMultipartUpload(url_, upload_id_, 15);
}

void S3UploadSink::Worker() {
  for (;;) {
    std::unique_ptr<Part> part;
    bool failed_already = false;
    {
      std::unique_lock<std::mutex> lock(mu_);
      changed_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;
      part = std::move(queue_.front());
      queue_.pop_front();
      ++in_flight_;
      failed_already = !error_.ok();
    }
    std::string etag;
    Status s = failed_already ? Status::OK()
                              : client_->UploadPart(url_, upload_id_, part->number,
                                                    ByteSpan(part->data.data(), part->size),
                                                    &etag, &cancel_);
    {
      std::lock_guard<std::mutex> lock(mu_);
      --in_flight_;
      if (!s.ok()) {
        if (error_.ok()) error_ = s;
        cancel_ = true;  // the other parts are wasted work now
      } else if (!etag.empty()) {
        etags_[part->number] = std::move(etag);
      }
      part->size = 0;
      free_.push_back(std::move(part));
    }
    changed_.notify_all();
  }
}

Status S3UploadSink::NextPart(std::unique_ptr<Part>* part) {
  if (next_part_number_ > kS3MaxParts) {
    return Status::NotSupported(url_.ToString() + ": the archive needs more than S3's " +
                                std::to_string(kS3MaxParts) + " parts");
  }
  size_t size = PartSize(next_part_number_, options_);
  {
    std::unique_lock<std::mutex> lock(mu_);
    for (;;) {
      if (!error_.ok()) return error_;
      if (!free_.empty()) {
        *part = std::move(free_.back());
        free_.pop_back();
        break;
      }
      if (buffers_ < options_.parallel + 1) {
        ++buffers_;
        *part = std::make_unique<Part>();
        break;
      }
      changed_.wait_for(lock, std::chrono::milliseconds(200));
      lock.unlock();
      HOTBACKUP_RETURN_IF_ERROR(CheckInterrupted());
      lock.lock();
    }
  }
  (*part)->number = next_part_number_++;
  (*part)->size = 0;
  if ((*part)->data.size() != size) {
    (*part)->data = std::vector<uint8_t>();  // a larger size: let the old memory go first
    (*part)->data.resize(size);
  }
  return Status::OK();
}

Status S3UploadSink::Submit(std::unique_ptr<Part> part) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!error_.ok()) return error_;
    queue_.push_back(std::move(part));
  }
  changed_.notify_all();
  return Status::OK();
}

Status S3UploadSink::Write(ByteSpan data) {
  while (!data.empty()) {
    if (!current_) HOTBACKUP_RETURN_IF_ERROR(NextPart(&current_));
    size_t n = std::min(data.size(), current_->data.size() - current_->size);
    std::memcpy(current_->data.data() + current_->size, data.data(), n);
    current_->size += n;
    bytes_written_ += n;
    data = data.subspan(n);
    if (current_->size == current_->data.size()) {
      HOTBACKUP_RETURN_IF_ERROR(Submit(std::move(current_)));
    }
  }
  return Status::OK();
}

Status S3UploadSink::WaitForUploads() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    if (!error_.ok()) return error_;
    if (queue_.empty() && in_flight_ == 0) return Status::OK();
    changed_.wait_for(lock, std::chrono::milliseconds(200));
    lock.unlock();
    HOTBACKUP_RETURN_IF_ERROR(CheckInterrupted());
    lock.lock();
  }
}

Status S3UploadSink::Finish() {
  if (finished_) return Status::OK();
  // The last part may be short; an empty stream still needs one part.
  if (current_ && current_->size == 0 && current_->number > 1) {
    --next_part_number_;
    current_.reset();
  }
  if (!current_ && next_part_number_ == 1) HOTBACKUP_RETURN_IF_ERROR(NextPart(&current_));
  if (current_) HOTBACKUP_RETURN_IF_ERROR(Submit(std::move(current_)));
  HOTBACKUP_RETURN_IF_ERROR(WaitForUploads());
  std::vector<CompletedPart> parts;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [number, etag] : etags_) parts.push_back({number, etag});
  }
  if (static_cast<int>(parts.size()) != next_part_number_ - 1) {
    return Status::Remote(url_.ToString() + ": " + std::to_string(parts.size()) + " of " +
                          std::to_string(next_part_number_ - 1) + " parts were acknowledged");
  }
  HOTBACKUP_RETURN_IF_ERROR(client_->CompleteMultipartUpload(url_, upload_id_, parts));
  finished_ = true;  // the upload exists no more; nothing to abort from here on
  S3ObjectInfo info;
  Status checked = client_->HeadObject(url_, &info);
  if (checked.ok() && info.size != bytes_written_) {
    checked = Status::Remote(url_.ToString() + ": the stored object has " +
                             std::to_string(info.size) + " bytes, " +
                             std::to_string(bytes_written_) + " were sent");
  }
  if (!checked.ok()) {
    // An object that cannot be confirmed must not stay looking like a backup.
    Status deleted = client_->DeleteObject(url_);
    if (!deleted.ok()) {
      HB_LOG_WARN("could not delete %s after the failed check: %s", url_.ToString().c_str(),
                  deleted.message().c_str());
    }
    return checked;
  }
  HB_LOG_INFO("Stored %s: %llu bytes in %zu part%s", url_.ToString().c_str(),
              static_cast<unsigned long long>(bytes_written_), parts.size(),
              parts.size() == 1 ? "" : "s");
  return Status::OK();
}

}  // namespace hotbackup
