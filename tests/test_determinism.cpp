// Same scenario and seed give bit-identical results for any thread count;
// different seeds give different results.
#include <catch2/catch.hpp>

#include <cstring>
#include <sstream>
#include <string>

#include "core/block_pool.h"
#include "core/identity_lookahead.h"
#include "core/simulation.h"
#include "results/summary.h"
#include "model_fixtures.h"

using namespace cardsim;
using namespace cardsim::testing;

namespace {

bool identical(const RunResult& a, const RunResult& b) {
  if (a.daily.size() != b.daily.size()) return false;
  for (std::size_t r = 0; r < a.daily.size(); ++r)
    if (std::memcmp(a.daily[r].data(), b.daily[r].data(), a.daily[r].size() * sizeof(double)) != 0) return false;
  for (std::size_t m = 0; m < a.totals.size(); ++m)
    if (std::memcmp(a.totals[m].data(), b.totals[m].data(), a.totals[m].size() * sizeof(double)) != 0) return false;
  return true;
}

}  // namespace

TEST_CASE("1 and 2 threads give bit-identical results", "[determinism]") {
  const Scenario sc = small_baseline(200000, 150);
  const RunResult one = run(sc, 4, 7, 1);
  const RunResult two = run(sc, 4, 7, 2);
  CHECK(identical(one, two));
}

TEST_CASE("the same seed twice is identical, another seed differs", "[determinism]") {
  const Scenario sc = small_baseline(200000, 150);
  const RunResult a = run(sc, 2, 11);
  const RunResult b = run(sc, 2, 11);
  const RunResult c = run(sc, 2, 12);
  CHECK(identical(a, b));
  CHECK_FALSE(identical(a, c));
  CHECK(mean_total(a, "fraud_attempts") != mean_total(c, "fraud_attempts"));
}

TEST_CASE("replicates of one run differ from each other", "[determinism]") {
  const RunResult r = run(small_baseline(200000, 150), 2, 3);
  CHECK(totals(r, "fraud_attempts")[0] != totals(r, "fraud_attempts")[1]);
}

TEST_CASE("every channel and control on: still identical across thread counts", "[determinism]") {
  const Scenario sc = with(small_baseline(200000, 150),
                           {"controls.dealer_cap.enabled=true", "controls.velocity.enabled=true",
                            "commission.clawback=true", "controls.remote_activation.mode=block"});
  CHECK(identical(run(sc, 3, 5, 1), run(sc, 3, 5, 2)));
}

// `cardsim run --phase-times`: every phase is timed in every replicate, the
// phases that do the run's work take time, and the results are those of an
// untimed run.
TEST_CASE("timing the phases leaves results bit-identical and times every phase", "[determinism][phase_times]") {
  const Scenario sc = small_baseline(200000, 60);
  RunRequest req;
  req.scenario = sc;
  req.seed = 3;
  req.replicates = 2;
  req.threads = 2;
  req.time_phases = true;
  const RunResult timed = run_scenario(req);
  CHECK(identical(timed, run(sc, 2, 3, 2)));
  CHECK(run(sc, 2, 3, 2).phase_times.empty());
  REQUIRE(timed.phase_times.size() == 2);
  const auto& phases = daily_phases();
  for (const auto& replicate : timed.phase_times) {
    CHECK(replicate.days == 60);
    REQUIRE(replicate.seconds.size() == phases.size());
    for (std::size_t i = 0; i < phases.size(); ++i) {
      INFO(phases[i].name);
      CHECK(replicate.seconds[i] >= 0);
      if (std::string(phases[i].name) == "honest_demand") CHECK(replicate.seconds[i] > 0);
    }
  }
  std::ostringstream table;
  print_phase_times(table, timed);
  CHECK(table.str().find("honest_demand") != std::string::npos);
  CHECK(table.str().find("all phases") != std::string::npos);
  CHECK(table.str().find("120 replicate-days") != std::string::npos);
  std::ostringstream none;
  print_phase_times(none, run(sc, 1, 3, 1));
  CHECK(none.str().empty());
  // A world continued past day 0 (as from a snapshot) counts only the days it ran.
  auto w = build_world(sc, 3, 0);
  run_days(*w, sc, 20, RunOptions{});
  PhaseTimes rest;
  RunOptions timing;
  timing.phase_times = &rest;
  run_days(*w, sc, 60, timing);
  CHECK(rest.days == 40);
}

// One replicate on several threads: honest demand runs by blocks of holders
// (a region each) on the spare threads; results must not depend on how many.
// Uneven regions (the census sizes) and every control that reads an
// outlet's or a holder's state, with retries, so that each block's share of
// the shared tallies is exercised.
TEST_CASE("one replicate on 1, 2 and 3 threads gives bit-identical results", "[determinism][threads]") {
  const Scenario sc = with(small_baseline(310000, 120),
                           {"regions=31", "region_sizes=china_provinces_2020", "controls.dealer_cap.enabled=true",
                            "controls.velocity.enabled=true", "controls.remote_activation.mode=block",
                            "citizens.retry_share=0.5"});
  const RunResult one = run(sc, 1, 9, 1);
  CHECK(identical(one, run(sc, 1, 9, 2)));
  CHECK(identical(one, run(sc, 1, 9, 3)));
  CHECK(mean_total(one, "cards_activated_legit") > 0);
  CHECK(mean_total(one, "honest_refused_dealer_cap") + mean_total(one, "honest_refused_remote") > 0);
}

// National runs read holders' records in batches, in the order of the record
// array's pages, before their events use them (core/identity_lookahead.h),
// once the records outgrow the caches (32 million holders and more). The
// holders must still come out in the order their stream draws them, however
// many the caller said it would draw, and across batch boundaries.
TEST_CASE("holders drawn in page-ordered batches come out in their stream's order", "[determinism]") {
  Scenario sc = with(small_baseline(40000000, 10), {"regions=31", "region_sizes=china_provinces_2020"});
  const World w(sc.params, 3, 0);
  REQUIRE(records_outgrow_caches(w));
  for (const int region : {0, 18, -1})
    for (const int64_t expected : {int64_t(0), int64_t(100), int64_t(5000)}) {
      IdentityLookahead who(w, w.stream(Phase::HonestDemand, 77), region, expected);
      Stream s = w.stream(Phase::HonestDemand, 77);
      int64_t differ = 0;
      for (int k = 0; k < 9000; ++k) {
        const uint32_t direct = region < 0 ? w.random_identity(s) : w.random_identity_in(s, region);
        differ += who.next() != direct;
      }
      CHECK(differ == 0);
    }
}

// The same path inside a run: one replicate of 40 million holders in the
// census provinces (honest demand by blocks, records read in page order) on
// 1 and 2 threads, with the controls that read a holder's state.
TEST_CASE("one replicate of 40 million holders on 1 and 2 threads gives bit-identical results",
          "[determinism][threads]") {
  const Scenario sc = with(small_baseline(40000000, 6),
                           {"regions=31", "region_sizes=china_provinces_2020", "controls.velocity.enabled=true",
                            "controls.remote_activation.mode=block", "citizens.retry_share=0.5"});
  const RunResult one = run(sc, 1, 4, 1);
  CHECK(identical(one, run(sc, 1, 4, 2)));
  CHECK(mean_total(one, "cards_activated_legit") > 0);
  CHECK(mean_total(one, "honest_refused_remote") > 0);
}

// Records updated by blocks of pages (update_records_by_page: harvested
// records marked as leaked, slots freed by monitoring's shutdowns), on the
// block threads of a replicate. A test makes a block one page (2^20
// holders), so that a world of a few million holders runs by several blocks.
namespace {

struct OnePageBlocks {
  int kept = record_block_pages();
  OnePageBlocks() { record_block_pages() = 1; }
  ~OnePageBlocks() { record_block_pages() = kept; }
};

/// Adds a criminal card to each of `ids`' holders and marks every third as
/// misused: updates that come out the same in any order.
void count_cards_by_page(World& w, const std::vector<uint32_t>& ids) {
  PageOrder scratch;
  update_records_by_page(w, ids, scratch, [&w, &ids](std::size_t k) {
    Identity& holder = w.citizens.person[ids[k]];
    holder.set_criminal_cards(holder.criminal_cards() + 1);
    if (k % 3 == 0) holder.set_flags(Citizens::kMisused);
  });
}

}  // namespace

TEST_CASE("records updated by page blocks: each update once, the same on 1 and 2 threads", "[determinism][threads]") {
  const OnePageBlocks one_page;
  const Scenario sc = small_baseline(3500000, 1);
  World serial(sc.params, 5, 0), blocks(sc.params, 5, 0), threads(sc.params, 5, 0);
  // Holders on every page, some many times, the last holder among them.
  std::vector<uint32_t> ids;
  Stream s = serial.stream(Phase::Records, 1);
  for (int k = 0; k < 20000; ++k) ids.push_back(serial.random_identity(s));
  for (int k = 0; k < 7; ++k) ids.push_back(uint32_t(serial.citizens.count - 1));
  for (std::size_t k = 0; k < ids.size(); ++k) {
    Identity& holder = serial.citizens.person[ids[k]];
    holder.set_criminal_cards(holder.criminal_cards() + 1);
    if (k % 3 == 0) holder.set_flags(Citizens::kMisused);
  }
  count_cards_by_page(blocks, ids);
  BlockPool pool(2);
  threads.block_pool = &pool;
  count_cards_by_page(threads, ids);
  threads.block_pool = nullptr;
  int64_t differ = 0, cards = 0;
  for (int64_t id = 0; id < serial.citizens.count; ++id) {
    const auto i = std::size_t(id);
    differ += serial.citizens.person[i].bits != blocks.citizens.person[i].bits;
    differ += serial.citizens.person[i].bits != threads.citizens.person[i].bits;
    cards += threads.citizens.person[i].criminal_cards();
  }
  CHECK(differ == 0);
  CHECK(cards == int64_t(ids.size()));
  CHECK(threads.citizens.person[std::size_t(serial.citizens.count - 1)].criminal_cards() == 7);
}

// A whole replicate whose records are updated by several blocks: its series
// and totals, and every holder's record at the end (the leaked flags, which
// no output reads, among them), are the same on 1 and 2 threads.
TEST_CASE("one replicate whose records are updated by several page blocks: 1 and 2 threads bit-identical",
          "[determinism][threads]") {
  const OnePageBlocks one_page;
  const Scenario sc = with(small_baseline(3500000, 120), {"regions=31", "region_sizes=china_provinces_2020",
                                                          "controls.monitoring.delay_days=0"});
  const RunResult one = run(sc, 1, 6, 1);
  CHECK(identical(one, run(sc, 1, 6, 2)));
  CHECK(mean_total(one, "identity_records_leaked") > 0);
  CHECK(mean_total(one, "shutdowns_fraud") > 0);
  RunOptions on_one, on_two;
  on_two.threads_inside = 2;
  const auto w1 = run_replicate(sc, 6, 0, on_one);
  const auto w2 = run_replicate(sc, 6, 0, on_two);
  int64_t differ = 0, leaked = 0;
  for (int64_t id = 0; id < w1->citizens.count; ++id) {
    const auto i = std::size_t(id);
    differ += w1->citizens.person[i].bits != w2->citizens.person[i].bits;
    leaked += (w2->citizens.person[i].flags() & Citizens::kLeakedId) != 0;
  }
  CHECK(differ == 0);
  CHECK(leaked > 0);
}

// The kit collectors' contacts run by groups of about 200 collectors, on the
// block threads of a replicate, and their accounts are opened afterwards in
// collector order (agents/bank.cpp). Many collectors make several groups;
// with a limit of accounts per person, which reads the accounts other
// collectors opened the same day, they run one by one. Either way 1 and 2
// threads give the same results.
TEST_CASE("kit collectors' contacts by groups: 1 and 2 threads bit-identical", "[determinism][threads]") {
  for (const char* limit : {"bank.opening.max_accounts_per_person=0", "bank.opening.max_accounts_per_person=1"}) {
    CAPTURE(limit);
    const Scenario sc = with(small_baseline(1000000, 90), {"bank.collectors_per_million=1500", limit});
    const RunResult one = run(sc, 1, 8, 1);
    CHECK(identical(one, run(sc, 1, 8, 2)));
    CHECK(mean_total(one, "bank_accounts_sold") > 1000);
  }
}

// Production decides its activations on bought records by blocks of their
// holders, in the order of the records' pages, each activation's checks from
// a stream of its own (agents/broker.cpp, decide_record_activations), and
// honest customers asking in another region are served in their home
// region's block, the other region's outlets counted afterwards
// (agents/citizen.cpp). With several page blocks the results are the same
// on 1 and 2 threads, and the same as the way taken when the dealer cap is
// on (activations decided one by one in buying order, remote customers served
// after every block): a cap that never binds changes nothing else.
TEST_CASE("activations on records by page blocks and remote customers in their blocks: 1 and 2 threads, and one by one, bit-identical",
          "[determinism][threads]") {
  const OnePageBlocks one_page;
  const Scenario sc = with(small_baseline(3500000, 120), {"regions=31", "region_sizes=china_provinces_2020"});
  const RunResult one = run(sc, 1, 9, 1);
  CHECK(identical(one, run(sc, 1, 9, 2)));
  const Scenario one_by_one =
      with(sc, {"controls.dealer_cap.enabled=true", "controls.dealer_cap.max_activations=1000000"});
  CHECK(identical(one, run(one_by_one, 1, 9, 2)));
  for (const char* metric : {"cards_activated_harvested", "cards_activated_white", "cards_raised"})
    CHECK(mean_total(one, metric) > 0);
  CHECK(mean_total(one, "identities_misused") > 0);
  CHECK(mean_total(one, "honest_retries") > 0);
  CHECK(mean_total(one, "honest_refused_remote") > 0);
}
