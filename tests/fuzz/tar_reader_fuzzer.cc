// Fuzz target: the tar reader (libarchive underneath, then our checks of
// entry types, paths and sizes) into a verify-only ExtractTarget.
#include "read_archive.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  hotbackup::fuzz::ReadArchive(data, size, hotbackup::ReadTar);
  return 0;
}
