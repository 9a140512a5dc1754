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
#include <vector>

#include "hotbackup/server/client_config.h"
#include "hotbackup/util/status.h"

struct st_mysql;

namespace hotbackup {

// `name` as an SQL identifier: in backquotes, a backquote doubled.
std::string QuoteIdentifier(std::string_view name);

class MysqlConnection {
 public:
  MysqlConnection();
  ~MysqlConnection();
  MysqlConnection(MysqlConnection&&) noexcept;
  MysqlConnection& operator=(MysqlConnection&&) noexcept;

  Status Connect(const ConnectionConfig& config);
  // Whether the last Connect succeeded (the server may have gone since).
  bool connected() const { return mysql_ != nullptr; }

  // Runs a statement that returns no rows.
  Status Execute(const std::string& sql);

  // Runs a query and returns the first column of its first row (nullopt for
  // SQL NULL). No row at all is an error.
  Status QueryValue(const std::string& sql, std::optional<std::string>* value);

  // Runs a query and returns every row, each column by name (SQL NULL as
  // nullopt). Zero rows is not an error.
  struct Row {
    std::vector<std::pair<std::string, std::optional<std::string>>> columns;
    // The column `name` (case-insensitive); nullopt if absent or NULL.
    std::optional<std::string> Get(std::string_view name) const;
  };
  Status QueryRows(const std::string& sql, std::vector<Row>* rows);

  // The server's error number of the last failed statement (0 if none),
  // e.g. 1227 (ER_SPECIFIC_ACCESS_DENIED_ERROR) for a missing privilege.
  unsigned int last_error_number() const;

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
