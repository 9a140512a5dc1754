// The body shared by the tar and XBSTREAM fuzz targets: replay the input
// into a verify-only ExtractTarget, as --verify does, and let the manifest
// check run when the entries decode.
#ifndef HOTBACKUP_TESTS_FUZZ_READ_ARCHIVE_H_
#define HOTBACKUP_TESTS_FUZZ_READ_ARCHIVE_H_

#include <cstdlib>

#include "hotbackup/archive/archive_reader.h"
#include "hotbackup/restore/extract_target.h"
#include "memory_source.h"

namespace hotbackup {
namespace fuzz {

inline void ReadArchive(const uint8_t* data, size_t size,
                        Status (*read)(PeekSource* source, EntrySink* sink)) {
  ExtractTarget target;
  if (!target.Open("").ok()) std::abort();  // verify-only: nothing can fail
  MemorySource memory(data, size);
  PeekSource source(&memory);
  if (!read(&source, &target).ok()) return;
  Manifest manifest;
  (void)target.Commit(&manifest);
}

}  // namespace fuzz
}  // namespace hotbackup

#endif  // HOTBACKUP_TESTS_FUZZ_READ_ARCHIVE_H_
