// bench_commit_latency: what a backup costs the server's writers.
//
// Every checkpoint is taken while the server's commits are blocked (BACKUP
// STAGE BLOCK_COMMIT). This is the other side of it: N writer threads, each
// on its own connection over a Unix socket, commit multi-row transactions
// (BEGIN; one INSERT of --rows rows into a RocksDB table; COMMIT) as fast as
// they can, and every commit's latency is recorded: the COMMIT statement
// alone, and BEGIN..COMMIT. bench/commit_latency runs it with and without a
// backup and matches its longest commits to the backup's rounds.
//
//   bench_commit_latency --socket PATH [--user root] [--database bench]
//                        [--table w] [--threads 8] [--rows 51]
//                        [--keys_per_thread N] [--duration S]
//                        [--stop_file PATH] [--top N] [--samples FILE]
//                        [--create_table]
//
// Writes run until --duration seconds have passed or --stop_file exists
// (checked every 10 ms), whichever comes first; at least one of the two is
// required. Each thread writes its own key range, so writers never wait for
// each other's row locks; its keys cycle through --keys_per_thread rows
// (INSERT ... ON DUPLICATE KEY UPDATE), so the table stays the same size
// however long the run. --create_table creates the database and table
// first (the driver does it once, before any backup starts: DDL during a
// backup is what the backup warns about).
//
// Standard output: one JSON object with the number of commits, commits/s,
// p50/p90/p99/p99.9/max of COMMIT and of BEGIN..COMMIT in ms, and the --top
// longest commits with their wall-clock start (local time, as the backup's
// log prints it, and Unix seconds). --samples FILE also writes every commit
// as a line "commit_start_unix<TAB>commit_ms<TAB>txn_ms<TAB>thread", so a
// driver can take statistics over any time window. Any SQL error ends the
// run with exit status 1 and the server's message on stderr.
#include <mysql.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cerrno>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

struct Config {
  std::string socket;
  std::string user = "root";
  std::string database = "bench";
  std::string table = "w";
  int threads = 8;
  int rows = 51;
  int64_t keys_per_thread = 100000;
  double duration_s = 0;
  std::string stop_file;
  int top = 20;
  std::string samples;
  bool create_table = false;
};

struct Commit {
  double commit_start_unix;  // CLOCK_REALTIME when COMMIT was sent
  double commit_ms;          // the COMMIT statement
  double txn_ms;             // BEGIN..COMMIT
  int thread;
};

constexpr char kUsage[] =
    "usage: bench_commit_latency --socket PATH [--user root] [--database bench] [--table w]\n"
    "                            [--threads 8] [--rows 51] [--keys_per_thread N]\n"
    "                            [--duration S] [--stop_file PATH] [--top N]\n"
    "                            [--samples FILE] [--create_table]\n";

[[noreturn]] void Die(const std::string& message) {
  std::fprintf(stderr, "bench_commit_latency: %s\n", message.c_str());
  std::exit(1);
}

// The first error of any thread; the others stop at their next statement.
std::atomic<bool> g_stop{false};
std::mutex g_error_mutex;
std::string g_error;

void Fail(const std::string& message) {
  std::lock_guard<std::mutex> lock(g_error_mutex);
  if (g_error.empty()) g_error = message;
  g_stop.store(true);
}

double RealtimeNow() {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

double MsSince(Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

// "2026-11-29 19:01:11.897": the backup's log format, to match the two.
std::string FormatLocal(double unix_seconds) {
  time_t secs = static_cast<time_t>(unix_seconds);
  int ms = static_cast<int>((unix_seconds - static_cast<double>(secs)) * 1000.0);
  tm local;
  localtime_r(&secs, &local);
  char buf[64];
  size_t n = strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S", &local);
  std::snprintf(buf + n, sizeof(buf) - n, ".%03d", ms);
  return buf;
}

MYSQL* Connect(const Config& config) {
  MYSQL* mysql = mysql_init(nullptr);
  if (mysql == nullptr) Die("mysql_init failed");
  unsigned int protocol = MYSQL_PROTOCOL_SOCKET;
  mysql_options(mysql, MYSQL_OPT_PROTOCOL, &protocol);
  if (mysql_real_connect(mysql, "localhost", config.user.c_str(), nullptr, nullptr, 0,
                         config.socket.c_str(), 0) == nullptr) {
    std::string error = mysql_error(mysql);
    mysql_close(mysql);
    Fail("connect to " + config.socket + ": " + error);
    return nullptr;
  }
  return mysql;
}

bool Query(MYSQL* mysql, std::string_view sql) {
  if (mysql_real_query(mysql, sql.data(), sql.size()) != 0) {
    Fail(std::string(sql.substr(0, 80)) + "...: " + mysql_error(mysql));
    return false;
  }
  // Every statement here returns no rows; drain any result all the same.
  MYSQL_RES* result = mysql_store_result(mysql);
  if (result != nullptr) mysql_free_result(result);
  return true;
}

void CreateTable(const Config& config) {
  MYSQL* mysql = Connect(config);
  if (mysql == nullptr) Die(g_error);
  const std::string db = "`" + config.database + "`";
  const std::string table = db + ".`" + config.table + "`";
  if (!Query(mysql, "CREATE DATABASE IF NOT EXISTS " + db) ||
      !Query(mysql, "CREATE TABLE IF NOT EXISTS " + table +
                        " (id BIGINT NOT NULL PRIMARY KEY, thread INT NOT NULL, "
                        "n INT NOT NULL DEFAULT 0, v VARCHAR(64) NOT NULL) ENGINE=ROCKSDB")) {
    Die(g_error);
  }
  mysql_close(mysql);
}

// A start line every thread waits at once connected, so that the clock
// starts with all writers ready.
class StartLine {
 public:
  explicit StartLine(int parties) : waiting_(parties) {}
  void Arrive() { waiting_.fetch_sub(1); }
  bool AllArrived() const { return waiting_.load() <= 0; }
  void Go() { go_.store(true); }
  void Wait() const {
    while (!go_.load() && !g_stop.load()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }

 private:
  std::atomic<int> waiting_;
  std::atomic<bool> go_{false};
};

void Writer(const Config& config, int index, StartLine* start, std::vector<Commit>* out) {
  mysql_thread_init();
  MYSQL* mysql = Connect(config);
  start->Arrive();
  if (mysql == nullptr) {
    mysql_thread_end();
    return;
  }
  start->Wait();
  const std::string prefix = "INSERT INTO `" + config.database + "`.`" + config.table +
                             "` (id, thread, v) VALUES ";
  const std::string suffix = " ON DUPLICATE KEY UPDATE n = n + 1, v = VALUES(v)";
  const int64_t key_base = static_cast<int64_t>(index) << 40;
  uint64_t rng = 0x9E3779B97F4A7C15ull * static_cast<uint64_t>(index + 1);
  int64_t seq = 0;
  std::string sql;
  char value[128];
  out->reserve(1 << 16);
  while (!g_stop.load()) {
    sql.assign(prefix);
    for (int r = 0; r < config.rows; ++r) {
      rng ^= rng << 13;
      rng ^= rng >> 7;
      rng ^= rng << 17;
      const int64_t key = key_base + seq++ % config.keys_per_thread;
      std::snprintf(value, sizeof(value), "%s(%" PRId64 ",%d,'%016" PRIx64 "%016" PRIx64 "')",
                    r == 0 ? "" : ",", key, index, rng, static_cast<uint64_t>(rng * 0x2545F4914F6CDD1Dull));
      sql.append(value);
    }
    sql.append(suffix);
    const Clock::time_point txn_start = Clock::now();
    if (!Query(mysql, "BEGIN") || !Query(mysql, sql)) break;
    const double commit_start_unix = RealtimeNow();
    const Clock::time_point commit_start = Clock::now();
    if (!Query(mysql, "COMMIT")) break;
    const double commit_ms = MsSince(commit_start);
    out->push_back({commit_start_unix, commit_ms, MsSince(txn_start), index});
  }
  mysql_close(mysql);
  mysql_thread_end();
}

// Nearest rank: the smallest value with at least p% of the values at or
// below it.
double Percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  size_t rank = static_cast<size_t>(std::ceil(p / 100.0 * static_cast<double>(sorted.size())));
  return sorted[std::clamp<size_t>(rank, 1, sorted.size()) - 1];
}

std::string LatencyJson(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  double sum = 0;
  for (double v : values) sum += v;
  char buf[256];
  std::snprintf(buf, sizeof(buf),
                "{\"mean\": %.3f, \"p50\": %.3f, \"p90\": %.3f, \"p99\": %.3f, "
                "\"p99.9\": %.3f, \"max\": %.3f}",
                values.empty() ? 0.0 : sum / static_cast<double>(values.size()),
                Percentile(values, 50), Percentile(values, 90), Percentile(values, 99),
                Percentile(values, 99.9), values.empty() ? 0.0 : values.back());
  return buf;
}

bool ParseArgs(int argc, char** argv, Config* config) {
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    std::string value;
    size_t eq = arg.find('=');
    if (eq != std::string::npos) {
      value = arg.substr(eq + 1);
      arg.resize(eq);
    }
    if (arg == "--create_table") {
      config->create_table = true;
      continue;
    }
    if (eq == std::string::npos) {
      if (i + 1 >= argc) return false;
      value = argv[++i];
    }
    char* end = nullptr;
    if (arg == "--socket") {
      config->socket = value;
    } else if (arg == "--user") {
      config->user = value;
    } else if (arg == "--database") {
      config->database = value;
    } else if (arg == "--table") {
      config->table = value;
    } else if (arg == "--stop_file") {
      config->stop_file = value;
    } else if (arg == "--samples") {
      config->samples = value;
    } else if (arg == "--duration") {
      config->duration_s = std::strtod(value.c_str(), &end);
      if (*end != '\0' || config->duration_s < 0) return false;
    } else if (arg == "--threads" || arg == "--rows" || arg == "--top" ||
               arg == "--keys_per_thread") {
      long long v = std::strtoll(value.c_str(), &end, 10);
      if (value.empty() || *end != '\0' || v < 1 || v > (1ll << 39)) return false;
      if (arg == "--threads") config->threads = static_cast<int>(std::min(v, 1024ll));
      if (arg == "--rows") config->rows = static_cast<int>(std::min(v, 100000ll));
      if (arg == "--top") config->top = static_cast<int>(std::min(v, 100000ll));
      if (arg == "--keys_per_thread") config->keys_per_thread = v;
    } else {
      return false;
    }
  }
  return !config->socket.empty() && (config->duration_s > 0 || !config->stop_file.empty());
}

}  // namespace

int main(int argc, char** argv) {
  Config config;
  if (!ParseArgs(argc, argv, &config)) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  if (mysql_library_init(0, nullptr, nullptr) != 0) Die("mysql_library_init failed");
  if (config.create_table) CreateTable(config);

  std::vector<std::vector<Commit>> per_thread(config.threads);
  std::vector<std::thread> threads;
  StartLine start(config.threads);
  for (int i = 0; i < config.threads; ++i) {
    threads.emplace_back(Writer, std::cref(config), i, &start, &per_thread[i]);
  }
  while (!start.AllArrived()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  const double start_unix = RealtimeNow();
  const Clock::time_point started = Clock::now();
  start.Go();
  struct stat st;
  while (!g_stop.load()) {
    const double elapsed = MsSince(started) / 1000.0;
    if (config.duration_s > 0 && elapsed >= config.duration_s) break;
    if (!config.stop_file.empty() && stat(config.stop_file.c_str(), &st) == 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  g_stop.store(true);
  for (std::thread& t : threads) t.join();
  const double elapsed_s = MsSince(started) / 1000.0;
  const double end_unix = RealtimeNow();
  mysql_library_end();
  if (!g_error.empty()) Die(g_error);

  std::vector<Commit> all;
  for (const std::vector<Commit>& v : per_thread) all.insert(all.end(), v.begin(), v.end());
  std::sort(all.begin(), all.end(), [](const Commit& a, const Commit& b) {
    return a.commit_start_unix < b.commit_start_unix;
  });
  if (!config.samples.empty()) {
    FILE* f = std::fopen(config.samples.c_str(), "w");
    if (f == nullptr) Die("cannot write " + config.samples + ": " + std::strerror(errno));
    for (const Commit& c : all) {
      std::fprintf(f, "%.6f\t%.3f\t%.3f\t%d\n", c.commit_start_unix, c.commit_ms, c.txn_ms,
                   c.thread);
    }
    if (std::fclose(f) != 0) Die("cannot write " + config.samples + ": " + std::strerror(errno));
  }

  std::vector<double> commit_ms, txn_ms;
  for (const Commit& c : all) {
    commit_ms.push_back(c.commit_ms);
    txn_ms.push_back(c.txn_ms);
  }
  std::vector<Commit> longest = all;
  const size_t top = std::min(longest.size(), static_cast<size_t>(config.top));
  std::partial_sort(longest.begin(), longest.begin() + top, longest.end(),
                    [](const Commit& a, const Commit& b) { return a.commit_ms > b.commit_ms; });
  longest.resize(top);

  std::printf("{\"threads\": %d, \"rows_per_commit\": %d, \"start\": \"%s\", "
              "\"start_unix\": %.3f, \"end_unix\": %.3f, \"duration_s\": %.3f, "
              "\"commits\": %zu, \"commits_per_s\": %.1f,\n",
              config.threads, config.rows, FormatLocal(start_unix).c_str(), start_unix, end_unix,
              elapsed_s, all.size(),
              elapsed_s > 0 ? static_cast<double>(all.size()) / elapsed_s : 0.0);
  std::printf(" \"commit_ms\": %s,\n", LatencyJson(commit_ms).c_str());
  std::printf(" \"txn_ms\": %s,\n", LatencyJson(txn_ms).c_str());
  std::printf(" \"longest\": [");
  for (size_t i = 0; i < longest.size(); ++i) {
    const Commit& c = longest[i];
    std::printf("%s\n  {\"start\": \"%s\", \"start_unix\": %.6f, \"commit_ms\": %.3f, "
                "\"txn_ms\": %.3f, \"thread\": %d}",
                i == 0 ? "" : ",", FormatLocal(c.commit_start_unix).c_str(), c.commit_start_unix,
                c.commit_ms, c.txn_ms, c.thread);
  }
  std::printf("]}\n");
  return std::fflush(stdout) == 0 ? 0 : 1;
}
