#include "hotbackup/wdt/shell_words.h"

#include <catch2/catch.hpp>

#include "support/test_support.h"

namespace hotbackup {
namespace {

TEST_CASE("Shell words: every word reaches a real POSIX shell as itself", "[unit][wdt]") {
  const std::vector<std::string> words = {
      "plain", "with space", "it's", "'", "''", "\"double\"", "$HOME", "`id`", "$(id)",
      "a;b", "a&&b", "back\\slash", "tab\there", "new\nline", "*", "~", "-n", ""};
  // printf prints each argument between brackets: the shell must have kept
  // every word whole and expanded nothing.
  std::vector<std::string> command = {"printf", "[%s]"};
  command.insert(command.end(), words.begin(), words.end());
  test::TempDir dir;
  test::ProcessResult r = test::Run({"sh", "-c", ShellCommand(command)}, "", dir / "out");
  INFO(r.stderr_text);
  REQUIRE(r.exit_code == 0);
  std::string expected;
  for (const std::string& w : words) expected += "[" + w + "]";
  CHECK(test::ReadFile(dir / "out") == expected);
}

TEST_CASE("Shell words: quoting is single quotes, a quote as '\\''", "[unit][wdt]") {
  CHECK(ShellQuote("abc") == "'abc'");
  CHECK(ShellQuote("") == "''");
  CHECK(ShellQuote("it's") == "'it'\\''s'");
  CHECK(ShellCommand({"wdt", "-directory", "/b d"}) == "'wdt' '-directory' '/b d'");
}

TEST_CASE("Shell words: option values split on blanks, empty words dropped", "[unit][wdt]") {
  CHECK(SplitOnBlanks("") == std::vector<std::string>{});
  CHECK(SplitOnBlanks("   ") == std::vector<std::string>{});
  CHECK(SplitOnBlanks("ssh") == std::vector<std::string>{"ssh"});
  CHECK(SplitOnBlanks(" ssh  -p 2222\t-o\nBatchMode=yes ") ==
        std::vector<std::string>{"ssh", "-p", "2222", "-o", "BatchMode=yes"});
}

}  // namespace
}  // namespace hotbackup
