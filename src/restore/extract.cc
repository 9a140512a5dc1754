// Reading a backup back: open the input, detect compression and format from
// the first bytes, replay the entries into an ExtractTarget (a directory or
// nothing at all), then let the manifest decide whether it all arrived.
#include "hotbackup/restore/extract.h"

#include <chrono>

#include "hotbackup/archive/archive_reader.h"
#include "hotbackup/io/byte_source.h"
#include "hotbackup/restore/archive_detection.h"
#include "hotbackup/restore/extract_target.h"
#include "hotbackup/restore/incremental_restore.h"
#include "hotbackup/util/log.h"

namespace hotbackup {
namespace {

constexpr double kGiB = 1024.0 * 1024 * 1024;

// The line an incremental backup adds: what came from its base, or, without
// one, what it expects from it.
void LogBaseFiles(const ExtractRequest& request, const Manifest& manifest,
                  const BaseFileStats& taken) {
  const ManifestParent& parent = *manifest.parent;
  if (request.incremental_base_dir.empty()) {
    const BaseFileStats expected = ExpectedFromBase(manifest);
    HB_LOG_INFO("Incremental backup on top of backup %s taken %s: it expects %llu files "
                "(%.2f GB) from that backup (check them with --incremental_base_dir)",
                parent.backup_id.c_str(), parent.start_time.c_str(),
                static_cast<unsigned long long>(expected.files),
                static_cast<double>(expected.bytes) / kGiB);
    return;
  }
  HB_LOG_INFO("%s %llu files (%.2f GB) of backup %s taken %s from %s (%llu hard-linked), every "
              "one matching the manifest",
              request.target_dir.empty() ? "Checked" : "Took",
              static_cast<unsigned long long>(taken.files),
              static_cast<double>(taken.bytes) / kGiB, parent.backup_id.c_str(),
              parent.start_time.c_str(), request.incremental_base_dir.c_str(),
              static_cast<unsigned long long>(taken.linked));
}

}  // namespace

Status ExtractArchive(ByteSource* raw, const std::string& name, const ExtractRequest& request) {
  auto start = std::chrono::steady_clock::now();
  const std::string& target_dir = request.target_dir;
  ExtractTarget target;
  HOTBACKUP_RETURN_IF_ERROR(target.Open(target_dir));

  ArchiveInput input;
  HOTBACKUP_RETURN_IF_ERROR(input.Open(raw, name, request.decryption));
  const bool xbstream = input.layers().format == ArchiveFormat::kXbstream;
  const bool compressed = input.layers().compressed;
  const bool encrypted = input.layers().encrypted;
  PeekSource& source = *input.archive();
  const char* format = xbstream ? "n XBSTREAM" : " tar";
  const std::string layers =
      std::string(compressed ? "+zstd" : "") + (encrypted ? "+age" : "");
  if (target_dir.empty()) {
    HB_LOG_INFO("Verifying a%s%s archive from %s", format, layers.c_str(), name.c_str());
  } else {
    HB_LOG_INFO("Extracting a%s%s archive from %s into %s", format, layers.c_str(), name.c_str(),
                target_dir.c_str());
  }

  HOTBACKUP_RETURN_IF_ERROR(xbstream ? ReadXbstream(&source, &target) : ReadTar(&source, &target));
  Manifest manifest;
  HOTBACKUP_RETURN_IF_ERROR(target.Commit(&manifest, request.incremental_base_dir));

  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  LogManifestMatch(target_dir.empty() ? "Verified" : "Extracted", target.stats(), seconds,
                   manifest);
  if (manifest.incremental()) LogBaseFiles(request, manifest, target.base_stats());
  return Status::OK();
}

}  // namespace hotbackup
