// A thin RAII layer over Connector/C: connect, run a statement, read one
// value, escape a string. That is all a backup needs from SQL.
#include "hotbackup/server/mysql_connection.h"

#include <mysql.h>
#include <strings.h>

namespace hotbackup {

std::string QuoteIdentifier(std::string_view name) {
  std::string out = "`";
  for (char c : name) {
    out += c;
    if (c == '`') out += '`';
  }
  return out + "`";
}

void MysqlConnection::Closer::operator()(st_mysql* m) const { mysql_close(m); }

MysqlConnection::MysqlConnection() = default;
MysqlConnection::~MysqlConnection() = default;
MysqlConnection::MysqlConnection(MysqlConnection&&) noexcept = default;
MysqlConnection& MysqlConnection::operator=(MysqlConnection&&) noexcept = default;

Status MysqlConnection::Connect(const ConnectionConfig& config) {
  server_ = config.Describe();
  mysql_.reset(mysql_init(nullptr));
  if (!mysql_) return Status::IOError("connect to MySQL at " + server_, ENOMEM);
  unsigned int timeout = 30;
  mysql_options(mysql_.get(), MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
  // Never pick up settings from option files behind our back: what we read
  // is decided in client_config.
  const char* socket = config.socket.empty() ? nullptr : config.socket.c_str();
  const char* host = socket ? "localhost" : config.host.c_str();
  if (socket == nullptr) {
    unsigned int protocol = MYSQL_PROTOCOL_TCP;
    mysql_options(mysql_.get(), MYSQL_OPT_PROTOCOL, &protocol);
  }
  const char* password = config.password ? config.password->c_str() : nullptr;
  if (mysql_real_connect(mysql_.get(), host, config.user.c_str(), password, nullptr,
                         static_cast<unsigned int>(config.port), socket, 0) == nullptr) {
    Status s = Status::Server("cannot connect to MySQL at " + server_ + " as " + config.user +
                              ": " + mysql_error(mysql_.get()));
    mysql_.reset();
    return s;
  }
  return Status::OK();
}

Status MysqlConnection::Error(const std::string& what) const {
  return Status::Server(what + " failed on MySQL at " + server_ + ": " +
                                 mysql_error(mysql_.get()) + " (errno " +
                                 std::to_string(mysql_errno(mysql_.get())) + ")");
}

Status MysqlConnection::Execute(const std::string& sql) {
  if (!mysql_) return Status::InvalidArgument("not connected to MySQL");
  if (mysql_real_query(mysql_.get(), sql.data(), sql.size()) != 0) return Error(sql);
  MYSQL_RES* result = mysql_store_result(mysql_.get());
  if (result) mysql_free_result(result);
  return Status::OK();
}

Status MysqlConnection::QueryValue(const std::string& sql, std::optional<std::string>* value) {
  if (!mysql_) return Status::InvalidArgument("not connected to MySQL");
  if (mysql_real_query(mysql_.get(), sql.data(), sql.size()) != 0) return Error(sql);
  std::unique_ptr<MYSQL_RES, void (*)(MYSQL_RES*)> result(mysql_store_result(mysql_.get()),
                                                          mysql_free_result);
  if (!result) return Error(sql);
  MYSQL_ROW row = mysql_fetch_row(result.get());
  if (row == nullptr) return Status::InvalidArgument(sql + ": no row returned");
  unsigned long* lengths = mysql_fetch_lengths(result.get());
  if (row[0] == nullptr) {
    value->reset();
  } else {
    *value = std::string(row[0], lengths[0]);
  }
  return Status::OK();
}

Status MysqlConnection::QueryRows(const std::string& sql, std::vector<Row>* rows) {
  rows->clear();
  if (!mysql_) return Status::InvalidArgument("not connected to MySQL");
  if (mysql_real_query(mysql_.get(), sql.data(), sql.size()) != 0) return Error(sql);
  std::unique_ptr<MYSQL_RES, void (*)(MYSQL_RES*)> result(mysql_store_result(mysql_.get()),
                                                          mysql_free_result);
  if (!result) {
    if (mysql_field_count(mysql_.get()) == 0) return Status::OK();  // no result set
    return Error(sql);
  }
  const unsigned int n = mysql_num_fields(result.get());
  MYSQL_FIELD* fields = mysql_fetch_fields(result.get());
  while (MYSQL_ROW row = mysql_fetch_row(result.get())) {
    unsigned long* lengths = mysql_fetch_lengths(result.get());
    Row r;
    r.columns.reserve(n);
    for (unsigned int i = 0; i < n; ++i) {
      std::optional<std::string> value;
      if (row[i] != nullptr) value = std::string(row[i], lengths[i]);
      r.columns.emplace_back(fields[i].name, std::move(value));
    }
    rows->push_back(std::move(r));
  }
  return Status::OK();
}

std::optional<std::string> MysqlConnection::Row::Get(std::string_view name) const {
  for (const auto& [column, value] : columns) {
    if (column.size() == name.size() &&
        strncasecmp(column.data(), name.data(), name.size()) == 0) {
      return value;
    }
  }
  return std::nullopt;
}

unsigned int MysqlConnection::last_error_number() const {
  return mysql_ ? mysql_errno(mysql_.get()) : 0;
}

std::string MysqlConnection::EscapeString(std::string_view value) const {
  std::string out(value.size() * 2 + 1, '\0');
  unsigned long n = mysql_real_escape_string(mysql_.get(), out.data(), value.data(),
                                             static_cast<unsigned long>(value.size()));
  out.resize(n);
  return out;
}

std::string MysqlConnection::server_version() const {
  return mysql_ ? mysql_get_server_info(mysql_.get()) : "";
}

}  // namespace hotbackup
