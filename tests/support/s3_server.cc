// Test-side handle on scripts/s3-sandbox, so the tests and anyone at a shell
// start S3 servers the same way; and s3cmd, the stock client the tests read
// back with, set up for that server alone (path-style, SigV4, plain HTTP).
#include "support/s3_server.h"

#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <map>
#include <sstream>
#include <stdexcept>

#include "support/sandbox_server.h"

namespace hotbackup::test {
namespace {

// scripts/s3-sandbox's exit code when a port it was given is taken.
constexpr int kPortTaken = 75;
constexpr int kStartAttempts = 3;

std::string S3Script() { return SourceDir() + "/scripts/s3-sandbox"; }

// Three distinct ports that were free a moment ago: radosgw's, the
// monitor's msgr2 and msgr1 ports.
std::vector<int> FreePorts() {
  std::vector<int> ports;
  while (ports.size() < 3) {
    int port = FreeLoopbackPort();
    if (std::find(ports.begin(), ports.end(), port) == ports.end()) ports.push_back(port);
  }
  return ports;
}

// The KEY=VALUE lines of the env file the script writes.
std::map<std::string, std::string> ReadEnvFile(const std::string& path) {
  std::map<std::string, std::string> values;
  std::istringstream in(ReadFile(path));
  std::string line;
  while (std::getline(in, line)) {
    size_t eq = line.find('=');
    if (eq != std::string::npos) values[line.substr(0, eq)] = line.substr(eq + 1);
  }
  return values;
}

std::string Joined(const std::vector<std::string>& args) {
  std::string out;
  for (const std::string& a : args) out += (out.empty() ? "" : " ") + a;
  return out;
}

}  // namespace

bool S3Server::Available() {
  return HaveTool("ceph-mon") && HaveTool("ceph-osd") && HaveTool("radosgw") &&
         HaveTool("radosgw-admin") && HaveTool("monmaptool") && HaveTool("s3cmd") &&
         HaveTool("curl") && access("/usr/bin/python3", X_OK) == 0;
}

// Under /tmp whatever TMPDIR says: the daemons' admin sockets live in the
// directory, and a Unix socket path must fit in 107 bytes.
S3Server::S3Server() : dir_("/tmp") {
  if (!Available()) {
    throw std::runtime_error(
        "Ceph (ceph-mon, ceph-osd, radosgw) or s3cmd not installed (scripts/setup)");
  }
  ProcessResult r;
  for (int attempt = 0; attempt < kStartAttempts; ++attempt) {
    std::vector<int> ports = FreePorts();
    r = Run({S3Script(), "start", dir(), "--rgw-port", std::to_string(ports[0]), "--mon-port",
             std::to_string(ports[1]), "--mon-port-v1", std::to_string(ports[2])});
    if (r.exit_code == 0) {
      port_ = ports[0];
      break;
    }
    if (r.exit_code != kPortTaken) break;
  }
  if (r.exit_code != 0) {
    throw std::runtime_error("s3-sandbox start in " + dir() + ": exit " +
                             std::to_string(r.exit_code) + ": " + r.stderr_text);
  }

  // From here on the daemons run: stop them if anything below throws.
  try {
    std::map<std::string, std::string> env = ReadEnvFile(dir_ / "env");
    access_key_ = env["S3_ACCESS_KEY"];
    secret_key_ = env["S3_SECRET_KEY"];
    if (env["S3_ENDPOINT"] != endpoint() || access_key_.empty() || secret_key_.empty()) {
      throw std::runtime_error("s3-sandbox wrote an unexpected " + (dir_ / "env"));
    }
    // host_bucket without %(bucket)s: path-style requests, as radosgw without
    // a DNS name wants them.
    std::string host = "127.0.0.1:" + std::to_string(port_);
    std::ostringstream config;
    config << "[default]\n"
           << "access_key = " << access_key_ << "\n"
           << "secret_key = " << secret_key_ << "\n"
           << "host_base = " << host << "\n"
           << "host_bucket = " << host << "\n"
           << "use_https = False\n"
           << "signature_v2 = False\n"
           << "bucket_location = us-east-1\n"
           << "progress_meter = False\n";
    WriteFile(dir_ / "s3cfg", config.str());
  } catch (...) {
    Run({S3Script(), "stop", dir()});
    throw;
  }
}

S3Server::~S3Server() { Run({S3Script(), "stop", dir()}); }

std::string S3Server::endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }

std::vector<std::string> S3Server::Environment() const {
  return {"AWS_ACCESS_KEY_ID=" + access_key_, "AWS_SECRET_ACCESS_KEY=" + secret_key_};
}

ProcessResult S3Server::S3cmd(const std::vector<std::string>& args, const std::string& stdout_path,
                              bool may_fail) {
  std::vector<std::string> argv = {"s3cmd", "-c", dir_ / "s3cfg"};
  argv.insert(argv.end(), args.begin(), args.end());
  ProcessResult r = Run(argv, "", stdout_path);
  if (!may_fail && r.exit_code != 0) {
    FAIL("s3cmd " << Joined(args) << ": exit " << r.exit_code << "\n" << r.stderr_text);
  }
  return r;
}

void S3Server::CreateBucket(const std::string& bucket) { S3cmd({"mb", "s3://" + bucket}); }

// `s3cmd ls -r` prints "DATE TIME SIZE s3://bucket/key" per object.
std::vector<std::string> S3Server::ListObjects(const std::string& bucket) {
  std::string out = dir_ / "s3cmd.out";
  S3cmd({"ls", "-r", "s3://" + bucket}, out);
  const std::string prefix = " s3://" + bucket + "/";
  std::vector<std::string> keys;
  std::istringstream in(ReadFile(out));
  std::string line;
  while (std::getline(in, line)) {
    size_t at = line.find(prefix);
    if (at != std::string::npos) keys.push_back(line.substr(at + prefix.size()));
  }
  std::sort(keys.begin(), keys.end());
  return keys;
}

// `s3cmd multipart` prints the bucket, a header, then
// "INITIATED<TAB>s3://bucket/key<TAB>UPLOAD-ID" per upload.
std::vector<std::string> S3Server::ListMultipartUploads(const std::string& bucket) {
  std::string out = dir_ / "s3cmd.out";
  S3cmd({"multipart", "s3://" + bucket}, out);
  const std::string prefix = "\ts3://" + bucket + "/";
  std::vector<std::string> keys;
  std::istringstream in(ReadFile(out));
  std::string line;
  while (std::getline(in, line)) {
    size_t at = line.find(prefix);
    size_t end = line.rfind('\t');
    if (at != std::string::npos && end > at) {
      keys.push_back(line.substr(at + prefix.size(), end - at - prefix.size()));
    }
  }
  return keys;
}

std::string S3Server::StopGateway() {
  ProcessResult r = Run({S3Script(), "stop-gateway", dir()});
  if (r.exit_code == 0) return "";
  return "s3-sandbox stop-gateway: exit " + std::to_string(r.exit_code) + ": " + r.stderr_text;
}

std::string S3Server::StartGateway() {
  ProcessResult r = Run({S3Script(), "start-gateway", dir()});
  if (r.exit_code == 0) return "";
  return "s3-sandbox start-gateway: exit " + std::to_string(r.exit_code) + ": " + r.stderr_text;
}

}  // namespace hotbackup::test
