// No core file of this process (see core_dumps.h): two calls, both needed.
// PR_SET_DUMPABLE alone leaves RLIMIT_CORE for the children; RLIMIT_CORE
// alone is ignored by a core_pattern that pipes to a program.
#include "hotbackup/util/core_dumps.h"

#include <sys/prctl.h>
#include <sys/resource.h>

#include <cerrno>

namespace hotbackup {

Status DisableCoreDumps() {
  if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) {
    return Status::IOError("prctl(PR_SET_DUMPABLE, 0)", errno);
  }
  const rlimit none{0, 0};
  if (setrlimit(RLIMIT_CORE, &none) != 0) {
    return Status::IOError("setrlimit(RLIMIT_CORE, 0)", errno);
  }
  return Status::OK();
}

}  // namespace hotbackup
