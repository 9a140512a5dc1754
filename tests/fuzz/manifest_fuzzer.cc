// Fuzz target: ParseManifest, the JSON that ends every archive. A manifest
// it accepts must also survive SerializeManifest and a second parse.
#include <cstdlib>
#include <string_view>

#include "hotbackup/archive/manifest.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  hotbackup::Manifest manifest;
  const std::string_view json(reinterpret_cast<const char*>(data), size);
  if (!hotbackup::ParseManifest(json, &manifest).ok()) return 0;
  hotbackup::Manifest again;
  if (!hotbackup::ParseManifest(hotbackup::SerializeManifest(manifest), &again).ok()) std::abort();
  if (again.files.size() != manifest.files.size()) std::abort();
  return 0;
}
