// ScratchDirectory: a private directory (mkdtemp, mode 0700) removed with
// everything in it on every way out by the destructor. Two kinds:
//
// - Create(kind): one run's directory under $TMPDIR for helper files (wdt's
//   logs, a bootstrap server's datadir), named
//   "myrocks_hotbackup-<kind>.<pid>.XXXXXX". A run killed before it could
//   remove its own is cleaned up by the next run that makes one of the same
//   kind: a directory of ours whose pid no process has any more.
// - CreateBeside(path): "<path>.tmp-XXXXXX", to fill and then rename to
//   `path` (a cache entry appears whole or not at all). Once renamed,
//   nothing is left to remove.
//
// TempDirectoryRoot is the one reading of $TMPDIR for every temporary file
// and directory the tool makes.
#ifndef HOTBACKUP_UTIL_SCRATCH_DIRECTORY_H_
#define HOTBACKUP_UTIL_SCRATCH_DIRECTORY_H_

#include <string>

#include "hotbackup/util/status.h"

namespace hotbackup {

// $TMPDIR, or /tmp when it is unset or empty.
std::string TempDirectoryRoot();

class ScratchDirectory {
 public:
  ScratchDirectory() = default;
  ~ScratchDirectory() { Remove(); }
  ScratchDirectory(const ScratchDirectory&) = delete;
  ScratchDirectory& operator=(const ScratchDirectory&) = delete;

  // Makes the directory (after removing stale ones of `kind`).
  Status Create(const std::string& kind);
  // Makes "<path>.tmp-XXXXXX" in `path`'s directory, which must exist.
  Status CreateBeside(const std::string& path);
  // Empty until created.
  const std::string& path() const { return path_; }
  // Removes it and everything in it (best effort).
  void Remove();

 private:
  std::string path_;
};

}  // namespace hotbackup

#endif  // HOTBACKUP_UTIL_SCRATCH_DIRECTORY_H_
