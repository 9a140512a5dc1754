#include "hotbackup/util/status.h"

#include <cerrno>
#include <catch2/catch.hpp>

using hotbackup::Status;

TEST_CASE("Status: OK carries no message of its own", "[unit][status]") {
  Status s;
  CHECK(s.ok());
  CHECK(s.message() == "OK");
  CHECK(s.code() == Status::Code::kOk);
}

TEST_CASE("Status: IOError names the context and the errno text", "[unit][status]") {
  Status s = Status::IOError("open /data/000012.sst", ENOENT);
  CHECK_FALSE(s.ok());
  CHECK(s.code() == Status::Code::kIoError);
  CHECK(s.errno_value() == ENOENT);
  CHECK(s.message() == "open /data/000012.sst: No such file or directory");
}

TEST_CASE("Status: WithContext prefixes errors and leaves OK alone", "[unit][status]") {
  CHECK(Status::Corruption("bad crc").WithContext("chunk 3").message() == "chunk 3: bad crc");
  CHECK(Status::Corruption("x").WithContext("y").code() == Status::Code::kCorruption);
  CHECK(Status::OK().WithContext("y").ok());
}
