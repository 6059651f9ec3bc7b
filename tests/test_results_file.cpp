// The HDF5 results file is self-describing and written atomically.
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <map>

#include "model_fixtures.h"
#include <hdf5_hl.h>

#include "results/h5.h"
#include "results/results.h"

using namespace cardsim;
using namespace cardsim::testing;
namespace fs = std::filesystem;

namespace {

fs::path temp_dir(const std::string& name) {
  fs::path dir = fs::temp_directory_path() / ("cardsim-test-" + name + "-" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

}  // namespace

TEST_CASE("results file carries provenance, series and totals with units", "[results]") {
  const fs::path dir = temp_dir("results");
  const RunResult r = run(small_baseline(50000, 30), 3, 9);
  const std::string path = (dir / "run.h5").string();
  write_run_file(path, r);
  h5::quiet();
  h5::Handle f = h5::open_file(path);
  for (const char* attr : {"cardsim_version", "git_commit", "created_utc", "scenario_yaml"})
    CHECK_FALSE(h5::read_attr_string(f, attr).empty());
  CHECK(h5::read_attr_int(f, "schema_version") == 2);
  CHECK(h5::read_attr_int(f, "seed") == 9);
  CHECK(h5::read_attr_int(f, "replicates") == 3);
  // The stored scenario reloads to the scenario that ran.
  const Scenario back = load_scenario_text(h5::read_attr_string(f, "scenario_yaml"), "file", ".");
  CHECK(back.params.population == 50000);
  CHECK(back.params.days == 30);
  for (const char* metric : {"cards_activated_farmer", "cards_sold_to_scammers", "fraud_attempts", "fraud_cases",
                             "fraud_losses_yuan", "shutdowns_fraud", "price_scammer_yuan"}) {
    INFO(metric);
    std::vector<hsize_t> dims;
    const auto series = h5::read_doubles(f, std::string("timeseries/") + metric, dims);
    REQUIRE(dims == std::vector<hsize_t>{3, 30});
    const auto tot = h5::read_doubles(f, std::string("totals/") + metric, dims);
    REQUIRE(dims == std::vector<hsize_t>{3});
    CHECK(tot == totals(r, metric));
    h5::Handle ds(H5Dopen2(f, (std::string("timeseries/") + metric).c_str(), H5P_DEFAULT), H5Dclose);
    CHECK_FALSE(h5::read_attr_string(ds, "units").empty());
    CHECK_FALSE(h5::read_attr_string(ds, "description").empty());
  }
  fs::remove_all(dir);
}

TEST_CASE("an unwritable output folder is a clear error and leaves no file", "[results][faults]") {
  if (geteuid() == 0) {
    // root ignores permission bits; a path under a regular file cannot be created by anyone.
    const fs::path dir = temp_dir("unwritable");
    std::FILE* blocker = std::fopen((dir / "file").c_str(), "w");
    std::fclose(blocker);
    const std::string path = (dir / "file" / "out.h5").string();
    const RunResult r = run(small_baseline(20000, 5), 1);
    try {
      write_run_file(path, r);
      FAIL("no error for an impossible output path");
    } catch (const std::runtime_error& e) {
      CHECK(std::string(e.what()).find(path) != std::string::npos);
    }
    CHECK_FALSE(fs::exists(path));
    fs::remove_all(dir);
  } else {
    const fs::path dir = temp_dir("unwritable");
    chmod(dir.c_str(), 0500);
    const std::string path = (dir / "out.h5").string();
    CHECK_THROWS(write_run_file(path, run(small_baseline(20000, 5), 1)));
    CHECK_FALSE(fs::exists(path));
    chmod(dir.c_str(), 0700);
    fs::remove_all(dir);
  }
}

TEST_CASE("a write that fails half-way leaves no finished-looking file", "[results][faults]") {
  const fs::path dir = temp_dir("halfway");
  const std::string path = (dir / "out.h5").string();
  CHECK_THROWS(write_atomically(path, [](hid_t file) {
    h5::write_attr(file, "cardsim_version", std::string("x"));
    throw std::runtime_error("simulated failure");
  }));
  CHECK_FALSE(fs::exists(path));
  std::size_t leftovers = 0;
  for (const auto& e : fs::directory_iterator(dir)) leftovers += e.is_regular_file();
  CHECK(leftovers == 0);
  fs::remove_all(dir);
}

TEST_CASE("chunks compressed in parallel read back as HDF5 wrote them", "[results][h5]") {
  const fs::path dir = temp_dir("rows-parallel");
  // 7 rows of 20,000: chunks of 3 rows, the last one partial (zero-padded).
  const hsize_t cols = 20000;
  std::vector<std::vector<double>> rows(7, std::vector<double>(cols));
  for (std::size_t r = 0; r < rows.size(); ++r)
    for (hsize_t c = 0; c < cols; ++c) rows[r][c] = double(r) * 1e5 + double(c) * 0.25 - 3.0;
  std::vector<h5::RowsToWrite> sets(4);
  sets[0].name = "seven";
  sets[0].cols = cols;
  for (const auto& row : rows) sets[0].rows.push_back(row.data());
  sets[1].name = "one";
  sets[1].cols = 5;
  sets[1].rows = {rows[4].data()};
  sets[2].name = "empty";
  sets[2].cols = 5;
  // The same rows as a (7 x 4 x 5000) dataset: each row is one 4 x 5000 block.
  sets[3] = sets[0];
  sets[3].name = "cube";
  sets[3].row_shape = {4, cols / 4};
  sets[3].chunk_rows = 3;
  const std::string path = (dir / "rows.h5").string();
  std::vector<double> flat;
  for (const auto& row : rows) flat.insert(flat.end(), row.begin(), row.end());
  {
    h5::Handle f = h5::create_file(path);
    CHECK(h5::write_rows_parallel(f, sets, 2).size() == 4);
    h5::write_doubles(f, "serial", {7, cols}, flat.data());  // HDF5's own filters, for comparison
  }
  h5::Handle f = h5::open_file(path);
  std::vector<hsize_t> dims;
  const std::vector<double> seven = h5::read_doubles(f, "seven", dims);
  REQUIRE(dims == std::vector<hsize_t>{7, cols});
  CHECK(seven == flat);
  CHECK(h5::read_doubles(f, "serial", dims) == seven);
  const std::vector<double> one = h5::read_doubles(f, "one", dims);
  REQUIRE(dims == std::vector<hsize_t>{1, 5});
  CHECK(std::equal(one.begin(), one.end(), rows[4].begin()));
  CHECK(h5::read_doubles(f, "empty", dims).empty());
  CHECK(dims == std::vector<hsize_t>{0, 5});
  CHECK(h5::read_doubles(f, "cube", dims) == flat);
  CHECK(dims == std::vector<hsize_t>{7, 4, cols / 4});
  fs::remove_all(dir);
}

TEST_CASE("daily series compressed while the run goes on write the same file data", "[results][h5]") {
  const fs::path dir = temp_dir("encoded-series");
  RunRequest req;
  req.scenario = small_baseline(20000, 30);
  req.replicates = 11;  // two chunks of 8 replicates, the second partial
  req.threads = 2;
  req.seed = 4;
  const RunResult plain = run_scenario(req);
  req.encode_series = true;
  const RunResult encoded = run_scenario(req);
  REQUIRE(encoded.encoded.size() == std::size_t(kMetricCount));
  for (const auto& chunks : encoded.encoded) {
    REQUIRE(chunks.size() == 2);
    for (const auto& c : chunks) CHECK_FALSE(c.empty());
  }
  const std::string a = (dir / "plain.h5").string(), b = (dir / "encoded.h5").string();
  write_run_file(a, plain, 2);
  write_run_file(b, encoded, 2);
  h5::Handle fa = h5::open_file(a), fb = h5::open_file(b);
  h5::Handle ta = h5::open_group(fa, "timeseries"), tb = h5::open_group(fb, "timeseries");
  for (const std::string& name : h5::list(ta)) {
    INFO(name);
    std::vector<hsize_t> da, db;
    const std::vector<double> va = h5::read_doubles(ta, name, da);
    CHECK(h5::read_doubles(tb, name, db) == va);
    CHECK(db == (name == "honest_refused_by_check" ? std::vector<hsize_t>{11, 30, plain.check_names.size()}
                                                   : std::vector<hsize_t>{11, 30}));
  }
  // The regions' series were compressed during the run too.
  for (const auto& per_series : encoded.encoded_by_region)
    for (const auto& c : per_series) CHECK_FALSE(c.empty());
  h5::Handle ra = h5::open_group(fa, "regions"), rb = h5::open_group(fb, "regions");
  for (const std::string& name : h5::list(ra)) {
    INFO(name);
    std::vector<hsize_t> da, db;
    CHECK(h5::read_doubles(rb, name, db) == h5::read_doubles(ra, name, da));
    CHECK(db == da);
  }
  fs::remove_all(dir);
}

namespace {

/// Every dataset of the groups a run file has, by path.
std::map<std::string, std::vector<double>> run_file_data(const std::string& path) {
  std::map<std::string, std::vector<double>> out;
  h5::Handle f = h5::open_file(path);
  for (const char* group : {"timeseries", "totals", "regions"}) {
    if (!h5::exists(f, group)) continue;
    h5::Handle g = h5::open_group(f, group);
    for (const std::string& name : h5::list(g)) {
      std::vector<hsize_t> dims;
      out[std::string(group) + "/" + name] = h5::read_doubles(g, name, dims);
    }
  }
  return out;
}

}  // namespace

TEST_CASE("a run file laid out while the replicates run holds what write_run_file writes", "[results][h5]") {
  const fs::path dir = temp_dir("laid-out");
  RunRequest req;
  req.scenario = small_baseline(20000, 30);
  req.replicates = 3;
  req.threads = 2;
  req.encode_series = true;
  const std::string planned = (dir / "planned.h5").string(), direct = (dir / "direct.h5").string(),
                    replanned = (dir / "replanned.h5").string();
  RunFileWriter writer(planned, planned_run_file(req), SeriesMode::Daily);
  bool laid_out = false;
  req.alongside = [&] {
    writer.lay_out();
    laid_out = true;
  };
  const RunResult r = run_scenario(req);
  CHECK(laid_out);
  CHECK_FALSE(fs::exists(planned));  // nothing on disk before finish
  writer.finish(r, 2);
  write_run_file(direct, r, 2);
  // A plan that the run does not match (no refusals by check, no regions) is
  // laid out again from the run rather than losing it.
  RunFileShape wrong = planned_run_file(req);
  wrong.check_names.clear();
  wrong.region_series = false;
  RunFileWriter rewriter(replanned, wrong, SeriesMode::Daily);
  rewriter.lay_out();
  rewriter.finish(r, 1);
  const auto expected = run_file_data(direct);
  CHECK(expected.count("timeseries/honest_refused_by_check") == 1);
  CHECK(expected.count("regions/fraud_cases") == 1);
  CHECK(expected.size() == std::size_t(2 * kMetricCount + 1 + kRegionSeriesCount + 1));
  CHECK(run_file_data(planned) == expected);
  CHECK(run_file_data(replanned) == expected);
  fs::remove_all(dir);
}

TEST_CASE("dimension scales attached in bulk keep the users the library attached one by one", "[results][h5]") {
  const fs::path dir = temp_dir("scales");
  const std::string path = (dir / "scales.h5").string();
  h5::Handle f = h5::create_file(path);
  const std::vector<double> values(6, 1.0);
  const auto dataset = [&](const std::string& name, const std::vector<hsize_t>& dims, const std::string& axes) {
    h5::Handle d = h5::write_doubles(f, name, dims, values.data());
    h5::write_attr(d, "dimensions", axes);
  };
  dataset("a", {2, 3}, "p, q");
  h5::attach_dimension_scales(f);  // /p and /q get their users
  // b uses /p, which has users already, and the new /r: the library attaches
  // both axes; c uses /r alone and is gathered in bulk, after b.
  dataset("b", {2, 3}, "p, r");
  dataset("c", {3}, "r");
  h5::attach_dimension_scales(f);
  h5::Handle p(H5Dopen2(f, "p", H5P_DEFAULT), H5Dclose), r(H5Dopen2(f, "r", H5P_DEFAULT), H5Dclose);
  h5::Handle b(H5Dopen2(f, "b", H5P_DEFAULT), H5Dclose), c(H5Dopen2(f, "c", H5P_DEFAULT), H5Dclose);
  CHECK(H5DSis_attached(b, p, 0) > 0);
  CHECK(H5DSis_attached(b, r, 1) > 0);
  CHECK(H5DSis_attached(c, r, 0) > 0);
  CHECK(H5DSget_num_scales(c, 0) == 1);
  const auto users = [](hid_t scale) {
    h5::Handle attr(H5Aopen(scale, "REFERENCE_LIST", H5P_DEFAULT), H5Aclose);
    h5::Handle space(H5Aget_space(attr), H5Sclose);
    return H5Sget_simple_extent_npoints(space);
  };
  CHECK(users(p) == 2);
  CHECK(users(r) == 2);
  fs::remove_all(dir);
}
