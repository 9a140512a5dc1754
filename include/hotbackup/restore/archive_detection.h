// Archive detection: what a restore's input is, told from its first bytes,
// one layer at a time from the outside in (the backup side writes them from
// the inside out: archive, then zstd_sink.h, then age_stream.h):
//
//   layer     magic                 where                 named in
//   age       "age-encryption.org/v1\n"  offset 0         encrypt/age_header.h
//   zstd      28 b5 2f fd           offset 0              compress/zstd_source.h
//   XBSTREAM  "XBSTCK01"            offset 0              archive/xbstream_format.h
//   tar       "ustar"               offset 257            archive/ustar_format.h
//
// Each layer is optional except the last: a plain tar, a tar.zst, an age
// file holding an XBSTREAM.zst are all archives. Tar is recognised by the
// five letters of its magic, so ustar, pax and GNU tar headers (GNU writes
// "ustar  " with no NUL) are all tar.
//
// The tests on bytes are separate functions so that unit tests and fuzzers
// can drive them; ArchiveInput applies them to a stream, stacking the
// decrypting and decompressing sources over the raw input as the bytes say
// and consuming nothing it looks at. Not thread-safe.
#ifndef HOTBACKUP_RESTORE_ARCHIVE_DETECTION_H_
#define HOTBACKUP_RESTORE_ARCHIVE_DETECTION_H_

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "hotbackup/archive/archive_writer.h"  // ArchiveFormat
#include "hotbackup/archive/ustar_format.h"
#include "hotbackup/compress/zstd_source.h"
#include "hotbackup/encrypt/age_header.h"
#include "hotbackup/io/byte_source.h"
#include "hotbackup/util/status.h"

namespace hotbackup {

// How many first bytes each test looks at; give it fewer only when the
// input is shorter.
inline constexpr size_t kAgeDetectSize = sizeof(kAgeMagic) - 1;
inline constexpr size_t kZstdDetectSize = kZstdMagicSize;
inline constexpr size_t kArchiveDetectSize = ustar::kBlockSize;

// Whether `head` starts with age's version line.
bool IsAgeEncrypted(std::string_view head);
// Whether `head` starts with a zstd frame's magic.
bool IsZstdCompressed(std::string_view head);
// The archive format `head` starts with; nullopt for neither.
std::optional<ArchiveFormat> DetectArchiveFormat(std::string_view head);

// What an input turned out to be, outside in.
struct ArchiveLayers {
  bool encrypted = false;   // age
  bool compressed = false;  // zstd
  ArchiveFormat format = ArchiveFormat::kTar;
};

// Where the key of an encrypted input comes from: called at most once, and
// only when the input is age-encrypted (so a key file is read only when it
// is needed). Sets `with`, or leaves it empty when there is no key after
// all.
using DecryptionLookup = std::function<Status(std::optional<AgeDecryptWith>* with)>;

class ArchiveInput {
 public:
  ArchiveInput() = default;
  ArchiveInput(const ArchiveInput&) = delete;
  ArchiveInput& operator=(const ArchiveInput&) = delete;

  // Detects the layers of `raw`, which must remain live while this object
  // is used, and stacks the sources that undo them. `name` is what messages
  // call the input. `decryption` is empty when the user gave no key: an
  // encrypted input is then refused; given for an input that is not
  // encrypted, it is unused and a warning says so. Errors, one line each:
  //   kCorruption: an empty input, nothing after the age or zstd layer,
  //     neither tar nor XBSTREAM inside, and ReadAgeHeader's;
  //   kInvalidArgument: an encrypted input without a key, a key that does
  //     not fit (ReadAgeHeader's);
  //   and the errors of reading `raw` and of `decryption`.
  Status Open(ByteSource* raw, const std::string& name, const DecryptionLookup& decryption);

  // Valid after Open succeeded.
  const ArchiveLayers& layers() const { return layers_; }
  // The archive's bytes from its first one (the reader's input), valid
  // after Open succeeded.
  PeekSource* archive() { return archive_.get(); }

 private:
  ArchiveLayers layers_;
  // The chain, outside in; each reads the one before it.
  std::unique_ptr<PeekSource> raw_peek_;
  std::unique_ptr<ByteSource> decrypted_;
  std::unique_ptr<PeekSource> compressed_peek_;
  std::unique_ptr<ByteSource> decompressed_;
  std::unique_ptr<PeekSource> archive_;
};

}  // namespace hotbackup

#endif  // HOTBACKUP_RESTORE_ARCHIVE_DETECTION_H_
