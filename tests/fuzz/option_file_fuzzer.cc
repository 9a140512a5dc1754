// Fuzz target: the client option-file parser (ReadClientOptionFile): groups,
// quoting, escapes, comments, !include and !includedir. It runs in a
// private directory holding two small option files; inputs whose directives
// name a path with '/' are skipped, so that an include never leaves that
// directory (an option file is the operator's, and `!include /dev/zero`
// would only measure /dev/zero).
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <fstream>
#include <map>
#include <string>
#include <string_view>

#include "hotbackup/server/client_config.h"
#include "input_file.h"

namespace {

bool IncludesOutside(std::string_view text) {
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    size_t first = line.find_first_not_of(" \t\r");
    if (first != std::string_view::npos && line[first] == '!' &&
        line.find('/') != std::string_view::npos) {
      return true;
    }
    start = end + 1;
  }
  return false;
}

char sandbox[] = "/tmp/option-file-fuzz-XXXXXX";

void RemoveSandbox() {
  unlinkat(AT_FDCWD, (std::string(sandbox) + "/a.cnf").c_str(), 0);
  unlinkat(AT_FDCWD, (std::string(sandbox) + "/b.cnf").c_str(), 0);
  rmdir(sandbox);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  if (mkdtemp(sandbox) == nullptr || chdir(sandbox) != 0) abort();
  atexit(RemoveSandbox);
  std::ofstream("a.cnf") << "[client]\nuser = from_a\n!include b.cnf\n";
  std::ofstream("b.cnf") << "[client-server]\nport=3307\n[mysqld]\nport=1\n";
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static hotbackup::fuzz::InputFile* input = new hotbackup::fuzz::InputFile();
  if (IncludesOutside(std::string_view(reinterpret_cast<const char*>(data), size))) return 0;
  std::map<std::string, std::string> values;
  (void)hotbackup::ReadClientOptionFile(input->Set(data, size), &values);
  return 0;
}
