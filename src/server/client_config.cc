// MySQL option files ("my.cnf"): INI-like groups of key=value lines, with
// quoting, backslash escapes, comments and !include / !includedir. Only the
// client groups are read, so a server's own settings never leak into how we
// connect.
#include "hotbackup/server/client_config.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <vector>

#include "hotbackup/io/secret_file.h"
#include "hotbackup/io/unique_fd.h"

namespace hotbackup {
namespace {

constexpr int kMaxIncludeDepth = 10;

std::string Trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return "";
  size_t e = s.find_last_not_of(" \t\r");
  return s.substr(b, e - b + 1);
}

// A value as mysqld's option parser reads it: quotes strip, backslash
// escapes apply, an unquoted '#' starts a comment.
std::string ParseValue(const std::string& raw) {
  std::string v = Trim(raw);
  std::string out;
  char quote = 0;
  size_t i = 0;
  if (!v.empty() && (v[0] == '\'' || v[0] == '"')) quote = v[i++];
  for (; i < v.size(); ++i) {
    char c = v[i];
    if (quote && c == quote) break;
    if (!quote && c == '#') break;
    if (c == '\\' && i + 1 < v.size()) {
      char n = v[++i];
      switch (n) {
        case 'n': out += '\n'; break;
        case 't': out += '\t'; break;
        case 'r': out += '\r'; break;
        case 'b': out += '\b'; break;
        case 's': out += ' '; break;
        case '\\': out += '\\'; break;
        case '"': out += '"'; break;
        case '\'': out += '\''; break;
        default: out += '\\'; out += n; break;
      }
      continue;
    }
    out += c;
  }
  return quote ? out : Trim(out);
}

bool IsClientGroup(const std::string& group) {
  return group == "client" || group == "client-server" || group == "client-mariadb";
}

Status ReadFile(const std::string& path, int depth, std::map<std::string, std::string>* values) {
  if (depth > kMaxIncludeDepth) return Status::InvalidArgument("option files include too deeply: " + path);
  std::ifstream in(path);
  if (!in) return Status::IOError("read option file " + path, errno ? errno : ENOENT);
  std::string line, group;
  int line_number = 0;
  while (std::getline(in, line)) {
    ++line_number;
    std::string t = Trim(line);
    if (t.empty() || t[0] == '#' || t[0] == ';') continue;
    if (t[0] == '!') {
      std::string directive = t.substr(0, t.find_first_of(" \t"));
      std::string arg = Trim(t.substr(directive.size()));
      if (directive == "!include") {
        HOTBACKUP_RETURN_IF_ERROR(ReadFile(arg, depth + 1, values));
      } else if (directive == "!includedir") {
        DIR* dir = opendir(arg.c_str());
        if (dir == nullptr) continue;  // as mysql: a missing directory is not an error
        std::vector<std::string> names;
        while (dirent* e = readdir(dir)) {
          std::string name = e->d_name;
          if (name.size() > 4 && (name.ends_with(".cnf"))) names.push_back(name);
        }
        closedir(dir);
        std::sort(names.begin(), names.end());
        for (const std::string& name : names) {
          HOTBACKUP_RETURN_IF_ERROR(ReadFile(arg + "/" + name, depth + 1, values));
        }
      }
      continue;
    }
    if (t[0] == '[') {
      size_t close = t.find(']');
      if (close == std::string::npos) {
        return Status::InvalidArgument(path + ":" + std::to_string(line_number) +
                                       ": unterminated group header");
      }
      group = Trim(t.substr(1, close - 1));
      std::transform(group.begin(), group.end(), group.begin(), ::tolower);
      continue;
    }
    if (!IsClientGroup(group)) continue;
    size_t eq = t.find('=');
    std::string key = Trim(t.substr(0, eq));
    std::replace(key.begin(), key.end(), '-', '_');
    (*values)[key] = eq == std::string::npos ? "" : ParseValue(t.substr(eq + 1));
  }
  return Status::OK();
}

}  // namespace

std::string ConnectionConfig::Describe() const {
  if (!socket.empty()) return "socket " + socket;
  return host + ":" + std::to_string(port);
}

Status ReadClientOptionFile(const std::string& path, std::map<std::string, std::string>* values) {
  return ReadFile(path, 0, values);
}

Status ResolveConnectionConfig(const ClientOptions& options, ConnectionConfig* config) {
  std::map<std::string, std::string> file;
  std::string file_path;
  if (!options.defaults_file.empty()) {
    file_path = options.defaults_file;
    HOTBACKUP_RETURN_IF_ERROR(ReadClientOptionFile(options.defaults_file, &file));
  } else if (const char* home = std::getenv("HOME"); home && *home) {
    std::string path = std::string(home) + "/.my.cnf";
    if (access(path.c_str(), F_OK) == 0) {
      file_path = path;
      HOTBACKUP_RETURN_IF_ERROR(ReadClientOptionFile(path, &file));
    }
  }
  // A password in an option file is a secret file's (secret_file.h): not
  // used when others may read it. Files without one (host, socket) may be.
  if (!options.password && file.count("password")) {
    UniqueFd checked;
    HOTBACKUP_RETURN_IF_ERROR(
        OpenSecretFile(file_path, "an option file holding a password", &checked));
  }
  auto from_file = [&](const char* key) -> const std::string* {
    auto it = file.find(key);
    return it == file.end() ? nullptr : &it->second;
  };

  if (options.user) {
    config->user = *options.user;
  } else if (const std::string* v = from_file("user")) {
    config->user = *v;
  }

  if (options.password) {
    config->password = *options.password;
  } else if (const std::string* v = from_file("password")) {
    config->password = *v;
  } else if (const char* env = std::getenv("MYSQL_PWD")) {
    config->password = env;
  }

  if (options.host) {
    config->host = *options.host;
  } else if (const std::string* v = from_file("host")) {
    config->host = *v;
  }

  if (options.port) {
    config->port = *options.port;
  } else if (const std::string* v = from_file("port")) {
    char* end = nullptr;
    long port = std::strtol(v->c_str(), &end, 10);
    if (end == v->c_str() || *end != '\0' || port <= 0 || port > 65535) {
      return Status::InvalidArgument("option file: bad port '" + *v + "'");
    }
    config->port = static_cast<int>(port);
  }

  // The original: --socket takes precedence over --port. A socket from the
  // option file yields to a host or port given on the command line.
  if (options.socket) {
    config->socket = *options.socket;
  } else if (const std::string* v = from_file("socket"); v && !options.host && !options.port) {
    config->socket = *v;
  }
  return Status::OK();
}

}  // namespace hotbackup
