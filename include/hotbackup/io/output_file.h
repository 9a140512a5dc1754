// OutputFile: the last stage of the pipeline, where archive bytes leave the
// process: standard output, or a file named by --output.
//
// Small writes are gathered into large ones; a write at least as large as the
// buffer goes straight through. When the output is a pipe it is enlarged so
// the reader (ssh, zstd, tar) gets big chunks. A file that Create makes is
// written by a DirectFileWriter: with O_DIRECT from its first megabyte,
// where the file system takes it, so that a backup does not flood the
// host's page cache.
//
// A regular output file is written under a temporary name beside it
// ("<path>.XXXXXX.partial", mode 0600) and appears under its own name only
// when Finish succeeds, after fsync; an OutputFile destroyed without a
// successful Finish removes its temporary file. So a failed backup never
// leaves a file that looks complete.
//
// Errors: a reader that went away is EPIPE (the process must ignore SIGPIPE,
// as main does), a full disk ENOSPC; both come back as one-line Status
// messages naming the output. Not thread-safe.
#ifndef HOTBACKUP_IO_OUTPUT_FILE_H_
#define HOTBACKUP_IO_OUTPUT_FILE_H_

#include <memory>
#include <string>
#include <vector>

#include "hotbackup/io/byte_sink.h"
#include "hotbackup/io/direct_file_writer.h"
#include "hotbackup/io/unique_fd.h"

namespace hotbackup {

class OutputFile final : public ByteSink {
 public:
  // Archive bytes to standard output; refused if stdout is a terminal.
  static Status OpenStdout(std::unique_ptr<OutputFile>* out);

  // Archive bytes to `path`. A regular file (or a new one) is replaced
  // atomically by Finish; anything else that exists there (a FIFO,
  // /dev/null, a device) is written in place. A terminal is refused.
  static Status Create(const std::string& path, std::unique_ptr<OutputFile>* out);

  // Archive bytes to `fd`, which the OutputFile does not own and which must
  // stay open while it is used. `name` appears in error messages.
  static Status FromDescriptor(int fd, const std::string& name, std::unique_ptr<OutputFile>* out);

  ~OutputFile() override;

  Status Write(ByteSpan data) override;
  // Flushes; for a regular file also fsyncs, renames into place and fsyncs
  // the directory.
  Status Finish() override;

  // Bytes accepted so far.
  uint64_t bytes_written() const { return bytes_written_; }
  const std::string& name() const { return name_; }
  // Whether the bytes went to the file with O_DIRECT (known once a
  // megabyte has been written).
  bool writes_direct() const { return writer_ && writer_->wrote_direct(); }

 private:
  OutputFile(int fd, std::string name);
  Status Prepare();
  Status Flush();

  int fd_;
  UniqueFd owned_fd_;  // set when the OutputFile opened the file itself
  // Set for a file Create made. Declared after owned_fd_: destroyed (its
  // writes waited for) before the file is closed.
  std::unique_ptr<DirectFileWriter> writer_;
  std::string name_;
  std::string temp_path_;   // the temporary name, until renamed to final_path_
  std::string final_path_;
  bool is_regular_file_ = false;
  bool finished_ = false;
  std::vector<uint8_t> buffer_;
  size_t buffered_ = 0;
  uint64_t bytes_written_ = 0;
};

}  // namespace hotbackup

#endif  // HOTBACKUP_IO_OUTPUT_FILE_H_
