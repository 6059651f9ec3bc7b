#include "memory.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "metrics.h"
#include "scenario.h"
#include "world.h"

namespace cardsim {
namespace {

// Per-identity state: the Identity record, and the velocity window once that
// check has run (counted always: a schedule can switch it on).
constexpr uint64_t kBytesPerIdentity = sizeof(Identity) + sizeof(VelocityWindow);
// Card records (SoA) with headroom for vector growth.
constexpr uint64_t kBytesPerCard = 2 * (3 + 4 * 6 + 4 + 4);
// Criminal cards made per day per merchant or raiser, generously.
constexpr uint64_t kCardsPerBrokerDay = 40;

}  // namespace

uint64_t estimate_world_bytes(const Params& p) {
  const auto days = uint64_t(p.days);
  const uint64_t outlets = uint64_t(std::max<double>(double(p.regions), double(p.population) * p.outlets_per_100k / 1e5));
  const CriminalCounts counts = criminal_counts(p);
  const uint64_t brokers = uint64_t(counts.merchants + counts.raisers);
  const uint64_t cards = std::min<uint64_t>(days * brokers * kCardsPerBrokerDay, uint64_t(p.population) * 4 + 1024);
  const uint64_t series = 2 * uint64_t(kMetricCount) * days * sizeof(double);
  const uint64_t events = days * (3 * 24 + 8 * uint64_t(p.carriers));
  return uint64_t(p.population) * kBytesPerIdentity + outlets * 64 + cards * kBytesPerCard + series + events;
}

uint64_t estimate_run_bytes(const Params& p, int64_t replicates, int parallel) {
  const uint64_t worlds = uint64_t(std::max<int64_t>(1, std::min<int64_t>(parallel, replicates)));
  const uint64_t kept = uint64_t(replicates) * uint64_t(kMetricCount) * uint64_t(p.days) * sizeof(double) * 2;
  return worlds * estimate_world_bytes(p) + kept;
}

uint64_t memory_limit_bytes() {
  if (const char* mb = std::getenv("CARDSIM_MEMORY_LIMIT_MB")) return uint64_t(std::strtoull(mb, nullptr, 10)) << 20;
  const long pages = sysconf(_SC_PHYS_PAGES);
  const long page = sysconf(_SC_PAGE_SIZE);
  if (pages <= 0 || page <= 0) return UINT64_MAX;
  return uint64_t(pages) * uint64_t(page) / 10 * 8;
}

std::string format_bytes(uint64_t bytes) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.2f GB", double(bytes) / 1e9);
  return buf;
}

void check_memory(const Params& p, int64_t replicates, int parallel, const std::string& what) {
  const uint64_t need = estimate_run_bytes(p, replicates, parallel);
  const uint64_t limit = memory_limit_bytes();
  if (need > limit)
    throw InputError(what + ": needs an estimated " + format_bytes(need) + " of memory (" +
                     std::to_string(replicates) + " replicates of " + std::to_string(p.population) +
                     " identity holders over " + std::to_string(p.days) + " days, " + std::to_string(parallel) +
                     " at once) but the limit is " + format_bytes(limit) +
                     "; reduce population, days, replicates or threads (or set CARDSIM_MEMORY_LIMIT_MB)");
}

}  // namespace cardsim
