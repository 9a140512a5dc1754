// A mode is what one run of the command does (a backup, --extract,
// --move_back, ...); main.cc picks one from Options::mode. The modes layer
// is the only code that reads the command line: each mode turns Options
// into the narrow settings its stages take (stage_configs.h) and opens the
// inputs and outputs the options name.
//
// Two steps, so that a run starts nothing before every option is valid:
//   Check  every option, and every file the options name that can be read
//          without creating anything or connecting (keys, passphrase files,
//          the client option file, an incremental base, the directory an
//          output will appear in). A failure is a usage error: exit code 2.
//   Run    the work.
#ifndef HOTBACKUP_MODES_MODE_H_
#define HOTBACKUP_MODES_MODE_H_

#include "hotbackup/util/status.h"

namespace hotbackup {

class Mode {
 public:
  virtual ~Mode() = default;
  virtual Status Check() = 0;
  // Only after Check succeeded.
  virtual Status Run() = 0;
};

}  // namespace hotbackup

#endif  // HOTBACKUP_MODES_MODE_H_
