// Manifest (de)serialization with nlohmann::json. Parsing is strict: a
// manifest that cannot be trusted must not be half-used.
//
// A backup writes one file line per archived file, tens of thousands of them
// for a server with many tables, so that line is spelled by hand: a path of
// printable ASCII needs no JSON escaping and is copied as is; any other path
// goes through nlohmann, so the bytes are always exactly what nlohmann writes.
#include "hotbackup/archive/manifest.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <ctime>
#include <nlohmann/json.hpp>
#include <cstdio>
#include <memory>
#include <string_view>
#include <utility>
#include <vector>

#include "hotbackup/archive/archive_path.h"
#include "hotbackup/archive/checksum.h"
#include "hotbackup/util/sha256.h"

namespace hotbackup {
namespace {

constexpr char kFormatName[] = "myrocks_hotbackup manifest";
constexpr char kChecksumName[] = "xxh3-64";

// True when `s` goes between JSON quotes as it is: printable ASCII other than
// '"' and '\\'. Anything else (control bytes, DEL, UTF-8) is left to nlohmann,
// whose escaping and UTF-8 check define the output.
bool IsPlainJsonString(std::string_view s) {
  for (char c : s) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (u < 0x20 || u > 0x7e || u == '"' || u == '\\') return false;
  }
  return true;
}

std::string FormatBytes(uint64_t bytes) {
  char buf[32];
  if (bytes >= (uint64_t{1} << 30)) {
    snprintf(buf, sizeof(buf), "%.1f GB", static_cast<double>(bytes) / (1 << 30));
  } else if (bytes >= (uint64_t{1} << 20)) {
    snprintf(buf, sizeof(buf), "%.1f MB", static_cast<double>(bytes) / (1 << 20));
  } else {
    snprintf(buf, sizeof(buf), "%.1f kB", static_cast<double>(bytes) / 1024);
  }
  return buf;
}

}  // namespace

std::string FormatUtcTime(time_t t) {
  tm utc;
  gmtime_r(&t, &utc);
  char buf[32];
  strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &utc);
  return buf;
}

namespace {

std::string HexBytes(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out += kHex[c >> 4];
    out += kHex[c & 0xf];
  }
  return out;
}

bool UnhexBytes(std::string_view hex, std::string* bytes) {
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  if (hex.size() % 2 != 0) return false;
  bytes->clear();
  for (size_t i = 0; i < hex.size(); i += 2) {
    int hi = nibble(hex[i]), lo = nibble(hex[i + 1]);
    if (hi < 0 || lo < 0) return false;
    *bytes += static_cast<char>(hi << 4 | lo);
  }
  return true;
}

// Appends ,"name":"value" unless value is empty. Values are ids the tool
// makes or reads from SSTs: plain ASCII in practice; anything else is
// escaped (or, not UTF-8, replaced) by nlohmann, never fatal.
void AppendOptionalField(std::string_view name, const std::string& value, std::string* out) {
  if (value.empty()) return;
  *out += ",\"";
  *out += name;
  *out += "\":";
  if (IsPlainJsonString(value)) {
    *out += '"';
    *out += value;
    *out += '"';
  } else {
    *out += nlohmann::json(value).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
}

// The digest line's fixed shape: prefix, 64 hex digits, suffix.
constexpr std::string_view kDigestPrefix = "\"sha256\": \"";
constexpr std::string_view kDigestSuffix = "\"\n}\n";
constexpr size_t kDigestLineSize = kDigestPrefix.size() + 64 + kDigestSuffix.size();

// Version 2: the text must end with the digest line, and the digest must be
// that of everything before it.
Status CheckDigest(std::string_view json) {
  if (json.size() < kDigestLineSize ||
      json.substr(json.size() - kDigestLineSize, kDigestPrefix.size()) != kDigestPrefix ||
      json.substr(json.size() - kDigestSuffix.size()) != kDigestSuffix) {
    return Status::Corruption("manifest: it does not end with its sha256 line (edited or cut)");
  }
  const std::string_view body = json.substr(0, json.size() - kDigestLineSize);
  const std::string_view recorded = json.substr(body.size() + kDigestPrefix.size(), 64);
  if (Sha256Hex(body) != recorded) {
    return Status::Corruption("manifest: its sha256 does not match its contents (edited or damaged)");
  }
  return Status::OK();
}

}  // namespace

std::string DescribeLeftOutTables(const std::vector<LeftOutTable>& tables, size_t max) {
  std::string out;
  for (size_t i = 0; i < tables.size() && i < max; ++i) {
    const LeftOutTable& t = tables[i];
    if (!out.empty()) out += ", ";
    out += t.schema + "." + t.table + " (" + t.engine + ", ~" + std::to_string(t.rows) +
           " rows, " + FormatBytes(t.bytes) + ")";
  }
  if (tables.size() > max) out += " and " + std::to_string(tables.size() - max) + " more";
  return out;
}

std::string NewBackupId() { return RandomHex(16); }

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
  if (m.version >= 2) {
    j["backup_id"] = m.backup_id;
    j["db_id"] = m.db_id;
    if (m.parent) {
      j["parent"] = {{"backup_id", m.parent->backup_id},
                     {"sha256", m.parent->sha256},
                     {"start_time", m.parent->start_time}};
    }
  }
  if (m.binlog) {
    const BinlogPosition& b = *m.binlog;
    nlohmann::ordered_json jb;
    jb["consistent"] = b.consistent;
    jb["log_bin"] = b.log_bin;
    jb["file"] = b.file;
    jb["position"] = b.position;
    jb["gtid_binlog_pos"] = b.gtid_binlog_pos;
    jb["gtid_current_pos"] = b.gtid_current_pos;
    jb["server_id"] = b.server_id;
    jb["commit_block_ms"] = b.commit_block_ms;
    if (b.source) {
      const ReplicationSource& r = *b.source;
      jb["source"] = {{"master_host", r.master_host},         {"master_port", r.master_port},
                      {"master_log_file", r.master_log_file}, {"master_log_pos", r.master_log_pos},
                      {"gtid_slave_pos", r.gtid_slave_pos},   {"using_gtid", r.using_gtid}};
    }
    // Server-reported strings may hold bytes JSON cannot: replaced, never fatal.
    j["binlog"] = nlohmann::ordered_json::parse(
        jb.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  }
  if (!m.left_out.empty()) {
    nlohmann::ordered_json list = nlohmann::ordered_json::array();
    for (const LeftOutTable& t : m.left_out) {
      list.push_back({{"schema", t.schema},
                      {"table", t.table},
                      {"engine", t.engine},
                      {"rows", t.rows},
                      {"bytes", t.bytes}});
    }
    // Names are the server's: bytes JSON cannot hold are replaced.
    j["left_out"] = nlohmann::ordered_json::parse(
        list.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  }
  std::string out = "{\n";
  for (auto it = j.begin(); it != j.end(); ++it) {
    out += "  " + nlohmann::json(it.key()).dump() + ": " + it->dump() + ",\n";
  }
  out += "  \"files\": [";
  return out;
}

// One file per line: readable, and diffable between backups.
void AppendManifestFileLine(const ManifestFile& f, bool first, std::string* out) {
  const bool plain = IsPlainJsonString(f.path);
  std::string escaped;
  bool hex = false;
  if (!plain) {
    try {
      escaped = nlohmann::json(f.path).dump();
    } catch (const nlohmann::json::type_error&) {
      // Not UTF-8 (a Latin-1 name left in a datadir): JSON strings cannot
      // hold it, so the bytes go out in hex, losslessly.
      escaped.assign(1, '"');  // (not "\"" + ...: GCC 12 misreads that as an overlapping copy)
      escaped += HexBytes(f.path);
      escaped += '"';
      hex = true;
    }
  }
  const std::string_view open = hex     ? (first ? "\n    {\"path_hex\":" : ",\n    {\"path_hex\":")
                                : first ? "\n    {\"path\":"
                                        : ",\n    {\"path\":";
  constexpr std::string_view kSize = ",\"size\":";
  constexpr std::string_view kXxh3 = ",\"xxh3\":\"";
  constexpr std::string_view kClose = "\"";
  char digits[20];  // UINT64_MAX has 20 decimal digits
  const size_t digit_count =
      static_cast<size_t>(std::to_chars(digits, digits + sizeof(digits), f.size).ptr - digits);
  const size_t path_size = plain ? f.path.size() + 2 : escaped.size();

  // Sized once, then filled: one capacity check instead of one per piece.
  const size_t start = out->size();
  out->resize(start + open.size() + path_size + kSize.size() + digit_count + kXxh3.size() + 16 +
              kClose.size());
  char* p = out->data() + start;
  auto put = [&p](std::string_view piece) { p = std::copy(piece.begin(), piece.end(), p); };
  put(open);
  if (plain) {
    *p++ = '"';
    put(f.path);
    *p++ = '"';
  } else {
    put(escaped);
  }
  put(kSize);
  put(std::string_view(digits, digit_count));
  put(kXxh3);
  // FormatChecksum's spelling, 16 lowercase hex digits, without snprintf.
  static constexpr char kHex[] = "0123456789abcdef";
  for (int shift = 60; shift >= 0; shift -= 4) *p++ = kHex[(f.xxh3 >> shift) & 0xf];
  put(kClose);
  AppendOptionalField("sst", f.sst, out);
  AppendOptionalField("in", f.in, out);
  *out += '}';
}

std::string ManifestFileLine(const ManifestFile& f, bool first) {
  std::string line;
  AppendManifestFileLine(f, first, &line);
  return line;
}

std::string ManifestFilesEnd(bool any_files) { return any_files ? "\n  ],\n  " : "],\n  "; }

std::string ManifestDigestLine(const std::string& sha256_hex) {
  return std::string(kDigestPrefix) + sha256_hex + std::string(kDigestSuffix);
}

std::string SerializeManifest(const Manifest& m) {
  std::string out = ManifestHeader(m);
  for (size_t i = 0; i < m.files.size(); ++i) AppendManifestFileLine(m.files[i], i == 0, &out);
  out += ManifestFilesEnd(!m.files.empty());
  return out + ManifestDigestLine(Sha256Hex(out));
}

namespace {

using Json = nlohmann::json;

// nlohmann's get<int>() and get<uint64_t>() convert any number, and one
// that does not fit (1e20 as an int, -1 as a uint64_t) is undefined
// behaviour or a silent wrap (found by tests/fuzz/manifest_fuzzer): take
// integers only, in range, else the type error ParseManifest reports.
template <typename T>
T GetInteger(const Json& object, const char* key) {
  const Json& v = object.at(key);
  if (v.is_number_unsigned()) {
    const uint64_t u = v.get<uint64_t>();
    if (std::in_range<T>(u)) return static_cast<T>(u);
  } else if (v.is_number_integer()) {
    const int64_t i = v.get<int64_t>();
    if (std::in_range<T>(i)) return static_cast<T>(i);
  }
  throw Json::type_error::create(302, std::string(key) + " must be an integer in range, not " + v.dump(), &v);
}

// Every field but "files", from the parsed document `j` into *m.
Status HeaderFromJson(const Json& j, Manifest* m) {
  if (!j.is_object()) return Status::Corruption("manifest: not valid JSON");
  *m = Manifest();
  if (j.at("format").get<std::string>() != kFormatName) {
    return Status::Corruption("manifest: not a myrocks_hotbackup manifest");
  }
  m->version = GetInteger<int>(j, "version");
  if (m->version < 1 || m->version > kManifestVersion) {
    return Status::NotSupported("manifest: version " + std::to_string(m->version) +
                                " is not known to this version of the tool");
  }
  if (m->version >= 2) {
    m->backup_id = j.at("backup_id").get<std::string>();
    if (m->backup_id.empty()) return Status::Corruption("manifest: empty backup_id");
    m->db_id = j.at("db_id").get<std::string>();
    if (j.contains("parent")) {
      const Json& jp = j.at("parent");
      ManifestParent parent;
      parent.backup_id = jp.at("backup_id").get<std::string>();
      parent.sha256 = jp.at("sha256").get<std::string>();
      parent.start_time = jp.at("start_time").get<std::string>();
      if (parent.backup_id.empty() || !IsSha256Hex(parent.sha256)) {
        return Status::Corruption("manifest: malformed parent backup reference");
      }
      m->parent = parent;
    }
  }
  if (j.at("checksum").get<std::string>() != kChecksumName) {
    return Status::NotSupported("manifest: unknown checksum " + j.at("checksum").dump());
  }
  m->tool_version = j.at("tool_version").get<std::string>();
  m->server_version = j.at("server_version").get<std::string>();
  m->stream = j.at("stream").get<std::string>();
  m->rounds = GetInteger<int>(j, "rounds");
  m->start_time = j.at("start_time").get<std::string>();
  m->end_time = j.at("end_time").get<std::string>();
  if (j.contains("binlog")) {
    const Json& jb = j.at("binlog");
    BinlogPosition b;
    b.consistent = jb.at("consistent").get<bool>();
    b.log_bin = jb.at("log_bin").get<bool>();
    b.file = jb.at("file").get<std::string>();
    b.position = GetInteger<uint64_t>(jb, "position");
    b.gtid_binlog_pos = jb.at("gtid_binlog_pos").get<std::string>();
    b.gtid_current_pos = jb.at("gtid_current_pos").get<std::string>();
    b.server_id = GetInteger<uint64_t>(jb, "server_id");
    b.commit_block_ms = jb.at("commit_block_ms").get<double>();
    if (jb.contains("source")) {
      const Json& js = jb.at("source");
      ReplicationSource r;
      r.master_host = js.at("master_host").get<std::string>();
      r.master_port = GetInteger<int>(js, "master_port");
      r.master_log_file = js.at("master_log_file").get<std::string>();
      r.master_log_pos = GetInteger<uint64_t>(js, "master_log_pos");
      r.gtid_slave_pos = js.at("gtid_slave_pos").get<std::string>();
      r.using_gtid = js.at("using_gtid").get<std::string>();
      b.source = r;
    }
    m->binlog = b;
  }
  if (j.contains("left_out")) {
    const Json& jl = j.at("left_out");
    if (!jl.is_array()) return Status::Corruption("manifest: \"left_out\" is not a list");
    for (const Json& jt : jl) {
      LeftOutTable t;
      t.schema = jt.at("schema").get<std::string>();
      t.table = jt.at("table").get<std::string>();
      t.engine = jt.at("engine").get<std::string>();
      t.rows = GetInteger<uint64_t>(jt, "rows");
      t.bytes = GetInteger<uint64_t>(jt, "bytes");
      m->left_out.push_back(std::move(t));
    }
  }
  if (!j.contains("files") || !j.at("files").is_array()) {
    return Status::Corruption("manifest: no \"files\" list");
  }
  return Status::OK();
}

// One entry of "files", checked against its manifest's header `m`.
Status FileFromJson(const Json& e, const Manifest& m, ManifestFile* f) {
  if (e.contains("path_hex")) {
    if (!UnhexBytes(e.at("path_hex").get<std::string>(), &f->path)) {
      return Status::Corruption("manifest: bad path_hex " + e.at("path_hex").dump());
    }
  } else {
    f->path = e.at("path").get<std::string>();
  }
  // Every reader of a manifest resolves these names below a directory of its
  // own (an extraction, a base directory): checked once, here.
  Status valid = ValidateArchivePath(f->path);
  if (!valid.ok()) return Status::Corruption("manifest: unsafe path: " + valid.message());
  f->size = GetInteger<uint64_t>(e, "size");
  if (!ParseChecksum(e.at("xxh3").get<std::string>(), &f->xxh3)) {
    return Status::Corruption("manifest: bad checksum for " + f->path);
  }
  if (e.contains("sst")) f->sst = e.at("sst").get<std::string>();
  if (e.contains("in")) {
    f->in = e.at("in").get<std::string>();
    // Only an incremental's files live in another backup, never in itself.
    if (!m.parent || f->in.empty() || f->in == m.backup_id) {
      return Status::Corruption("manifest: " + f->path + " is said to be in backup \"" + f->in +
                                "\", which is not an earlier backup of its chain");
    }
  }
  return Status::OK();
}

// Whether the document says it is version 2 or later, which checks itself:
// the digest is checked before any other field is believed.
bool ClaimsDigest(const Json& j) {
  const auto v = j.find("version");
  return v != j.end() && v->is_number_integer() && v->get<int64_t>() >= 2;
}

// Runs `body`, turning the JSON library's exceptions into kCorruption.
template <typename Body>
Status Guarded(Body body) {
  try {
    return body();
  } catch (const Json::exception& e) {
    return Status::Corruption(std::string("manifest: ") + e.what());
  }
}

struct FileCloser {
  void operator()(FILE* f) const { fclose(f); }
};

// Checks a version 2 manifest's digest line against the file's bytes,
// reading them once.
Status CheckFileDigest(int fd, uint64_t size) {
  constexpr size_t kLine = kDigestLineSize;
  if (size < kLine) return Status::Corruption("manifest: it does not end with its sha256 line (edited or cut)");
  std::string tail(kLine, '\0');
  if (pread(fd, tail.data(), kLine, static_cast<off_t>(size - kLine)) != static_cast<ssize_t>(kLine)) {
    return Status::IOError("read the manifest", errno ? errno : EIO);
  }
  Sha256 sha;
  std::vector<char> buffer(256 << 10);
  for (uint64_t offset = 0, body = size - kLine; offset < body;) {
    ssize_t n = pread(fd, buffer.data(), std::min<uint64_t>(buffer.size(), body - offset),
                      static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Status::IOError("read the manifest", n < 0 ? errno : EIO);
    sha.Update(std::string_view(buffer.data(), static_cast<size_t>(n)));
    offset += static_cast<uint64_t>(n);
  }
  if (!tail.starts_with(kDigestPrefix) || !tail.ends_with(kDigestSuffix)) {
    return Status::Corruption("manifest: it does not end with its sha256 line (edited or cut)");
  }
  if (sha.HexDigest() != tail.substr(kDigestPrefix.size(), 64)) {
    return Status::Corruption("manifest: its sha256 does not match its contents (edited or damaged)");
  }
  return Status::OK();
}

}  // namespace

Status ParseManifest(std::string_view json, Manifest* m) {
  Json j = Json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return Status::Corruption("manifest: not valid JSON");
  if (ClaimsDigest(j)) HOTBACKUP_RETURN_IF_ERROR(CheckDigest(json));
  return Guarded([&]() -> Status {
    HOTBACKUP_RETURN_IF_ERROR(HeaderFromJson(j, m));
    for (const Json& e : j.at("files")) {
      ManifestFile f;
      HOTBACKUP_RETURN_IF_ERROR(FileFromJson(e, *m, &f));
      m->files.push_back(std::move(f));
    }
    return Status::OK();
  });
}

Status ParseManifestFile(int fd, Manifest* header,
                         const std::function<Status(ManifestFile&&)>& on_file) {
  struct stat st;
  if (fstat(fd, &st) != 0) return Status::IOError("stat the manifest", errno);
  const int own = fcntl(fd, F_DUPFD_CLOEXEC, 0);
  if (own < 0) return Status::IOError("dup the manifest", errno);
  std::unique_ptr<FILE, FileCloser> file(fdopen(own, "r"));
  if (!file) {
    close(own);
    return Status::IOError("open the manifest", errno);
  }
  // Pass 1: the header, every "files" entry dropped as soon as it is read.
  auto skip_files = [](int depth, Json::parse_event_t event, Json& parsed, std::string* top_key) {
    if (depth == 1 && event == Json::parse_event_t::key) *top_key = parsed.get<std::string>();
    return !(depth == 2 && event == Json::parse_event_t::object_end && *top_key == "files");
  };
  std::string top_key;
  rewind(file.get());
  Json j = Json::parse(file.get(),
                       [&](int depth, Json::parse_event_t event, Json& parsed) {
                         return skip_files(depth, event, parsed, &top_key);
                       },
                       /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return Status::Corruption("manifest: not valid JSON");
  if (ClaimsDigest(j)) {
    HOTBACKUP_RETURN_IF_ERROR(CheckFileDigest(fd, static_cast<uint64_t>(st.st_size)));
  }
  HOTBACKUP_RETURN_IF_ERROR(Guarded([&] { return HeaderFromJson(j, header); }));
  // Pass 2: each entry handed over as it is read, then dropped.
  Status first_error;
  top_key.clear();
  rewind(file.get());
  const Json kept = Json::parse(file.get(),
              [&](int depth, Json::parse_event_t event, Json& parsed) {
                if (skip_files(depth, event, parsed, &top_key)) return true;
                if (!first_error.ok()) return false;
                first_error = Guarded([&]() -> Status {
                  ManifestFile f;
                  HOTBACKUP_RETURN_IF_ERROR(FileFromJson(parsed, *header, &f));
                  return on_file(std::move(f));
                });
                return false;
              },
              /*allow_exceptions=*/false);
  (void)kept;  // the header again: nothing new
  return first_error;
}

}  // namespace hotbackup
