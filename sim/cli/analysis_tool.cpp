#include "cli/analysis_tool.h"

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <vector>

extern char** environ;

namespace cardsim {
namespace fs = std::filesystem;
namespace {

/// The cardsim-analysis command: installed beside the binary (PREFIX/bin),
/// the repository's wrapper for a binary in build/<preset>/, else PATH.
std::string find_analysis_tool() {
  std::error_code ec;
  const fs::path exe_dir = fs::read_symlink("/proc/self/exe", ec).parent_path();
  if (!ec) {
    for (const fs::path& candidate : {exe_dir / "cardsim-analysis", exe_dir / "../../analysis/cardsim-analysis"})
      if (::access(candidate.c_str(), X_OK) == 0) return fs::weakly_canonical(candidate, ec).string();
  }
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path ? path : "");
  for (std::string dir; std::getline(dirs, dir, ':');)
    if (!dir.empty() && ::access((fs::path(dir) / "cardsim-analysis").c_str(), X_OK) == 0)
      return (fs::path(dir) / "cardsim-analysis").string();
  return "";
}

int run_and_wait(const std::vector<std::string>& argv) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  if (posix_spawn(&pid, args[0], nullptr, nullptr, args.data(), environ) != 0) return -1;
  int status = 0;
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace

bool write_html_report(const std::string& results, const std::string& html, std::ostream& out) {
  const std::string tool = find_analysis_tool();
  if (!tool.empty() && run_and_wait({tool, "report", results, "--out", html}) == 0) return true;
  out << "cardsim: " << (tool.empty() ? "the analysis package (cardsim-analysis) is not installed"
                                      : tool + " could not write the report")
      << "; once it works, run: cardsim-analysis report " << results << " --out " << html
      << "\n  (install it with `pip install --no-build-isolation ./analysis` or the .deb's recommended packages)\n";
  return false;
}

}  // namespace cardsim
