// Fuzz target: --verify end to end on the input as --input: ArchiveInput
// (restore/archive_detection.h) with its age and zstd magic checks,
// NewZstdSource and the peek that picks tar or XBSTREAM, then the reader and
// the manifest check, exactly as RunVerify drives them.
#include "hotbackup/options.h"
#include "hotbackup/restore/extract.h"
#include "hotbackup/util/log.h"
#include "input_file.h"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  hotbackup::SetLogLevel(hotbackup::LogLevel::kError);  // no INFO line per input
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static hotbackup::fuzz::InputFile* input = new hotbackup::fuzz::InputFile();
  hotbackup::Options options;
  options.verify = true;
  options.input = input->Set(data, size);
  (void)hotbackup::RunVerify(options);
  return 0;
}
