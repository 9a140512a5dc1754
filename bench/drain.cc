// bench_drain: the one consumer every benchmark case writes into.
//
// Reads standard input to its end in 1 MiB read(2)s and counts the bytes,
// like `cat > /dev/null` but without a second copy and with the count
// reported. Every producer (ours, tar, bsdtar, mbstream, dd, the original's
// per-file tar) feeds the same pipe into this program, so the consumer's
// cost is the same for all of them.
//
//   bench_drain [COUNT_FILE]   writes the byte count (decimal) to COUNT_FILE,
//                              or to stderr without one
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

int main(int argc, char** argv) {
  if (argc > 2) {
    std::fprintf(stderr, "usage: bench_drain [COUNT_FILE]\n");
    return 2;
  }
  constexpr size_t kReadSize = 1 << 20;
  std::vector<char> buffer(kReadSize);
  uint64_t total = 0;
  for (;;) {
    ssize_t n = read(STDIN_FILENO, buffer.data(), buffer.size());
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      std::fprintf(stderr, "bench_drain: read: %s\n", std::strerror(errno));
      return 1;
    }
    total += static_cast<uint64_t>(n);
  }
  FILE* out = stderr;
  if (argc == 2) {
    out = std::fopen(argv[1], "w");
    if (out == nullptr) {
      std::fprintf(stderr, "bench_drain: open %s: %s\n", argv[1], std::strerror(errno));
      return 1;
    }
  }
  std::fprintf(out, "%" PRIu64 "\n", total);
  if (out != stderr && std::fclose(out) != 0) {
    std::fprintf(stderr, "bench_drain: close %s: %s\n", argv[1], std::strerror(errno));
    return 1;
  }
  return 0;
}
