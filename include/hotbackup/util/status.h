// Status: the outcome of an operation, carrying a one-line message with context.
//
// Every fallible function returns a Status instead of throwing. An error's
// message names what was being done and to what ("read /data/000012.sst:
// Input/output error"), so the caller can log it as is. Status is a value
// type; copying it is cheap for OK and allocates only for errors.
#ifndef HOTBACKUP_UTIL_STATUS_H_
#define HOTBACKUP_UTIL_STATUS_H_

#include <string>
#include <string_view>

namespace hotbackup {

class [[nodiscard]] Status {
 public:
  enum class Code {
    kOk,
    kIoError,          // a system call failed; errno() tells which way
    kInvalidArgument,  // bad input from the user or the caller
    kCorruption,       // data did not match its format or checksum
    kNotSupported,
    kChanged,          // a file changed under us while it was being read
    kServer,           // the MySQL server refused or failed a request
    kAborted,          // stopped by a signal
    kNotFound,         // a named thing (object, bucket, profile) does not exist
    kRemote,           // an object store refused a request, or could not be reached
  };

  Status() = default;  // OK

  static Status OK() { return Status(); }
  // `context` says what failed, e.g. "open /data/x.sst"; the errno text is appended.
  static Status IOError(std::string_view context, int errno_value);
  static Status InvalidArgument(std::string_view message);
  static Status Corruption(std::string_view message);
  static Status NotSupported(std::string_view message);
  static Status Changed(std::string_view message);
  static Status Server(std::string_view message);
  static Status Aborted(std::string_view message);
  static Status NotFound(std::string_view message);
  static Status Remote(std::string_view message);

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  // The errno of an kIoError, 0 otherwise.
  int errno_value() const { return errno_; }
  // "OK" for success, otherwise the one-line message.
  const std::string& message() const;

  // Returns a copy whose message is prefixed with "context: ".
  Status WithContext(std::string_view context) const;

 private:
  Status(Code code, std::string message, int errno_value)
      : code_(code), errno_(errno_value), message_(std::move(message)) {}

  Code code_ = Code::kOk;
  int errno_ = 0;
  std::string message_;
};

}  // namespace hotbackup

// Evaluates `expr` (a Status) and returns it from the enclosing function if it
// is an error.
#define HOTBACKUP_RETURN_IF_ERROR(expr)          \
  do {                                           \
    ::hotbackup::Status status_macro_ = (expr);  \
    if (!status_macro_.ok()) return status_macro_; \
  } while (0)

#endif  // HOTBACKUP_UTIL_STATUS_H_
