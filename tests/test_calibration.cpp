// The baseline reproduces the figures of docs/sources.md it is calibrated on,
// read back from the HDF5 totals as a user would.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>

#include "model_fixtures.h"
#include "results/h5.h"
#include "results/results.h"

using namespace cardsim;
using namespace cardsim::testing;

namespace {

double file_mean(hid_t f, const std::string& metric) {
  std::vector<hsize_t> dims;
  return summarize(h5::read_doubles(f, "totals/" + metric, dims)).mean;
}

}  // namespace

TEST_CASE("baseline prices and loss per case fall inside the FACTS ranges", "[calibration]") {
  const std::string path = (std::filesystem::temp_directory_path() /
                            ("cardsim-calibration-" + std::to_string(getpid()) + ".h5")).string();
  write_run_file(path, run(builtin_baseline(), 10, 1));
  h5::quiet();
  h5::Handle f = h5::open_file(path);
  const double white = file_mean(f, "price_white_yuan");
  const double farmer = file_mean(f, "price_farmer_yuan");
  const double record = file_mean(f, "price_record_yuan");
  const double scammer = file_mean(f, "price_scammer_yuan");
  const double loss_per_case = file_mean(f, "fraud_losses_yuan") / file_mean(f, "fraud_cases");
  f.reset();
  std::filesystem::remove(path);
  INFO("white " << white << " farmer " << farmer << " record " << record << " scammer " << scammer
                << " loss/case " << loss_per_case);
  CHECK(white >= 30);  // F1: 35-40 yuan; F22: 30 yuan from a dealer
  CHECK(white <= 45);
  CHECK(farmer >= 100);  // F8: 100-500 yuan, typically 200
  CHECK(farmer <= 500);
  CHECK(record >= 5);  // F5: about 10 yuan per record
  CHECK(record <= 15);
  CHECK(scammer > farmer);  // brokers resell at a margin
  CHECK(loss_per_case >= 30000);  // F7: about 42,000 yuan; F20: 37,600
  CHECK(loss_per_case <= 55000);
}
