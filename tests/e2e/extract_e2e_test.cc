// --extract and --verify through the real binary: round trips in every
// format x compression compared with what GNU tar and mbstream extract,
// damaged archives each refused with their own message, leaving nothing, and
// --verify --backup_dir on extracted directories, intact and damaged.
#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <functional>
#include <sstream>

#include "hotbackup/archive/archive_stream.h"
#include "hotbackup/archive/crc32.h"
#include "hotbackup/io/output_file.h"
#include "hotbackup/io/unique_fd.h"
#include "support/sandbox_server.h"
#include "support/test_support.h"

namespace hotbackup {
namespace {

namespace fs = std::filesystem;
using test::BinaryPath;
using test::ListFiles;
using test::ProcessResult;
using test::Run;
using test::TempDir;

// Writes an archive of `paths` under `root`, ending with a manifest.
void MakeArchive(ArchiveFormat format, Compression compression, const std::string& root,
                 const std::vector<std::string>& paths, const std::string& archive) {
  std::unique_ptr<OutputFile> out;
  REQUIRE(OutputFile::Create(archive, &out).ok());
  StreamOptions options;
  options.format = format;
  options.compression = compression;
  std::unique_ptr<ArchiveStream> stream;
  REQUIRE(ArchiveStream::Open(options, out.get(), &stream).ok());
  for (const std::string& p : paths) REQUIRE(stream->AddFile(root + "/" + p, p).ok());
  REQUIRE(stream->AddManifest(test::TestManifest(format == ArchiveFormat::kTar ? "tar" : "xbstream")).ok());
  REQUIRE(stream->Finish().ok());
}

ProcessResult Extract(const std::string& archive, const std::string& dir) {
  return Run({BinaryPath(), "--extract", "--input=" + archive, "--backup_dir=" + dir});
}

ProcessResult VerifyDirectory(const std::string& dir) {
  return Run({BinaryPath(), "--verify", "--backup_dir=" + dir});
}

size_t CountLines(const std::string& text, const std::string& needle) {
  size_t n = 0;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) n += line.find(needle) != std::string::npos;
  return n;
}

TEST_CASE("Extract: every format x compression, same as GNU tar and mbstream", "[e2e][extract]") {
  TempDir work;
  const std::string src = work / "src";
  fs::create_directory(src);
  std::vector<std::string> paths = test::GenerateNastyTree(src);
  std::vector<std::string> with_manifest = paths;
  with_manifest.push_back(kManifestPath);
  std::sort(with_manifest.begin(), with_manifest.end());

  for (ArchiveFormat format : {ArchiveFormat::kTar, ArchiveFormat::kXbstream}) {
    for (Compression compression : {Compression::kNone, Compression::kZstd}) {
      const bool tar = format == ArchiveFormat::kTar;
      const bool zstd = compression == Compression::kZstd;
      CAPTURE(tar, zstd);
      const std::string tag = std::string(tar ? "tar" : "xbs") + (zstd ? "-zst" : "");
      const std::string archive = work / ("archive-" + tag);
      MakeArchive(format, compression, src, paths, archive);

      const std::string ours = work / ("ours-" + tag);
      ProcessResult r = Extract(archive, ours);
      INFO(r.stderr_text);
      REQUIRE(r.exit_code == 0);
      CHECK_THAT(r.stderr_text, Catch::Contains("every file matches the manifest"));
      CHECK(ListFiles(ours) == with_manifest);
      // Bytes always; modes (masked: restored_attributes.h) and mtimes where
      // the format carries them.
      if (tar) {
        CHECK(test::CompareFiles(src, ours, paths, 0750) == "");
      } else {
        for (const std::string& p : paths) CHECK(test::ReadFile(src + "/" + p) == test::ReadFile(ours + "/" + p));
      }

      std::string plain = archive;
      if (zstd) {
        plain = archive + ".plain";
        REQUIRE(Run({"zstd", "-q", "-dc", archive}, "", plain).exit_code == 0);
      }
      const std::string theirs = work / ("theirs-" + tag);
      fs::create_directories(theirs);
      if (tar) {
        REQUIRE(Run({"tar", "-xf", plain, "-C", theirs}).exit_code == 0);
      } else {
        for (const std::string& p : paths) fs::create_directories(fs::path(theirs + "/" + p).parent_path());
        REQUIRE(Run({"mbstream", "-x", "-C", theirs}, plain).exit_code == 0);
      }
      CHECK(ListFiles(theirs) == with_manifest);
      for (const std::string& p : with_manifest) {
        INFO(p);
        CHECK(test::ReadFile(theirs + "/" + p) == test::ReadFile(ours + "/" + p));
      }

      // Both extracted trees verify in place against the manifest inside them.
      for (const std::string& dir : {ours, theirs}) {
        r = VerifyDirectory(dir);
        INFO(dir << ": " << r.stderr_text);
        CHECK(r.exit_code == 0);
        CHECK_THAT(r.stderr_text, Catch::Contains("Verified " + std::to_string(with_manifest.size()) +
                                                  " files"));
        CHECK_THAT(r.stderr_text, Catch::Contains("every file matches the manifest"));
      }

      // --verify reads the same archive from stdin and writes nothing.
      const auto before = ListFiles(work.path());
      r = Run({BinaryPath(), "--verify"}, archive);
      INFO(r.stderr_text);
      CHECK(r.exit_code == 0);
      CHECK_THAT(r.stderr_text, Catch::Contains("Verified"));
      CHECK(ListFiles(work.path()) == before);
    }
  }
}

std::string LittleEndian(uint64_t v, size_t n) {
  std::string s;
  for (size_t i = 0; i < n; ++i) s += static_cast<char>(v >> (8 * i));
  return s;
}

std::string PayloadChunk(const std::string& path, const std::string& payload, uint64_t offset) {
  uint32_t c = Crc32(0, AsBytes(payload.data(), payload.size()));
  return std::string("XBSTCK01") + '\0' + 'P' + LittleEndian(path.size(), 4) + path +
         LittleEndian(payload.size(), 8) + LittleEndian(offset, 8) + LittleEndian(c, 4) + payload;
}

std::string EndChunk(const std::string& path) {
  return std::string("XBSTCK01") + '\0' + 'E' + LittleEndian(path.size(), 4) + path;
}

TEST_CASE("Extract: large files go to disk with O_DIRECT, also when XBSTREAM interleaves them",
          "[e2e][extract]") {
  TempDir work;
  const std::string src = work / "src";
  fs::create_directory(src);
  const std::vector<std::string> paths = {"a.sst", "b.sst", "t.frm"};
  test::WriteFile(src + "/a.sst", test::RandomBytes(3 * 1024 * 1024 + 7, 1));
  test::WriteFile(src + "/b.sst", test::RandomBytes(5 * 1024 * 1024 + 3, 2));
  test::WriteFile(src + "/t.frm", test::RandomBytes(900, 3));
  const std::string archive = work / "plain.xbs";
  MakeArchive(ArchiveFormat::kXbstream, Compression::kNone, src, paths, archive);

  // The same archive with a.sst and b.sst in 1 MiB chunks, alternating, as
  // xtrabackup --parallel writes them; a.sst still ends first.
  std::vector<test::XbstreamChunk> chunks = test::ParseXbstream(test::ReadFile(archive));
  std::string interleaved;
  std::vector<std::string> pieces[2];
  for (int f = 0; f < 2; ++f) {
    const std::string data = test::ReadFile(src + "/" + paths[f]);
    for (size_t at = 0; at < data.size(); at += 1 << 20) {
      pieces[f].push_back(PayloadChunk(paths[f], data.substr(at, 1 << 20), at));
    }
  }
  for (size_t i = 0; i < std::max(pieces[0].size(), pieces[1].size()); ++i) {
    for (int f = 0; f < 2; ++f) {
      if (i < pieces[f].size()) interleaved += pieces[f][i];
    }
  }
  interleaved += EndChunk(paths[0]) + EndChunk(paths[1]);
  for (const test::XbstreamChunk& c : chunks) {
    if (c.path == paths[0] || c.path == paths[1]) continue;
    interleaved += c.type == 'P' ? PayloadChunk(c.path, c.payload, c.payload_offset) : EndChunk(c.path);
  }
  const std::string interleaved_archive = work / "interleaved.xbs";
  test::WriteFile(interleaved_archive, interleaved);

  const bool bypass = test::DirectWritesBypassPageCache(work.path());
  if (!bypass) WARN("O_DIRECT writes in " << work.path() << " are refused or cached (tmpfs)");
  for (const std::string& input : {archive, interleaved_archive}) {
    const bool is_interleaved = input == interleaved_archive;
    CAPTURE(is_interleaved);
    const std::string out = work / (is_interleaved ? "out-interleaved" : "out-plain");
    ProcessResult r = Extract(input, out);
    INFO(r.stderr_text);
    REQUIRE(r.exit_code == 0);
    // Left out of the page cache but for the last partial page (checked
    // before anything reads them): every large file of the plain archive;
    // of the interleaved one, the file that had the writer (the other went
    // through the cache, where it must be exact all the same).
    if (bypass) {
      CHECK(test::ResidentPages(out + "/a.sst") <= 1);
      if (!is_interleaved) CHECK(test::ResidentPages(out + "/b.sst") <= 1);
    }
    for (const std::string& p : paths) CHECK(test::ReadFile(src + "/" + p) == test::ReadFile(out + "/" + p));
  }
}

// ---- damaged archives ----

TEST_CASE("Extract: file names that are not UTF-8 keep their bytes", "[e2e][extract]") {
  // A Latin-1 name left in a datadir: JSON cannot hold it, the manifest
  // records it in hex, and every reader gets the same bytes back.
  TempDir work;
  const std::string src = work / "src";
  fs::create_directories(src + "/db");
  const std::vector<std::string> paths = {"db/latin1-\xe9t\xe9.frm", "db/ok.frm", "\xff\xfe"};
  for (size_t i = 0; i < paths.size(); ++i) test::WriteFile(src + "/" + paths[i], std::string(i + 3, 'a' + i));
  for (ArchiveFormat format : {ArchiveFormat::kTar, ArchiveFormat::kXbstream}) {
    const bool tar = format == ArchiveFormat::kTar;
    CAPTURE(tar);
    const std::string archive = work / (tar ? "a.tar" : "a.xbs");
    MakeArchive(format, Compression::kNone, src, paths, archive);
    const std::string ours = work / (tar ? "ours-tar" : "ours-xbs");
    ProcessResult r = Extract(archive, ours);
    INFO(r.stderr_text);
    REQUIRE(r.exit_code == 0);
    CHECK_THAT(test::ReadFile(ours + "/" + kManifestPath),
               Catch::Contains("\"path_hex\":\"64622f6c6174696e312de974e92e66726d\""));
    const std::string theirs = work / (tar ? "theirs-tar" : "theirs-xbs");
    fs::create_directories(theirs + "/db");
    if (tar) {
      REQUIRE(Run({"tar", "-xf", archive, "-C", theirs}).exit_code == 0);
    } else {
      REQUIRE(Run({"mbstream", "-x", "-C", theirs}, archive).exit_code == 0);
    }
    for (const std::string& p : paths) {
      CHECK(test::ReadFile(ours + "/" + p) == test::ReadFile(src + "/" + p));
      CHECK(test::ReadFile(theirs + "/" + p) == test::ReadFile(src + "/" + p));
    }
    CHECK(VerifyDirectory(ours).exit_code == 0);
    CHECK(VerifyDirectory(theirs).exit_code == 0);
  }
}

// A tar archive written with libarchive directly, so it can hold what our
// writer never produces (symlinks, "../" names).
struct TarEntry {
  std::string path;
  std::string data;
  std::string symlink;
};
std::string RawTar(const std::vector<TarEntry>& entries) {
  test::TempDir dir;
  std::string path = dir / "raw.tar";
  archive* a = archive_write_new();
  archive_write_set_format_pax_restricted(a);
  REQUIRE(archive_write_open_filename(a, path.c_str()) == ARCHIVE_OK);
  for (const TarEntry& t : entries) {
    archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, t.path.c_str());
    if (!t.symlink.empty()) {
      archive_entry_set_filetype(e, AE_IFLNK);
      archive_entry_set_symlink(e, t.symlink.c_str());
    } else {
      archive_entry_set_filetype(e, AE_IFREG);
      archive_entry_set_size(e, static_cast<la_int64_t>(t.data.size()));
    }
    archive_entry_set_perm(e, 0644);
    REQUIRE(archive_write_header(a, e) == ARCHIVE_OK);
    if (!t.data.empty()) archive_write_data(a, t.data.data(), t.data.size());
    archive_entry_free(e);
  }
  archive_write_close(a);
  archive_write_free(a);
  return test::ReadFile(path);
}

struct Damage {
  const char* what;
  std::string bytes;
  const char* message;
};

// Each damaged archive: exit 1, one ERROR line with its own message, and
// neither the target nor a temporary directory left behind.
void ExpectRefused(const Damage& d) {
  TempDir work;
  const std::string archive = work / "damaged";
  test::WriteFile(archive, d.bytes);
  const std::string parent = work / "restore";
  fs::create_directories(parent);
  ProcessResult r = Extract(archive, parent + "/backup");
  INFO(d.what << ": " << r.stderr_text);
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.stderr_text, Catch::Contains(d.message));
  size_t errors = 0;
  std::istringstream in(r.stderr_text);
  for (std::string line; std::getline(in, line);) errors += line.find(" ERROR ") != std::string::npos;
  CHECK(errors == 1);
  CHECK(fs::is_empty(parent));  // no backup dir, no .extracting-* dir
  CHECK(test::ReadFile(archive) == d.bytes);

  r = Run({BinaryPath(), "--verify", "--input=" + archive});
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.stderr_text, Catch::Contains(d.message));
}

TEST_CASE("Extract: damaged archives are refused, each with its own message", "[e2e][extract]") {
  TempDir work;
  const std::string src = work / "src";
  fs::create_directories(src + "/db");
  const std::string big = test::RandomBytes(3 * 1024 * 1024 + 11, 7);
  test::WriteFile(src + "/000010.sst", big);
  test::WriteFile(src + "/db/t.frm", "frm bytes");
  const std::vector<std::string> paths = {"000010.sst", "db/t.frm"};
  MakeArchive(ArchiveFormat::kXbstream, Compression::kNone, src, paths, work / "good.xbs");
  MakeArchive(ArchiveFormat::kTar, Compression::kNone, src, paths, work / "good.tar");
  MakeArchive(ArchiveFormat::kXbstream, Compression::kZstd, src, paths, work / "good.xbs.zst");
  const std::string xbs = test::ReadFile(work / "good.xbs");
  const std::string tar = test::ReadFile(work / "good.tar");
  const std::string zst = test::ReadFile(work / "good.xbs.zst");
  // Sanity: the undamaged ones extract.
  REQUIRE(Extract(work / "good.xbs", work / "ok1").exit_code == 0);
  REQUIRE(Extract(work / "good.tar", work / "ok2").exit_code == 0);

  const size_t first_payload = 14 + 10 + 20;  // header of the 000010.sst chunk
  std::vector<Damage> cases;
  {
    std::string b = xbs;
    b[first_payload + 1000] ^= 0x01;
    cases.push_back({"xbstream flipped payload byte", b, "CRC mismatch in 000010.sst at file offset 0"});
  }
  {
    std::string b = tar;
    size_t at = b.find(big.substr(0, 64));
    REQUIRE(at != std::string::npos);
    b[at + 5000] ^= 0x01;
    cases.push_back({"tar flipped payload byte", b, "checksum mismatch for 000010.sst"});
  }
  uint64_t first_chunk = 0;  // payload length of that chunk (the file comes in several)
  for (int i = 7; i >= 0; --i) first_chunk = first_chunk << 8 | static_cast<uint8_t>(xbs[14 + 10 + i]);
  REQUIRE(first_chunk > 0);
  REQUIRE(first_chunk <= big.size());
  cases.push_back({"xbstream truncated inside a header", xbs.substr(0, first_payload + first_chunk + 7),
                   "truncated inside a chunk header"});
  cases.push_back({"xbstream truncated mid-payload", xbs.substr(0, first_payload + 100000),
                   "truncated inside the payload of 000010.sst"});
  const size_t second_header = 512 + (big.size() + 511) / 512 * 512;
  cases.push_back({"tar truncated inside a header", tar.substr(0, second_header + 100),
                   "tar: read header: Truncated tar archive"});
  cases.push_back({"tar truncated mid-payload", tar.substr(0, 512 * 4 + 100000),
                   "tar: read data of 000010.sst: Truncated tar archive"});
  {
    std::string b = xbs;
    b[first_payload - 4] ^= 0x55;  // the stored CRC itself
    cases.push_back({"xbstream wrong CRC", b, "CRC mismatch in 000010.sst"});
  }
  cases.push_back({"xbstream out-of-order offset",
                   PayloadChunk("a.sst", "second", 6) + PayloadChunk("a.sst", "first!", 0) + EndChunk("a.sst"),
                   "out-of-order chunk for a.sst: file offset 6, expected 0"});
  cases.push_back({"xbstream ../ path", PayloadChunk("../evil", "x", 0) + EndChunk("../evil"),
                   "unsafe path in archive: archive path with an empty, '.' or '..' component: ../evil"});
  cases.push_back({"xbstream absolute path", PayloadChunk("/etc/evil", "x", 0) + EndChunk("/etc/evil"),
                   "unsafe path in archive: absolute archive path: /etc/evil"});
  cases.push_back({"tar ../ path", RawTar({{"db/../../evil", "x", ""}}), "unsafe path in archive"});
  cases.push_back({"tar absolute path", RawTar({{"/tmp/evil", "x", ""}}), "absolute archive path"});
  cases.push_back({"tar symlink out of the target",
                   RawTar({{"db", "", "/tmp"}, {"db/evil.frm", "x", ""}}),
                   "refusing the symbolic link db -> /tmp"});
  cases.push_back({"xbstream without its manifest", PayloadChunk("a.sst", "data", 0) + EndChunk("a.sst"),
                   "has no myrocks_hotbackup_manifest.json"});
  cases.push_back({"zstd truncated", zst.substr(0, zst.size() / 2), "zstd: the compressed stream is truncated"});
  cases.push_back({"not an archive", std::string(2000, 'z'), "neither a tar nor an XBSTREAM archive"});

  for (const Damage& d : cases) {
    SECTION(d.what) { ExpectRefused(d); }
  }
}

// ---- --verify --backup_dir ----

TEST_CASE("Verify directory: a backup extracted by GNU tar, intact and damaged", "[e2e][extract]") {
  TempDir work;
  const std::string src = work / "src";
  fs::create_directories(src + "/db");
  test::WriteFile(src + "/000010.sst", test::RandomBytes(3 * 1024 * 1024 + 11, 7));
  test::WriteFile(src + "/CURRENT", "MANIFEST-000005\n");
  test::WriteFile(src + "/db/t.frm", "frm bytes");
  test::WriteFile(src + "/db/u.frm", "more frm bytes");
  const std::vector<std::string> paths = {"000010.sst", "CURRENT", "db/t.frm", "db/u.frm"};
  MakeArchive(ArchiveFormat::kTar, Compression::kNone, src, paths, work / "backup.tar");
  const std::string good = work / "good";
  fs::create_directories(good);
  REQUIRE(Run({"tar", "-xf", work / "backup.tar", "-C", good}).exit_code == 0);

  SECTION("intact: verified, nothing written") {
    const std::vector<std::string> before = ListFiles(work.path());
    ProcessResult r = VerifyDirectory(good + "/");
    INFO(r.stderr_text);
    CHECK(r.exit_code == 0);
    CHECK_THAT(r.stderr_text, Catch::Contains("Verified 5 files"));
    CHECK_THAT(r.stderr_text, Catch::Contains("every file matches the manifest of the backup of MySQL none"));
    CHECK(std::count(r.stderr_text.begin(), r.stderr_text.end(), '\n') == 1);  // the summary alone
    CHECK(ListFiles(work.path()) == before);
  }

  SECTION("a WDT receiver's .wdt.log and .wdt* tree at the top are not the backup's") {
    test::WriteFile(good + "/.wdt.log", "transfer log");
    fs::create_directories(good + "/.wdt_state/sub");
    test::WriteFile(good + "/.wdt_state/sub/x", "x");
    ProcessResult r = VerifyDirectory(good);
    INFO(r.stderr_text);
    CHECK(r.exit_code == 0);
    CHECK_THAT(r.stderr_text, Catch::Contains("Verified 5 files"));
  }

  struct Case {
    const char* what;
    std::function<void(const std::string&)> damage;
    const char* message;
  };
  const std::vector<Case> cases = {
      {"a flipped byte",
       [](const std::string& d) {
         std::string b = test::ReadFile(d + "/000010.sst");
         b[2 * 1024 * 1024 + 3] ^= 0x01;
         test::WriteFile(d + "/000010.sst", b);
       },
       ": checksum mismatch for 000010.sst: "},
      {"a truncated file",
       [](const std::string& d) { fs::resize_file(d + "/db/t.frm", 4); },
       ": size mismatch for db/t.frm: 4 bytes, the manifest says 9"},
      {"a missing file", [](const std::string& d) { fs::remove(d + "/db/u.frm"); },
       ": missing from the directory: db/u.frm"},
      {"an extra file", [](const std::string& d) { test::WriteFile(d + "/db/extra.frm", "x"); },
       ": not in the manifest: db/extra.frm"},
      {"a .wdt name below the top level",
       [](const std::string& d) { test::WriteFile(d + "/db/.wdt.log", "x"); },
       ": not in the manifest: db/.wdt.log"},
      {"a symbolic link in place of a file (to the right bytes)",
       [&](const std::string& d) {
         fs::remove(d + "/db/t.frm");
         fs::create_symlink(src + "/db/t.frm", d + "/db/t.frm");
       },
       ": refusing the symbolic link db/t.frm -> "},
      {"a symbolic link in place of a directory",
       [&](const std::string& d) {
         fs::remove_all(d + "/db");
         fs::create_directory_symlink(src + "/db", d + "/db");
       },
       ": refusing the symbolic link db -> "},
      {"a directory in place of a file",
       [](const std::string& d) {
         fs::remove(d + "/db/t.frm");
         fs::create_directory(d + "/db/t.frm");
       },
       ": not a regular file: db/t.frm"},
      {"a FIFO", [](const std::string& d) { REQUIRE(mkfifo((d + "/db/pipe").c_str(), 0600) == 0); },
       ": not a regular file: db/pipe"},
      {"no manifest", [](const std::string& d) { fs::remove(d + "/" + kManifestPath); },
       "has no myrocks_hotbackup_manifest.json"},
      {"a truncated manifest",
       [](const std::string& d) {
         const std::string m = d + "/" + kManifestPath;
         fs::resize_file(m, fs::file_size(m) / 2);
       },
       "myrocks_hotbackup_manifest.json: "},
      {"several problems: the first, and how many more",
       [](const std::string& d) {
         fs::remove(d + "/db/u.frm");
         fs::resize_file(d + "/CURRENT", 1);
         test::WriteFile(d + "/zz-extra", "x");
       },
       ": size mismatch for CURRENT: 1 bytes, the manifest says 16 (and 2 more problems)"},
  };
  for (const Case& c : cases) {
    SECTION(c.what) {
      const std::string dir = work / "damaged";
      fs::copy(good, dir, fs::copy_options::recursive);
      c.damage(dir);
      const std::vector<std::string> before = ListFiles(dir);
      ProcessResult r = VerifyDirectory(dir);
      INFO(r.stderr_text);
      CHECK(r.exit_code == 1);
      CHECK(CountLines(r.stderr_text, " ERROR ") == 1);
      CHECK_THAT(r.stderr_text, Catch::Contains(dir));
      CHECK_THAT(r.stderr_text, Catch::Contains(c.message));
      CHECK_THAT(r.stderr_text, !Catch::Contains("Verified"));
      CHECK(ListFiles(dir) == before);
    }
  }
}

TEST_CASE("Verify directory: the output of --extract and mbstream -x verifies", "[e2e][extract]") {
  TempDir work;
  const std::string src = work / "src";
  fs::create_directories(src + "/db");
  test::WriteFile(src + "/000011.sst", test::RandomBytes(100000, 3));
  test::WriteFile(src + "/db/t.frm", "frm");
  const std::vector<std::string> paths = {"000011.sst", "db/t.frm"};
  MakeArchive(ArchiveFormat::kXbstream, Compression::kZstd, src, paths, work / "a.xbs.zst");
  REQUIRE(Extract(work / "a.xbs.zst", work / "ours").exit_code == 0);
  MakeArchive(ArchiveFormat::kXbstream, Compression::kNone, src, paths, work / "a.xbs");
  fs::create_directories(work / "theirs/db");
  REQUIRE(Run({"mbstream", "-x", "-C", work / "theirs"}, work / "a.xbs").exit_code == 0);
  for (const std::string& dir : {work / "ours", work / "theirs"}) {
    ProcessResult r = VerifyDirectory(dir);
    INFO(dir << ": " << r.stderr_text);
    CHECK(r.exit_code == 0);
    CHECK_THAT(r.stderr_text, Catch::Contains("Verified 3 files"));
  }
}

TEST_CASE("Extract: a non-empty target is refused and left as it was", "[e2e][extract]") {
  TempDir work;
  test::WriteFile(work / "f", "data");
  MakeArchive(ArchiveFormat::kTar, Compression::kNone, work.path(), {"f"}, work / "a.tar");
  const std::string target = work / "target";
  fs::create_directories(target);
  test::WriteFile(target + "/precious", "keep me");
  ProcessResult r = Extract(work / "a.tar", target);
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.stderr_text, Catch::Contains("is not empty"));
  CHECK(ListFiles(target) == std::vector<std::string>{"precious"});
  CHECK(test::ReadFile(target + "/precious") == "keep me");
  CHECK(ListFiles(work.path()) == std::vector<std::string>{"a.tar", "f", "target/precious"});
}

}  // namespace
}  // namespace hotbackup

namespace hotbackup {
namespace {

TEST_CASE("Extract: a tree left by a killed extraction is removed, one in use is refused",
          "[e2e][extract]") {
  TempDir work;
  test::WriteFile(work / "f", "data");
  MakeArchive(ArchiveFormat::kTar, Compression::kNone, work.path(), {"f"}, work / "a.tar");
  const std::string target = work / "target";
  // What a SIGKILLed extraction leaves, and names that only look alike.
  fs::create_directories(target + ".extracting-Ab3xYz/db");
  test::WriteFile(target + ".extracting-Ab3xYz/db/000001.sst", "half");
  fs::create_directories(target + ".extracting-toolongname");
  test::WriteFile(work / "target.extracting-fileAB", "a file, not ours");
  ProcessResult r = Extract(work / "a.tar", target);
  INFO(r.stderr_text);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.stderr_text, Catch::Contains("left by an extraction that did not finish"));
  CHECK_FALSE(fs::exists(target + ".extracting-Ab3xYz"));
  CHECK(fs::exists(target + ".extracting-toolongname"));
  CHECK(fs::exists(work / "target.extracting-fileAB"));
  CHECK(test::ReadFile(target + "/f") == "data");

  // An extraction in progress holds its tree locked: the second one stops.
  const std::string other = work / "other";
  fs::create_directories(other + ".extracting-Qw12Er");
  UniqueFd held(open((other + ".extracting-Qw12Er").c_str(), O_RDONLY | O_DIRECTORY));
  REQUIRE(flock(held.get(), LOCK_EX) == 0);
  r = Extract(work / "a.tar", other);
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.stderr_text, Catch::Contains("another --extract into"));
  CHECK(fs::exists(other + ".extracting-Qw12Er"));
  CHECK_FALSE(fs::exists(other));
}

}  // namespace
}  // namespace hotbackup

namespace hotbackup {
namespace {

TEST_CASE("Extract: 100,000 files stay within the backup's memory bound", "[e2e][extract]") {
  TempDir work;
  // 100 databases of 1,000 small files, made in memory: what the backup of a
  // server with many tables streams.
  {
    std::unique_ptr<OutputFile> out;
    REQUIRE(OutputFile::Create(work / "many.xbs", &out).ok());
    StreamOptions options;
    options.format = ArchiveFormat::kXbstream;
    std::unique_ptr<ArchiveStream> stream;
    REQUIRE(ArchiveStream::Open(options, out.get(), &stream).ok());
    const std::string contents(100, 'x');
    for (int d = 0; d < 100; ++d) {
      for (int t = 0; t < 1000; ++t) {
        REQUIRE(stream->AddContents("db" + std::to_string(d) + "/table_" + std::to_string(t) + ".frm",
                                    contents).ok());
      }
    }
    REQUIRE(stream->AddManifest(test::TestManifest("xbstream")).ok());
    REQUIRE(stream->Finish().ok());
  }
  int exit_code = -1;
  const long verify_kib = test::PeakRssKib({BinaryPath(), "--verify", "--input=" + (work / "many.xbs")}, &exit_code);
  CHECK(exit_code == 0);
  const long extract_kib = test::PeakRssKib({BinaryPath(), "--extract", "--input=" + (work / "many.xbs"),
                                    "--backup_dir=" + (work / "out")},
                                   &exit_code);
  CHECK(exit_code == 0);
  CHECK(fs::exists(work / "out/db99/table_999.frm"));
  // A backup streaming these files holds about 32 MiB (XBSTREAM's 10 MiB
  // chunk buffer, the read buffer, the manifest's buffer); the file list of
  // 100,000 entries must not add to that. Before the manifest was read entry
  // by entry, --extract held 96 MiB here.
  INFO("verify " << verify_kib << " KiB, extract " << extract_kib << " KiB");
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  // A sanitizer's shadow memory and quarantine make the figure meaningless.
  WARN("sanitizer build: the memory bound is checked by the Release build only");
#else
  CHECK(verify_kib < 40 * 1024);
  CHECK(extract_kib < 40 * 1024);
#endif
}

}  // namespace
}  // namespace hotbackup
