// FileChecksum: the per-file checksum a backup's manifest records, XXH3-64,
// computed incrementally as the bytes stream past (no second read).
#ifndef HOTBACKUP_ARCHIVE_CHECKSUM_H_
#define HOTBACKUP_ARCHIVE_CHECKSUM_H_

#include <cstdint>
#include <memory>
#include <string>

#include "hotbackup/io/byte_sink.h"

namespace hotbackup {

class FileChecksum {
 public:
  FileChecksum();
  ~FileChecksum();
  FileChecksum(FileChecksum&&) noexcept;
  FileChecksum& operator=(FileChecksum&&) noexcept;

  void Update(ByteSpan data);
  uint64_t Digest() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// The manifest's spelling of a checksum: 16 lowercase hex digits.
std::string FormatChecksum(uint64_t checksum);
// Parses FormatChecksum's output; false if malformed.
bool ParseChecksum(const std::string& text, uint64_t* checksum);

}  // namespace hotbackup

#endif  // HOTBACKUP_ARCHIVE_CHECKSUM_H_
