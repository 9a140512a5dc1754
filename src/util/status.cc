// Status construction. Messages are built once, at the failing call, so that
// the error that reaches the user names the file and the system call.
#include "hotbackup/util/status.h"

#include <cstring>

namespace hotbackup {

Status Status::IOError(std::string_view context, int errno_value) {
  std::string message(context);
  message += ": ";
  message += std::strerror(errno_value);
  return Status(Code::kIoError, std::move(message), errno_value);
}

Status Status::InvalidArgument(std::string_view message) {
  return Status(Code::kInvalidArgument, std::string(message), 0);
}

Status Status::Corruption(std::string_view message) {
  return Status(Code::kCorruption, std::string(message), 0);
}

Status Status::NotSupported(std::string_view message) {
  return Status(Code::kNotSupported, std::string(message), 0);
}

Status Status::Changed(std::string_view message) {
  return Status(Code::kChanged, std::string(message), 0);
}

Status Status::Server(std::string_view message) {
  return Status(Code::kServer, std::string(message), 0);
}

Status Status::Aborted(std::string_view message) {
  return Status(Code::kAborted, std::string(message), 0);
}

Status Status::NotFound(std::string_view message) {
  return Status(Code::kNotFound, std::string(message), 0);
}

Status Status::Remote(std::string_view message) {
  return Status(Code::kRemote, std::string(message), 0);
}

const std::string& Status::message() const {
  static const std::string kOkText = "OK";
  return ok() ? kOkText : message_;
}

Status Status::WithContext(std::string_view context) const {
  if (ok()) return *this;
  std::string message(context);
  message += ": ";
  message += message_;
  return Status(code_, std::move(message), errno_);
}

}  // namespace hotbackup
