// Helpers for the sweep tests: temporary folders, running the cardsim binary
// as a child process, and comparing HDF5 files dataset by dataset.
#pragma once

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "results/h5.h"

namespace sweeptest {
namespace fs = std::filesystem;

/// A fresh folder under /tmp, removed when the test ends.
struct TempDir {
  fs::path path;
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "cardsim-sweep-XXXXXX").string();
    if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
    path = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  std::string operator/(const std::string& name) const { return (path / name).string(); }
};

inline void write_text(const std::string& path, const std::string& text) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream(path) << text;
}

inline std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

/// A started child process; `stderr_path` collects its output.
struct Child {
  pid_t pid = -1;
  std::string output_path;
  int wait() {
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
  std::string output() const { return read_text(output_path); }
};

/// Starts argv[0] with the rest as arguments, in `cwd`, output to a file.
inline Child start(const std::vector<std::string>& argv, const std::string& cwd, const std::string& output_path) {
  Child c;
  c.output_path = output_path;
  c.pid = fork();
  if (c.pid == 0) {
    const int fd = open(output_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(fd, 1);
    dup2(fd, 2);
    if (!cwd.empty() && chdir(cwd.c_str()) != 0) _exit(126);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execvp(args[0], args.data());
    _exit(127);
  }
  return c;
}

/// Runs a command to the end; returns the exit code, fills `output`.
inline int run_command(const std::vector<std::string>& argv, const std::string& cwd, std::string& output) {
  const std::string log = (cwd.empty() ? fs::temp_directory_path().string() : cwd) + "/.cardsim-test-" +
                          std::to_string(getpid()) + ".log";
  Child c = start(argv, cwd, log);
  const int rc = c.wait();
  output = c.output();
  fs::remove(log);
  return rc;
}

/// Runs `cardsim ARGS...` to the end; returns the exit code, fills `output`.
inline int cardsim(const std::vector<std::string>& args, const std::string& cwd, std::string& output) {
  std::vector<std::string> argv{CARDSIM_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_command(argv, cwd, output);
}

/// Runs any command (argv[0] looked up on PATH) in the current folder.
inline int run_tool(const std::vector<std::string>& argv, std::string& output) {
  return run_command(argv, "", output);
}

inline bool same_double(double a, double b) {
  return (std::isnan(a) && std::isnan(b)) || std::memcmp(&a, &b, sizeof a) == 0;
}

/// Names of every dataset under `group` (recursively), as paths.
inline void list_datasets(hid_t group, const std::string& prefix, std::vector<std::string>& out) {
  for (const auto& name : cardsim::h5::list(group)) {
    H5O_info_t info;
    H5Oget_info_by_name(group, name.c_str(), &info, H5P_DEFAULT);
    if (info.type == H5O_TYPE_GROUP) {
      cardsim::h5::Handle g = cardsim::h5::open_group(group, name);
      list_datasets(g, prefix + name + "/", out);
    } else {
      out.push_back(prefix + name);
    }
  }
}

inline bool is_string_dataset(hid_t file, const std::string& path) {
  cardsim::h5::Handle ds(H5Dopen2(file, path.c_str(), H5P_DEFAULT), H5Dclose);
  cardsim::h5::Handle type(H5Dget_type(ds), H5Tclose);
  return H5Tget_class(type) == H5T_STRING;
}

/// A 1-D dataset of variable-length UTF-8 strings.
inline std::vector<std::string> read_strings(hid_t file, const std::string& path) {
  using cardsim::h5::Handle;
  Handle ds(H5Dopen2(file, path.c_str(), H5P_DEFAULT), H5Dclose);
  Handle space(H5Dget_space(ds), H5Sclose);
  hsize_t n = 0;
  H5Sget_simple_extent_dims(space, &n, nullptr);
  Handle mem(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_size(mem, H5T_VARIABLE);
  H5Tset_cset(mem, H5T_CSET_UTF8);
  std::vector<char*> ptrs(n, nullptr);
  std::vector<std::string> out;
  if (n > 0 && H5Dread(ds, mem, H5S_ALL, H5S_ALL, H5P_DEFAULT, ptrs.data()) < 0) return {"(unreadable)"};
  for (char* p : ptrs) {
    out.emplace_back(p ? p : "");
    H5free_memory(p);
  }
  return out;
}

/// Datasets that differ between executions by nature and are left out of
/// bit-identity comparisons.
inline bool varies_by_execution(const std::string& dataset) { return dataset == "runs/wall_time_s"; }

/// Empty when both files hold the same datasets with bit-identical values
/// (only those whose path starts with one of `only`, when given; never the
/// wall times of /runs), else the first difference.
inline std::string compare_files(const std::string& a, const std::string& b, const std::vector<std::string>& only = {}) {
  using namespace cardsim;
  h5::Handle fa = h5::open_file(a), fb = h5::open_file(b);
  std::vector<std::string> na, nb;
  list_datasets(fa, "", na);
  list_datasets(fb, "", nb);
  auto keep = [&](std::vector<std::string>& v) {
    v.erase(std::remove_if(v.begin(), v.end(), varies_by_execution), v.end());
    if (only.empty()) return;
    std::vector<std::string> kept;
    for (const auto& n : v)
      for (const auto& o : only)
        if (n.rfind(o, 0) == 0) kept.push_back(n);
    v = kept;
  };
  keep(na);
  keep(nb);
  if (na != nb) return "different dataset lists";
  if (na.empty()) return "no datasets";
  for (const auto& n : na) {
    if (is_string_dataset(fa, n)) {  // labelled dimension scales (/parameter)
      if (read_strings(fa, n) != read_strings(fb, n)) return n + ": labels differ";
      continue;
    }
    std::vector<hsize_t> da, db;
    auto va = h5::read_doubles(fa, n, da);
    auto vb = h5::read_doubles(fb, n, db);
    if (da != db) return n + ": shapes differ";
    for (std::size_t i = 0; i < va.size(); ++i)
      if (!same_double(va[i], vb[i]))
        return n + "[" + std::to_string(i) + "]: " + std::to_string(va[i]) + " vs " + std::to_string(vb[i]);
  }
  return "";
}

/// Root string attribute, for provenance checks.
inline std::string root_attr(const std::string& path, const std::string& name) {
  cardsim::h5::Handle f = cardsim::h5::open_file(path);
  return cardsim::h5::read_attr_string(f, name);
}

/// A tiny spec for tests: a grid over two parameters, a kept series.
inline std::string tiny_grid_spec(int replicates = 2, const std::string& extra_set = "") {
  return "replicates: " + std::to_string(replicates) +
         "\nseed: 7\nset: {days: 30, population: 20000" + extra_set +
         "}\nseries: [fraud_cases, price_scammer_yuan]\ndesign:\n  kind: grid\n  parameters:\n"
         "    controls.per_id_cap.max_cards: [1, 3, 5]\n    controls.remote_activation.mode: [allow, block]\n";
}

}  // namespace sweeptest
