// S3DownloadSource (see its header): worker threads fetch ranged chunks
// ahead of the reader into a bounded window; the reader takes them in order.
#include "hotbackup/s3/s3_download_source.h"

#include <algorithm>
#include <chrono>
#include <cstring>

#include "hotbackup/util/interrupt.h"

namespace hotbackup {

Status S3DownloadSource::Open(S3Client* client, const S3Url& url, const S3DownloadOptions& options,
                              std::unique_ptr<S3DownloadSource>* source) {
  if (options.parallel < 1 || options.parallel > 64) {
    return Status::InvalidArgument("--s3_parallel must be between 1 and 64");
  }
  S3ObjectInfo info;
  HOTBACKUP_RETURN_IF_ERROR(client->HeadObject(url, &info));
  source->reset(new S3DownloadSource(client, url, options, std::move(info)));
  return Status::OK();
}

S3DownloadSource::S3DownloadSource(S3Client* client, S3Url url, S3DownloadOptions options,
                                   S3ObjectInfo info)
    : client_(client), url_(std::move(url)), options_(options), info_(std::move(info)) {
  chunks_ = (info_.size + options_.chunk_size - 1) / options_.chunk_size;
  int threads = static_cast<int>(std::min<uint64_t>(options_.parallel, chunks_));
  for (int i = 0; i < threads; ++i) workers_.emplace_back([this] { Worker(); });
}

S3DownloadSource::~S3DownloadSource() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cancel_ = true;
  changed_.notify_all();
  for (std::thread& t : workers_) t.join();
}

void S3DownloadSource::Worker() {
  for (;;) {
    uint64_t index;
    std::string data;
    {
      std::unique_lock<std::mutex> lock(mu_);
      // Fetch ahead of the reader by at most parallel + 1 chunks.
      changed_.wait(lock, [this] {
        return stopping_ || !error_.ok() || next_to_fetch_ >= chunks_ ||
               next_to_fetch_ <= reading_ + options_.parallel + 1;
      });
      if (stopping_ || !error_.ok() || next_to_fetch_ >= chunks_) return;
      index = next_to_fetch_++;
      if (!spare_.empty()) {
        data = std::move(spare_.back());
        spare_.pop_back();
      }
    }
    uint64_t offset = index * options_.chunk_size;
    uint64_t length = std::min<uint64_t>(options_.chunk_size, info_.size - offset);
    Status s = client_->GetRange(url_, offset, length, info_.etag, &data, &cancel_);
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!s.ok()) {
        if (error_.ok()) error_ = s;
      } else {
        ready_.emplace(index, std::move(data));
      }
    }
    changed_.notify_all();
  }
}

Status S3DownloadSource::Read(std::span<uint8_t> buffer, size_t* n) {
  *n = 0;
  if (buffer.empty()) return Status::OK();
  while (current_pos_ == current_.size()) {
    if (next_to_read_ >= chunks_) return Status::OK();  // the end
    std::unique_lock<std::mutex> lock(mu_);
    reading_ = next_to_read_;
    if (current_.capacity() > 0) spare_.push_back(std::move(current_));
    current_.clear();
    current_pos_ = 0;
    changed_.notify_all();
    for (;;) {
      if (!error_.ok()) return error_;
      auto it = ready_.find(next_to_read_);
      if (it != ready_.end()) {
        current_ = std::move(it->second);
        ready_.erase(it);
        break;
      }
      changed_.wait_for(lock, std::chrono::milliseconds(200));
      lock.unlock();
      HOTBACKUP_RETURN_IF_ERROR(CheckInterrupted());
      lock.lock();
    }
    current_pos_ = 0;
    ++next_to_read_;
  }
  *n = std::min(buffer.size(), current_.size() - current_pos_);
  std::memcpy(buffer.data(), current_.data() + current_pos_, *n);
  current_pos_ += *n;
  return Status::OK();
}

}  // namespace hotbackup
