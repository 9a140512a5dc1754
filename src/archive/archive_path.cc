// The one path check for names from outside (see archive_path.h). It is a
// lexical check only: it needs no file system, so the manifest parser, the
// archive readers and the restore stages all apply the same rule before
// anything is opened.
#include "hotbackup/archive/archive_path.h"

#include <cstdio>

namespace hotbackup {

std::string ShownArchivePath(std::string_view path) {
  constexpr size_t kShown = 256;
  std::string shown;
  for (size_t i = 0; i < path.size() && i < kShown; ++i) {
    const unsigned char c = static_cast<unsigned char>(path[i]);
    if (c < 0x20 || c == 0x7f) {
      char hex[8];
      std::snprintf(hex, sizeof(hex), "\\x%02x", c);
      shown += hex;
    } else if (c == '\\') {
      shown += "\\\\";
    } else {
      shown += static_cast<char>(c);
    }
  }
  if (path.size() > kShown) shown += "...";
  return shown;
}

Status ValidateArchivePath(std::string_view path) {
  if (path.empty()) return Status::InvalidArgument("empty archive path");
  if (path.find('\0') != std::string_view::npos) {
    return Status::InvalidArgument("archive path with a NUL byte: " + ShownArchivePath(path));
  }
  if (path.front() == '/') {
    return Status::InvalidArgument("absolute archive path: " + ShownArchivePath(path));
  }
  std::string_view rest = path;
  while (true) {
    const size_t slash = rest.find('/');
    const std::string_view part = rest.substr(0, slash);
    if (part.empty() || part == "." || part == "..") {
      return Status::InvalidArgument("archive path with an empty, '.' or '..' component: " +
                                     ShownArchivePath(path));
    }
    if (slash == std::string_view::npos) break;
    rest.remove_prefix(slash + 1);
  }
  return Status::OK();
}

}  // namespace hotbackup
