// What Check can know of an input or output before anything is created:
// that the name can be read, or can become a file. The output itself is opened by Run (s3_options.h
// OpenOutput), once every option has passed.
#ifndef HOTBACKUP_MODES_OUTPUT_NAMES_H_
#define HOTBACKUP_MODES_OUTPUT_NAMES_H_

#include <string>

#include "hotbackup/util/status.h"

namespace hotbackup {

// `target` as `option` ("--output") names it: "" is stdout, refused when a
// terminal; s3:// names are left to the upload; a file must not be a
// directory and its directory must exist. Errors name the option.
Status CheckOutputName(const std::string& option, const std::string& target);

// `target` as --input names it: "" is stdin, refused when a terminal;
// s3:// names are left to the download; a file must be one we can open.
Status CheckInputName(const std::string& option, const std::string& target);

}  // namespace hotbackup

#endif  // HOTBACKUP_MODES_OUTPUT_NAMES_H_
