// Events the daily step processes per second (bench/README.md, "The limit,
// measured"). Runs one replicate of a scenario on one thread, times the days
// (world building excluded, best of N), and counts the events from the run
// itself: its metrics (activations, refusals, fraud cases, card-days under
// monitoring, honest shutdowns) and the world's own counter of churned cards.
//
//   cardsim_event_rate SCENARIO [REPEATS] [key=value]...
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "core/metrics.h"
#include "core/simulation.h"
#include "core/world.h"
#include "scenario/scenario.h"

using namespace cardsim;

namespace {

double total(const World& w, Metric m) { return w.recorder.total(int(m)); }

/// Events of one finished run, by kind.
struct Events {
  double activations = 0;  // activation attempts checked: cards issued (every channel) and honest refusals
  double churn = 0;        // honest cards given up (holder record found and updated)
  double fraud_cases = 0;  // fraud cases, each drawn, booked and maybe reported one by one
  double monitoring = 0;   // card-days of fraud fleets checked by monitoring, plus honest cards shut
  double all() const { return activations + churn + fraud_cases + monitoring; }
};

Events count_events(const World& w, int64_t days) {
  Events e;
  const auto& reg = metric_registry();
  for (int m = 0; m < kMetricCount; ++m)
    if (reg[std::size_t(m)].kind == MetricKind::Flow && reg[std::size_t(m)].name.rfind("cards_activated_", 0) == 0)
      e.activations += w.recorder.total(m);
  e.activations += total(w, Metric::honest_refused);
  e.churn = double(w.legit_churned);
  e.fraud_cases = total(w, Metric::fraud_cases);
  // cards_in_fraud_use is an end-of-day level whose total is its mean over days.
  e.monitoring = total(w, Metric::cards_in_fraud_use) * double(days) + total(w, Metric::shutdowns_honest);
  return e;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: cardsim_event_rate SCENARIO [REPEATS] [key=value]...\n");
    return 2;
  }
  try {
    Scenario sc = load_scenario_file(argv[1]);
    const int repeats = argc > 2 ? std::max(1, std::atoi(argv[2])) : 3;
    for (int i = 3; i < argc; ++i) apply_override(sc, argv[i]);
    double best = 1e300;
    Events events;
    for (int r = 0; r < repeats; ++r) {
      auto world = build_world(sc, 1, 0);
      const auto start = std::chrono::steady_clock::now();
      run_days(*world, sc, sc.params.days, RunOptions{});
      best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
      events = count_events(*world, sc.params.days);  // the same every repeat: same seed
    }
    std::printf("days_seconds %.4f\n", best);
    std::printf("events_activations %.0f\nevents_churn %.0f\nevents_fraud_cases %.0f\nevents_monitoring %.0f\n",
                events.activations, events.churn, events.fraud_cases, events.monitoring);
    std::printf("events_total %.0f\n", events.all());
    std::printf("events_per_s %.4g\n", events.all() / best);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "cardsim_event_rate: %s\n", e.what());
    return 2;
  }
  return 0;
}
