// libFuzzer target: damaged snapshot files. A real snapshot (two replicates
// of a small world after 15 days) is written once; each input is read as a
// list of edits to it, as corruption or tampering would make them: bytes of
// an element of any field overwritten, a field cut short, lengthened or
// removed, a header number changed. The edited file is then read back as
// `run --from-snapshot` does. Only InputError may come out; a crash, a
// sanitizer report, any other exception or a hang is a finding. A world that
// passes every check must also run on (three days) without breaking an invariant.
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "results/h5.h"
#include "core/invariants.h"
#include "core/simulation.h"
#include "results/snapshot.h"

using namespace cardsim;
namespace fs = std::filesystem;

namespace {

const Scenario& fuzz_scenario() {
  static const Scenario sc = [] {
    Scenario s = builtin_baseline();
    s.name = "fuzz";
    // A small world (each input reads and runs it) with criminal densities
    // raised so that every kind is present: 1/20 of the caught share means 20x.
    s.params.population = 50000;
    s.params.density_caught_share = 0.035;
    s.params.days = 30;
    return s;
  }();
  return sc;
}

/// The pristine snapshot, written on first use.
const std::string& pristine() {
  static const std::string path = [] {
    const std::string p = (fs::temp_directory_path() / ("cardsim-fuzz-" + std::to_string(getpid()) + ".h5")).string();
    std::vector<std::unique_ptr<World>> worlds;
    for (uint64_t rep = 0; rep < 2; ++rep) {
      worlds.push_back(build_world(fuzz_scenario(), 7, rep));
      run_days(*worlds.back(), fuzz_scenario(), 15, {});
    }
    write_snapshot_file(p, fuzz_scenario(), 7, worlds);
    return p;
  }();
  return path;
}

/// Reads the fuzz input as a stream of edit instructions.
struct Input {
  const uint8_t* data;
  std::size_t size, pos = 0;
  bool more() const { return pos < size; }
  uint64_t take(std::size_t bytes) {
    uint64_t v = 0;
    for (std::size_t i = 0; i < bytes && pos < size; ++i) v |= uint64_t(data[pos++]) << (8 * i);
    return v;
  }
};

std::vector<std::string> fields(hid_t group) { return h5::list(group); }

/// Overwrites the bytes of one element of `name` (in the dataset's own type).
void poke(hid_t group, const std::string& name, Input& in) {
  h5::Handle ds(H5Dopen2(group, name.c_str(), H5P_DEFAULT), H5Dclose);
  h5::Handle file_type(H5Dget_type(ds), H5Tclose);
  h5::Handle type(H5Tget_native_type(file_type, H5T_DIR_ASCEND), H5Tclose);
  h5::Handle space(H5Dget_space(ds), H5Sclose);
  const hssize_t n = H5Sget_simple_extent_npoints(space);
  const std::size_t width = H5Tget_size(type);
  if (n <= 0 || width == 0 || width > 64) return;
  std::vector<unsigned char> bytes(std::size_t(n) * width);
  if (H5Dread(ds, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, bytes.data()) < 0) return;
  const std::size_t at = std::size_t(in.take(4) % uint64_t(n)) * width;
  for (std::size_t i = 0; i < width; ++i) bytes[at + i] = uint8_t(in.take(1));
  H5Dwrite(ds, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, bytes.data());
}

/// Replaces `name` by a copy `delta` entries shorter or longer (zero-filled).
void resize(hid_t group, const std::string& name, int delta) {
  std::vector<hsize_t> dims;
  h5::Handle ds(H5Dopen2(group, name.c_str(), H5P_DEFAULT), H5Dclose);
  h5::Handle file_type(H5Dget_type(ds), H5Tclose);
  h5::Handle type(H5Tget_native_type(file_type, H5T_DIR_ASCEND), H5Tclose);
  h5::Handle space(H5Dget_space(ds), H5Sclose);
  const hssize_t n = H5Sget_simple_extent_npoints(space);
  const std::size_t width = H5Tget_size(type);
  if (n < 0 || width == 0 || width > 64) return;
  std::vector<unsigned char> bytes(std::size_t(n) * width);
  if (n > 0 && H5Dread(ds, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, bytes.data()) < 0) return;
  const hsize_t m = hsize_t(std::max<hssize_t>(0, n + delta));
  bytes.resize(std::size_t(m) * width, 0);
  ds.reset();
  H5Ldelete(group, name.c_str(), H5P_DEFAULT);
  h5::Handle new_space(H5Screate_simple(1, &m, nullptr), H5Sclose);
  h5::Handle out(H5Dcreate2(group, name.c_str(), type, new_space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Dclose);
  if (m > 0) H5Dwrite(out, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, bytes.data());
}

void apply_edits(const std::string& path, Input& in) {
  h5::Handle file(H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT), H5Fclose);
  while (in.more()) {
    const uint64_t op = in.take(1) % 8;
    if (op == 7) {  // a header number
      static const char* kHeader[] = {"day", "replicates", "seed", "snapshot_format"};
      h5::write_attr(file, kHeader[in.take(1) % 4], int64_t(in.take(8)));
      continue;
    }
    const std::string group_name = in.take(1) % 2 ? "replicate_000001" : "replicate_000000";
    if (!h5::exists(file, group_name)) continue;
    h5::Handle group = h5::open_group(file, group_name);
    const std::vector<std::string> names = fields(group);
    if (names.empty()) continue;
    const std::string& name = names[std::size_t(in.take(2) % names.size())];
    if (op <= 3) poke(group, name, in);
    else if (op == 4) resize(group, name, -int(1 + in.take(1) % 4));
    else if (op == 5) resize(group, name, int(1 + in.take(1) % 4));
    else H5Ldelete(group, name.c_str(), H5P_DEFAULT);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  h5::quiet();
  const std::string work = pristine() + ".edited";
  fs::copy_file(pristine(), work, fs::copy_options::overwrite_existing);
  Input in{data, size};
  apply_edits(work, in);
  try {
    const SnapshotInfo info = read_snapshot_info(work);
    for (int64_t rep = 0; rep < info.replicates; ++rep) {
      auto w = read_snapshot_world(work, info.scenario, rep);
      RunOptions check;
      check.check_invariants = true;
      // Three days with invariants checked daily show a damaged world that got
      // through; running all the remaining days would cut the inputs tried per
      // second several-fold and find nothing more.
      const int64_t until = std::min<int64_t>(info.scenario.params.days, w->day + 3);
      run_days(*w, info.scenario, until, check);  // InvariantError escapes: a finding
    }
  } catch (const InputError&) {
  }
  return 0;
}
