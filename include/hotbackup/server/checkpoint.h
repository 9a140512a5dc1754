// Checkpoint: one round's RocksDB checkpoint, made by the server with
// SET GLOBAL rocksdb_create_checkpoint, and removed by us.
//
// The directory is removed by Remove() or, on every other path out (errors,
// signals), by the destructor: a checkpoint pins SST files the server would
// otherwise delete, so one left behind slowly fills the disk.
#ifndef HOTBACKUP_SERVER_CHECKPOINT_H_
#define HOTBACKUP_SERVER_CHECKPOINT_H_

#include <memory>
#include <string>
#include <vector>

#include "hotbackup/io/unique_fd.h"
#include "hotbackup/server/mysql_connection.h"
#include "hotbackup/util/status.h"

namespace hotbackup {

// The suffix of the directory where a round stages the server's files
// ("3.misc" beside checkpoint "3").
inline constexpr char kStagingSuffix[] = ".misc";

// The lock file a backup holds in its --checkpoint_dir for as long as it
// runs (flock): the directory's round directories are then its own.
inline constexpr char kCheckpointLockName[] = "myrocks_hotbackup.lock";

// Holds the lock on a checkpoint root; releases it (and removes the lock
// file) when destroyed.
class CheckpointRootLock {
 public:
  CheckpointRootLock() = default;
  ~CheckpointRootLock();
  CheckpointRootLock(const CheckpointRootLock&) = delete;
  CheckpointRootLock& operator=(const CheckpointRootLock&) = delete;

  bool held() const { return fd_.valid(); }

 private:
  friend Status LockCheckpointRoot(const std::string& dir, CheckpointRootLock* lock);
  UniqueFd fd_;
  std::string path_;
};

// Takes the lock of `dir` (an existing directory) into *lock, or says who
// holds it (kInvalidArgument). PrepareCheckpointRoot's first step.
Status LockCheckpointRoot(const std::string& dir, CheckpointRootLock* lock);

// Makes `dir` (and missing parents) if it does not exist and locks it for
// this backup: kInvalidArgument, naming the other backup's pid, when
// another backup holds it. Round directories ("3", "3.tmp", "3.misc") found
// there then belong to a run that died (SIGKILL, OOM, a reboot): they are
// removed, with one line saying so, since they pin old SST files on disk.
// Nothing else in `dir` is touched.
Status PrepareCheckpointRoot(const std::string& dir, CheckpointRootLock* lock);

// A round's staging directory ("<round>.misc" beside the checkpoint, which
// PrepareCheckpointRoot knows as ours), removed by Remove() or on every
// other path out by the destructor.
class StagingDirectory {
 public:
  explicit StagingDirectory(std::string path) : path_(std::move(path)) {}
  ~StagingDirectory();
  StagingDirectory(const StagingDirectory&) = delete;
  StagingDirectory& operator=(const StagingDirectory&) = delete;

  const std::string& path() const { return path_; }
  Status Remove();

 private:
  std::string path_;  // empty once removed
};

class Checkpoint {
 public:
  Checkpoint() = default;
  ~Checkpoint();
  Checkpoint(const Checkpoint&) = delete;
  Checkpoint& operator=(const Checkpoint&) = delete;

  // Asks the server to create a checkpoint at `path` (which must not exist).
  Status Create(MysqlConnection* connection, const std::string& path);

  const std::string& path() const { return path_; }

  // Removes the checkpoint directory and everything left in it.
  Status Remove();

 private:
  std::string path_;  // empty when there is nothing to remove
};

}  // namespace hotbackup

#endif  // HOTBACKUP_SERVER_CHECKPOINT_H_
