// Words for a remote POSIX shell, and words from an option value.
//
// ssh hands the remote side one command string, which the remote login
// shell parses: every argument we put in it is quoted here, so a path with
// spaces or quotes, or an option value, reaches the remote program as the
// one argument it was. Locally no shell is involved at all.
#ifndef HOTBACKUP_WDT_SHELL_WORDS_H_
#define HOTBACKUP_WDT_SHELL_WORDS_H_

#include <string>
#include <string_view>
#include <vector>

namespace hotbackup {

// `word` as one POSIX shell word: single-quoted, each ' written as '\''.
std::string ShellQuote(std::string_view word);

// The words joined with spaces, each quoted.
std::string ShellCommand(const std::vector<std::string>& words);

// An option value split on blanks (spaces, tabs, newlines), as the original
// split --extra_wdt_*_options; no quoting rules. Empty words are dropped.
std::vector<std::string> SplitOnBlanks(std::string_view text);

}  // namespace hotbackup

#endif  // HOTBACKUP_WDT_SHELL_WORDS_H_
