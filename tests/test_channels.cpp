// The supply channel table (sim/core/channels.def): every channel has its
// switch, its metrics and its production, so that a row left half done fails
// here (or does not compile) instead of producing a silent zero.
#include <catch2/catch.hpp>

#include <algorithm>
#include <set>
#include <string>

#include "core/channels.h"
#include "model_fixtures.h"
#include "results/summary.h"

using namespace cardsim;
using namespace cardsim::testing;

namespace {

std::string metric_name(Metric m) { return metric_registry()[std::size_t(m)].name; }

/// Every supply channel switched off but `on`.
Scenario only_channel(const ChannelSpec& on, int64_t population, int64_t days) {
  std::vector<std::string> sets;
  for (const ChannelSpec& c : kChannels)
    sets.push_back(std::string("channels.") + c.key + ".enabled=" + (&c == &on ? "true" : "false"));
  return with(small_baseline(population, days), sets);
}

}  // namespace

TEST_CASE("each channel's switch is the parameter channels.KEY.enabled of params.def", "[channels]") {
  for (const ChannelSpec& c : kChannels) {
    const std::string key = std::string("channels.") + c.key + ".enabled";
    INFO(key);
    const ParamSpec* spec = find_param(key);
    REQUIRE(spec != nullptr);
    CHECK(spec->type == ParamType::Bool);
    // The table's Params field is the one this key sets.
    for (double value : {0.0, 1.0}) {
      Params p;
      spec->set(p, value);
      CHECK(channel_enabled(p, c.channel) == (value != 0.0));
      CHECK(p.*c.enabled == (value != 0.0));
    }
  }
}

TEST_CASE("each channel has an activation count and a supply share of the right kinds", "[channels]") {
  std::set<std::string> activation_names, keys;
  for (const ChannelSpec& c : kChannels) {
    INFO(c.key);
    const MetricSpec& activated = metric_registry()[std::size_t(c.activated)];
    CHECK(activated.kind == MetricKind::Flow);
    CHECK(activated.units == "cards");
    CHECK(metric_registry()[std::size_t(c.share)].kind == MetricKind::Ratio);
    CHECK(activation_names.insert(activated.name).second);  // one count per channel
    CHECK(keys.insert(c.key).second);
    CHECK(std::string(c.label).size() > 0);
  }
  // Every declared share belongs to a channel, and only shares are ratios of cards sold.
  for (Metric share : kShareMetrics) {
    bool owned = false;
    for (const ChannelSpec& c : kChannels) owned = owned || c.share == share;
    CHECK(owned);
    CHECK(metric_name(share).rfind("share_supply_", 0) == 0);
  }
}

TEST_CASE("the summary lists every channel's activations", "[channels]") {
  const auto& rows = summary_metrics();
  for (const ChannelSpec& c : kChannels) {
    INFO(c.key);
    CHECK(std::count(rows.begin(), rows.end(), metric_name(c.activated)) == 1);
  }
}

TEST_CASE("each channel alone makes cards, counted in its own metrics only", "[channels]") {
  // A merchant whose dispatch misses a channel, or a card counted under
  // another channel's metric, shows up here as a zero or a stray count.
  for (const ChannelSpec& on : kChannels) {
    INFO(on.key);
    const RunResult r = run(only_channel(on, 200000, 150), 1, 7);
    CHECK(mean_total(r, metric_name(on.activated)) > 0.0);
    for (const ChannelSpec& other : kChannels)
      if (other.activated != on.activated) CHECK(mean_total(r, metric_name(other.activated)) == 0.0);
    REQUIRE(mean_total(r, "cards_sold_to_scammers") > 0.0);
    for (Metric share : kShareMetrics) CHECK(mean_total(r, metric_name(share)) == (share == on.share ? 1.0 : 0.0));
  }
}
