// The environment a helper program (ssh, wdt, mariadbd --bootstrap) is
// started with: what such a program needs to find its files, its user and
// its ssh agent, and nothing else. This tool's own environment may hold the
// server's password (MYSQL_PWD), S3 keys (AWS_*), and whatever else cron or
// a wrapper put there; a child has no use for them, and ssh or wdt could
// hand them on (a remote `SendEnv`, a crash report, /proc/PID/environ read
// by whoever runs as the same user for as long as the child runs).
//
// Kept from the parent: PATH, HOME, USER, LOGNAME, SHELL, LANG, LANGUAGE,
// LC_*, TZ, TMPDIR, TERM, SSH_AUTH_SOCK (ssh's agent), KRB5CCNAME (ssh's
// GSSAPI login), LD_LIBRARY_PATH (a wdt installed beside its libraries).
// Added by a caller: any "NAME=value" it names explicitly. Never, whatever
// the list or the caller says: MYSQL_* and AWS_* variables, and any name
// holding PASSWORD, PASSWD, SECRET, TOKEN, KEY or CREDENTIAL (any case).
#ifndef HOTBACKUP_UTIL_CHILD_ENVIRONMENT_H_
#define HOTBACKUP_UTIL_CHILD_ENVIRONMENT_H_

#include <string>
#include <string_view>
#include <vector>

#include "hotbackup/util/status.h"

namespace hotbackup {

// Whether a variable of this name is never given to a child (see above).
bool IsSecretVariableName(std::string_view name);

// The child's environment, "NAME=value" strings: the allowed variables of
// `parent` (a null-terminated array as `environ`; not modified), in their
// order, then `additions`, each of which replaces an inherited variable of
// the same name. kInvalidArgument, naming the variable but not its value,
// for an addition that is not NAME=value or whose name is secret.
Status BuildChildEnvironment(const char* const* parent, const std::vector<std::string>& additions,
                             std::vector<std::string>* environment);

}  // namespace hotbackup

#endif  // HOTBACKUP_UTIL_CHILD_ENVIRONMENT_H_
