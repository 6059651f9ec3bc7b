#include "results/output_path.h"

#include <filesystem>

#include "scenario/params.h"
#include "results/results.h"
#include "scenario/scenario.h"

namespace cardsim {
namespace fs = std::filesystem;
namespace {

constexpr std::size_t kMaxNameBytes = 200;

/// Why `name` cannot be a file name under results/, or "" when it can.
std::string unusable_name_reason(const std::string& name) {
  if (name.empty()) return "it is empty";
  if (name.size() > kMaxNameBytes) return "it is longer than " + std::to_string(kMaxNameBytes) + " bytes";
  if (name.find('/') != std::string::npos || name.find('\\') != std::string::npos)
    return "it holds a path separator";
  if (name.find("..") != std::string::npos) return "it holds '..'";
  if (name.front() == '.') return "it starts with '.' (a hidden file)";
  for (unsigned char c : name)
    if (c < 0x20 || c == 0x7f) return "it holds a control character";
  return "";
}

bool same_file(const fs::path& a, const fs::path& b) {
  std::error_code ec;
  return fs::exists(a, ec) && fs::exists(b, ec) && fs::equivalent(a, b, ec);
}

}  // namespace

std::string default_output_path(const std::string& name, const std::string& suffix, const std::string& folder) {
  const std::string why = unusable_name_reason(name);
  if (!why.empty())
    throw InputError("name '" + printable_excerpt(name) + "' cannot name the output file (" + why +
                     "); give a plain `name:` or choose the file with --out FILE");
  return folder + "/" + name + suffix;
}

void check_output_path(const std::string& path, const std::vector<std::string>& inputs, bool explicit_out, bool force) {
  std::error_code ec;
  if (path.empty()) throw InputError("--out: the output file name is empty");
  if (fs::is_directory(path, ec))
    throw InputError(path + ": is a folder; the output must be a file (e.g. " +
                     (fs::path(path) / "out.h5").string() + ")");
  for (const auto& input : inputs)
    if (same_file(path, input))
      throw InputError(path + ": is also an input of this command (" + input +
                       "); writing the output there would destroy it");
  if (!explicit_out && !force && fs::exists(path, ec))
    throw InputError(path + ": exists, from an earlier run; pass --force to replace it, or --out FILE to write "
                            "elsewhere");
  check_output_writable(path);
}

}  // namespace cardsim
