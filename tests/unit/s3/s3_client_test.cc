#include "hotbackup/s3/s3_client.h"

#include <catch2/catch.hpp>

using namespace hotbackup;

TEST_CASE("S3 addressing: an endpoint means path-style URLs", "[unit][s3]") {
  S3Config config;
  config.endpoint = "http://127.0.0.1:7480/";
  std::string host, path;
  CHECK(S3ObjectUrl(config, S3Url{"backups", "db1/a b+c.tar"}, &host, &path) ==
        "http://127.0.0.1:7480/backups/db1/a%20b%2Bc.tar");
  CHECK(host == "127.0.0.1:7480");
  CHECK(path == "/backups/db1/a%20b%2Bc.tar");
  // Behind a proxy path: the prefix is part of what is signed.
  config.endpoint = "https://store.example/s3";
  CHECK(S3ObjectUrl(config, S3Url{"b12", "k"}, &host, &path) == "https://store.example/s3/b12/k");
  CHECK(host == "store.example");
  CHECK(path == "/s3/b12/k");
}

TEST_CASE("S3 addressing: AWS by virtual host, path-style for a bucket with a dot",
          "[unit][s3]") {
  S3Config config;
  config.region = "eu-west-1";
  std::string host, path;
  CHECK(S3ObjectUrl(config, S3Url{"backups", "db1/x"}, &host, &path) ==
        "https://backups.s3.eu-west-1.amazonaws.com/db1/x");
  CHECK(host == "backups.s3.eu-west-1.amazonaws.com");
  CHECK(path == "/db1/x");
  // A wildcard certificate cannot match "my.backups.s3...".
  CHECK(S3ObjectUrl(config, S3Url{"my.backups", "x"}, &host, &path) ==
        "https://s3.eu-west-1.amazonaws.com/my.backups/x");
  CHECK(host == "s3.eu-west-1.amazonaws.com");
}
