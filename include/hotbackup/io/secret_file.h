// Files of secrets (an age identity, a passphrase, S3 keys) are read only
// when nobody but their owner can read them, as ssh refuses a private key
// whose mode gives group or others any access: a key that every local user
// could have copied is no longer a secret, and saying so is kinder than
// using it. One check for every such file, made on the open descriptor so
// the file cannot be swapped between the check and the read.
//
// Files that hold nothing secret (recipients, manifests) are read with
// ReadSmallFile (file_io.h) instead.
#ifndef HOTBACKUP_IO_SECRET_FILE_H_
#define HOTBACKUP_IO_SECRET_FILE_H_

#include <cstdint>
#include <string>

#include "hotbackup/io/unique_fd.h"
#include "hotbackup/util/status.h"

namespace hotbackup {

// Opens `path` for reading (any type: a passphrase may come from a pipe,
// `<(pass show db)`, whose mode is 0600). kInvalidArgument, one line
// naming the file and the fix ("PATH: <what> must not be readable or
// writable by group or others, as ssh refuses a private key: chmod 600
// PATH"), when its mode has any of the bits 077; `what` names the kind of
// file ("an age identity file"). kIoError (with errno) when it cannot be
// opened. Never reads a byte of it.
Status OpenSecretFile(const std::string& path, const std::string& what, UniqueFd* fd);

// OpenSecretFile, then the whole of the regular file (anything else is
// kInvalidArgument), refusing one larger than `max_size`
// bytes or one that grows while it is read (kInvalidArgument). *contents is
// sized once, so no copy of the secret is left behind in freed memory; the
// caller wipes it when done, on error too (it may hold part of the file).
Status ReadSecretFile(const std::string& path, const std::string& what, std::string* contents,
                      uint64_t max_size);

}  // namespace hotbackup

#endif  // HOTBACKUP_IO_SECRET_FILE_H_
