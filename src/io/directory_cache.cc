// One cached directory descriptor (O_PATH: it grants nothing by itself and
// costs no read access), replaced when the directory of the paths changes.
#include "hotbackup/io/directory_cache.h"

#include <fcntl.h>

#include <string_view>

namespace hotbackup {

DirectoryCache::Location DirectoryCache::Resolve(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos || slash + 1 == path.size()) return {AT_FDCWD, path};
  const std::string_view dir(path.data(), slash == 0 ? 1 : slash);
  if (!fd_.valid() || dir != dir_) {
    dir_.assign(dir);
    fd_ = UniqueFd(open(dir_.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!fd_.valid()) dir_.clear();
  }
  if (!fd_.valid()) return {AT_FDCWD, path};
  return {fd_.get(), path.substr(slash + 1)};
}

void DirectoryCache::Forget() {
  fd_ = UniqueFd();
  dir_.clear();
}

}  // namespace hotbackup
