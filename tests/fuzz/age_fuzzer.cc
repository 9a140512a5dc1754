// Fuzz target: an age stream as --extract reads one: the header
// (ReadAgeHeader: stanzas, base64, the MAC) with the fixed identity, or the
// fixed passphrase when the input's first byte is odd, then the payload
// (NewAgeDecryptSource: chunk framing, tags, the last-chunk rule) to its end.
#include <cstdint>
#include <memory>
#include <vector>

#include "age_fuzz_keys.h"
#include "hotbackup/encrypt/age_header.h"
#include "hotbackup/encrypt/age_stream.h"
#include "memory_source.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  using namespace hotbackup;
  AgeDecryptWith with;
  with.max_scrypt_log2_n = fuzz::kFuzzScryptLog2N;
  if (data[0] & 1) {
    with.passphrase = fuzz::kFuzzPassphrase;
  } else {
    with.identities.push_back(fuzz::FuzzIdentity());
  }
  fuzz::MemorySource source(data + 1, size - 1);
  AgeFileKey key;
  if (!ReadAgeHeader(&source, with, &key).ok()) return 0;
  std::unique_ptr<ByteSource> plain;
  if (!NewAgeDecryptSource(&source, key, "fuzz", &plain).ok()) return 0;
  std::vector<uint8_t> buffer(70000);
  for (;;) {
    size_t n = 0;
    if (!plain->Read(buffer, &n).ok() || n == 0) return 0;
  }
}
