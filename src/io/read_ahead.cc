// A fixed pool of pread workers over a ring of aligned buffers. Block n of
// the sequence always lands in slot n % depth, so the consumer finds the
// blocks in order and a slot is reissued only once the caller has moved past
// it. The sequence runs across files, which keeps the device busy from the
// last block of one file to the first of the next.
#include "hotbackup/io/read_ahead.h"

#include <algorithm>

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
    const FileReader* file = slot.file;
    const uint64_t offset = slot.offset;
    lock.unlock();
    size_t got = 0;
    Status s = file->ReadAt(offset, slot.buffer.span(), &got);
    lock.lock();
    slot.got = got;
    slot.status = s;
    slot.done = true;
    --in_flight_;
    slot_done_.notify_all();
  }
}

void ReadAhead::TopUp() {
  // Slots in use: the caller's block (if out) and blocks issued but not returned.
  const uint64_t held = returned_ ? 1 : 0;
  size_t added = 0;
  while (issued_ < end_ && issued_ - next_ + held < slots_.size()) {
    auto job = std::find_if(jobs_.begin(), jobs_.end(),
                            [&](const Job& j) { return issued_ < j.first + j.blocks; });
    const size_t index = issued_ % slots_.size();
    Slot& slot = slots_[index];
    slot.file = job->file;
    slot.offset = (issued_ - job->first) * block_size_;
    slot.done = false;
    slot.got = 0;
    ++in_flight_;
    queue_.push_back(index);
    ++issued_;
    ++added;
  }
  // One worker per new read: waking idle ones for nothing costs a context
  // switch each, and under a hypervisor a wake-up is not cheap.
  if (added == 1) {
    work_ready_.notify_one();
  } else if (added > 1) {
    work_ready_.notify_all();
  }
}

void ReadAhead::Add(const FileReader* file) {
  std::lock_guard<std::mutex> lock(mu_);
  const uint64_t size = file->size();
  // One block more than the size needs when the size is a multiple of the
  // block (or zero), so growth shows: that read must come back empty.
  uint64_t blocks = (size + block_size_ - 1) / block_size_;
  if (size % block_size_ == 0) blocks += 1;
  jobs_.push_back({file, end_, blocks});
  end_ += blocks;
  TopUp();
}

bool ReadAhead::Queued(const FileReader* file) const {
  std::lock_guard<std::mutex> lock(mu_);
  return std::any_of(jobs_.begin(), jobs_.end(), [&](const Job& j) { return j.file == file; });
}

Status ReadAhead::Next(ByteSpan* block) {
  std::unique_lock<std::mutex> lock(mu_);
  if (returned_) {
    // The caller is done with the previous block: its slot is free.
    returned_ = false;
    TopUp();
  }
  *block = {};
  if (jobs_.empty()) return Status::OK();
  const Job& job = jobs_.front();
  if (next_ == job.first + job.blocks) {
    jobs_.pop_front();
    return Status::OK();
  }
  Slot& slot = slots_[next_ % slots_.size()];
  slot_done_.wait(lock, [&] { return slot.done; });
  HOTBACKUP_RETURN_IF_ERROR(slot.status);

  const FileReader& file = *job.file;
  const uint64_t size = file.size();
  const uint64_t expected = slot.offset >= size ? 0 : std::min<uint64_t>(block_size_, size - slot.offset);
  if (slot.got < expected) {
    return Status::Changed(file.path() + " shrank while it was being read (ended at " +
                           std::to_string(slot.offset + slot.got) + " of " + std::to_string(size) +
                           " bytes)");
  }
  if (slot.got > expected && file.growth() == GrowthPolicy::kFail) {
    return Status::Changed(file.path() + " grew while it was being read (size was " +
                           std::to_string(size) + " bytes)");
  }
  ++next_;
  if (expected == 0) {
    // The block past a size that is a multiple of the block size came back
    // empty, as it should: that is the end of the file.
    jobs_.pop_front();
    TopUp();
    return Status::OK();
  }
  *block = AsBytes(slot.buffer.data(), static_cast<size_t>(expected));
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
  jobs_.clear();
  end_ = issued_ = next_ = 0;
  returned_ = false;
}

}  // namespace hotbackup
