// bench_stream_files: our engine without a server.
//
// The myrocks_hotbackup binary always backs up a live server; to compare the
// engine with tar, bsdtar and mbstream on plain directories, this driver
// feeds given files and directory trees through the same ArchiveStream the
// binary uses (FileReader -> tar | XBSTREAM encoder -> [zstd] -> OutputFile
// on stdout), with the same checks: sizes verified after each file, CRCs in
// XBSTREAM, the zstd frame checksum, and the manifest with every file's
// checksum as the archive's last entry.
//
//   bench_stream_files [--format tar|xbstream] [--compress none|zstd]
//                      [--level N] [--threads N] [--direct]
//                      [--encrypt_to age1... [--encrypt_threads N]] PATH...
//
// --encrypt_to adds the age encryption stage after zstd, as the binary's
// --encrypt_recipient does, sealed by --encrypt_threads workers (default 2).
//
// A directory is walked recursively, in name order, and its files are stored
// under their paths relative to it; a file is stored under its own name.
// A one-line summary goes to stderr.
#include <dirent.h>
#include <sys/stat.h>
#include <time.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "hotbackup/archive/archive_stream.h"
#include "hotbackup/archive/manifest.h"
#include "hotbackup/encrypt/age_stream.h"
#include "hotbackup/io/output_file.h"
#include "hotbackup/util/status.h"

namespace {

struct Source {
  std::string path;          // as opened
  std::string archive_path;  // as stored
};

struct DriverOptions {
  hotbackup::StreamOptions stream;
  std::vector<std::string> paths;
  std::string encrypt_to;  // an age1... recipient; empty = no encryption
  int encrypt_threads = 2;
};

constexpr char kUsage[] =
    "usage: bench_stream_files [--format tar|xbstream] [--compress none|zstd]\n"
    "                          [--level N] [--threads N] [--direct]\n"
    "                          [--encrypt_to age1... [--encrypt_threads N]] PATH...\n";

hotbackup::Status ParseInt(std::string_view name, const char* text, int* value) {
  char* end = nullptr;
  long v = std::strtol(text, &end, 10);
  if (end == text || *end != '\0' || v < -1000 || v > 1000) {
    return hotbackup::Status::InvalidArgument(std::string(name) + ": not a number: " + text);
  }
  *value = static_cast<int>(v);
  return hotbackup::Status::OK();
}

hotbackup::Status ParseArgs(int argc, char** argv, DriverOptions* options) {
  hotbackup::StreamOptions& so = options->stream;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    bool has_value = i + 1 < argc;
    if (arg == "--direct") {
      so.read_mode = hotbackup::ReadMode::kDirect;
    } else if (arg == "--format" && has_value) {
      std::string_view v = argv[++i];
      if (v == "tar") {
        so.format = hotbackup::ArchiveFormat::kTar;
      } else if (v == "xbstream") {
        so.format = hotbackup::ArchiveFormat::kXbstream;
      } else {
        return hotbackup::Status::InvalidArgument("--format: tar or xbstream");
      }
    } else if (arg == "--compress" && has_value) {
      std::string_view v = argv[++i];
      if (v == "none") {
        so.compression = hotbackup::Compression::kNone;
      } else if (v == "zstd") {
        so.compression = hotbackup::Compression::kZstd;
      } else {
        return hotbackup::Status::InvalidArgument("--compress: none or zstd");
      }
    } else if (arg == "--level" && has_value) {
      HOTBACKUP_RETURN_IF_ERROR(ParseInt("--level", argv[++i], &so.zstd.level));
    } else if (arg == "--encrypt_to" && has_value) {
      options->encrypt_to = argv[++i];
    } else if (arg == "--encrypt_threads" && has_value) {
      HOTBACKUP_RETURN_IF_ERROR(ParseInt("--encrypt_threads", argv[++i], &options->encrypt_threads));
    } else if (arg == "--threads" && has_value) {
      HOTBACKUP_RETURN_IF_ERROR(ParseInt("--threads", argv[++i], &so.zstd.threads));
    } else if (arg.starts_with("-")) {
      return hotbackup::Status::InvalidArgument("unknown option or missing value: " +
                                                std::string(arg));
    } else {
      options->paths.emplace_back(arg);
    }
  }
  if (options->paths.empty()) return hotbackup::Status::InvalidArgument("no PATH given");
  return hotbackup::Status::OK();
}

struct DirCloser {
  void operator()(DIR* d) const { closedir(d); }
};

// Appends the regular files under `dir` (symlinks followed), each directory's
// entries in name order, stored under `prefix` + their relative path. Plain
// readdir and string appends: the walk should cost what tar's walk costs,
// so that the comparison measures the engine.
hotbackup::Status CollectTree(const std::string& dir, const std::string& prefix,
                              std::vector<Source>* sources) {
  std::unique_ptr<DIR, DirCloser> d(opendir(dir.c_str()));
  if (!d) return hotbackup::Status::IOError("open directory " + dir, errno);
  std::vector<std::pair<std::string, unsigned char>> entries;
  errno = 0;
  while (dirent* e = readdir(d.get())) {
    if (std::strcmp(e->d_name, ".") == 0 || std::strcmp(e->d_name, "..") == 0) continue;
    entries.emplace_back(e->d_name, e->d_type);
  }
  if (errno != 0) return hotbackup::Status::IOError("read directory " + dir, errno);
  d.reset();
  std::sort(entries.begin(), entries.end());
  for (const auto& [name, type] : entries) {
    std::string path = dir + "/" + name;
    bool is_dir = type == DT_DIR;
    bool is_file = type == DT_REG;
    if (type == DT_UNKNOWN || type == DT_LNK) {
      struct stat st;
      if (stat(path.c_str(), &st) != 0) return hotbackup::Status::IOError("stat " + path, errno);
      is_dir = S_ISDIR(st.st_mode);
      is_file = S_ISREG(st.st_mode);
    }
    if (is_dir) {
      HOTBACKUP_RETURN_IF_ERROR(CollectTree(path, prefix + name + "/", sources));
    } else if (is_file) {
      sources->push_back({std::move(path), prefix + name});
    }
  }
  return hotbackup::Status::OK();
}

hotbackup::Status CollectSources(const std::vector<std::string>& paths,
                                 std::vector<Source>* sources) {
  for (const std::string& p : paths) {
    struct stat st;
    if (stat(p.c_str(), &st) != 0) return hotbackup::Status::IOError("stat " + p, errno);
    if (S_ISDIR(st.st_mode)) {
      HOTBACKUP_RETURN_IF_ERROR(CollectTree(p, "", sources));
    } else {
      size_t slash = p.rfind('/');
      sources->push_back({p, slash == std::string::npos ? p : p.substr(slash + 1)});
    }
  }
  return hotbackup::Status::OK();
}

double Now() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

hotbackup::Status Run(const DriverOptions& options) {
  std::vector<Source> sources;
  HOTBACKUP_RETURN_IF_ERROR(CollectSources(options.paths, &sources));

  double start = Now();
  time_t start_time = time(nullptr);
  std::unique_ptr<hotbackup::OutputFile> output;
  HOTBACKUP_RETURN_IF_ERROR(hotbackup::OutputFile::OpenStdout(&output));
  hotbackup::ByteSink* sink = output.get();
  std::unique_ptr<hotbackup::ByteSink> encrypt;
  if (!options.encrypt_to.empty()) {
    hotbackup::AgeEncryptTo to;
    to.recipients.emplace_back();
    HOTBACKUP_RETURN_IF_ERROR(hotbackup::ParseAgeRecipient(options.encrypt_to, &to.recipients[0]));
    HOTBACKUP_RETURN_IF_ERROR(
        hotbackup::NewAgeEncryptSink(to, options.encrypt_threads, sink, &encrypt));
    sink = encrypt.get();
  }
  std::unique_ptr<hotbackup::ArchiveStream> stream;
  HOTBACKUP_RETURN_IF_ERROR(hotbackup::ArchiveStream::Open(options.stream, sink, &stream));
  for (size_t i = 0; i < sources.size(); ++i) {
    // As the binary does for SSTs and WAL: the next file's reads start early.
    if (i + 1 < sources.size()) stream->HintNextFile(sources[i + 1].path);
    HOTBACKUP_RETURN_IF_ERROR(stream->AddFile(sources[i].path, sources[i].archive_path));
  }
  hotbackup::Manifest manifest;
  manifest.tool_version = HOTBACKUP_VERSION;
  manifest.server_version = "none (bench_stream_files)";
  manifest.stream =
      options.stream.format == hotbackup::ArchiveFormat::kXbstream ? "xbstream" : "tar";
  manifest.rounds = 1;
  manifest.backup_id = hotbackup::NewBackupId();
  manifest.start_time = hotbackup::FormatUtcTime(start_time);
  manifest.end_time = hotbackup::FormatUtcTime(time(nullptr));
  HOTBACKUP_RETURN_IF_ERROR(stream->AddManifest(std::move(manifest)));
  HOTBACKUP_RETURN_IF_ERROR(stream->Finish());
  double seconds = Now() - start;

  const hotbackup::StreamStats& stats = stream->stats();
  std::fprintf(stderr,
               "bench_stream_files: %llu files, %llu bytes read, %llu bytes written, %.3f s\n",
               static_cast<unsigned long long>(stats.files),
               static_cast<unsigned long long>(stats.file_bytes),
               static_cast<unsigned long long>(output->bytes_written()), seconds);
  return hotbackup::Status::OK();
}

}  // namespace

int main(int argc, char** argv) {
  // A consumer that goes away must come back as EPIPE, as in the binary.
  std::signal(SIGPIPE, SIG_IGN);
  DriverOptions options;
  hotbackup::Status status = ParseArgs(argc, argv, &options);
  if (!status.ok()) {
    std::fprintf(stderr, "bench_stream_files: %s\n%s", status.message().c_str(), kUsage);
    return 2;
  }
  status = Run(options);
  if (!status.ok()) {
    std::fprintf(stderr, "bench_stream_files: %s\n", status.message().c_str());
    return 1;
  }
  return 0;
}
