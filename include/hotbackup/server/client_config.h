// Where and how to connect: command-line options, MYSQL_PWD and client
// option files, merged the way MySQL clients merge them.
//
// Precedence, highest first: the command line; the option file (the
// --defaults_file given, else ~/.my.cnf when it exists), groups [client],
// [client-server] and [client-mariadb]; MYSQL_PWD for the password; then the
// original tool's defaults (user root, 127.0.0.1:3306).
#ifndef HOTBACKUP_SERVER_CLIENT_CONFIG_H_
#define HOTBACKUP_SERVER_CLIENT_CONFIG_H_

#include <map>
#include <optional>
#include <string>

#include "hotbackup/util/status.h"

namespace hotbackup {

struct ConnectionConfig {
  std::string user = "root";
  std::optional<std::string> password;  // none: connect without one
  std::string host = "127.0.0.1";
  int port = 3306;
  std::string socket;  // non-empty: connect through it, host and port unused

  // "socket /run/mysqld/mysqld.sock" or "127.0.0.1:3306", for messages.
  std::string Describe() const;
};

// Reads the client groups of a MySQL option file, following !include and
// !includedir. Keys are normalized to use '_' ("default-character-set" ->
// "default_character_set"); later values win.
Status ReadClientOptionFile(const std::string& path, std::map<std::string, std::string>* values);

// What the command line says of the connection; unset = not given.
struct ClientOptions {
  std::optional<std::string> user;
  std::optional<std::string> password;
  std::optional<std::string> host;
  std::optional<int> port;
  std::optional<std::string> socket;
  std::string defaults_file;  // "" = ~/.my.cnf when it exists
};

// `options` merged with the option file and MYSQL_PWD as above. Reads the
// option file (refused, if it holds a password, unless only its owner can
// read it: secret_file.h); connects to nothing.
Status ResolveConnectionConfig(const ClientOptions& options, ConnectionConfig* config);

}  // namespace hotbackup

#endif  // HOTBACKUP_SERVER_CLIENT_CONFIG_H_
