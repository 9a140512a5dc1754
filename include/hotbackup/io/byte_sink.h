// ByteSink: the downstream end of the streaming pipeline.
//
//   file reader -> ArchiveWriter (tar | xbstream) -> [ZstdSink] -> OutputFile
//
// Each stage that produces bytes writes them into a ByteSink it does not own;
// the sink must remain live while the stage uses it. Sinks are not
// thread-safe: one producer calls them.
#ifndef HOTBACKUP_IO_BYTE_SINK_H_
#define HOTBACKUP_IO_BYTE_SINK_H_

#include <cstdint>
#include <span>
#include <string>

#include "hotbackup/util/status.h"

namespace hotbackup {

using ByteSpan = std::span<const uint8_t>;

inline ByteSpan AsBytes(const void* data, size_t size) {
  return ByteSpan(static_cast<const uint8_t*>(data), size);
}

class ByteSink {
 public:
  virtual ~ByteSink() = default;

  // Consumes all of `data` or fails. After an error the sink is unusable.
  virtual Status Write(ByteSpan data) = 0;

  // Flushes everything buffered here and downstream and completes the output
  // (a zstd sink ends its frame; an output file becomes durable). No Write may
  // follow.
  virtual Status Finish() = 0;
};

// Passes everything on to `inner` (not owned), counting the bytes.
class CountingSink final : public ByteSink {
 public:
  explicit CountingSink(ByteSink* inner) : inner_(inner) {}
  Status Write(ByteSpan data) override {
    bytes_ += data.size();
    return inner_->Write(data);
  }
  Status Finish() override { return inner_->Finish(); }
  uint64_t bytes_written() const { return bytes_; }

 private:
  ByteSink* inner_;
  uint64_t bytes_ = 0;
};

// Collects everything in memory; for tests and small archives.
class StringSink final : public ByteSink {
 public:
  Status Write(ByteSpan data) override {
    contents_.append(reinterpret_cast<const char*>(data.data()), data.size());
    return Status::OK();
  }
  Status Finish() override {
    finished_ = true;
    return Status::OK();
  }
  const std::string& contents() const { return contents_; }
  bool finished() const { return finished_; }

 private:
  std::string contents_;
  bool finished_ = false;
};

}  // namespace hotbackup

#endif  // HOTBACKUP_IO_BYTE_SINK_H_
