// The choice between the archive formats, in one place.
#include "hotbackup/archive/archive_writer.h"

namespace hotbackup {

Status NewArchiveWriter(ArchiveFormat format, ByteSink* sink,
                        std::unique_ptr<ArchiveWriter>* writer) {
  if (format == ArchiveFormat::kTar) return NewTarWriter(sink, writer);
  *writer = NewXbstreamWriter(sink);
  return Status::OK();
}

}  // namespace hotbackup
