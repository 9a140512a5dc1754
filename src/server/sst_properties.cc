// Reading an SST's table properties block (format in sst_properties.h):
// footer -> metaindex block -> properties block, each block's trailer
// checksum verified. Blocks hold prefix-compressed key/value entries
// followed by an array of restart offsets and its length.
#include "hotbackup/server/sst_properties.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include <array>
#include <cstdio>
#include <memory>
#include <vector>

#include "hotbackup/io/unique_fd.h"
#include "hotbackup/util/coding.h"
#include "hotbackup/util/interrupt.h"

namespace hotbackup {
namespace {

constexpr uint64_t kBlockBasedMagic = 0x88e241b785f4cff7ULL;
constexpr uint64_t kLegacyBlockBasedMagic = 0xdb4775248b80fb57ULL;
constexpr size_t kFooterSize = 53;        // format_version 1 to 5
constexpr size_t kLegacyFooterSize = 48;  // format_version 0
constexpr size_t kBlockTrailerSize = 5;   // compression type, checksum
constexpr uint64_t kMaxMetaBlockSize = 16 << 20;
constexpr char kPropertiesBlockName[] = "rocksdb.properties";

enum ChecksumType : uint8_t { kNoChecksum = 0, kCrc32c = 1, kXxHash = 2, kXxHash64 = 3, kXxh3 = 4 };

// CRC-32C (Castagnoli), as RocksDB's trailers use it, then masked.
uint32_t Crc32c(const uint8_t* data, size_t size) {
  static const std::array<uint32_t, 256> kTable = [] {
    std::array<uint32_t, 256> t{};
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ 0x82f63b78u : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  uint32_t crc = ~0u;
  for (size_t i = 0; i < size; ++i) crc = kTable[(crc ^ data[i]) & 0xff] ^ (crc >> 8);
  return ~crc;
}

uint32_t UnmaskCrc(uint32_t masked) {
  uint32_t rotated = masked - 0xa282ead8u;
  return (rotated >> 17) | (rotated << 15);
}

bool Varint(const uint8_t** p, const uint8_t* end, uint64_t* value) {
  *value = 0;
  for (int shift = 0; shift <= 63 && *p < end; shift += 7) {
    const uint8_t b = *(*p)++;
    *value |= uint64_t{b & 0x7fu} << shift;
    if ((b & 0x80) == 0) return true;
  }
  return false;
}

struct BlockHandle {
  uint64_t offset = 0;
  uint64_t size = 0;
};

class SstFile {
 public:
  Status Open(const std::string& path) {
    path_ = path;
    fd_ = UniqueFd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd_.valid()) return Status::IOError("open " + path, errno);
    struct stat st;
    if (fstat(fd_.get(), &st) != 0) return Status::IOError("stat " + path, errno);
    size_ = static_cast<uint64_t>(st.st_size);
    return Status::OK();
  }

  Status Read(uint64_t offset, uint64_t size, std::vector<uint8_t>* out) const {
    if (offset > size_ || size > size_ - offset) return Corrupt("a block reaches past the end");
    out->resize(size);
    for (uint64_t done = 0; done < size;) {
      ssize_t n =
          pread(fd_.get(), out->data() + done, size - done, static_cast<off_t>(offset + done));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return Status::IOError("read " + path_, errno);
      if (n == 0) return Corrupt("the file shrank while read");
      done += static_cast<uint64_t>(n);
    }
    return Status::OK();
  }

  Status Corrupt(const std::string& what) const {
    return Status::Corruption("SST " + path_ + ": " + what);
  }

  uint64_t size() const { return size_; }

 private:
  std::string path_;
  UniqueFd fd_;
  uint64_t size_ = 0;
};

struct Footer {
  uint8_t checksum_type = kCrc32c;
  BlockHandle metaindex;
};

Status ReadFooter(const SstFile& file, Footer* footer) {
  if (file.size() < kLegacyFooterSize) return file.Corrupt("too small for a footer");
  const size_t n = file.size() < kFooterSize ? kLegacyFooterSize : kFooterSize;
  std::vector<uint8_t> b;
  HOTBACKUP_RETURN_IF_ERROR(file.Read(file.size() - n, n, &b));
  const uint64_t magic = DecodeFixed64(b.data() + n - 8);
  const uint8_t* p;
  const uint8_t* end;
  if (magic == kLegacyBlockBasedMagic) {
    p = b.data() + n - kLegacyFooterSize;
    end = b.data() + n - 8;
    footer->checksum_type = kCrc32c;
  } else if (magic == kBlockBasedMagic && n == kFooterSize) {
    const uint32_t version = DecodeFixed32(b.data() + n - 12);
    if (version < 1 || version > 5) {
      return Status::NotSupported("SST format_version " + std::to_string(version));
    }
    footer->checksum_type = b[0];
    p = b.data() + 1;
    end = b.data() + n - 12;
  } else {
    return file.Corrupt("not a block-based table (no magic number at its end)");
  }
  if (!Varint(&p, end, &footer->metaindex.offset) || !Varint(&p, end, &footer->metaindex.size)) {
    return file.Corrupt("damaged footer");
  }
  return Status::OK();
}

// An uncompressed meta block, its trailer's checksum verified.
Status ReadMetaBlock(const SstFile& file, const Footer& footer, BlockHandle handle,
                     const char* what, std::vector<uint8_t>* block) {
  if (handle.size > kMaxMetaBlockSize) return file.Corrupt(std::string(what) + " block too large");
  HOTBACKUP_RETURN_IF_ERROR(file.Read(handle.offset, handle.size + kBlockTrailerSize, block));
  const uint8_t* b = block->data();
  const size_t size = handle.size;
  const uint8_t compression = b[size];
  const uint32_t stored = DecodeFixed32(b + size + 1);
  bool match = true;
  switch (footer.checksum_type) {
    case kNoChecksum:
      break;
    case kCrc32c:
      match = UnmaskCrc(stored) == Crc32c(b, size + 1);
      break;
    case kXxHash:
      match = stored == XXH32(b, size + 1, 0);
      break;
    case kXxHash64:
      match = stored == static_cast<uint32_t>(XXH64(b, size + 1, 0));
      break;
    case kXxh3:
      match = stored ==
              (static_cast<uint32_t>(XXH3_64bits(b, size)) ^ (uint32_t{compression} * 0x6b9083d9u));
      break;
    default:
      return Status::NotSupported("SST checksum type " + std::to_string(footer.checksum_type));
  }
  if (!match) return file.Corrupt(std::string(what) + " block checksum mismatch");
  if (compression != 0) {
    return Status::NotSupported(std::string(what) + " block of an SST is compressed");
  }
  block->resize(size);
  return Status::OK();
}

// The entries of a block: prefix-compressed keys, then the restart array.
Status DecodeBlock(const SstFile& file, const std::vector<uint8_t>& block,
                   std::map<std::string, std::string>* entries) {
  if (block.size() < 4) return file.Corrupt("block too small");
  const uint64_t restarts = DecodeFixed32(block.data() + block.size() - 4) & 0x7fffffffu;
  const uint64_t trailer = 4 + restarts * 4;
  if (restarts == 0 || trailer > block.size()) return file.Corrupt("bad restart array");
  const uint8_t* p = block.data();
  const uint8_t* end = block.data() + block.size() - trailer;
  std::string key;
  while (p < end) {
    uint64_t shared, non_shared, value_size;
    if (!Varint(&p, end, &shared) || !Varint(&p, end, &non_shared) ||
        !Varint(&p, end, &value_size) || shared > key.size() ||
        non_shared > static_cast<uint64_t>(end - p) ||
        value_size > static_cast<uint64_t>(end - p) - non_shared) {
      return file.Corrupt("damaged block entry");
    }
    key.resize(shared);
    key.append(reinterpret_cast<const char*>(p), non_shared);
    p += non_shared;
    (*entries)[key].assign(reinterpret_cast<const char*>(p), value_size);
    p += value_size;
  }
  return Status::OK();
}

}  // namespace

Status ReadSstProperties(const std::string& path, SstProperties* properties) {
  properties->clear();
  SstFile file;
  HOTBACKUP_RETURN_IF_ERROR(file.Open(path));
  Footer footer;
  HOTBACKUP_RETURN_IF_ERROR(ReadFooter(file, &footer));
  std::vector<uint8_t> block;
  HOTBACKUP_RETURN_IF_ERROR(ReadMetaBlock(file, footer, footer.metaindex, "metaindex", &block));
  std::map<std::string, std::string> metaindex;
  HOTBACKUP_RETURN_IF_ERROR(DecodeBlock(file, block, &metaindex));
  auto it = metaindex.find(kPropertiesBlockName);
  if (it == metaindex.end()) return file.Corrupt("no properties block");
  const uint8_t* p = reinterpret_cast<const uint8_t*>(it->second.data());
  const uint8_t* end = p + it->second.size();
  BlockHandle handle;
  if (!Varint(&p, end, &handle.offset) || !Varint(&p, end, &handle.size)) {
    return file.Corrupt("damaged properties handle");
  }
  HOTBACKUP_RETURN_IF_ERROR(ReadMetaBlock(file, footer, handle, "properties", &block));
  return DecodeBlock(file, block, properties);
}

std::string SstIdentity::Key() const {
  return db_id + "/" + session_id + "/" + std::to_string(file_number);
}

Status ReadSstIdentity(const std::string& path, SstIdentity* identity) {
  SstProperties properties;
  HOTBACKUP_RETURN_IF_ERROR(ReadSstProperties(path, &properties));
  auto db = properties.find("rocksdb.creating.db.identity");
  auto session = properties.find("rocksdb.creating.session.identity");
  auto number = properties.find("rocksdb.original.file.number");
  if (db == properties.end() || session == properties.end() || number == properties.end() ||
      db->second.empty() || session->second.empty()) {
    return Status::NotSupported("SST " + path + " records no DB id, session id and file number");
  }
  const uint8_t* p = reinterpret_cast<const uint8_t*>(number->second.data());
  if (!Varint(&p, p + number->second.size(), &identity->file_number)) {
    return Status::Corruption("SST " + path + ": damaged rocksdb.original.file.number");
  }
  identity->db_id = db->second;
  identity->session_id = session->second;
  return Status::OK();
}

namespace {

Status ContentKey(const std::string& path, std::string* key) {
  UniqueFd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return Status::IOError("open " + path, errno);
  posix_fadvise(fd.get(), 0, 0, POSIX_FADV_SEQUENTIAL);
  struct StateDeleter {
    void operator()(XXH3_state_t* s) const { XXH3_freeState(s); }
  };
  std::unique_ptr<XXH3_state_t, StateDeleter> state(XXH3_createState());
  if (!state || XXH3_128bits_reset(state.get()) != XXH_OK) {
    return Status::IOError("xxhash state for " + path, ENOMEM);
  }
  std::vector<uint8_t> buffer(1 << 20);
  for (;;) {
    HOTBACKUP_RETURN_IF_ERROR(CheckInterrupted());
    ssize_t n = read(fd.get(), buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::IOError("read " + path, errno);
    if (n == 0) break;
    XXH3_128bits_update(state.get(), buffer.data(), static_cast<size_t>(n));
  }
  const XXH128_hash_t h = XXH3_128bits_digest(state.get());
  char hex[33];
  snprintf(hex, sizeof(hex), "%016llx%016llx", static_cast<unsigned long long>(h.high64),
           static_cast<unsigned long long>(h.low64));
  *key = std::string(kContentKeyPrefix) + hex;
  return Status::OK();
}

}  // namespace

Status ReadSstKey(const std::string& path, std::string* key, std::string* db_id) {
  SstIdentity identity;
  Status s = ReadSstIdentity(path, &identity);
  if (s.ok()) {
    *key = identity.Key();
    *db_id = identity.db_id;
    return Status::OK();
  }
  if (s.code() != Status::Code::kNotSupported && s.code() != Status::Code::kCorruption) return s;
  db_id->clear();
  return ContentKey(path, key);
}

}  // namespace hotbackup
