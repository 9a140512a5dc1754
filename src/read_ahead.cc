// A fixed pool of pread workers over a ring of aligned buffers. Block b of
// the file always lands in slot b % depth, so the consumer finds the blocks
// in order and a slot is reissued only once the caller has moved past it.
#include "hotbackup/read_ahead.h"

namespace hotbackup {

ReadAhead::ReadAhead(size_t block_size, int depth) : block_size_(block_size), slots_(depth) {
  for (Slot& slot : slots_) slot.buffer = AlignedBuffer(block_size);
  for (int i = 0; i < depth; ++i) workers_.emplace_back([this] { WorkerLoop(); });
}

ReadAhead::~ReadAhead() {
  Finish();
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  work_ready_.notify_all();
  for (std::thread& t : workers_) t.join();
}

void ReadAhead::WorkerLoop() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    work_ready_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (stopping_) return;
    Slot& slot = slots_[queue_.front()];
    queue_.pop_front();
    const FileReader* file = file_;
    lock.unlock();
    size_t got = 0;
    Status s = file->ReadAt(slot.offset, slot.buffer.span(), &got);
    lock.lock();
    slot.got = got;
    slot.status = s;
    slot.done = true;
    --in_flight_;
    slot_done_.notify_all();
  }
}

void ReadAhead::Issue(size_t block) {
  Slot& slot = slots_[block % slots_.size()];
  slot.offset = static_cast<uint64_t>(block) * block_size_;
  slot.done = false;
  slot.got = 0;
  ++in_flight_;
  queue_.push_back(block % slots_.size());
  work_ready_.notify_one();
}

void ReadAhead::Start(const FileReader* file) {
  Finish();
  std::lock_guard<std::mutex> lock(mu_);
  file_ = file;
  size_ = file->size();
  blocks_ = static_cast<size_t>((size_ + block_size_ - 1) / block_size_);
  // One block more than the size needs, so growth shows when the size is a
  // multiple of the block: that read must come back empty.
  if (size_ % block_size_ == 0) blocks_ += 1;
  next_block_ = 0;
  returned_ = false;
  for (size_t b = 0; b < blocks_ && b < slots_.size(); ++b) Issue(b);
}

Status ReadAhead::Next(ByteSpan* block) {
  std::unique_lock<std::mutex> lock(mu_);
  if (returned_) {
    // The caller is done with the previous block: reuse its slot.
    returned_ = false;
    size_t reuse = next_block_ - 1 + slots_.size();
    if (reuse < blocks_) Issue(reuse);
  }
  *block = {};
  if (next_block_ >= blocks_) return Status::OK();
  Slot& slot = slots_[next_block_ % slots_.size()];
  slot_done_.wait(lock, [&] { return slot.done; });
  HOTBACKUP_RETURN_IF_ERROR(slot.status);

  const uint64_t expected = slot.offset >= size_ ? 0 : std::min<uint64_t>(block_size_, size_ - slot.offset);
  const std::string& path = file_->path();
  if (slot.got < expected) {
    return Status::Changed(path + " shrank while it was being read (ended at " +
                           std::to_string(slot.offset + slot.got) + " of " + std::to_string(size_) +
                           " bytes)");
  }
  if (slot.got > expected && file_->growth() == GrowthPolicy::kFail) {
    return Status::Changed(path + " grew while it was being read (size was " + std::to_string(size_) +
                           " bytes)");
  }
  *block = AsBytes(slot.buffer.data(), static_cast<size_t>(expected));
  ++next_block_;
  returned_ = true;
  return Status::OK();
}

void ReadAhead::Finish() {
  std::unique_lock<std::mutex> lock(mu_);
  // Reads not yet picked up are dropped; those under way are waited for.
  for (size_t slot : queue_) {
    slots_[slot].done = true;
    --in_flight_;
  }
  queue_.clear();
  slot_done_.wait(lock, [this] { return in_flight_ == 0; });
  file_ = nullptr;
  returned_ = false;
  next_block_ = blocks_ = 0;
}

}  // namespace hotbackup
