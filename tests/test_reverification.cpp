// Dormant cards and re-verification drives (agents/reverification.cpp): the
// pass rule by channel and the honest cost on a tiny hand-made World with
// exact outcomes; then whole runs read from the output series: the drive acts
// on its day only, coverage 0 changes nothing, cards stay conserved by state;
// the composite honest_harmed is the sum of its parts in the results file, and
// compare ranks by it.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <memory>
#include <numeric>
#include <sstream>
#include <string>

#include "agents/reverification.h"
#include "core/simulation.h"
#include "core/world.h"
#include "experiments/compare.h"
#include "model_fixtures.h"
#include "results/h5.h"
#include "results/results.h"

using namespace cardsim;
using namespace cardsim::testing;

namespace {

/// Four identity holders, one merchant, no other criminal (as in test_agents.cpp).
std::unique_ptr<World> tiny_world() {
  Params p = tiny_area_params();
  p.density_rings = 0;
  p.density_sim_banks = 0;
  auto w = std::make_unique<World>(p, 7, 0);
  for (uint32_t id = 0; id < 4; ++id) w->set_legit_cards(id, 0);
  w->legit_live = w->legit_initial = 0;  // no honest cards: the criminal ones alone
  w->day = 10;
  return w;
}

/// A card of `channel` activated on `day`, in the merchant's stock.
uint32_t stocked(World& w, Channel channel, int32_t day) {
  const uint32_t card = w.new_card(channel, 1, 0, 0, -1);
  w.cards.activation_day[card] = day;
  w.brokers.stock[0].push_back(card);
  return card;
}

ScheduledAction drive(double coverage, ReverifyTarget target = ReverifyTarget::Dormant, int64_t idle_days = 0) {
  ScheduledAction a;
  a.day = 10;
  a.target = target;
  a.idle_days = idle_days;
  a.coverage = coverage;
  return a;
}

double series_at(const RunResult& r, int64_t rep, const std::string& metric, int64_t day) {
  return r.daily[std::size_t(rep)][std::size_t(find_metric(metric)) * std::size_t(r.days) + std::size_t(day)];
}

/// The baseline at 200,000 people where rings and SIM banks buy no card: the
/// merchants' stock stays full, so a drive has dormant cards to find.
Scenario idle_market(int64_t days = 60) {
  return with(small_baseline(200000, days), {"scammers.callers_cards=0", "scammers.cards_per_margin=0", "sim_banks.cards_per_margin=0"});
}

Scenario with_actions(Scenario sc, const std::string& actions_yaml) {
  Scenario parsed = load_scenario_text("days: " + std::to_string(sc.params.days) + "\n" + actions_yaml, "<test>", ".");
  sc.actions = parsed.actions;
  validate_scenario(sc);
  return sc;
}

}  // namespace

TEST_CASE("the pass rule: a farmer may confirm a card in their name, cards on others' identities never pass",
          "[reverification][agents]") {
  auto w = tiny_world();
  const uint32_t farmer = stocked(*w, Channel::Farmer, 0);
  const uint32_t harvested = stocked(*w, Channel::Harvested, 0);
  const uint32_t white = stocked(*w, Channel::White, 0);
  const uint32_t raised = stocked(*w, Channel::Raised, 0);
  w->p.reverification_farmer_confirm_share = 1;
  Stream s = w->stream(Phase::Actions, 0);
  run_reverification(*w, s, drive(1.0));
  CHECK(w->cards.state[farmer] == uint8_t(CardState::Stock));
  for (uint32_t card : {harvested, white, raised}) CHECK(w->cards.state[card] == uint8_t(CardState::ShutReverified));
  CHECK(w->brokers.stock[0] == std::vector<uint32_t>{farmer});  // the shut cards left the stock
  CHECK(w->recorder.today(Metric::cards_reverified) == 4);
  CHECK(w->recorder.today(Metric::shutdowns_reverification) == 3);
  CHECK(w->cards_by_state[std::size_t(CardState::ShutReverified)] == 3);
  CHECK(dormant_cards(*w) == 1);
  CHECK(w->citizens.person[1].criminal_cards() == 1);  // shut cards free their holder's slots
  // A farmer who never confirms loses the card too.
  w->p.reverification_farmer_confirm_share = 0;
  Stream again = w->stream(Phase::Actions, 1);
  run_reverification(*w, again, drive(1.0));
  CHECK(w->cards.state[farmer] == uint8_t(CardState::ShutReverified));
  CHECK(w->brokers.stock[0].empty());
}

TEST_CASE("coverage 0 reaches no card, and target idle reaches only cards unused for idle_days", "[reverification][agents]") {
  auto w = tiny_world();
  const uint32_t old_card = stocked(*w, Channel::Harvested, 0);    // unused for 10 days
  const uint32_t new_card = stocked(*w, Channel::Harvested, 8);    // unused for 2 days
  const uint32_t raised = stocked(*w, Channel::Raised, 0);         // activated day 0, raised until day 7
  w->cards.commission_day[raised] = 7;
  CHECK(days_without_use(*w, old_card) == 10);
  CHECK(days_without_use(*w, raised) == 3);
  const std::vector<uint32_t> before = w->brokers.stock[0];
  Stream none = w->stream(Phase::Actions, 0);
  run_reverification(*w, none, drive(0.0));
  CHECK(w->brokers.stock[0] == before);
  CHECK(w->recorder.today(Metric::cards_reverified) == 0);
  Stream idle = w->stream(Phase::Actions, 1);
  run_reverification(*w, idle, drive(1.0, ReverifyTarget::Idle, 5));
  CHECK(w->cards.state[old_card] == uint8_t(CardState::ShutReverified));
  CHECK(w->cards.state[new_card] == uint8_t(CardState::Stock));
  CHECK(w->cards.state[raised] == uint8_t(CardState::Stock));
  CHECK(w->brokers.stock[0] == std::vector<uint32_t>{new_card, raised});  // order kept
}

TEST_CASE("honest holders who miss the re-verification lose a sleeping card each", "[reverification][agents]") {
  auto w = tiny_world();
  for (uint32_t id = 0; id < 4; ++id) w->set_legit_cards(id, 10);
  w->legit_live = 40;
  w->p.citizens_sleeping_share = 1;
  w->p.reverification_honest_miss_share = 1;
  Stream s = w->stream(Phase::Actions, 0);
  run_reverification(*w, s, drive(0.5));
  const double asked = w->recorder.today(Metric::cards_reverified);
  const double lost = w->recorder.today(Metric::shutdowns_honest_reverification);
  CHECK(asked > 5);
  CHECK(asked < 35);
  CHECK(lost == asked);  // every holder asked misses it
  int left = 0;
  for (uint32_t id = 0; id < 4; ++id) left += w->legit_cards(id);
  CHECK(left == 40 - int(lost));
  CHECK(w->legit_live == 40 - int64_t(lost));
  CHECK(w->legit_shut == int64_t(lost));
}

TEST_CASE("a drive shuts dormant criminal cards on its day and costs honest sleeping cards, read from the output",
          "[reverification]") {
  const Scenario sc = with_actions(idle_market(), "actions:\n  - {day: 30, action: reverify, target: dormant, coverage: 1}\n");
  const RunResult r = run(sc, 2, 3, 0, /*check=*/true);  // invariants every day: cards conserved by state
  for (int64_t rep = 0; rep < 2; ++rep) {
    INFO("replicate " << rep);
    CHECK(series_at(r, rep, "cards_dormant", 29) > 10);  // a full stock waits for buyers
    CHECK(series_at(r, rep, "shutdowns_reverification", 30) > 10);
    CHECK(series_at(r, rep, "cards_dormant", 30) < series_at(r, rep, "cards_dormant", 29) - 10);
    CHECK(series_at(r, rep, "shutdowns_honest_reverification", 30) > 100);
    CHECK(series_at(r, rep, "cards_reverified", 30) >
          series_at(r, rep, "shutdowns_reverification", 30) + series_at(r, rep, "shutdowns_honest_reverification", 30));
    for (int64_t d = 0; d < r.days; ++d) {
      if (d == 30) continue;
      INFO("day " << d);
      REQUIRE(series_at(r, rep, "shutdowns_reverification", d) == 0);
      REQUIRE(series_at(r, rep, "shutdowns_honest_reverification", d) == 0);
      REQUIRE(series_at(r, rep, "cards_reverified", d) == 0);
    }
  }
}

TEST_CASE("a drive of coverage 0 is bit-identical to no drive", "[reverification][determinism]") {
  const Scenario plain = small_baseline(200000, 90);
  const Scenario dormant = with_actions(plain, "actions:\n  - {day: 40, action: reverify, target: dormant, coverage: 0}\n");
  const Scenario idle =
      with_actions(plain, "actions:\n  - {day: 41, action: reverify, target: idle, idle_days: 3, coverage: 0}\n");
  const RunResult a = run(plain, 2, 5);
  for (const Scenario* sc : {&dormant, &idle}) {
    const RunResult b = run(*sc, 2, 5);
    CHECK(a.daily == b.daily);
    CHECK(a.totals == b.totals);
  }
  // and a drive that reaches cards does change the run
  const RunResult c = run(with_actions(plain, "actions:\n  - {day: 40, action: reverify, target: dormant, coverage: 1}\n"), 2, 5);
  CHECK(a.daily != c.daily);
}

TEST_CASE("honest_harmed is declared once as the sum of its parts, and the output holds it so", "[reverification][metrics]") {
  const auto& composites = composite_metrics();
  REQUIRE(composites.size() >= 1);
  const MetricSpec& spec = metric_registry()[std::size_t(Metric::honest_harmed)];
  CHECK(spec.parts == std::vector<std::string>{"honest_refused", "shutdowns_honest", "shutdowns_honest_reverification",
                                                 "bank_accounts_frozen_honest"});
  for (const CompositeMetric& c : composites)
    for (Metric part : c.parts) {
      INFO(metric_registry()[std::size_t(part)].name);
      CHECK(metric_registry()[std::size_t(part)].kind == MetricKind::Flow);  // a sum of flows is a flow
      CHECK(metric_registry()[std::size_t(part)].parts.empty());
    }
  const Scenario sc = with_actions(small_baseline(200000, 60),
                                   "actions:\n  - {day: 20, action: reverify, target: dormant, coverage: 1}\n");
  const RunResult r = run(sc, 2, 9);
  const std::string path = (std::filesystem::temp_directory_path() /
                            ("cardsim_harmed_" + std::to_string(::getpid()) + ".h5")).string();
  write_run_file(path, r, 1);
  h5::Handle file = h5::open_file(path);
  h5::Handle ts = h5::open_group(file, "timeseries");
  h5::Handle tot = h5::open_group(file, "totals");
  std::vector<hsize_t> dims;
  const std::vector<double> harmed = h5::read_doubles(ts, "honest_harmed", dims);
  REQUIRE(dims == std::vector<hsize_t>{2, 60});
  std::vector<double> sum(harmed.size(), 0.0), total_sum(2, 0.0);
  for (const std::string& part : spec.parts) {
    const std::vector<double> v = h5::read_doubles(ts, part, dims);
    for (std::size_t i = 0; i < v.size(); ++i) sum[i] += v[i];
    const std::vector<double> t = h5::read_doubles(tot, part, dims);
    for (std::size_t i = 0; i < t.size(); ++i) total_sum[i] += t[i];
  }
  CHECK(harmed == sum);
  CHECK(h5::read_doubles(tot, "honest_harmed", dims) == total_sum);
  {
    h5::Handle ds(H5Dopen2(tot, "honest_harmed", H5P_DEFAULT), H5Dclose);
    CHECK(h5::read_attr_strings(ds, "parts") == spec.parts);
  }
  std::filesystem::remove(path);
  // The drive's honest losses are in it: more harm than refusals and monitoring alone.
  double lost = 0;
  for (double v : r.totals[std::size_t(Metric::shutdowns_honest_reverification)]) lost += v;
  CHECK(lost > 0);
}

TEST_CASE("compare ranks by honest_harmed and prints its parts beside losses avoided", "[reverification][compare]") {
  CompareRequest req;
  req.base = idle_market(60);
  // Two drives on day 10: both avoid no losses (no card is used for fraud);
  // "careful" costs honest holders nothing, "harsh" loses every sleeping card.
  Scenario careful = with_actions(req.base, "actions:\n  - {day: 10, action: reverify, target: dormant, coverage: 1}\n");
  careful.name = "careful";
  apply_override(careful, "controls.reverification.honest_miss_share=0");
  Scenario harsh = careful;
  harsh.name = "harsh";
  apply_override(harsh, "controls.reverification.honest_miss_share=1");
  req.policies = {careful, harsh};
  req.replicates = 4;
  req.threads = 2;
  const CompareResult r = run_compare(req);
  const PolicyEffect& c = r.effects[0];
  const PolicyEffect& h = r.effects[1];
  // The harm is the composite's paired difference, re-verification losses included:
  // neither drive refuses anyone nor changes monitoring's honest shutdowns.
  CHECK(h.honest_harmed == Approx(h.ci[std::size_t(Metric::honest_harmed)].mean));
  CHECK(h.honest_harmed == Approx(h.ci[std::size_t(Metric::shutdowns_honest_reverification)].mean +
                                  h.ci[std::size_t(Metric::honest_refused)].mean +
                                  h.ci[std::size_t(Metric::shutdowns_honest)].mean));
  CHECK(h.honest_harmed > 1000);
  CHECK(h.harm_measurable);
  CHECK(c.ci[std::size_t(Metric::shutdowns_honest_reverification)].mean == 0);
  CHECK(std::abs(c.honest_harmed) < 50);  // only knock-on effects: merchants restock, farmers are recruited
  std::ostringstream out;
  print_compare(out, r);
  const std::string text = out.str();
  INFO(text);
  CHECK_THAT(text, Catch::Contains("honest_harmed = honest_refused + shutdowns_honest + shutdowns_honest_reverification"));
  CHECK_THAT(text, Catch::Contains("honest_harmed") && Catch::Contains("shutdowns_honest_reverification"));
  // The ranking table's row of "harsh" shows its re-verification losses beside the composite.
  const std::size_t row = text.rfind("harsh");
  REQUIRE(row != std::string::npos);
  const std::string line = text.substr(row, text.find('\n', row) - row);
  char expected[32];
  std::snprintf(expected, sizeof expected, "%+.1f", h.ci[std::size_t(Metric::shutdowns_honest_reverification)].mean);
  CHECK_THAT(line, Catch::Contains(expected));
}

TEST_CASE("the ranking's harm is honest_harmed: a policy harming only through a part other than refusals ranks below",
          "[reverification][compare]") {
  // Same losses avoided; "drive" refuses no one and shuts no honest card by
  // monitoring, but loses sleeping cards to re-verification.
  std::vector<PolicyEffect> effects(2);
  const char* names[] = {"drive", "free"};
  for (std::size_t i = 0; i < 2; ++i) {
    PolicyEffect& e = effects[i];
    e.name = names[i];
    e.diff.assign(kMetricCount, std::vector<double>(20, 0.0));
    for (std::size_t r = 0; r < 20; ++r) {
      e.diff[std::size_t(Metric::fraud_losses_yuan)][r] = -100 + (r % 2 ? 5.0 : -5.0);
      if (i == 0) {
        e.diff[std::size_t(Metric::shutdowns_honest_reverification)][r] = 10 + (r % 2 ? 1.0 : -1.0);
        e.diff[std::size_t(Metric::honest_harmed)][r] = e.diff[std::size_t(Metric::shutdowns_honest_reverification)][r];
      }
    }
  }
  rank_policies(effects, RankOptions{});
  CHECK(effects[0].honest_harmed == Approx(10.0));
  CHECK(effects[0].harm_measurable);
  CHECK(effects[0].avoided_per_harmed == Approx(10.0));
  CHECK_FALSE(effects[1].harm_measurable);
  CHECK(effects[1].rank == 1);
  CHECK(effects[0].rank == 2);
}

TEST_CASE("actions round-trip through the resolved scenario and are refused before a burn-in", "[reverification][scenario]") {
  const Scenario sc = with_actions(small_baseline(200000, 90),
                                   "actions:\n  - {day: 50, action: reverify, target: idle, idle_days: 7, coverage: 0.25}\n"
                                   "  - {day: 20, action: reverify, target: dormant, coverage: 1}\n");
  REQUIRE(sc.actions.size() == 2);
  CHECK(sc.actions[0].day == 20);  // sorted by day
  const std::string yaml = resolved_yaml(sc);
  CHECK_THAT(yaml, Catch::Contains("actions:\n  - {day: 20, action: reverify, target: dormant, coverage: 1}\n"
                                   "  - {day: 50, action: reverify, target: idle, idle_days: 7, coverage: 0.25}\n"));
  const Scenario back = load_scenario_text(yaml, "<resolved>", ".");
  CHECK(resolved_yaml(back) == yaml);
  CompareRequest req;
  req.base = small_baseline(200000, 90);
  req.policies = {sc};
  req.replicates = 1;
  req.burn_in = 30;
  CHECK_THROWS_WITH(run_compare(req), Catch::Contains("key 'actions'") && Catch::Contains("--burn-in"));
}
