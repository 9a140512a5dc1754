// Interruption by SIGINT, SIGTERM or SIGHUP.
//
// The handlers only record the signal; long-running loops poll
// CheckInterrupted() and unwind normally, so every RAII guard (the
// checkpoint directory, a partial output file) cleans up on the way out.
// The handlers are installed without SA_RESTART, so a write(2) blocked on a
// full pipe returns EINTR and the writer notices too.
#ifndef HOTBACKUP_UTIL_INTERRUPT_H_
#define HOTBACKUP_UTIL_INTERRUPT_H_

#include "hotbackup/util/status.h"

namespace hotbackup {

void InstallInterruptHandlers();

// The signal received, or 0.
int InterruptSignal();

// kAborted ("interrupted by SIGTERM") once a signal has arrived.
Status CheckInterrupted();

// Sleeps up to `seconds`, returning early (kAborted) on a signal.
Status InterruptibleSleep(double seconds);

}  // namespace hotbackup

#endif  // HOTBACKUP_UTIL_INTERRUPT_H_
