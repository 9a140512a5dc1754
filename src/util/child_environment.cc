// The allowlist of variables a helper program inherits (see
// child_environment.h). An allowlist rather than a list of what to remove:
// a secret under a name nobody thought of stays here.
#include "hotbackup/util/child_environment.h"

#include <algorithm>
#include <array>
#include <cctype>

namespace hotbackup {
namespace {

constexpr std::array<std::string_view, 13> kKept = {
    "PATH", "HOME",   "USER", "LOGNAME",       "SHELL",      "LANG",           "LANGUAGE",
    "TZ",   "TMPDIR", "TERM", "SSH_AUTH_SOCK", "KRB5CCNAME", "LD_LIBRARY_PATH"};

constexpr std::array<std::string_view, 6> kSecretWords = {"PASSWORD", "PASSWD", "SECRET",
                                                          "TOKEN",    "KEY",    "CREDENTIAL"};

std::string Upper(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

bool IsKept(std::string_view name) {
  if (name.starts_with("LC_")) return true;
  return std::find(kKept.begin(), kKept.end(), name) != kKept.end();
}

std::string_view NameOf(std::string_view entry) { return entry.substr(0, entry.find('=')); }

}  // namespace

bool IsSecretVariableName(std::string_view name) {
  const std::string upper = Upper(name);
  if (upper.starts_with("MYSQL") || upper.starts_with("AWS_")) return true;
  for (std::string_view word : kSecretWords) {
    if (upper.find(word) != std::string::npos) return true;
  }
  return false;
}

Status BuildChildEnvironment(const char* const* parent, const std::vector<std::string>& additions,
                             std::vector<std::string>* environment) {
  environment->clear();
  for (const std::string& entry : additions) {
    const size_t eq = entry.find('=');
    if (eq == 0 || eq == std::string::npos) {
      return Status::InvalidArgument("a child's environment variable must be NAME=value, not '" +
                                     std::string(NameOf(entry)) + "'");
    }
    if (IsSecretVariableName(NameOf(entry))) {
      return Status::InvalidArgument("refusing to give a child process the variable " +
                                     std::string(NameOf(entry)) + ": it may hold a secret");
    }
  }
  for (const char* const* p = parent; p != nullptr && *p != nullptr; ++p) {
    std::string_view entry(*p);
    std::string_view name = NameOf(entry);
    if (name.size() == entry.size() || !IsKept(name) || IsSecretVariableName(name)) continue;
    const bool replaced = std::any_of(additions.begin(), additions.end(),
                                      [&](const std::string& a) { return NameOf(a) == name; });
    // An environment with the same name twice: the first one, as getenv.
    const bool seen = std::any_of(environment->begin(), environment->end(),
                                  [&](const std::string& e) { return NameOf(e) == name; });
    if (!replaced && !seen) environment->emplace_back(entry);
  }
  environment->insert(environment->end(), additions.begin(), additions.end());
  return Status::OK();
}

}  // namespace hotbackup
