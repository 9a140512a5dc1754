// The age payload, sealed in batches of chunks by worker threads.
//
// Chunk n's nonce depends only on n and on whether it is the last, so
// batches are independent once we know which chunk is the last: a batch is
// handed to the workers only when more plaintext has arrived after it, and
// the batch open at Finish is the one whose final chunk gets the flag.
// Sealed batches are written in order by the calling thread; at most
// 2 * threads batches are in flight, which bounds memory.
#include "hotbackup/encrypt/age_stream.h"

#include <algorithm>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include "hotbackup/encrypt/openssl_crypto.h"
#include "hotbackup/util/random_bytes.h"

namespace hotbackup {
namespace {

constexpr size_t kSealedChunkSize = kAgeChunkSize + kAgeTagSize;
constexpr size_t kBatchChunks = 16;  // 1 MiB of plaintext per batch
constexpr size_t kBatchBytes = kBatchChunks * kAgeChunkSize;

using PayloadKey = std::array<uint8_t, 32>;

// The 12-byte ChaCha20-Poly1305 nonce of chunk `counter`.
std::array<uint8_t, 12> ChunkNonce(uint64_t counter, bool last) {
  std::array<uint8_t, 12> nonce{};
  for (int i = 10; i >= 3; --i) {  // the low 8 of the 11 counter bytes
    nonce[i] = static_cast<uint8_t>(counter & 0xff);
    counter >>= 8;
  }
  nonce[11] = last ? 1 : 0;
  return nonce;
}

Status PayloadKeyFor(const AgeFileKey& file_key, const std::array<uint8_t, kAgeNonceSize>& nonce,
                     PayloadKey* key) {
  return HkdfSha256(file_key, nonce, "payload", *key);
}

struct Batch {
  std::vector<uint8_t> plain;   // whole chunks, except perhaps the stream's last
  std::vector<uint8_t> sealed;  // each chunk followed by its tag
  uint64_t first_chunk = 0;
  bool last = false;  // the final chunk of `plain` ends the stream
  bool done = false;
  Status status;
};

// Seals every chunk of `batch` with `aead`.
void SealBatch(ChaChaPoly* aead, Batch* batch) {
  const size_t size = batch->plain.size();
  const size_t chunks = size == 0 ? 1 : (size + kAgeChunkSize - 1) / kAgeChunkSize;
  batch->sealed.resize(size + chunks * kAgeTagSize);
  for (size_t i = 0; i < chunks; ++i) {
    const size_t offset = i * kAgeChunkSize;
    const size_t length = std::min(kAgeChunkSize, size - offset);
    const bool last = batch->last && i + 1 == chunks;
    Status s = aead->Seal(ChunkNonce(batch->first_chunk + i, last),
                          std::span<const uint8_t>(batch->plain.data() + offset, length),
                          std::span<uint8_t>(batch->sealed.data() + i * kSealedChunkSize,
                                             length + kAgeTagSize));
    if (!s.ok()) {
      batch->status = s;
      return;
    }
  }
}

class AgeEncryptSink final : public ByteSink {
 public:
  AgeEncryptSink(ByteSink* downstream, std::string header, const PayloadKey& key,
                 const std::array<uint8_t, kAgeNonceSize>& nonce, int threads)
      : downstream_(downstream), header_(std::move(header)), key_(key), nonce_(nonce) {
    header_.append(reinterpret_cast<const char*>(nonce_.data()), nonce_.size());
    if (threads == 0) {
      inline_aead_ = std::make_unique<ChaChaPoly>(key_);
    } else {
      max_in_flight_ = 2 * static_cast<size_t>(threads);
      for (int i = 0; i < threads; ++i) workers_.emplace_back([this] { Work(); });
    }
    current_ = NewBatch();
  }

  ~AgeEncryptSink() override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopping_ = true;
    }
    work_ready_.notify_all();
    for (std::thread& t : workers_) t.join();
    Wipe(key_);
  }

  Status Write(ByteSpan data) override {
    if (failed_) return Status::InvalidArgument("encryption stream used after an error");
    while (!data.empty()) {
      if (current_->plain.size() == kBatchBytes) {
        // More plaintext follows this full batch: its last chunk is not the
        // stream's, so it can be sealed.
        HOTBACKUP_RETURN_IF_ERROR(Fail(Submit()));
      }
      const size_t take = std::min(data.size(), kBatchBytes - current_->plain.size());
      current_->plain.insert(current_->plain.end(), data.begin(), data.begin() + take);
      data = data.subspan(take);
    }
    return Status::OK();
  }

  Status Finish() override {
    if (failed_) return Status::InvalidArgument("encryption stream used after an error");
    current_->last = true;
    HOTBACKUP_RETURN_IF_ERROR(Fail(Submit()));
    while (!in_flight_.empty()) HOTBACKUP_RETURN_IF_ERROR(Fail(WriteOldest()));
    HOTBACKUP_RETURN_IF_ERROR(Fail(WriteHeaderOnce()));
    return Fail(downstream_->Finish());
  }

 private:
  Status Fail(Status s) {
    if (!s.ok()) failed_ = true;
    return s;
  }

  std::unique_ptr<Batch> NewBatch() {
    std::unique_ptr<Batch> batch;
    if (!free_.empty()) {
      batch = std::move(free_.back());
      free_.pop_back();
    } else {
      batch = std::make_unique<Batch>();
      batch->plain.reserve(kBatchBytes);
    }
    batch->plain.clear();
    batch->first_chunk = next_chunk_;
    batch->last = false;
    batch->done = false;
    batch->status = Status::OK();
    return batch;
  }

  // Seals the current batch (in a worker, or here) and opens the next.
  Status Submit() {
    next_chunk_ += (current_->plain.size() + kAgeChunkSize - 1) / kAgeChunkSize;
    Batch* batch = current_.get();
    if (inline_aead_) {
      SealBatch(inline_aead_.get(), batch);
      batch->done = true;
      in_flight_.push_back(std::move(current_));
      HOTBACKUP_RETURN_IF_ERROR(WriteOldest());
    } else {
      {
        std::lock_guard<std::mutex> lock(mu_);
        in_flight_.push_back(std::move(current_));
        queue_.push_back(batch);
      }
      work_ready_.notify_one();
      while (in_flight_.size() >= max_in_flight_) HOTBACKUP_RETURN_IF_ERROR(WriteOldest());
    }
    if (!batch->last) current_ = NewBatch();
    return Status::OK();
  }

  // Waits for the oldest batch, writes it and recycles it.
  Status WriteOldest() {
    Batch* batch = in_flight_.front().get();
    {
      std::unique_lock<std::mutex> lock(mu_);
      batch_done_.wait(lock, [batch] { return batch->done; });
    }
    HOTBACKUP_RETURN_IF_ERROR(batch->status);
    HOTBACKUP_RETURN_IF_ERROR(WriteHeaderOnce());
    HOTBACKUP_RETURN_IF_ERROR(downstream_->Write(ByteSpan(batch->sealed)));
    free_.push_back(std::move(in_flight_.front()));
    in_flight_.pop_front();
    return Status::OK();
  }

  // The header goes out with the first sealed bytes, so a backup that fails
  // before any data has written nothing.
  Status WriteHeaderOnce() {
    if (header_written_) return Status::OK();
    header_written_ = true;
    return downstream_->Write(AsBytes(header_.data(), header_.size()));
  }

  void Work() {
    ChaChaPoly aead(key_);
    for (;;) {
      Batch* batch;
      {
        std::unique_lock<std::mutex> lock(mu_);
        work_ready_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
        if (queue_.empty()) return;
        batch = queue_.front();
        queue_.pop_front();
      }
      SealBatch(&aead, batch);
      {
        std::lock_guard<std::mutex> lock(mu_);
        batch->done = true;
      }
      batch_done_.notify_all();
    }
  }

  ByteSink* const downstream_;
  std::string header_;  // header and payload nonce, until written
  bool header_written_ = false;
  PayloadKey key_;
  const std::array<uint8_t, kAgeNonceSize> nonce_;
  std::unique_ptr<ChaChaPoly> inline_aead_;  // threads == 0
  std::unique_ptr<Batch> current_;
  uint64_t next_chunk_ = 0;
  std::deque<std::unique_ptr<Batch>> in_flight_;  // in stream order
  std::vector<std::unique_ptr<Batch>> free_;
  size_t max_in_flight_ = 1;
  bool failed_ = false;

  std::mutex mu_;
  std::condition_variable work_ready_;
  std::condition_variable batch_done_;
  std::deque<Batch*> queue_;  // guarded by mu_, as Batch::done
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

class AgeDecryptSource final : public ByteSource {
 public:
  AgeDecryptSource(ByteSource* encrypted, const PayloadKey& key, std::string name)
      : encrypted_(encrypted), aead_(key), name_(std::move(name)) {
    pending_.reserve(kSealedChunkSize + 1);
    plain_.resize(kAgeChunkSize);
  }

  Status Read(std::span<uint8_t> buffer, size_t* n) override {
    *n = 0;
    if (buffer.empty()) return Status::OK();
    while (plain_pos_ == plain_size_) {
      if (finished_) return Status::OK();
      HOTBACKUP_RETURN_IF_ERROR(OpenNextChunk());
    }
    *n = std::min(buffer.size(), plain_size_ - plain_pos_);
    std::memcpy(buffer.data(), plain_.data() + plain_pos_, *n);
    plain_pos_ += *n;
    return Status::OK();
  }

 private:
  // Reads one sealed chunk and one byte beyond it: a chunk with nothing
  // after it is the last, and must carry the last-chunk flag.
  Status OpenNextChunk() {
    while (pending_.size() < kSealedChunkSize + 1) {
      const size_t have = pending_.size();
      pending_.resize(kSealedChunkSize + 1);
      size_t got = 0;
      Status s = encrypted_->Read(std::span<uint8_t>(pending_.data() + have, pending_.size() - have), &got);
      pending_.resize(have + got);
      HOTBACKUP_RETURN_IF_ERROR(s);
      if (got == 0) break;
    }
    const bool last = pending_.size() <= kSealedChunkSize;
    const size_t sealed = last ? pending_.size() : kSealedChunkSize;
    if (sealed < kAgeTagSize) {
      return Status::Corruption(name_ + ": the encrypted stream is truncated (chunk " +
                                std::to_string(chunk_) + " is incomplete)");
    }
    if (last && sealed == kAgeTagSize && chunk_ > 0) {
      return Status::Corruption(name_ + ": the encrypted stream ends with an empty chunk");
    }
    plain_size_ = sealed - kAgeTagSize;
    Status opened = aead_.Open(ChunkNonce(chunk_, last),
                               std::span<const uint8_t>(pending_.data(), sealed),
                               std::span<uint8_t>(plain_.data(), plain_size_));
    if (!opened.ok()) {
      return Status::Corruption(
          name_ + ": encrypted chunk " + std::to_string(chunk_) +
          (last ? " does not authenticate as the last one: the stream is damaged or truncated"
                : " does not authenticate: the stream is damaged"));
    }
    pending_.erase(pending_.begin(), pending_.begin() + static_cast<ptrdiff_t>(sealed));
    plain_pos_ = 0;
    ++chunk_;
    finished_ = last;
    return Status::OK();
  }

  ByteSource* const encrypted_;
  ChaChaPoly aead_;
  const std::string name_;
  std::vector<uint8_t> pending_;  // sealed bytes read, not yet opened
  std::vector<uint8_t> plain_;
  size_t plain_pos_ = 0;
  size_t plain_size_ = 0;
  uint64_t chunk_ = 0;
  bool finished_ = false;
};

}  // namespace

Status NewAgeEncryptSink(const AgeEncryptTo& to, int threads, ByteSink* downstream,
                         std::unique_ptr<ByteSink>* sink) {
  if (threads < 0 || threads > 256) {
    return Status::InvalidArgument("encryption threads must be between 0 and 256");
  }
  const AgeFileKey file_key = NewAgeFileKey();
  std::string header;
  HOTBACKUP_RETURN_IF_ERROR(WriteAgeHeader(to, file_key, &header));
  std::array<uint8_t, kAgeNonceSize> nonce;
  HOTBACKUP_RETURN_IF_ERROR(RandomBytes(nonce));
  PayloadKey key;
  HOTBACKUP_RETURN_IF_ERROR(PayloadKeyFor(file_key, nonce, &key));
  *sink = std::make_unique<AgeEncryptSink>(downstream, std::move(header), key, nonce, threads);
  Wipe(key);
  return Status::OK();
}

Status NewAgeDecryptSource(ByteSource* encrypted, const AgeFileKey& file_key,
                           const std::string& name, std::unique_ptr<ByteSource>* source) {
  std::array<uint8_t, kAgeNonceSize> nonce;
  size_t n = 0;
  HOTBACKUP_RETURN_IF_ERROR(ReadFully(encrypted, nonce, &n));
  if (n < nonce.size()) {
    return Status::Corruption(name + ": the encrypted stream is truncated (no payload after "
                                     "its header)");
  }
  PayloadKey key;
  HOTBACKUP_RETURN_IF_ERROR(PayloadKeyFor(file_key, nonce, &key));
  *source = std::make_unique<AgeDecryptSource>(encrypted, key, name);
  Wipe(key);
  return Status::OK();
}

}  // namespace hotbackup
