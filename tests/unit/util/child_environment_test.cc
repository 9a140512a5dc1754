// What a helper program inherits of our environment: the allowlist, the
// caller's additions, and never a password or a key, whether read back from
// BuildChildEnvironment or printed by a real child (env) started by
// ChildProcess while this process has MYSQL_PWD and AWS_* set.
#include "hotbackup/util/child_environment.h"

#include <stdlib.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "hotbackup/util/child_process.h"

namespace hotbackup {
namespace {

std::vector<std::string> Build(std::vector<const char*> parent,
                               const std::vector<std::string>& additions = {}) {
  parent.push_back(nullptr);
  std::vector<std::string> env;
  Status s = BuildChildEnvironment(parent.data(), additions, &env);
  INFO(s.message());
  REQUIRE(s.ok());
  return env;
}

bool HasName(const std::vector<std::string>& env, const std::string& name) {
  return std::any_of(env.begin(), env.end(),
                     [&](const std::string& e) { return e.starts_with(name + "="); });
}

// Sets a variable of this process for the scope, then restores it.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = getenv(name)) old_ = old;
    setenv(name, value, 1);
  }
  ~ScopedEnv() {
    if (old_.empty()) {
      unsetenv(name_);
    } else {
      setenv(name_, old_.c_str(), 1);
    }
  }

 private:
  const char* name_;
  std::string old_;
};

TEST_CASE("Child environment: the allowlist is kept, secrets and the rest are not",
          "[unit][child]") {
  std::vector<std::string> env = Build({"PATH=/usr/bin:/bin",
                                        "MYSQL_PWD=hunter2",
                                        "HOME=/root",
                                        "AWS_SECRET_ACCESS_KEY=s",
                                        "AWS_ACCESS_KEY_ID=a",
                                        "AWS_SESSION_TOKEN=t",
                                        "MYSQL_HOST=db",
                                        "MYSQL_TCP_PORT=1",
                                        "LANG=C.UTF-8",
                                        "LC_ALL=C",
                                        "LC_SECRET_KEY=x",
                                        "TZ=UTC",
                                        "TMPDIR=/tmp",
                                        "USER=root",
                                        "LOGNAME=root",
                                        "SSH_AUTH_SOCK=/run/agent",
                                        "TERM=xterm",
                                        "GITHUB_TOKEN=g",
                                        "DB_PASSWORD=p",
                                        "my_secret=m",
                                        "API_KEY=k",
                                        "LD_PRELOAD=/evil.so",
                                        "FOO=bar",
                                        "NOEQUALS"});
  CHECK(env == std::vector<std::string>{"PATH=/usr/bin:/bin", "HOME=/root", "LANG=C.UTF-8",
                                        "LC_ALL=C", "TZ=UTC", "TMPDIR=/tmp", "USER=root",
                                        "LOGNAME=root", "SSH_AUTH_SOCK=/run/agent", "TERM=xterm"});
}

TEST_CASE("Child environment: a caller's additions replace inherited ones; secrets refused",
          "[unit][child]") {
  std::vector<std::string> env =
      Build({"PATH=/bin", "TZ=UTC", "TZ=Europe/Paris"}, {"TZ=Asia/Tokyo", "WDT_LOG=1"});
  CHECK(env == std::vector<std::string>{"PATH=/bin", "TZ=Asia/Tokyo", "WDT_LOG=1"});
  // The first of two same-named variables, as getenv reads it.
  CHECK(Build({"TZ=UTC", "TZ=Europe/Paris"}) == std::vector<std::string>{"TZ=UTC"});

  const char* parent[] = {"PATH=/bin", nullptr};
  for (const char* refused : {"MYSQL_PWD=x", "AWS_SECRET_ACCESS_KEY=x", "MY_TOKEN=x",
                              "Some_Password=x", "SSH_KEY=x", "mysql_host=x"}) {
    CAPTURE(refused);
    Status s = BuildChildEnvironment(parent, {refused}, &env);
    CHECK(s.code() == Status::Code::kInvalidArgument);
    CHECK(s.message().find("=x") == std::string::npos);  // the value never shown
  }
  CHECK(BuildChildEnvironment(parent, {"NOVALUE"}, &env).code() == Status::Code::kInvalidArgument);
  CHECK(BuildChildEnvironment(parent, {"=x"}, &env).code() == Status::Code::kInvalidArgument);
  CHECK(IsSecretVariableName("MYSQL_PWD"));
  CHECK_FALSE(IsSecretVariableName("SSH_AUTH_SOCK"));
}

TEST_CASE("Child environment: a real child sees no MYSQL_PWD or AWS key of ours", "[unit][child]") {
  ScopedEnv pwd("MYSQL_PWD", "hunter2");
  ScopedEnv secret("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI");
  ScopedEnv key_id("AWS_ACCESS_KEY_ID", "AKIAEXAMPLE");
  ScopedEnv other("HOTBACKUP_TEST_UNLISTED", "1");
  ScopedEnv lang("LANG", "C.UTF-8");
  ChildProcess child;
  ChildProcess::Setup setup;
  setup.capture_stdout = true;
  setup.environment = {"HOTBACKUP_TEST_ADDED=yes"};
  // env(1) from PATH: looked up in our PATH, although it runs with its own.
  REQUIRE(child.Start({"env"}, setup).ok());
  std::vector<std::string> printed;
  for (;;) {
    std::string line;
    bool eof = false;
    REQUIRE(child.ReadLine(10, &line, &eof).ok());
    if (eof) break;
    printed.push_back(line);
  }
  bool exited = false;
  int code = -1;
  REQUIRE(child.Wait(10, &exited, &code).ok());
  CHECK(code == 0);
  INFO("the child's environment: " << [&] {
    std::string all;
    for (const std::string& e : printed) all += e + "; ";
    return all;
  }());
  CHECK_FALSE(HasName(printed, "MYSQL_PWD"));
  CHECK_FALSE(HasName(printed, "AWS_SECRET_ACCESS_KEY"));
  CHECK_FALSE(HasName(printed, "AWS_ACCESS_KEY_ID"));
  CHECK_FALSE(HasName(printed, "HOTBACKUP_TEST_UNLISTED"));
  CHECK(HasName(printed, "PATH"));
  CHECK(std::find(printed.begin(), printed.end(), "LANG=C.UTF-8") != printed.end());
  CHECK(std::find(printed.begin(), printed.end(), "HOTBACKUP_TEST_ADDED=yes") != printed.end());
  // Ours is untouched.
  CHECK(std::string(getenv("MYSQL_PWD")) == "hunter2");

  ChildProcess refused;
  setup.environment = {"MYSQL_PWD=hunter2"};
  Status s = refused.Start({"env"}, setup);
  CHECK(s.code() == Status::Code::kInvalidArgument);
  CHECK_FALSE(refused.running());
}

}  // namespace
}  // namespace hotbackup
