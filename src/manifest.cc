// Manifest (de)serialization with nlohmann::json. Parsing is strict: a
// manifest that cannot be trusted must not be half-used.
#include "hotbackup/manifest.h"

#include <ctime>
#include <nlohmann/json.hpp>

#include "hotbackup/checksum.h"

namespace hotbackup {
namespace {

constexpr char kFormatName[] = "myrocks_hotbackup manifest";
constexpr char kChecksumName[] = "xxh3-64";

}  // namespace

std::string FormatUtcTime(time_t t) {
  tm utc;
  gmtime_r(&t, &utc);
  char buf[32];
  strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &utc);
  return buf;
}

std::string ManifestHeader(const Manifest& m) {
  nlohmann::ordered_json j;
  j["format"] = kFormatName;
  j["version"] = m.version;
  j["tool_version"] = m.tool_version;
  j["server_version"] = m.server_version;
  j["stream"] = m.stream;
  j["rounds"] = m.rounds;
  j["start_time"] = m.start_time;
  j["end_time"] = m.end_time;
  j["checksum"] = kChecksumName;
  std::string out = "{\n";
  for (auto it = j.begin(); it != j.end(); ++it) {
    out += "  " + nlohmann::json(it.key()).dump() + ": " + it->dump() + ",\n";
  }
  out += "  \"files\": [";
  return out;
}

// One file per line: readable, and diffable between backups.
std::string ManifestFileLine(const ManifestFile& f, bool first) {
  return std::string(first ? "\n    " : ",\n    ") + "{\"path\":" + nlohmann::json(f.path).dump() +
         ",\"size\":" + std::to_string(f.size) + ",\"xxh3\":\"" + FormatChecksum(f.xxh3) + "\"}";
}

std::string ManifestTrailer(bool any_files) { return any_files ? "\n  ]\n}\n" : "]\n}\n"; }

std::string SerializeManifest(const Manifest& m) {
  std::string out = ManifestHeader(m);
  for (size_t i = 0; i < m.files.size(); ++i) out += ManifestFileLine(m.files[i], i == 0);
  return out + ManifestTrailer(!m.files.empty());
}

Status ParseManifest(std::string_view json, Manifest* m) {
  nlohmann::json j = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return Status::Corruption("manifest: not valid JSON");
  try {
    if (j.at("format").get<std::string>() != kFormatName) {
      return Status::Corruption("manifest: not a myrocks_hotbackup manifest");
    }
    m->version = j.at("version").get<int>();
    if (m->version != kManifestVersion) {
      return Status::NotSupported("manifest: version " + std::to_string(m->version) +
                                  " is not known to this version of the tool");
    }
    if (j.at("checksum").get<std::string>() != kChecksumName) {
      return Status::NotSupported("manifest: unknown checksum " + j.at("checksum").dump());
    }
    m->tool_version = j.at("tool_version").get<std::string>();
    m->server_version = j.at("server_version").get<std::string>();
    m->stream = j.at("stream").get<std::string>();
    m->rounds = j.at("rounds").get<int>();
    m->start_time = j.at("start_time").get<std::string>();
    m->end_time = j.at("end_time").get<std::string>();
    m->files.clear();
    for (const nlohmann::json& e : j.at("files")) {
      ManifestFile f;
      f.path = e.at("path").get<std::string>();
      f.size = e.at("size").get<uint64_t>();
      if (!ParseChecksum(e.at("xxh3").get<std::string>(), &f.xxh3)) {
        return Status::Corruption("manifest: bad checksum for " + f.path);
      }
      m->files.push_back(std::move(f));
    }
  } catch (const nlohmann::json::exception& e) {
    return Status::Corruption(std::string("manifest: ") + e.what());
  }
  return Status::OK();
}

}  // namespace hotbackup
