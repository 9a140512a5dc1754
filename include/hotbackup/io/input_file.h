// InputFile: the first stage of a restore, where archive bytes enter the
// process: standard input, or a file named by --input. The counterpart of
// output_file.h.
//
// Standard input is refused when it is a terminal (nobody types an archive).
// Errors are one-line Status messages naming the input. Not thread-safe.
#ifndef HOTBACKUP_IO_INPUT_FILE_H_
#define HOTBACKUP_IO_INPUT_FILE_H_

#include <memory>
#include <span>
#include <string>

#include "hotbackup/io/byte_source.h"
#include "hotbackup/io/unique_fd.h"

namespace hotbackup {

class InputFile final : public ByteSource {
 public:
  // Archive bytes from standard input, named "stdin"; refused
  // (kInvalidArgument) if stdin is a terminal.
  static Status OpenStdin(std::unique_ptr<InputFile>* in);

  // Archive bytes from the file `path`, which the InputFile opens and owns.
  static Status Open(const std::string& path, std::unique_ptr<InputFile>* in);

  // Archive bytes from `fd`, which the InputFile does not own and which
  // must stay open while it is used; refused (kInvalidArgument) if it is a
  // terminal. `name` appears in messages.
  static Status FromDescriptor(int fd, const std::string& name, std::unique_ptr<InputFile>* in);

  Status Read(std::span<uint8_t> buffer, size_t* n) override { return source_.Read(buffer, n); }

  // What messages call the input: "stdin" or the path.
  const std::string& name() const { return name_; }

 private:
  InputFile(UniqueFd owned_fd, int fd, std::string name);

  UniqueFd owned_fd_;  // set when the InputFile opened the file itself
  std::string name_;
  FdSource source_;
};

}  // namespace hotbackup

#endif  // HOTBACKUP_IO_INPUT_FILE_H_
