// S3Server: a throwaway S3 object store for a test (Ceph radosgw on one
// node, started by scripts/s3-sandbox in a fresh temporary directory), bound
// to 127.0.0.1 only, on free ports (chosen again, up to three times, when
// one is taken before the daemons bind it). One user, fixed test keys; paths
// are path-style (http://127.0.0.1:PORT/bucket/key). Stopped and removed by
// the destructor; should the test process die first, a watcher the script
// leaves behind stops the daemons within a second.
#ifndef HOTBACKUP_TESTS_S3_SERVER_H_
#define HOTBACKUP_TESTS_S3_SERVER_H_

#include <string>
#include <vector>

#include "support/test_support.h"

namespace hotbackup::test {

class S3Server {
 public:
  S3Server();  // throws std::runtime_error (with the script's stderr) on failure
  ~S3Server();
  S3Server(const S3Server&) = delete;
  S3Server& operator=(const S3Server&) = delete;

  // Whether the Ceph packages and s3cmd are installed (scripts/setup); a
  // test without them should WARN and return.
  static bool Available();

  std::string endpoint() const;  // "http://127.0.0.1:PORT"
  int port() const { return port_; }
  // The cluster's directory; the daemons' logs are in dir()/log.
  const std::string& dir() const { return dir_.path(); }
  const std::string& access_key() const { return access_key_; }
  const std::string& secret_key() const { return secret_key_; }
  // "AWS_ACCESS_KEY_ID=...", "AWS_SECRET_ACCESS_KEY=...": for a child's
  // environment.
  std::vector<std::string> Environment() const;

  // s3cmd with a private configuration for this server (never ~/.s3cfg).
  // Fails the test when it exits non-zero unless `may_fail`.
  ProcessResult S3cmd(const std::vector<std::string>& args, const std::string& stdout_path = "",
                      bool may_fail = false);
  void CreateBucket(const std::string& bucket);
  // Keys of the objects in `bucket` (all of them, recursively), sorted.
  std::vector<std::string> ListObjects(const std::string& bucket);
  // Keys of the multipart uploads in progress in `bucket`.
  std::vector<std::string> ListMultipartUploads(const std::string& bucket);

  // Stops radosgw alone (the cluster stays up, objects stay) / starts it
  // again on the same port and waits until it answers. They return "" or
  // the script's error, and use no Catch2 macro, so a test may call them
  // from a thread of its own (Catch2's assertions are not thread-safe);
  // check the result on the test's thread.
  std::string StopGateway();
  std::string StartGateway();

 private:
  TempDir dir_;
  int port_ = 0;
  std::string access_key_;
  std::string secret_key_;
};

}  // namespace hotbackup::test

#endif  // HOTBACKUP_TESTS_S3_SERVER_H_
