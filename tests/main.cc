// Catch2 entry point. SIGPIPE is ignored as in the real binary, so tests of
// a reader going away see EPIPE rather than dying.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>
#include <csignal>

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);
  return Catch::Session().run(argc, argv);
}
