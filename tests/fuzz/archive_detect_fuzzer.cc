// Fuzz target: --verify end to end on the input: ArchiveInput
// (restore/archive_detection.h) with its age and zstd magic checks,
// NewZstdSource and the peek that picks tar or XBSTREAM, then the reader and
// the manifest check, exactly as the verify mode drives them
// (ExtractArchive into nothing).
#include "hotbackup/restore/extract.h"
#include "hotbackup/util/log.h"
#include "memory_source.h"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  hotbackup::SetLogLevel(hotbackup::LogLevel::kError);  // no INFO line per input
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  hotbackup::fuzz::MemorySource input(data, size);
  (void)hotbackup::ExtractArchive(&input, "fuzz input", hotbackup::ExtractRequest{});
  return 0;
}
