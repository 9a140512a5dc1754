#include <catch2/catch.hpp>

#include "hotbackup/wdt/wdt_round.h"

namespace hotbackup {
namespace {

WdtResumption Choose(const std::vector<std::string>& sender,
                     const std::vector<std::string>& receiver = {}) {
  WdtResumption r = WdtResumption::kDirectoryTree;
  std::string why;
  Status s = ChooseWdtResumption(sender, receiver, &r, &why);
  INFO(s.message());
  REQUIRE(s.ok());
  return r;
}

TEST_CASE("WDT resumption: block mode in any of gflags' spellings resumes from the transfer log",
          "[unit][wdt]") {
  CHECK(Choose({}) == WdtResumption::kDirectoryTree);
  CHECK(Choose({"-avg_mbytes_per_sec", "10"}) == WdtResumption::kDirectoryTree);
  for (const std::vector<std::string>& sender :
       {std::vector<std::string>{"--block_size_mbytes=1"},
        std::vector<std::string>{"-block_size_mbytes=1"},
        std::vector<std::string>{"-block_size_mbytes", "1"},
        std::vector<std::string>{"--block_size_mbytes", "0.5"},
        std::vector<std::string>{"-block_size_mbytes=-1", "-block_size_mbytes=2"}}) {
    CAPTURE(sender);
    CHECK(Choose(sender) == WdtResumption::kTransferLog);
  }
  // Whole files (0 or negative), the last occurrence winning.
  CHECK(Choose({"-block_size_mbytes=-1"}) == WdtResumption::kDirectoryTree);
  CHECK(Choose({"-block_size_mbytes=4", "--block_size_mbytes", "0"}) ==
        WdtResumption::kDirectoryTree);
  // A value on the receiver's side does not put the sender in block mode.
  CHECK(Choose({}, {"-block_size_mbytes=1"}) == WdtResumption::kDirectoryTree);
}

TEST_CASE("WDT resumption: options that cannot resume are refused, naming the option",
          "[unit][wdt]") {
  WdtResumption r;
  std::string why;
  Status s = ChooseWdtResumption({"-block_size_mbytes=1"}, {"-resume_using_dir_tree"}, &r, &why);
  CHECK(s.code() == Status::Code::kInvalidArgument);
  CHECK_THAT(s.message(), Catch::Contains("-resume_using_dir_tree"));
  s = ChooseWdtResumption({"-enable_download_resumption=false"}, {}, &r, &why);
  CHECK(s.code() == Status::Code::kInvalidArgument);
  CHECK_THAT(s.message(), Catch::Contains("--extra_wdt_sender_options"));
  s = ChooseWdtResumption({}, {"-noenable_download_resumption"}, &r, &why);
  CHECK(s.code() == Status::Code::kInvalidArgument);
  CHECK_THAT(s.message(), Catch::Contains("--extra_wdt_receiver_options"));
  s = ChooseWdtResumption({"-block_size_mbytes=big"}, {}, &r, &why);
  CHECK(s.code() == Status::Code::kInvalidArgument);
  // -resume_using_dir_tree=false with block mode is no conflict.
  CHECK(ChooseWdtResumption({"-block_size_mbytes=1"}, {"-resume_using_dir_tree=false"}, &r, &why)
            .ok());
  CHECK(r == WdtResumption::kTransferLog);
}

}  // namespace
}  // namespace hotbackup
