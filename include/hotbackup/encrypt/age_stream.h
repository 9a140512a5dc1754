// The age payload (c2sp.org/age): after the header, a 16-byte random nonce,
// then the plaintext in chunks of 64 KiB, each sealed with
// ChaCha20-Poly1305 under the payload key HKDF-SHA-256(file key, salt =
// nonce, info "payload"), with the 12-byte nonce of an 11-byte big-endian
// chunk counter and a last-chunk flag (1 on the final chunk only). The final
// chunk may be shorter than 64 KiB, never empty unless the whole plaintext
// is; a stream cut at a chunk boundary therefore fails the last chunk's tag,
// so truncation is always detected.
//
// The encrypting sink is the last transform of a backup, after zstd: what it
// writes is a file `age -d` decrypts to the archive. Chunks are sealed by
// worker threads in batches while the caller goes on producing; output
// order and memory are bounded (a few batches of 1 MiB per thread). The
// decrypting source is the first stage of --extract / --verify.
#ifndef HOTBACKUP_ENCRYPT_AGE_STREAM_H_
#define HOTBACKUP_ENCRYPT_AGE_STREAM_H_

#include <memory>

#include "hotbackup/encrypt/age_header.h"
#include "hotbackup/io/byte_sink.h"
#include "hotbackup/io/byte_source.h"
#include "hotbackup/util/status.h"

namespace hotbackup {

inline constexpr size_t kAgeChunkSize = 64 << 10;
inline constexpr size_t kAgeTagSize = 16;
inline constexpr size_t kAgeNonceSize = 16;

// A sink that writes to `downstream` an age file encrypted to `to` (header
// first, with a new random file key): its Finish seals the final chunk and
// finishes `downstream`. `threads` workers seal the chunks (0: the calling
// thread does). kInvalidArgument from WriteAgeHeader's checks.
Status NewAgeEncryptSink(const AgeEncryptTo& to, int threads, ByteSink* downstream,
                         std::unique_ptr<ByteSink>* sink);

// A source of the plaintext of the age payload read from `encrypted`, whose
// header has been read already (ReadAgeHeader gave `file_key`). A chunk
// that fails its tag is kCorruption: "damaged" for a chunk in the middle,
// "damaged or truncated" at the end of the input. `name` is for messages.
Status NewAgeDecryptSource(ByteSource* encrypted, const AgeFileKey& file_key,
                           const std::string& name, std::unique_ptr<ByteSource>* source);

}  // namespace hotbackup

#endif  // HOTBACKUP_ENCRYPT_AGE_STREAM_H_
