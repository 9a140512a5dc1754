// MysqlConnection: one client connection to the server being backed up,
// through the libmysqlclient API (MariaDB Connector/C).
//
// Owns its MYSQL handle; move-only; not thread-safe. Errors name the
// server ("socket /run/mysqld/mysqld.sock") and the server's own message,
// never the password.
#ifndef HOTBACKUP_SERVER_MYSQL_CONNECTION_H_
#define HOTBACKUP_SERVER_MYSQL_CONNECTION_H_

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "hotbackup/server/client_config.h"
#include "hotbackup/util/status.h"

struct st_mysql;

namespace hotbackup {

class MysqlConnection {
 public:
  MysqlConnection();
  ~MysqlConnection();
  MysqlConnection(MysqlConnection&&) noexcept;
  MysqlConnection& operator=(MysqlConnection&&) noexcept;

  Status Connect(const ConnectionConfig& config);

  // Runs a statement that returns no rows.
  Status Execute(const std::string& sql);

  // Runs a query and returns the first column of its first row (nullopt for
  // SQL NULL). No row at all is an error.
  Status QueryValue(const std::string& sql, std::optional<std::string>* value);

  // `value` as the body of a single-quoted SQL string literal.
  std::string EscapeString(std::string_view value) const;

  std::string server_version() const;

 private:
  Status Error(const std::string& what) const;

  struct Closer {
    void operator()(st_mysql* m) const;
  };
  std::unique_ptr<st_mysql, Closer> mysql_;
  std::string server_;  // for messages
};

}  // namespace hotbackup

#endif  // HOTBACKUP_SERVER_MYSQL_CONNECTION_H_
