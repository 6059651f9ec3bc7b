// The police queue around the traces: cases remember their source and day,
// leads from carrier monitoring join victim reports, the priority rule orders
// them, cases older than the maximum age are dropped unworked, and reported
// numbers are shut by their carrier after the delay. Component tests on a
// tiny hand-made World give exact outcomes; whole runs read the output series.
#include <catch2/catch.hpp>
#include <memory>
#include <numeric>

#include "agents/carrier.h"
#include "agents/police.h"
#include "core/world.h"
#include "model_fixtures.h"

using namespace cardsim;
using namespace cardsim::testing;

namespace {

/// Four identity holders, two outlets, one merchant (broker 0) and one ring
/// (as in tests/test_agents.cpp). Police traces draw but arrest nobody
/// (every trace step has probability 0) and monitoring detects nothing, so
/// that only the mechanism under test moves cards.
std::unique_ptr<World> tiny_world() {
  Params p = tiny_area_params();
  p.density_rings = 250000;  // one ring
  p.police_capacity_per_million = 0;
  p.police_p_scammer = p.police_p_identity = p.police_p_outlet = p.police_p_broker = 0;
  p.monitoring_strength = 0;
  auto w = std::make_unique<World>(p, 7, 0);
  w->day = 10;
  return w;
}

/// One trace a day: 250,000 per million of 4 persons.
void one_trace_a_day(World& w) { w.p.police_capacity_per_million = 250000; }

/// A card in the ring's fleet, in fraud use.
uint32_t ring_card(World& w, uint32_t identity) {
  const uint32_t card = w.new_card(Channel::Farmer, identity, 0, 0, -1);
  w.put_in_use(card, CardUse::FraudCalls, 0);
  w.rings.fleet[0].push_back(card);
  return card;
}

/// The card traced today (one trace a day), -1 when none was: the last case
/// taken off the list whose head moved (drops come before the trace, and
/// these tests drop cases of that list only).
int64_t traced_today(World& w) {
  const std::vector<uint64_t> before = w.police_cases.head;
  const double traced = w.recorder.today(Metric::police_cases_traced);
  trace_cases(w);
  if (w.recorder.today(Metric::police_cases_traced) == traced) return -1;
  for (std::size_t s = 0; s < kCaseSources; ++s)
    if (w.police_cases.head[s] != before[s]) return w.police_cases.card[s][w.police_cases.head[s] - 1];
  return -1;
}

/// Cards traced over the next days, one a day, until none waits.
std::vector<int64_t> trace_order(World& w) {
  std::vector<int64_t> order;
  for (int64_t card; (card = traced_today(w)) >= 0; ++w.day) order.push_back(card);
  return order;
}

double series_at(const RunResult& r, int64_t rep, const char* metric, int64_t day) {
  return r.daily[std::size_t(rep)][std::size_t(find_metric(metric)) * std::size_t(r.days) + std::size_t(day)];
}

}  // namespace

TEST_CASE("a case remembers its source and day, counted in its source's metric", "[police_queue]") {
  auto w = tiny_world();
  report_case(*w, 0);
  w->day = 12;
  report_case(*w, 1, CaseSource::MonitoringLead);
  const PoliceCases& q = w->police_cases;
  CHECK(q.card[std::size_t(CaseSource::VictimReport)] == std::vector<uint32_t>{0});
  CHECK(q.day[std::size_t(CaseSource::VictimReport)] == std::vector<int32_t>{10});
  CHECK(q.card[std::size_t(CaseSource::MonitoringLead)] == std::vector<uint32_t>{1});
  CHECK(q.day[std::size_t(CaseSource::MonitoringLead)] == std::vector<int32_t>{12});
  CHECK(q.waiting() == 2);
  CHECK(w->recorder.today(Metric::police_reports_victims) == 1);
  CHECK(w->recorder.today(Metric::police_leads_monitoring) == 1);
  CHECK(mean_case_age_days(*w) == 1.0);  // ages 2 and 0 on day 12
}

TEST_CASE("the priority rule orders the traces: fifo, leads first, reports first", "[police_queue]") {
  // Arrivals: report 0 and lead 1 on day 10, report 2 and lead 3 on day 11.
  auto queue = [](int64_t rule) {
    auto w = tiny_world();
    for (uint32_t id = 0; id < 4; ++id) w->new_card(Channel::Farmer, id, 0, 0, -1);
    report_case(*w, 0);
    report_case(*w, 1, CaseSource::MonitoringLead);
    w->day = 11;
    report_case(*w, 2);
    report_case(*w, 3, CaseSource::MonitoringLead);
    w->p.police_priority = rule;
    one_trace_a_day(*w);
    return w;
  };
  CHECK(trace_order(*queue(PolicePriority::fifo)) == std::vector<int64_t>{0, 1, 2, 3});
  CHECK(trace_order(*queue(PolicePriority::leads_first)) == std::vector<int64_t>{1, 3, 0, 2});
  CHECK(trace_order(*queue(PolicePriority::reports_first)) == std::vector<int64_t>{0, 2, 1, 3});
  // A lead arriving later still jumps the waiting reports under leads_first.
  auto w = queue(PolicePriority::leads_first);
  CHECK(traced_today(*w) == 1);
  w->day = 12;
  report_case(*w, 0, CaseSource::MonitoringLead);
  CHECK(traced_today(*w) == 3);
  w->day = 13;
  CHECK(traced_today(*w) == 0);  // the lead of day 12 (card 0) ...
  CHECK(w->police_cases.waiting(CaseSource::VictimReport) == 2);  // ... before either report
  CHECK(w->recorder.today(Metric::police_cases_traced) == 3);
}

TEST_CASE("cases older than the maximum age are dropped unworked, counted", "[police_queue]") {
  auto w = tiny_world();  // no capacity: nothing is traced
  w->p.police_max_age_days = 5;
  report_case(*w, 0);  // day 10
  w->day = 12;
  report_case(*w, 1);
  report_case(*w, 2, CaseSource::MonitoringLead);
  w->day = 15;
  report_case(*w, 3);
  w->day = 15;
  trace_cases(*w);  // ages 5, 3, 3, 0: none older than 5
  CHECK(w->recorder.today(Metric::police_cases_dropped) == 0);
  w->day = 16;  // the case of day 10 is 6 days old
  trace_cases(*w);
  CHECK(w->recorder.today(Metric::police_cases_dropped) == 1);
  CHECK(w->police_cases.waiting() == 3);
  w->day = 18;  // the report and the lead of day 12 are 6 days old
  trace_cases(*w);
  CHECK(w->recorder.today(Metric::police_cases_dropped) == 3);
  CHECK(w->police_cases.waiting() == 1);
  CHECK(mean_case_age_days(*w) == 3.0);
  CHECK(w->recorder.today(Metric::police_cases_traced) == 0);
  // 0: no limit, however old the case.
  w->p.police_max_age_days = 0;
  w->day = 90;
  trace_cases(*w);
  CHECK(w->police_cases.waiting() == 1);
  CHECK(w->recorder.today(Metric::police_cases_dropped) == 3);
}

TEST_CASE("dropped cases are not traced: the oldest waiting case within the age is", "[police_queue]") {
  auto w = tiny_world();
  one_trace_a_day(*w);
  w->p.police_max_age_days = 2;
  for (uint32_t id = 0; id < 3; ++id) w->new_card(Channel::Farmer, id, 0, 0, -1);
  report_case(*w, 0);  // day 10
  w->day = 11;
  report_case(*w, 1);
  report_case(*w, 2);
  w->day = 13;  // case 0 is 3 days old: dropped; case 1 traced
  CHECK(traced_today(*w) == 1);
  CHECK(w->recorder.today(Metric::police_cases_dropped) == 1);
  CHECK(w->police_cases.waiting() == 1);
}

TEST_CASE("a card monitoring shuts becomes a lead with lead_prob: none at 0, all at 1", "[police_queue]") {
  auto w = tiny_world();
  const uint32_t a = ring_card(*w, 0), b = ring_card(*w, 1);
  shut_for_fraud(*w, a);
  CHECK(w->police_cases.waiting() == 0);
  w->p.police_lead_prob = 1;
  shut_for_fraud(*w, b);
  CHECK(w->police_cases.card[std::size_t(CaseSource::MonitoringLead)] == std::vector<uint32_t>{b});
  CHECK(w->police_cases.day[std::size_t(CaseSource::MonitoringLead)] == std::vector<int32_t>{10});
  CHECK(w->recorder.today(Metric::police_leads_monitoring) == 1);
  CHECK(w->recorder.today(Metric::shutdowns_fraud) == 2);
  shut_for_fraud(*w, b);  // already shut: no second lead
  CHECK(w->police_cases.waiting() == 1);
}

TEST_CASE("a reported number is shut by its carrier after exactly the delay, in its own state", "[reported_shutdown]") {
  auto w = tiny_world();
  w->p.reported_shutdown_share = 1;
  w->p.reported_shutdown_delay_days = 3;
  const uint32_t card = ring_card(*w, 0), kept = ring_card(*w, 1);
  report_case(*w, card);  // day 10
  for (w->day = 10; w->day < 13; ++w->day) {
    monitor_cards(*w);
    REQUIRE(w->cards.state[card] == uint8_t(CardState::InUse));
  }
  monitor_cards(*w);  // day 13
  CHECK(w->cards.state[card] == uint8_t(CardState::ShutReported));
  CHECK(w->rings.fleet[0] == std::vector<uint32_t>{kept});
  CHECK(w->recorder.today(Metric::shutdowns_reported) == 1);
  CHECK(w->recorder.today(Metric::shutdowns_fraud) == 0);
  CHECK(w->recorder.today(Metric::shutdowns_in_fraud_use) == 0);
  // Cards by state: the running counts equal the card table's, and the
  // reason's count its metric.
  std::vector<int64_t> recount(std::size_t(CardState::Count), 0);
  for (uint8_t s : w->cards.state) recount[s]++;
  CHECK(recount == w->cards_by_state);
  CHECK(w->cards_by_state[std::size_t(CardState::ShutReported)] == 1);
  CHECK(w->cards_by_use[std::size_t(CardUse::FraudCalls)] == 1);
  CHECK(w->citizens.person[0].criminal_cards() == 0);  // the slot under the per-ID cap is free
  // Share 0: a report shuts nothing.
  w->p.reported_shutdown_share = 0;
  report_case(*w, kept);
  for (int k = 0; k <= 3; ++k, ++w->day) monitor_cards(*w);
  CHECK(w->cards.state[kept] == uint8_t(CardState::InUse));
}

TEST_CASE("with delay 0 a number reported today is shut today, and a lead is never shut as reported", "[reported_shutdown]") {
  auto w = tiny_world();
  w->p.reported_shutdown_share = 1;
  w->p.reported_shutdown_delay_days = 0;
  const uint32_t card = ring_card(*w, 0), led = ring_card(*w, 1);
  report_case(*w, card);
  report_case(*w, led, CaseSource::MonitoringLead);
  monitor_cards(*w);
  CHECK(w->cards.state[card] == uint8_t(CardState::ShutReported));
  CHECK(w->cards.state[led] == uint8_t(CardState::InUse));
}

TEST_CASE("police cases are conserved every day: dropped = reports + leads - traced - waiting", "[police_queue]") {
  // Leads from monitoring swamp the police: the queue grows, cases age past
  // the maximum and are dropped; reported numbers are shut. The invariants
  // (cases conserved, cards shut by reason) are checked every day too.
  const Scenario sc = with(small_baseline(200000, 240),
                           {"controls.police.lead_prob=0.5", "controls.police.max_age_days=30",
                            "controls.police.priority=leads_first", "controls.reported_shutdown.share=0.5",
                            "controls.reported_shutdown.delay_days=2"});
  const RunResult r = run(sc, 2, 5, 0, true);
  for (int64_t rep = 0; rep < r.replicates; ++rep) {
    double reports = 0, leads = 0, traced = 0, dropped = 0;
    for (int64_t d = 0; d < r.days; ++d) {
      reports += series_at(r, rep, "police_reports_victims", d);
      leads += series_at(r, rep, "police_leads_monitoring", d);
      traced += series_at(r, rep, "police_cases_traced", d);
      dropped += series_at(r, rep, "police_cases_dropped", d);
      const double waiting = series_at(r, rep, "police_queue", d);
      INFO("replicate " << rep << ", day " << d);
      REQUIRE(dropped == reports + leads - traced - waiting);
      REQUIRE(series_at(r, rep, "police_queue_age_days", d) <= 30.0);
    }
    CHECK(reports > 0);
    CHECK(leads > 0);
    CHECK(traced > 0);
    CHECK(dropped > 0);
  }
  CHECK(mean_total(r, "shutdowns_reported") > 0);
}

TEST_CASE("with spare police capacity, monitoring leads raise broker and ring arrests (20 paired replicates)",
          "[police_queue]") {
  // Capacity far above the cases: every report and lead is traced the day it arrives.
  const Scenario base = with(small_baseline(200000, 365), {"controls.police.capacity_per_million=2000"});
  const Scenario leads = with(base, {"controls.police.lead_prob=0.5"});
  const RunResult a = run(base, 20, 11);
  const RunResult b = run(leads, 20, 11);
  CHECK(mean_total(a, "police_queue") < 1.0);  // capacity to spare
  CHECK(mean_total(b, "police_queue") < 1.0);
  CHECK(mean_total(b, "police_leads_monitoring") > 0);
  CHECK(mean_total(a, "police_leads_monitoring") == 0);
  const Interval brokers = mean_difference_ci90(a, b, "arrests_broker");
  const Interval rings = mean_difference_ci90(a, b, "arrests_scammer");
  INFO("broker arrests: base " << mean_total(a, "arrests_broker") << ", leads " << mean_total(b, "arrests_broker"));
  INFO("ring arrests: base " << mean_total(a, "arrests_scammer") << ", leads " << mean_total(b, "arrests_scammer"));
  CHECK(brokers.lo > 0);
  CHECK(rings.lo > 0);
}
