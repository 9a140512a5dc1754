// Keeping this process's memory out of core files and away from debuggers:
// it holds the server's password, S3 keys and age identities, and a core
// file written by a crash (to a directory others can read, or shipped by a
// crash reporter) would hold them too.
#ifndef HOTBACKUP_UTIL_CORE_DUMPS_H_
#define HOTBACKUP_UTIL_CORE_DUMPS_H_

#include "hotbackup/util/status.h"

namespace hotbackup {

// prctl(PR_SET_DUMPABLE, 0): no core file, and no ptrace attach or
// /proc/PID/mem, environ, fd read by other processes of the same user
// (root's still can); then RLIMIT_CORE set to 0, soft and hard, for a
// kernel whose core pattern pipes to a helper regardless. The children we
// start are dumpable again (execve resets it) and inherit the zero limit.
// kIoError naming the call that failed; the process is unchanged by it
// only as far as the failing call goes.
Status DisableCoreDumps();

}  // namespace hotbackup

#endif  // HOTBACKUP_UTIL_CORE_DUMPS_H_
