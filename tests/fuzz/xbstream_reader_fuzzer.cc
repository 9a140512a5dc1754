// Fuzz target: the XBSTREAM reader (chunk headers, path lengths, running
// offsets, CRCs) into a verify-only ExtractTarget.
#include "read_archive.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  hotbackup::fuzz::ReadArchive(data, size, hotbackup::ReadXbstream);
  return 0;
}
