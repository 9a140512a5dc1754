// Writers: connections committing transactions into a sandbox server's t.w
// while a test backs it up, as production servers are backed up.
#ifndef HOTBACKUP_TESTS_WRITERS_H_
#define HOTBACKUP_TESTS_WRITERS_H_

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace hotbackup::test {

class SandboxServer;

inline constexpr int kRowsPerTransaction = 51;

// The table the writers fill; create it before starting them.
inline constexpr char kWritersTableDdl[] =
    "CREATE TABLE t.w (writer INT, txn INT, k INT, v VARCHAR(64), PRIMARY KEY (writer, txn, k)) "
    "ENGINE=ROCKSDB";

// `count` connections to `socket`, each committing kRowsPerTransaction-row
// transactions into t.w until stopped; each transaction is one GTID in the
// binlog. Transaction numbers are unique across Writers objects.
class Writers {
 public:
  Writers(const std::string& socket, int count);
  ~Writers();
  Writers(const Writers&) = delete;
  Writers& operator=(const Writers&) = delete;

  void Stop();
  int committed() const { return committed_.load(); }
  // The first error a writer met ("" if none).
  std::string error();
  // Blocks until `transactions` have committed or a writer failed.
  void WaitForCommits(int transactions);

 private:
  void Write(const std::string& socket, int writer);

  static inline std::atomic<int> base_counter_{0};
  int next_txn_base_ = base_counter_.fetch_add(1) * 1000000;
  std::vector<std::thread> threads_;
  std::atomic<bool> stop_{false};
  std::atomic<int> committed_{0};
  std::mutex mu_;
  std::string error_;
};

// The writers' transactions in a server's t.w, checking every one is
// complete (kRowsPerTransaction rows).
uint64_t CountWriterTransactions(SandboxServer& server);

}  // namespace hotbackup::test

#endif  // HOTBACKUP_TESTS_WRITERS_H_
