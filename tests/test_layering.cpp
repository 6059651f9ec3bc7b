// The engine's folders include one another in one direction only:
//   cli -> experiments -> results -> core (with agents/) -> scenario
// (sim/README.md explains why). The rule is read off the source tree here, so
// an include that points upwards, or one that does not name its folder,
// fails the suite with the file, the line and the include.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;

/// What each folder may include, besides itself. tests/ and bench/ may include anything.
const std::map<std::string, std::set<std::string>>& allowed_includes() {
  static const std::map<std::string, std::set<std::string>> allowed = {
      {"scenario", {}},
      {"core", {"scenario", "agents"}},
      {"agents", {"core", "scenario"}},
      {"results", {"core", "scenario"}},
      {"experiments", {"results", "core", "scenario"}},
      {"cli", {"experiments", "results", "core", "scenario"}},
  };
  return allowed;
}

/// The layer of a file below `root`: "agents" or the sim/ subfolder ("" when neither).
std::string layer_of(const fs::path& relative) {
  auto it = relative.begin();
  if (it == relative.end()) return "";
  const std::string top = it->string();
  if (top == "agents") return "agents";
  if (top != "sim" || ++it == relative.end()) return "";
  return it->string();
}

/// The file named by a quoted include line (`#include "core/world.h"`), or
/// "" for any other line. Plain string scanning: std::regex trips GCC 12's
/// -Wmaybe-uninitialized in sanitizer builds.
std::string quoted_include(const std::string& line) {
  size_t at = line.find_first_not_of(" \t");
  if (at == std::string::npos || line[at] != '#') return "";
  at = line.find_first_not_of(" \t", at + 1);
  if (at == std::string::npos || line.compare(at, 7, "include") != 0) return "";
  at = line.find_first_not_of(" \t", at + 7);
  if (at == std::string::npos || line[at] != '"') return "";
  const size_t end = line.find('"', at + 1);
  return end == std::string::npos ? "" : line.substr(at + 1, end - at - 1);
}

/// Every rule broken under `root` (a checkout), one line each: file:line, include, reason.
std::vector<std::string> layering_violations(const fs::path& root) {
  std::vector<std::string> violations;
  for (const char* top : {"sim", "agents"}) {
    if (!fs::exists(root / top)) continue;
    for (const auto& entry : fs::recursive_directory_iterator(root / top)) {
      if (!entry.is_regular_file()) continue;
      const std::string ext = entry.path().extension().string();
      if (ext != ".h" && ext != ".cpp" && ext != ".def") continue;
      const fs::path relative = fs::relative(entry.path(), root);
      const std::string from = layer_of(relative);
      const auto rule = allowed_includes().find(from);
      if (rule == allowed_includes().end()) {
        violations.push_back(relative.string() + ": not in a known folder of sim/ (see sim/README.md)");
        continue;
      }
      std::ifstream in(entry.path());
      std::string line;
      for (int number = 1; std::getline(in, line); ++number) {
        const std::string included = quoted_include(line);
        if (included.empty()) continue;
        const std::string where = relative.string() + ":" + std::to_string(number) + ": #include \"" + included + "\"";
        const auto slash = included.find('/');
        if (slash == std::string::npos) {
          violations.push_back(where + ": name the folder (\"core/world.h\", not \"world.h\")");
          continue;
        }
        const std::string to = included.substr(0, slash);
        if (to != from && rule->second.count(to) == 0)
          violations.push_back(where + ": " + from + "/ may not include " + to + "/");
      }
    }
  }
  return violations;
}

void write_file(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream(path) << text;
}

}  // namespace

TEST_CASE("sim/ folders include one another in one direction only", "[layering]") {
  const auto violations = layering_violations(CARDSIM_SOURCE_DIR);
  for (const auto& v : violations) UNSCOPED_INFO(v);
  CHECK(violations.empty());
}

TEST_CASE("the layering check reports an upward include and a bare one", "[layering]") {
  const fs::path root = fs::temp_directory_path() / ("cardsim_layering_" + std::to_string(::getpid()));
  fs::remove_all(root);
  write_file(root / "sim/core/world.cpp", "#include \"core/world.h\"\n#include \"scenario/params.h\"\n");
  write_file(root / "sim/experiments/sweep.cpp", "#include \"core/world.h\"\n");
  CHECK(layering_violations(root).empty());

  write_file(root / "sim/core/bad.cpp", "#include \"core/world.h\"\n  #include \"experiments/sweep.h\"\n");
  write_file(root / "sim/results/bare.cpp", "#include \"world.h\"\n");
  write_file(root / "sim/scenario/up.h", "#include \"cli/cli.h\"\n");
  const auto violations = layering_violations(root);
  fs::remove_all(root);
  REQUIRE(violations.size() == 3);
  const std::set<std::string> found(violations.begin(), violations.end());
  CHECK(found.count("sim/core/bad.cpp:2: #include \"experiments/sweep.h\": core/ may not include experiments/") == 1);
  CHECK(found.count("sim/results/bare.cpp:1: #include \"world.h\": name the folder (\"core/world.h\", not \"world.h\")") == 1);
  CHECK(found.count("sim/scenario/up.h:1: #include \"cli/cli.h\": scenario/ may not include cli/") == 1);
}
