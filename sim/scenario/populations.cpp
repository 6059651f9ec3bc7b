#include "scenario/populations.h"

#include <algorithm>
#include <cmath>
#include <sstream>

namespace cardsim {
namespace {

struct KindDensity {
  const char* key;                      // the caught-density parameter
  double Params::*caught_per_million;   // its field
  int64_t CriminalCounts::*count;
};

const KindDensity kKinds[] = {
    {"density.rings_caught_per_million", &Params::density_rings, &CriminalCounts::rings},
    {"density.merchants_caught_per_million", &Params::density_merchants, &CriminalCounts::merchants},
    {"density.labor_agencies_caught_per_million", &Params::density_labor_agencies, &CriminalCounts::labor_agencies},
    {"density.data_sellers_caught_per_million", &Params::density_data_sellers, &CriminalCounts::data_sellers},
    {"density.raisers_caught_per_million", &Params::density_raisers, &CriminalCounts::raisers},
    {"density.sim_banks_caught_per_million", &Params::density_sim_banks, &CriminalCounts::sim_banks},
};

double expected_count(const Params& p, const KindDensity& k) {
  return double(p.population) / 1e6 * (p.*k.caught_per_million) / p.density_caught_share;
}

// A rounded count further than this from its expectation distorts per-capita results.
constexpr double kPerCapitaTolerance = 0.1;

double collectors_expected(const Params& p) { return double(p.population) / 1e6 * p.bank_collectors_per_million; }

/// The warning for a kind whose `count` agents are more than the tolerance
/// off the `expected` its density `key` gives; empty if within it.
std::string rounding_warning(const Params& p, const char* key, double expected, double count) {
  if (expected <= 0 || std::abs(count - expected) <= kPerCapitaTolerance * expected) return {};
  std::ostringstream msg;
  msg << "key '" << key << "': at population " << p.population << " its density gives " << expected
      << " agents, rounded to " << count << " (" << std::lround(100.0 * (count - expected) / expected)
      << "% off): per-capita results of this run do not follow the declared densities; use a larger population";
  return msg.str();
}

}  // namespace

int64_t outlet_count(const Params& p) {
  return std::max<int64_t>(p.regions, std::llround(double(p.population) * p.outlets_per_100k / 1e5));
}

int64_t collector_count(const Params& p) {
  return std::max<int64_t>(1, std::llround(collectors_expected(p)));
}

int64_t insider_posts(const Params& p) { return std::llround(double(outlet_count(p)) * p.insiders_share_of_outlets); }

CriminalCounts criminal_counts(const Params& p) {
  CriminalCounts c;
  for (const auto& k : kKinds) c.*k.count = std::llround(expected_count(p, k));
  // An organiser runs a group of insiders (F13); the area's insiders make
  // whole groups and one part-filled one. Not a density per head: per-capita
  // results hold because an organiser's cut is per insider.
  const int64_t span = p.insiders_per_organiser;
  c.organisers = span > 0 ? (insider_posts(p) + span - 1) / span : 0;
  return c;
}

std::vector<std::string> per_capita_warnings(const Params& p) {
  std::vector<std::string> out;
  const CriminalCounts c = criminal_counts(p);
  const auto add = [&](std::string line) {
    if (!line.empty()) out.push_back(std::move(line));
  };
  for (const auto& k : kKinds) add(rounding_warning(p, k.key, expected_count(p, k), double(c.*k.count)));
  if (p.bank_enabled)
    add(rounding_warning(p, "bank.collectors_per_million", collectors_expected(p), double(collector_count(p))));
  // With organisers' entry by profit, a part-filled group's organiser decides
  // on the cut of fewer insiders than a full group's: its entry and exit, and
  // so the code bounties' cut, then depend on the population.
  const int64_t span = p.insiders_per_organiser, posts = insider_posts(p);
  if (p.organiser_entry_enabled && span > 0 && posts % span != 0) {
    std::ostringstream msg;
    msg << "key 'organisers.entry.enabled': at population " << p.population << " the area's " << posts
        << " insider posts make " << posts / span << " full groups of insiders.per_organiser = " << span
        << " and one of " << posts % span
        << ": that organiser's entry and exit follow a smaller group's cut, so per-capita results depend on the "
           "population; use a population whose insider posts are a multiple of "
        << span;
    out.push_back(msg.str());
  }
  return out;
}

}  // namespace cardsim
