// DirectoryCache: opens files relative to a descriptor of their directory.
//
// A backup opens thousands of files in a handful of directories (a schema's
// .frm files, a checkpoint's SSTs). Resolving each full path walks every
// component again; openat(2) on a kept directory descriptor resolves one.
// The cache holds the directory of the last path seen, which suits files
// that come grouped by directory. A directory renamed or replaced after it
// was cached is still the one used until the next directory change or
// Forget: a caller whose open through the cache fails with ENOENT or ENOTDIR
// forgets it and tries once more. Not thread-safe.
#ifndef HOTBACKUP_IO_DIRECTORY_CACHE_H_
#define HOTBACKUP_IO_DIRECTORY_CACHE_H_

#include <string>

#include "hotbackup/io/unique_fd.h"

namespace hotbackup {

class DirectoryCache {
 public:
  // Where openat(2) finds a path: `dir_fd` is a descriptor of the path's
  // directory and `name` its last component, or AT_FDCWD and the whole path
  // (no directory part, or the directory cannot be opened: the open of the
  // file itself then reports the problem). `name` is a copy, so a Location
  // never points into the path it came from (a leaf of up to 15 bytes, as
  // every SST, WAL and .frm name, needs no allocation). `dir_fd` belongs to
  // the cache: valid until the next Resolve or Forget.
  struct Location {
    int dir_fd;
    std::string name;
  };

  Location Resolve(const std::string& path);

  // Drops the cached directory: the next Resolve opens it again. For a
  // failed open through it, since the directory may have been replaced
  // (a database dropped and created again while the backup ran).
  void Forget();

 private:
  std::string dir_;  // the cached directory, as spelled in the paths
  UniqueFd fd_;
};

}  // namespace hotbackup

#endif  // HOTBACKUP_IO_DIRECTORY_CACHE_H_
