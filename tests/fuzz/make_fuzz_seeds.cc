// make_fuzz_seeds DIR: the seed corpora of the fuzz targets, made by the
// project's own writers so that every run starts from inputs that pass:
//   DIR/tar_reader, DIR/xbstream_reader   archives written by ArchiveStream
//                                         (small files, an empty one, a path
//                                         over 100 bytes, a non-UTF-8 name,
//                                         the manifest last)
//   DIR/archive_detect                    the same, plain and zstd-compressed
//   DIR/manifest                          manifests, with and without binlog
//   DIR/option_file                       client option files
//   DIR/s3_response                       S3's XML answers and a credentials
//                                         file, each after its selector byte
#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <tuple>

#include "hotbackup/archive/archive_stream.h"
#include "hotbackup/archive/manifest.h"
#include "hotbackup/encrypt/age_stream.h"
#include "hotbackup/util/log.h"
#include "age_fuzz_keys.h"

namespace fs = std::filesystem;
using hotbackup::ArchiveFormat;
using hotbackup::ArchiveStream;
using hotbackup::Compression;
using hotbackup::Manifest;
using hotbackup::ManifestFile;
using hotbackup::Status;

namespace {

fs::path source_dir;  // the small files the archives hold, removed on every way out

void Check(const Status& s, const char* what) {
  if (!s.ok()) {
    std::fprintf(stderr, "make_fuzz_seeds: %s: %s\n", what, s.message().c_str());
    if (!source_dir.empty()) fs::remove_all(source_dir);
    exit(1);
  }
}

void Write(const fs::path& path, const std::string& contents) {
  std::ofstream out(path, std::ios::binary);
  out << contents;
  if (!out) {
    std::fprintf(stderr, "make_fuzz_seeds: cannot write %s\n", path.c_str());
    exit(1);
  }
}

ManifestFile File(const std::string& path, uint64_t size, uint64_t xxh3) {
  ManifestFile f;
  f.path = path;
  f.size = size;
  f.xxh3 = xxh3;
  return f;
}

// Manifest version 2 (incremental backups) adds ids, and refuses an empty
// backup id; version 1 has none. (A template, so that the branch for the
// other version is discarded.)
template <typename M>
void SetIds(M* m) {
  if constexpr (requires { m->backup_id; }) {
    m->backup_id = "0123456789abcdef0123456789abcdef";
    m->db_id = "6d1c4a8e-0b7f-11ef-9a3c-0242ac120002";
  }
}

Manifest SampleManifest(bool with_binlog) {
  Manifest m;
  SetIds(&m);
  m.tool_version = HOTBACKUP_VERSION;
  m.server_version = "10.11.19-MariaDB-0+deb12u1";
  m.stream = "tar";
  m.rounds = 2;
  m.start_time = "2026-11-23T21:10:00Z";
  m.end_time = "2026-11-23T21:12:31Z";
  if (with_binlog) {
    hotbackup::BinlogPosition b;
    b.consistent = true;
    b.log_bin = true;
    b.file = "mysql-bin.000003";
    b.position = 1234;
    b.gtid_binlog_pos = "0-1-320";
    b.gtid_current_pos = "0-1-320";
    b.server_id = 1;
    b.commit_block_ms = 3.2;
    hotbackup::ReplicationSource r;
    r.master_host = "10.0.0.1";
    r.master_port = 3306;
    r.master_log_file = "bin.000007";
    r.master_log_pos = 4711;
    r.gtid_slave_pos = "0-1-318";
    r.using_gtid = "Slave_Pos";
    b.source = r;
    m.binlog = b;
  }
  return m;
}

// One archive of the files in `src`, as a backup lays them out.
std::string MakeArchive(const fs::path& src, ArchiveFormat format, Compression compression,
                        bool with_binlog) {
  hotbackup::StringSink sink;
  std::unique_ptr<ArchiveStream> stream;
  hotbackup::StreamOptions options;
  options.format = format;
  options.compression = compression;
  Check(ArchiveStream::Open(options, &sink, &stream), "open stream");
  Check(stream->AddFile(src / "000012.sst", "000012.sst"), "add sst");
  Check(stream->AddFile(src / "CURRENT", "CURRENT"), "add CURRENT");
  Check(stream->AddFile(src / "empty", "db/empty.frm"), "add empty");
  Check(stream->AddFile(src / "CURRENT", std::string(120, 'p') + "/long.frm"), "add long");
  Check(stream->AddContents("db/\xff\xfe.frm", "not UTF-8"), "add non-UTF-8");
  Check(stream->AddContents("xtrabackup_binlog_info", "mysql-bin.000003\t1234\t0-1-320\n"),
        "add contents");
  Manifest manifest = SampleManifest(with_binlog);
  manifest.stream = format == ArchiveFormat::kTar ? "tar" : "xbstream";
  Check(stream->AddManifest(manifest), "add manifest");
  Check(stream->Finish(), "finish");
  return sink.contents();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: make_fuzz_seeds DIR\n");
    return 2;
  }
  const fs::path out = argv[1];
  // The tar writer warns that the non-UTF-8 name goes out as raw bytes.
  hotbackup::SetLogLevel(hotbackup::LogLevel::kError);
  for (const char* target :
       {"tar_reader", "xbstream_reader", "archive_detect", "manifest", "option_file", "age",
        "s3_response"}) {
    fs::create_directories(out / target);
  }

  char tmp[] = "/tmp/make_fuzz_seeds-XXXXXX";
  if (mkdtemp(tmp) == nullptr) return 1;
  const fs::path src = tmp;
  source_dir = src;
  std::string sst;
  for (int i = 0; i < 700; ++i) sst += static_cast<char>((i * 131) ^ (i >> 3));
  Write(src / "000012.sst", sst);
  Write(src / "CURRENT", "MANIFEST-000010\n");
  Write(src / "empty", "");

  std::string age_plain;  // what the age seeds encrypt
  for (bool with_binlog : {false, true}) {
    const std::string b = with_binlog ? "-binlog" : "";
    std::string tar = MakeArchive(src, ArchiveFormat::kTar, Compression::kNone, with_binlog);
    std::string xbs = MakeArchive(src, ArchiveFormat::kXbstream, Compression::kNone, with_binlog);
    Write(out / "tar_reader" / ("backup" + b + ".tar"), tar);
    Write(out / "xbstream_reader" / ("backup" + b + ".xbs"), xbs);
    Write(out / "archive_detect" / ("backup" + b + ".tar"), tar);
    Write(out / "archive_detect" / ("backup" + b + ".xbs"), xbs);
    const std::string tar_zst = MakeArchive(src, ArchiveFormat::kTar, Compression::kZstd, with_binlog);
    Write(out / "archive_detect" / ("backup" + b + ".tar.zst"), tar_zst);
    if (!with_binlog) age_plain = tar_zst;
    Write(out / "archive_detect" / ("backup" + b + ".xbs.zst"),
          MakeArchive(src, ArchiveFormat::kXbstream, Compression::kZstd, with_binlog));
  }
  fs::remove_all(src);

  for (bool with_binlog : {false, true}) {
    Manifest m = SampleManifest(with_binlog);
    m.files.push_back(File("000012.sst", 700, 0x0123456789abcdefULL));
    m.files.push_back(File("db/\xff\xfe.frm", 9, 42));
    m.files.push_back(File("db/t.frm", 0, 0));
    Write(out / "manifest" / (with_binlog ? "binlog.json" : "plain.json"), SerializeManifest(m));
  }
  Write(out / "manifest" / "no-files.json", SerializeManifest(SampleManifest(false)));

  // age: an archive encrypted to the target's identity, and to its
  // passphrase (the first byte picks which the target uses).
  {
    hotbackup::AgeEncryptTo to_key;
    to_key.recipients.emplace_back();
    Check(hotbackup::AgeRecipientOf(hotbackup::fuzz::FuzzIdentity(), &to_key.recipients[0]),
          "age recipient");
    hotbackup::AgeEncryptTo to_passphrase;
    to_passphrase.passphrase = hotbackup::fuzz::kFuzzPassphrase;
    to_passphrase.scrypt_log2_n = hotbackup::fuzz::kFuzzScryptLog2N;
    const std::string& plain = age_plain;
    for (const auto& [name, to, mode] :
         {std::tuple{"key.age", &to_key, '\0'}, std::tuple{"passphrase.age", &to_passphrase, '\1'}}) {
      hotbackup::StringSink sink;
      std::unique_ptr<hotbackup::ByteSink> encrypt;
      Check(hotbackup::NewAgeEncryptSink(*to, 0, &sink, &encrypt), "age sink");
      Check(encrypt->Write(hotbackup::AsBytes(plain.data(), plain.size())), "age write");
      Check(encrypt->Finish(), "age finish");
      Write(out / "age" / name, std::string(1, mode) + sink.contents());
    }
  }

  Write(out / "option_file" / "client.cnf",
        "# comment\n[client]\nuser = backup\npassword = \"p#ss\\tword\"\n"
        "socket=/run/mysqld/mysqld.sock\n; another comment\n[mysqld]\nport=1\n");
  Write(out / "option_file" / "groups.cnf",
        "[client-server]\nhost='db.example'\nport = 3307 # trailing\n[CLIENT-MARIADB]\n"
        "default-character-set=utf8mb4\nskip-ssl\n[client]\npassword='it''s'\n");
  Write(out / "option_file" / "include.cnf",
        "!include a.cnf\n!includedir .\n[client]\nuser=\\x\\s\\n\\\\\n");

  // The selector byte first (s3_response_fuzzer.cc): 0 error, 1 upload id,
  // 2 completion, 3 credentials file.
  Write(out / "s3_response" / "error",
        std::string(1, '\0') + "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>NoSuchBucket</Code>"
        "<Message>The specified bucket does not exist</Message><RequestId>tx1</RequestId></Error>");
  Write(out / "s3_response" / "upload_id",
        "\x01<InitiateMultipartUploadResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
        "<Bucket>b</Bucket><Key>k</Key><UploadId>2~abc</UploadId></InitiateMultipartUploadResult>");
  Write(out / "s3_response" / "complete",
        "\x02<CompleteMultipartUploadResult><Location>l</Location><Bucket>b</Bucket><Key>k</Key>"
        "<ETag>&quot;e-2&quot;</ETag></CompleteMultipartUploadResult>");
  Write(out / "s3_response" / "credentials",
        "\x03# comment\n[default]\naws_access_key_id = AKIAEXAMPLE\n"
        "aws_secret_access_key=secret\n; other\n[prod]\nAWS_ACCESS_KEY_ID=A\n"
        "aws_secret_access_key = S\naws_session_token = T\n");
  return 0;
}
