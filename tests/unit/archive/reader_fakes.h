// In-memory ends for the archive readers' unit tests: a ByteSource over a
// string that hands its bytes out in pieces of a chosen size (so that
// headers and payloads straddle reads, as from a pipe) and can fail on the
// way, and an EntrySink that records what a reader gives it and checks the
// order of the calls (entry_sink.h).
#ifndef HOTBACKUP_TESTS_UNIT_ARCHIVE_READER_FAKES_H_
#define HOTBACKUP_TESTS_UNIT_ARCHIVE_READER_FAKES_H_

#include <algorithm>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "hotbackup/archive/archive_reader.h"
#include "hotbackup/archive/entry_sink.h"
#include "hotbackup/io/byte_source.h"

namespace hotbackup::test {

class StringSource final : public ByteSource {
 public:
  // At most `max_read` bytes a Read; after `fail_at` bytes, every Read
  // fails with an IOError.
  explicit StringSource(std::string bytes, size_t max_read = SIZE_MAX, size_t fail_at = SIZE_MAX)
      : bytes_(std::move(bytes)), max_read_(max_read), fail_at_(fail_at) {}

  Status Read(std::span<uint8_t> buffer, size_t* n) override {
    if (pos_ >= fail_at_) return Status::IOError("fake source: read failed", EIO);
    *n = std::min({buffer.size(), bytes_.size() - pos_, max_read_, fail_at_ - pos_});
    if (*n > 0) std::memcpy(buffer.data(), bytes_.data() + pos_, *n);
    pos_ += *n;
    return Status::OK();
  }

 private:
  std::string bytes_;
  size_t max_read_;
  size_t fail_at_;
  size_t pos_ = 0;
};

// One entry as a reader gave it.
struct MemoryEntry {
  std::string path;
  bool directory = false;
  mode_t permissions = 0;
  timespec mtime{};
  std::string data;
  bool ended = false;
};

class MemoryEntrySink final : public EntrySink {
 public:
  Status BeginFile(const std::string& path, mode_t permissions, timespec mtime) override {
    if (path == fail_begin_of_) return Status::InvalidArgument("fake sink: refusing " + path);
    if (open_.count(path)) return Status::Corruption("fake sink: " + path + " begun twice");
    open_[path] = entries_.size();
    entries_.push_back({path, false, permissions, mtime, "", false});
    trace_ += "+" + path + " ";
    return Status::OK();
  }

  Status Write(const std::string& path, ByteSpan data) override {
    auto it = open_.find(path);
    if (it == open_.end())
      return Status::Corruption("fake sink: write to " + path + " outside its entry");
    entries_[it->second].data.append(reinterpret_cast<const char*>(data.data()), data.size());
    ++writes_;
    return Status::OK();
  }

  Status EndFile(const std::string& path) override {
    auto it = open_.find(path);
    if (it == open_.end())
      return Status::Corruption("fake sink: end of " + path + " without its start");
    entries_[it->second].ended = true;
    open_.erase(it);
    trace_ += "-" + path + " ";
    return Status::OK();
  }

  Status MakeDirectory(const std::string& path) override {
    entries_.push_back({path, true, 0, {}, "", true});
    trace_ += "d:" + path + " ";
    return Status::OK();
  }

  // BeginFile of `path` fails (a sink refusing an entry).
  void FailBeginOf(std::string path) { fail_begin_of_ = std::move(path); }

  const std::vector<MemoryEntry>& entries() const { return entries_; }
  // Begins (+path), ends (-path) and directories (d:path) in order, each
  // followed by a blank.
  const std::string& trace() const { return trace_; }
  size_t writes() const { return writes_; }
  size_t open_files() const { return open_.size(); }

 private:
  std::vector<MemoryEntry> entries_;
  std::map<std::string, size_t> open_;  // path -> index in entries_
  std::string trace_;
  size_t writes_ = 0;
  std::string fail_begin_of_;
};

// Runs `read` (ReadTar or ReadXbstream) over `bytes` into `sink`.
inline Status ReadArchiveBytes(Status (*read)(PeekSource*, EntrySink*), const std::string& bytes,
                               MemoryEntrySink* sink, size_t max_read = SIZE_MAX,
                               size_t fail_at = SIZE_MAX) {
  StringSource source(bytes, max_read, fail_at);
  PeekSource peek(&source);
  return read(&peek, sink);
}

}  // namespace hotbackup::test

#endif  // HOTBACKUP_TESTS_UNIT_ARCHIVE_READER_FAKES_H_
