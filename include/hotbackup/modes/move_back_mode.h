// The --move_back / --copy_back mode: turns the command line into the
// MoveBackRequest the restore stage takes (restore/move_back.h) and runs it.
#ifndef HOTBACKUP_MODES_MOVE_BACK_MODE_H_
#define HOTBACKUP_MODES_MOVE_BACK_MODE_H_

#include <memory>

#include "hotbackup/modes/mode.h"
#include "hotbackup/options.h"
#include "hotbackup/restore/move_back.h"
#include "hotbackup/util/status.h"

namespace hotbackup {

// The request for `options`, which ValidateOptions passed (every directory
// named): kInvalidArgument (a usage error) when --backup_dir is not a
// directory.
Status MoveBackRequestFrom(const Options& options, MoveBackRequest* request);

// --move_back / --copy_back: Check is MoveBackRequestFrom, Run is MoveBack.
// `options` must outlive the mode.
std::unique_ptr<Mode> NewMoveBackMode(const Options& options);

}  // namespace hotbackup

#endif  // HOTBACKUP_MODES_MOVE_BACK_MODE_H_
