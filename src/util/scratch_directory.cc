// Scratch directories under $TMPDIR or beside their destination, and the
// sweep of those a killed run left under $TMPDIR (see scratch_directory.h).
#include "hotbackup/util/scratch_directory.h"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <cerrno>
#include <filesystem>

namespace hotbackup {
namespace fs = std::filesystem;

namespace {

constexpr char kPrefix[] = "myrocks_hotbackup-";

// Whether `pid` may still be the run that made a directory: any process
// of that pid. Not compared by program: another build or installation of
// this tool (or a test binary using the same code) is a run too; a pid
// reused by another program only keeps its directory until that one ends.
bool MayBeRunning(pid_t pid) { return kill(pid, 0) == 0 || errno != ESRCH; }

// Removes "<prefix><kind>.<pid>.*" directories we own whose run is over.
void RemoveStale(const std::string& root, const std::string& kind) {
  const std::string start = std::string(kPrefix) + kind + ".";
  std::error_code ec;
  for (const fs::directory_entry& e : fs::directory_iterator(root, ec)) {
    const std::string name = e.path().filename().string();
    if (!name.starts_with(start)) continue;
    const size_t dot = name.find('.', start.size());
    if (dot == std::string::npos) continue;
    const std::string pid_text = name.substr(start.size(), dot - start.size());
    if (pid_text.empty() || pid_text.find_first_not_of("0123456789") != std::string::npos) continue;
    struct stat st;
    if (lstat(e.path().c_str(), &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != geteuid()) {
      continue;
    }
    const pid_t pid = static_cast<pid_t>(std::strtol(pid_text.c_str(), nullptr, 10));
    if (pid == getpid() || MayBeRunning(pid)) continue;
    std::error_code ignored;
    fs::remove_all(e.path(), ignored);
  }
}

// mkdtemp on "<prefix>XXXXXX": the directory it made, mode 0700.
Status MakeDirectory(const std::string& prefix, std::string* path) {
  std::string templ = prefix + "XXXXXX";
  if (mkdtemp(templ.data()) == nullptr) return Status::IOError("create " + templ, errno);
  *path = std::move(templ);
  return Status::OK();
}

}  // namespace

std::string TempDirectoryRoot() {
  const char* tmp = getenv("TMPDIR");
  return tmp && *tmp ? tmp : "/tmp";
}

Status ScratchDirectory::Create(const std::string& kind) {
  Remove();
  const std::string root = TempDirectoryRoot();
  RemoveStale(root, kind);
  return MakeDirectory(root + "/" + kPrefix + kind + "." + std::to_string(getpid()) + ".", &path_);
}

Status ScratchDirectory::CreateBeside(const std::string& path) {
  Remove();
  return MakeDirectory(path + ".tmp-", &path_);
}

void ScratchDirectory::Remove() {
  if (path_.empty()) return;
  std::error_code ec;
  fs::remove_all(path_, ec);
  path_.clear();
}

}  // namespace hotbackup
