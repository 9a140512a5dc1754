// bench_gen_dataset: writes the benchmark datasets, deterministically.
//
// Three kinds of files, as a MyRocks datadir holds them:
//
//  - SST-like files (rocksdb/NNNNNN.sst): 16 KiB blocks of key/value records
//    laid out as RocksDB's block-based tables are (shared key prefixes,
//    varint lengths, a restart array and a 5-byte block trailer), then a
//    bloom-filter-like block of random bits, an index block and a 48-byte
//    footer with the table magic. Values mix incompressible bytes (hashes,
//    already-compressed blobs) with words from a small vocabulary and small
//    integers, so that `zstd -1` shrinks the files by about 1.5x, as it does
//    real SSTs written with lightweight (or no) block compression. Sizes vary
//    and are not multiples of 4 KiB, as SST sizes are not.
//  - .frm-like files (dbNNN/tNNNNN.frm, 1-8 KiB) and one db.opt per
//    database, as a schema of many tables has: mostly a fixed binary header
//    and zero padding, plus column names.
//  - WAL-like files (rocksdb/NNNNNN.log) and the MANIFEST, CURRENT and
//    OPTIONS files.
//
//   bench_gen_dataset DIR [--sst COUNT:MIB] [--tables DBS:PER_DB]
//                         [--wal COUNT:MIB] [--seed N]
//
// DIR must not exist yet. The same arguments always give the same bytes.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace {

// xoshiro256** seeded through splitmix64: fast and reproducible.
class Rng {
 public:
  explicit Rng(uint64_t seed) {
    for (uint64_t& s : state_) {
      seed += 0x9e3779b97f4a7c15ULL;
      uint64_t z = seed;
      z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
      z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
      s = z ^ (z >> 31);
    }
  }
  uint64_t Next() {
    uint64_t result = Rotl(state_[1] * 5, 7) * 9;
    uint64_t t = state_[1] << 17;
    state_[2] ^= state_[0];
    state_[3] ^= state_[1];
    state_[1] ^= state_[2];
    state_[0] ^= state_[3];
    state_[2] ^= t;
    state_[3] = Rotl(state_[3], 45);
    return result;
  }
  // Uniform in [0, n).
  uint64_t Below(uint64_t n) { return Next() % n; }
  void Fill(uint8_t* out, size_t n) {
    while (n >= 8) {
      uint64_t v = Next();
      std::memcpy(out, &v, 8);
      out += 8;
      n -= 8;
    }
    if (n > 0) {
      uint64_t v = Next();
      std::memcpy(out, &v, n);
    }
  }

 private:
  static uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t state_[4];
};

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "bench_gen_dataset: %s: %s\n", what.c_str(), std::strerror(errno));
  std::exit(1);
}

// Buffered sequential writer of one new file.
class FileWriter {
 public:
  explicit FileWriter(const std::string& path) : path_(path) {
    fd_ = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd_ < 0) Die("create " + path);
    buffer_.reserve(kBufferSize);
  }
  ~FileWriter() {
    Flush();
    if (close(fd_) != 0) Die("close " + path_);
  }
  FileWriter(const FileWriter&) = delete;
  FileWriter& operator=(const FileWriter&) = delete;

  void Append(const void* data, size_t n) {
    const uint8_t* p = static_cast<const uint8_t*>(data);
    buffer_.insert(buffer_.end(), p, p + n);
    written_ += n;
    if (buffer_.size() >= kBufferSize) Flush();
  }
  void Append(std::string_view s) { Append(s.data(), s.size()); }
  uint64_t written() const { return written_; }

 private:
  static constexpr size_t kBufferSize = 1 << 20;
  void Flush() {
    size_t done = 0;
    while (done < buffer_.size()) {
      ssize_t n = write(fd_, buffer_.data() + done, buffer_.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) Die("write " + path_);
      done += static_cast<size_t>(n);
    }
    buffer_.clear();
  }

  std::string path_;
  int fd_ = -1;
  std::vector<uint8_t> buffer_;
  uint64_t written_ = 0;
};

void MakeDir(const std::string& path) {
  if (mkdir(path.c_str(), 0755) != 0 && errno != EEXIST) Die("mkdir " + path);
}

void PutVarint(std::string* out, uint64_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

void PutFixed32(std::string* out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out->push_back(static_cast<char>(v >> (8 * i)));
}

void PutBigEndian64(std::string* out, uint64_t v) {
  for (int i = 7; i >= 0; --i) out->push_back(static_cast<char>(v >> (8 * i)));
}

// Lower-case pseudo-words: the compressible part of values and the column
// names of .frm files.
std::vector<std::string> MakeVocabulary(Rng* rng, size_t count) {
  std::vector<std::string> words;
  for (size_t i = 0; i < count; ++i) {
    std::string w;
    size_t len = 3 + rng->Below(8);
    for (size_t j = 0; j < len; ++j) w.push_back(static_cast<char>('a' + rng->Below(26)));
    words.push_back(w);
  }
  return words;
}

struct Generator {
  Rng rng;
  std::vector<std::string> vocabulary;
  uint64_t next_key = 1;
  uint64_t timestamp = 1700000000000000ULL;
  uint64_t bytes = 0;
  uint64_t files = 0;

  explicit Generator(uint64_t seed) : rng(seed) { vocabulary = MakeVocabulary(&rng, 512); }

  // One record's value: a row as MyRocks stores it, roughly.
  void AppendValue(std::string* v) {
    timestamp += 1 + rng.Below(1000);
    PutBigEndian64(v, timestamp);
    PutFixed32(v, static_cast<uint32_t>(rng.Below(100)));  // a small integer column
    size_t words = 3 + rng.Below(5);
    for (size_t i = 0; i < words; ++i) {
      v->append(vocabulary[rng.Below(64) + (i == 0 ? 0 : rng.Below(448))]);
      v->push_back(' ');
    }
    size_t random = 16 + rng.Below(24);  // a hash or a compressed blob
    size_t at = v->size();
    v->resize(at + random);
    rng.Fill(reinterpret_cast<uint8_t*>(v->data() + at), random);
  }

  // A 16 KiB data block in block-based-table layout.
  void AppendDataBlock(std::string* block, uint32_t index_id) {
    constexpr size_t kBlockSize = 16 << 10;
    constexpr int kRestartInterval = 16;
    std::vector<uint32_t> restarts;
    std::string value;
    for (int n = 0; block->size() < kBlockSize; ++n) {
      next_key += 1 + rng.Below(3);
      std::string key;
      PutFixed32(&key, index_id);
      PutBigEndian64(&key, next_key);
      value.clear();
      AppendValue(&value);
      size_t shared = 0;
      if (n % kRestartInterval == 0) {
        restarts.push_back(static_cast<uint32_t>(block->size()));
      } else {
        shared = 10;
      }
      PutVarint(block, shared);
      PutVarint(block, key.size() - shared);
      PutVarint(block, value.size());
      block->append(key, shared);
      block->append(value);
    }
    for (uint32_t r : restarts) PutFixed32(block, r);
    PutFixed32(block, static_cast<uint32_t>(restarts.size()));
    block->push_back('\0');                                // compression type
    PutFixed32(block, static_cast<uint32_t>(rng.Next()));  // checksum
  }

  void WriteSst(const std::string& path, uint64_t target) {
    FileWriter out(path);
    uint32_t index_id = 256 + static_cast<uint32_t>(rng.Below(64));
    std::string block;
    std::string index;
    uint64_t blocks = 0;
    // Data blocks up to about 98.5% of the target, then the filter and index.
    uint64_t data_target = target - target / 70;
    while (out.written() < data_target) {
      block.clear();
      AppendDataBlock(&block, index_id);
      PutVarint(&index, out.written());
      PutVarint(&index, block.size());
      PutBigEndian64(&index, next_key);
      out.Append(block);
      ++blocks;
    }
    // Bloom filter bits look random.
    constexpr uint64_t kFooterSize = 48;
    uint64_t written = out.written() + index.size() + kFooterSize;
    uint64_t filter = target > written ? target - written : 64;
    std::vector<uint8_t> bits(static_cast<size_t>(filter));
    rng.Fill(bits.data(), bits.size());
    out.Append(bits.data(), bits.size());
    out.Append(index);
    std::string footer(kFooterSize - 8, '\0');
    footer[0] = 1;  // checksum type
    uint64_t magic = 0x88e241b785f4cff7ULL;
    footer.append(reinterpret_cast<const char*>(&magic), 8);
    out.Append(footer);
    bytes += out.written();
    ++files;
  }

  void WriteWal(const std::string& path, uint64_t target) {
    FileWriter out(path);
    std::string record;
    while (out.written() < target) {
      record.clear();
      for (int i = 0; i < 8; ++i) AppendValue(&record);
      std::string header;
      PutFixed32(&header, static_cast<uint32_t>(rng.Next()));  // crc
      header.push_back(static_cast<char>(record.size() & 0xff));
      header.push_back(static_cast<char>(record.size() >> 8));
      header.push_back(1);  // full record
      out.Append(header);
      out.Append(record);
    }
    bytes += out.written();
    ++files;
  }

  void WriteFrm(const std::string& path) {
    FileWriter out(path);
    size_t size = 1024 + rng.Below(7 << 10);
    std::string frm(64, '\0');
    frm[0] = static_cast<char>(0xfe);
    frm[1] = 1;
    frm[2] = 10;   // frm version
    frm[3] = 104;  // legacy db type
    for (size_t i = 4; i < 64; i += 8) frm[i] = static_cast<char>(rng.Below(256));
    frm.resize(size / 3, '\0');  // key and record areas: zero padding
    while (frm.size() < size) {
      frm.append(vocabulary[rng.Below(vocabulary.size())]);
      frm.push_back(static_cast<char>(0xff));
      PutFixed32(&frm, static_cast<uint32_t>(rng.Below(1 << 16)));
    }
    frm.resize(size);
    out.Append(frm);
    bytes += out.written();
    ++files;
  }

  void WriteText(const std::string& path, std::string_view text) {
    FileWriter out(path);
    out.Append(text);
    bytes += out.written();
    ++files;
  }
};

bool ParsePair(const char* text, uint64_t* a, uint64_t* b) {
  char* end = nullptr;
  *a = std::strtoull(text, &end, 10);
  if (end == text || *end != ':') return false;
  const char* second = end + 1;
  *b = std::strtoull(second, &end, 10);
  return end != second && *end == '\0';
}

std::string Numbered(uint64_t n, const char* suffix) {
  char name[32];
  std::snprintf(name, sizeof(name), "%06llu%s", static_cast<unsigned long long>(n), suffix);
  return name;
}

}  // namespace

int main(int argc, char** argv) {
  constexpr char kUsage[] =
      "usage: bench_gen_dataset DIR [--sst COUNT:MIB] [--tables DBS:PER_DB] "
      "[--wal COUNT:MIB] [--seed N]\n";
  if (argc < 2) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  std::string dir = argv[1];
  uint64_t sst_count = 0, sst_mib = 0, dbs = 0, per_db = 0, wal_count = 0, wal_mib = 0;
  uint64_t seed = 1;
  for (int i = 2; i < argc; ++i) {
    std::string_view arg = argv[i];
    bool ok = i + 1 < argc;
    if (ok && arg == "--sst") {
      ok = ParsePair(argv[++i], &sst_count, &sst_mib);
    } else if (ok && arg == "--tables") {
      ok = ParsePair(argv[++i], &dbs, &per_db);
    } else if (ok && arg == "--wal") {
      ok = ParsePair(argv[++i], &wal_count, &wal_mib);
    } else if (ok && arg == "--seed") {
      seed = std::strtoull(argv[++i], nullptr, 10);
    } else {
      ok = false;
    }
    if (!ok) {
      std::fputs(kUsage, stderr);
      return 2;
    }
  }

  if (mkdir(dir.c_str(), 0755) != 0) Die("mkdir " + dir + " (it must not exist)");
  Generator gen(seed);
  if (sst_count > 0 || wal_count > 0) {
    std::string rocksdb = dir + "/rocksdb";
    MakeDir(rocksdb);
    uint64_t number = 12;
    for (uint64_t i = 0; i < sst_count; ++i) {
      // Sizes vary within the last MiB, and are not 4 KiB multiples.
      uint64_t size = (sst_mib << 20) - gen.rng.Below(1 << 20) - 1;
      gen.WriteSst(rocksdb + "/" + Numbered(number++, ".sst"), size);
    }
    for (uint64_t i = 0; i < wal_count; ++i) {
      gen.WriteWal(rocksdb + "/" + Numbered(number++, ".log"), (wal_mib << 20) - 4321);
    }
    gen.WriteText(rocksdb + "/CURRENT", "MANIFEST-000009\n");
    std::string manifest;
    for (uint64_t i = 0; i < 200; ++i) gen.AppendValue(&manifest);
    gen.WriteText(rocksdb + "/MANIFEST-000009", manifest);
    std::string options = "[Version]\n  rocksdb_version=6.29.5\n  options_file_version=1.1\n";
    for (size_t i = 0; i < 300; ++i) {
      options += "  " + gen.vocabulary[i] + "=" + std::to_string(gen.rng.Below(1 << 20)) + "\n";
    }
    gen.WriteText(rocksdb + "/OPTIONS-000011", options);
  }
  for (uint64_t d = 0; d < dbs; ++d) {
    char db[32];
    std::snprintf(db, sizeof(db), "db%03llu", static_cast<unsigned long long>(d));
    std::string db_dir = dir + "/" + db;
    MakeDir(db_dir);
    gen.WriteText(db_dir + "/db.opt",
                  "default-character-set=utf8mb4\ndefault-collation=utf8mb4_general_ci\n");
    for (uint64_t t = 0; t < per_db; ++t) {
      char table[32];
      std::snprintf(table, sizeof(table), "/t%05llu.frm", static_cast<unsigned long long>(t));
      gen.WriteFrm(db_dir + table);
    }
  }
  std::printf("%s: %llu files, %llu bytes\n", dir.c_str(),
              static_cast<unsigned long long>(gen.files),
              static_cast<unsigned long long>(gen.bytes));
  return 0;
}
