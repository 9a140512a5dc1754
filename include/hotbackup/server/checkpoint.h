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

#include "hotbackup/io/pinned_directory.h"
#include "hotbackup/io/unique_fd.h"
#include "hotbackup/server/mysql_connection.h"
#include "hotbackup/util/status.h"

namespace hotbackup {

// The suffix of the directory where a round stages the server's files
// ("3.misc" beside checkpoint "3").
inline constexpr char kStagingSuffix[] = ".misc";

// The lock file a backup holds in its --checkpoint_dir for as long as it
// runs (flock). It is also the run's journal: the pid, then one line per
// round directory name before the directory is made, so that the next run
// removes exactly what a killed one left, and nothing a DBA keeps there.
inline constexpr char kCheckpointLockName[] = "myrocks_hotbackup.lock";

// --checkpoint_dir for one backup: pinned (pinned_directory.h; the server's
// user can write it, and a backup often runs as root), locked, and the
// journal of its rounds. Everything made in it is made through it.
class CheckpointRoot {
 public:
  CheckpointRoot() = default;
  // Releases the lock and removes the lock file.
  ~CheckpointRoot();
  CheckpointRoot(const CheckpointRoot&) = delete;
  CheckpointRoot& operator=(const CheckpointRoot&) = delete;

  // Makes `dir` (and missing parents) if it does not exist, pins it and
  // takes its lock: kInvalidArgument, naming the other backup's pid, when
  // another backup holds it. The round directories a dead run of ours
  // recorded in the journal ("3", "3.tmp", "3.misc": they pin old SST
  // files on disk) are removed, with one line saying so. Nothing else in
  // `dir` is touched. A lock file that is not a regular file of ours with
  // one link (another user's, or a link to somebody's file) is neither
  // read nor written: it is replaced.
  Status Prepare(const std::string& dir);
  bool held() const { return lock_fd_.valid(); }

  const PinnedDirectory& directory() const { return dir_; }
  // The directory as the command line names it: what the server is told.
  const std::string& display_path() const { return dir_.display_path(); }

  // The name of the next round's checkpoint: the first number from
  // `round` on that no entry of the directory has (nor its ".tmp" and
  // ".misc"), recorded in the journal before it is returned.
  Status NewRoundName(int round, std::string* name);

 private:
  Status Lock();
  Status RemoveJournaledRounds(const std::string& journal);

  PinnedDirectory dir_;
  UniqueFd lock_fd_;
  int next_round_ = 1;
};

// A round's staging directory ("<round>.misc" beside the checkpoint): made
// private (0700, ours) and pinned, so that what is staged there as root can
// be neither read nor redirected by another user. Removed by Remove() or on
// every other path out by the destructor.
class StagingDirectory {
 public:
  StagingDirectory() = default;
  ~StagingDirectory();
  StagingDirectory(const StagingDirectory&) = delete;
  StagingDirectory& operator=(const StagingDirectory&) = delete;

  Status Create(const CheckpointRoot& root, const std::string& round_name);
  // "/proc/self/fd/N": paths below it stay inside this directory.
  std::string path() const { return dir_.path(); }
  Status Remove();

 private:
  const CheckpointRoot* root_ = nullptr;
  std::string name_;
  PinnedDirectory dir_;
};

class Checkpoint {
 public:
  // The checkpoint of round `name` (CheckpointRoot::NewRoundName) in `root`.
  Checkpoint(const CheckpointRoot* root, std::string name) : root_(root), name_(std::move(name)) {}
  ~Checkpoint();
  Checkpoint(const Checkpoint&) = delete;
  Checkpoint& operator=(const Checkpoint&) = delete;

  // Asks the server to create the checkpoint (its name must not exist),
  // then takes the directory over (TakeOverDirectoryAt: ours, 0700, only
  // regular files in it).
  Status Create(MysqlConnection* connection);

  // "/proc/self/fd/N" once created: paths below it stay inside it.
  std::string path() const { return dir_.path(); }
  // Where it is, for messages.
  std::string display_path() const { return root_->display_path() + "/" + name_; }
  // The descriptor of the directory (for a child process to inherit).
  int fd() const { return dir_.fd(); }

  // Removes the checkpoint directory and everything left in it.
  Status Remove();

 private:
  const CheckpointRoot* root_;
  std::string name_;
  bool created_ = false;  // set before asking: a failure half-way still cleans up
  PinnedDirectory dir_;
};

}  // namespace hotbackup

#endif  // HOTBACKUP_SERVER_CHECKPOINT_H_
