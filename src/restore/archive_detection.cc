// Format detection for --extract and --verify: peel age, then zstd, then
// name the archive, each step peeking at the bytes the previous one hands
// out. The magics and offsets are the format headers' own; nothing here
// spells a format's bytes again.
#include "hotbackup/restore/archive_detection.h"

#include "hotbackup/archive/xbstream_format.h"
#include "hotbackup/encrypt/age_stream.h"
#include "hotbackup/encrypt/openssl_crypto.h"
#include "hotbackup/util/log.h"

namespace hotbackup {
namespace {

// The five letters every tar header variant starts its magic field with:
// ustar and pax write "ustar\0", GNU tar "ustar " (ustar::kMagic without
// its NUL).
constexpr std::string_view kTarMagicLetters(ustar::kMagic, sizeof(ustar::kMagic) - 1);

bool HasAt(std::string_view head, size_t offset, std::string_view magic) {
  return head.size() >= offset + magic.size() && head.substr(offset, magic.size()) == magic;
}

}  // namespace

bool IsAgeEncrypted(std::string_view head) {
  return HasAt(head, 0, std::string_view(kAgeMagic, kAgeDetectSize));
}

bool IsZstdCompressed(std::string_view head) {
  return HasAt(head, 0, std::string_view(kZstdMagic, kZstdMagicSize));
}

std::optional<ArchiveFormat> DetectArchiveFormat(std::string_view head) {
  // XBSTREAM first: its magic is at the very start, so it decides even when
  // a chunk's bytes happen to hold "ustar" at 257.
  if (HasAt(head, 0, std::string_view(xbstream::kMagic, xbstream::kMagicSize))) {
    return ArchiveFormat::kXbstream;
  }
  if (HasAt(head, ustar::kMagicOffset, kTarMagicLetters)) return ArchiveFormat::kTar;
  return std::nullopt;
}

Status ArchiveInput::Open(ByteSource* raw, const std::string& name,
                          const DecryptionLookup& decryption) {
  layers_ = ArchiveLayers();
  raw_peek_ = std::make_unique<PeekSource>(raw);
  std::string_view head;
  HOTBACKUP_RETURN_IF_ERROR(raw_peek_->Peek(kAgeDetectSize, &head));
  if (head.empty()) return Status::Corruption(name + " is empty: no archive to read");
  ByteSource* stream = raw_peek_.get();
  layers_.encrypted = IsAgeEncrypted(head);
  if (layers_.encrypted) {
    std::optional<AgeDecryptWith> with;
    if (decryption) HOTBACKUP_RETURN_IF_ERROR(decryption(&with));
    if (!with) {
      return Status::InvalidArgument(name +
                                     " is encrypted (age): give --decrypt_identity or "
                                     "--decrypt_passphrase_file");
    }
    AgeFileKey file_key;
    HOTBACKUP_RETURN_IF_ERROR(ReadAgeHeader(raw_peek_.get(), *with, &file_key).WithContext(name));
    Status s = NewAgeDecryptSource(raw_peek_.get(), file_key, name, &decrypted_);
    Wipe(file_key);
    HOTBACKUP_RETURN_IF_ERROR(s);
    stream = decrypted_.get();
  } else if (decryption) {
    HB_LOG_WARN("%s is not encrypted; the --decrypt_* option is not needed", name.c_str());
  }

  compressed_peek_ = std::make_unique<PeekSource>(stream);
  HOTBACKUP_RETURN_IF_ERROR(compressed_peek_->Peek(kZstdDetectSize, &head));
  if (head.empty()) return Status::Corruption(name + " holds no archive");
  stream = compressed_peek_.get();
  layers_.compressed = IsZstdCompressed(head);
  if (layers_.compressed) {
    HOTBACKUP_RETURN_IF_ERROR(NewZstdSource(compressed_peek_.get(), &decompressed_));
    stream = decompressed_.get();
  }

  archive_ = std::make_unique<PeekSource>(stream);
  HOTBACKUP_RETURN_IF_ERROR(archive_->Peek(kArchiveDetectSize, &head));
  const std::optional<ArchiveFormat> format = DetectArchiveFormat(head);
  if (!format) {
    return Status::Corruption(name + " is neither a tar nor an XBSTREAM archive" +
                              (layers_.compressed ? " (after zstd decompression)" : "") +
                              (layers_.encrypted ? " (after decryption)" : ""));
  }
  layers_.format = *format;
  return Status::OK();
}

}  // namespace hotbackup
