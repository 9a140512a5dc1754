// ScratchDirectory: one run's private directory under $TMPDIR for helper
// files (wdt's logs, a bootstrap server's datadir).
//
// Named "myrocks_hotbackup-<kind>.<pid>.XXXXXX", mode 0700, and removed on
// every way out by the destructor. A run killed before it could remove its
// own is cleaned up by the next run that makes one of the same kind: a
// directory of ours whose pid no process has any more.
#ifndef HOTBACKUP_UTIL_SCRATCH_DIRECTORY_H_
#define HOTBACKUP_UTIL_SCRATCH_DIRECTORY_H_

#include <string>

#include "hotbackup/util/status.h"

namespace hotbackup {

class ScratchDirectory {
 public:
  ScratchDirectory() = default;
  ~ScratchDirectory() { Remove(); }
  ScratchDirectory(const ScratchDirectory&) = delete;
  ScratchDirectory& operator=(const ScratchDirectory&) = delete;

  // Makes the directory (after removing stale ones of `kind`).
  Status Create(const std::string& kind);
  // Empty until created.
  const std::string& path() const { return path_; }
  // Removes it and everything in it (best effort).
  void Remove();

 private:
  std::string path_;
};

}  // namespace hotbackup

#endif  // HOTBACKUP_UTIL_SCRATCH_DIRECTORY_H_
