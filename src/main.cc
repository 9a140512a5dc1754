// myrocks_hotbackup: parses the command line and maps the outcome to an exit
// code. The work happens in the hotbackup library.
#include <csignal>
#include <cstdio>

#include "hotbackup/log.h"

int main(int, char**) {
  // A reader that goes away must surface as EPIPE from write(2), reported
  // and turned into a non-zero exit, not as a silent death by SIGPIPE.
  std::signal(SIGPIPE, SIG_IGN);
  HB_LOG_ERROR("the backup command line is not implemented in this build yet");
  return 2;
}
