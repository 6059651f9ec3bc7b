// The card-use table (sim/core/card_uses.def): every use has its metrics of
// the right kinds, they reach the summary and the results file with units,
// and the file names the uses so that readers take the list from it.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <set>
#include <string>

#include "core/card_uses.h"
#include "model_fixtures.h"
#include "results/h5.h"
#include "results/results.h"

using namespace cardsim;
using namespace cardsim::testing;
namespace fs = std::filesystem;

namespace {

std::string metric_name(Metric m) { return metric_registry()[std::size_t(m)].name; }

}  // namespace

TEST_CASE("each card use has entries, cards held and shutdowns of the right kinds", "[card_uses]") {
  std::set<std::string> keys, names;
  for (const CardUseSpec& u : kCardUses) {
    INFO(u.key);
    CHECK(keys.insert(u.key).second);
    for (const auto& [m, kind] : {std::pair{u.entered, MetricKind::Flow}, std::pair{u.held, MetricKind::Level},
                                  std::pair{u.shut, MetricKind::Flow}}) {
      const MetricSpec& spec = metric_registry()[std::size_t(m)];
      CHECK(spec.kind == kind);
      CHECK(spec.units == "cards");
      CHECK_FALSE(spec.description.empty());
      CHECK(names.insert(spec.name).second);  // no metric shared by two uses or two roles
    }
  }
  // Older analyses read the fraud-call use's entries under their old name.
  CHECK(kCardUses[0].use == CardUse::FraudCalls);
  CHECK(metric_name(kCardUses[0].entered) == "cards_sold_to_scammers");
  CHECK(metric_name(kCardUses[0].held) == "cards_in_fraud_use");
}

TEST_CASE("the summary lists every card use's metrics once", "[card_uses]") {
  const auto& rows = summary_metrics();
  for (const CardUseSpec& u : kCardUses)
    for (Metric m : {u.entered, u.held, u.shut}) {
      INFO(metric_name(m));
      CHECK(std::count(rows.begin(), rows.end(), metric_name(m)) == 1);
    }
}

TEST_CASE("the results file names the card uses and holds their metrics with units", "[card_uses][results]") {
  const fs::path dir = fs::temp_directory_path() / ("cardsim-test-uses-" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const RunResult r = run(small_baseline(50000, 30), 2, 3);
  const std::string path = (dir / "run.h5").string();
  write_run_file(path, r);
  h5::quiet();
  h5::Handle f = h5::open_file(path);
  const auto keys = h5::read_attr_strings(f, "card_uses");
  const auto labels = h5::read_attr_strings(f, "card_use_labels");
  const auto buyers = h5::read_attr_strings(f, "card_use_buyers");
  const auto entered = h5::read_attr_strings(f, "card_use_entered_metrics");
  const auto held = h5::read_attr_strings(f, "card_use_held_metrics");
  const auto shut = h5::read_attr_strings(f, "card_use_shutdown_metrics");
  REQUIRE(keys.size() == std::size_t(kCardUseCount));
  for (const auto* list : {&labels, &buyers, &entered, &held, &shut}) REQUIRE(list->size() == keys.size());
  for (std::size_t u = 0; u < keys.size(); ++u) {
    CHECK(keys[u] == kCardUses[u].key);
    CHECK(labels[u] == kCardUses[u].label);
    CHECK(buyers[u] == kCardUses[u].buyers);
    for (const std::string& metric : {entered[u], held[u], shut[u]}) {
      INFO(metric);
      std::vector<hsize_t> dims;
      const auto tot = h5::read_doubles(f, "totals/" + metric, dims);
      CHECK(tot == totals(r, metric));
      h5::Handle ds(H5Dopen2(f, ("timeseries/" + metric).c_str(), H5P_DEFAULT), H5Dclose);
      CHECK(h5::read_attr_string(ds, "units").rfind("cards", 0) == 0);  // "cards per day" for flows
      CHECK_FALSE(h5::read_attr_string(ds, "description").empty());
    }
  }
  fs::remove_all(dir);
}

TEST_CASE("cards of every use add up, every day, and their shutdowns are counted by use", "[card_uses][invariants]") {
  // --check mode asserts the invariants "cards by use" and "cards held" at the
  // end of every day; a run that breaks them throws.
  const RunResult r = run(small_baseline(100000, 120), 1, 5, 0, true);
  double shut_in_uses = 0;
  for (const CardUseSpec& u : kCardUses) shut_in_uses += mean_total(r, metric_name(u.shut));
  CHECK(shut_in_uses > 0);
  // Every card shut in a use is a criminal card shut; the rest were being raised.
  CHECK(shut_in_uses <= mean_total(r, "shutdowns_fraud"));
}

namespace {

/// A market where stock is scarce: few merchants and no raisers, so the
/// buyers of the two uses compete for the same cards. At 3 yuan a code a
/// SIM bank's card is worth about 1,170 yuan (4 codes a day over its expected
/// 97 days), within the range of what a card earns a ring.
Scenario scarce_market(const std::vector<std::string>& sets) {
  std::vector<std::string> all = {"density.merchants_caught_per_million=1.4", "density.raisers_caught_per_million=0",
                                  "density.sim_banks_caught_per_million=1.4", "sim_banks.fee_per_code_yuan=3"};
  all.insert(all.end(), sets.begin(), sets.end());
  return with(small_baseline(200000, 200), all);
}

}  // namespace

TEST_CASE("cards go to the use whose buyers value them more", "[card_uses][sim_bank]") {
  // A SIM bank's card earns codes a day x fee over its life; the fee moves
  // that value far above or far below what a card earns a ring. Which use
  // the scarce stock ends in is read from the outputs.
  const RunResult sim_bank_pays = run(scarce_market({"sim_banks.fee_per_code_yuan=20"}), 2, 11);
  CHECK(mean_total(sim_bank_pays, "cards_sold_to_sim_banks") > 2 * mean_total(sim_bank_pays, "cards_sold_to_scammers"));
  const RunResult fraud_pays = run(scarce_market({"sim_banks.fee_per_code_yuan=0.05"}), 2, 11);
  CHECK(mean_total(fraud_pays, "cards_sold_to_scammers") > 2 * mean_total(fraud_pays, "cards_sold_to_sim_banks"));
  CHECK(mean_total(fraud_pays, "cards_sold_to_scammers") > 0);
  // A SIM bank's cards do their harm as codes received, and monitoring shuts
  // them at their own hazard, counted under their use.
  CHECK(mean_total(sim_bank_pays, "sim_bank_codes_received") > 0);
  CHECK(mean_total(sim_bank_pays, "shutdowns_in_sim_banks") > 0);
  CHECK(mean_total(fraud_pays, "sim_bank_codes_received") < mean_total(sim_bank_pays, "sim_bank_codes_received"));
}

TEST_CASE("switching SIM banks on lowers the cards sold to rings when stock is scarce", "[card_uses][sim_bank]") {
  const int64_t replicates = 8;
  const RunResult off = run(scarce_market({"density.sim_banks_caught_per_million=0"}), replicates, 21);
  const RunResult on = run(scarce_market({}), replicates, 21);
  CHECK(mean_total(off, "cards_sold_to_sim_banks") == 0);
  CHECK(mean_total(on, "cards_sold_to_sim_banks") > 0);
  const Interval change = mean_difference_ci90(off, on, "cards_sold_to_scammers");
  INFO("cards sold to rings, on - off: " << change.mean << " [" << change.lo << ", " << change.hi << "]");
  CHECK(change.hi < 0);
}

TEST_CASE("cards of both uses add up every day, with money conserved", "[card_uses][sim_bank][invariants]") {
  const RunResult r = run(scarce_market({}), 1, 5, 0, true);  // --check: invariants every day
  CHECK(mean_total(r, "cards_sold_to_sim_banks") > 0);
  CHECK(mean_total(r, "cards_sold_to_scammers") > 0);
}
