#include "core/memory.h"

#include <unistd.h>

#include <algorithm>
#include <type_traits>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "core/metrics.h"
#include "scenario/scenario.h"
#include "core/world.h"

namespace cardsim {
namespace {

/// Bytes of one member of a part: the sum of its per-member arrays' element
/// sizes, from the part's field list (core/fields.h).
struct MemberBytes {
  uint64_t bytes = 0;
  template <class T, class A> void array(const std::string&, const std::vector<T, A>&, Extent e) {
    if (e == Extent::PerMember) bytes += sizeof(T);
  }
  template <class T> void scalar(const std::string&, const T&) {}
  template <class T> void nested(const std::string&, const std::vector<std::vector<T>>&) {}
};

template <class Part> uint64_t bytes_per_member() {
  const Part part{};
  MemberBytes sum;
  visit_fields(sum, part);
  return sum.bytes;
}

// Per-identity state: the Identity record, every page of it touched in a
// year of a large world (honest activations land on random holders). The
// velocity window is a calloc'd array whose pages cost nothing until the
// velocity check first runs, so it counts only where that check can be on;
// so does a known seller's slot (where farmer.pool.enabled is on: known
// sellers are scattered over the holders, and one touches a whole page).
constexpr uint64_t kBytesPerIdentity = sizeof(Identity);
constexpr uint64_t kBytesPerVelocityWindow = sizeof(VelocityWindow);
constexpr uint64_t kBytesPerKnownSellerSlot = sizeof(uint32_t);
// Card and outlet records (SoA) with headroom for vector growth.
const uint64_t kBytesPerCard = 2 * bytes_per_member<Cards>();
const uint64_t kBytesPerOutlet = 2 * bytes_per_member<Outlets>();
// Criminal cards made per day per merchant or raiser: three times the
// baseline's 2.6 (about 9,500 cards a year from 10 such brokers per million
// holders). A world that makes more still fits: the estimate guards against
// runs that cannot fit, and cards are a small share of a large world.
constexpr uint64_t kCardsPerBrokerDay = 8;
// cgroup v1 reports "no limit" as a huge number near 2^63.
constexpr uint64_t kCgroupUnlimited = uint64_t(1) << 62;

/// A limit file's number ("max" or unreadable: none).
uint64_t read_limit_file(const std::string& path) {
  std::ifstream in(path);
  std::string text;
  if (!(in >> text) || text == "max") return UINT64_MAX;
  char* end = nullptr;
  const unsigned long long v = std::strtoull(text.c_str(), &end, 10);
  if (end == text.c_str() || v >= kCgroupUnlimited) return UINT64_MAX;
  return uint64_t(v);
}

/// The smallest `file` limit of cgroup `path` (under `mount`) and its ancestors.
uint64_t limit_along(const std::string& mount, std::string path, const std::string& file) {
  uint64_t limit = UINT64_MAX;
  for (;;) {
    limit = std::min(limit, read_limit_file(mount + path + "/" + file));
    if (path.empty() || path == "/") break;
    path = path.substr(0, path.find_last_of('/'));
  }
  return limit;
}

/// Megabytes from an environment variable (Slurm's unit), or none.
uint64_t env_megabytes(const char* name) {
  const char* v = std::getenv(name);
  if (!v || !*v) return UINT64_MAX;
  char* end = nullptr;
  const unsigned long long mb = std::strtoull(v, &end, 10);
  if (end == v) return UINT64_MAX;
  return saturating_mul(mb, uint64_t(1) << 20);
}

void take_smaller(MemoryLimit& limit, uint64_t bytes, const std::string& source) {
  if (bytes < limit.bytes) limit = {bytes, source};
}

}  // namespace

uint64_t saturating_mul(uint64_t a, uint64_t b) {
  uint64_t r = 0;
  return __builtin_mul_overflow(a, b, &r) ? UINT64_MAX : r;
}

uint64_t saturating_add(uint64_t a, uint64_t b) {
  uint64_t r = 0;
  return __builtin_add_overflow(a, b, &r) ? UINT64_MAX : r;
}

uint64_t estimate_card_count(const Params& p) {
  const CriminalCounts counts = criminal_counts(p);
  const uint64_t brokers = uint64_t(counts.merchants + counts.raisers);
  return std::min<uint64_t>(uint64_t(p.days) * brokers * kCardsPerBrokerDay, uint64_t(p.population) * 4 + 1024);
}

uint64_t estimate_world_bytes(const Params& p) {
  const auto days = uint64_t(p.days);
  const uint64_t outlets = uint64_t(std::max<double>(double(p.regions), double(p.population) * p.outlets_per_100k / 1e5));
  const uint64_t cards = estimate_card_count(p);
  const uint64_t series = 2 * uint64_t(kMetricCount) * days * sizeof(double);
  const uint64_t events = days * (3 * 24 + 8 * uint64_t(p.carriers));
  const uint64_t per_identity = kBytesPerIdentity + (p.velocity_enabled ? kBytesPerVelocityWindow : 0) +
                                (p.farmer_pool_enabled ? kBytesPerKnownSellerSlot : 0);
  return uint64_t(p.population) * per_identity + outlets * kBytesPerOutlet + cards * kBytesPerCard + series + events;
}

Params params_for_memory(const Scenario& sc) {
  Params p = sc.params;
  for (const ScheduledChange& change : sc.schedule)
    if (change.spec && change.spec->key == "controls.velocity.enabled" && change.value != 0) p.velocity_enabled = true;
  return p;
}

namespace {

/// Bytes the arrays of a world hold (capacity: what the allocator gave). A
/// calloc'd array nobody wrote to counts nothing: its pages are still the
/// kernel's shared zero page.
struct HeldBytes {
  uint64_t bytes = 0;
  template <class T, class A> void array(const std::string&, const std::vector<T, A>& v, Extent) {
    if constexpr (std::is_same_v<A, ZeroAllocator<T>>) {
      const auto* raw = reinterpret_cast<const unsigned char*>(v.data());
      if (std::all_of(raw, raw + v.size() * sizeof(T), [](unsigned char b) { return b == 0; })) return;
    }
    bytes += v.capacity() * sizeof(T);
  }
  template <class T> void scalar(const std::string&, const T&) {}
  template <class T> void nested(const std::string&, const std::vector<std::vector<T>>& v) {
    bytes += v.capacity() * sizeof(std::vector<T>);
    for (const auto& inner : v) bytes += inner.capacity() * sizeof(T);
  }
};

}  // namespace

uint64_t world_bytes_held(const World& w) {
  HeldBytes held;
  visit_fields(held, w);
  return held.bytes;
}

uint64_t estimate_run_bytes(const Params& p, int64_t replicates, int parallel) {
  const uint64_t worlds = uint64_t(std::max<int64_t>(1, std::min<int64_t>(parallel, replicates)));
  const uint64_t per_replicate = uint64_t(kMetricCount) * uint64_t(p.days) * sizeof(double) * 2;
  const uint64_t kept = saturating_mul(uint64_t(std::max<int64_t>(0, replicates)), per_replicate);
  return saturating_add(saturating_mul(worlds, estimate_world_bytes(p)), kept);
}

uint64_t cgroup_memory_limit(const std::string& proc_self_cgroup, const std::string& sys_root) {
  uint64_t limit = UINT64_MAX;
  std::istringstream lines(proc_self_cgroup);
  for (std::string line; std::getline(lines, line);) {
    // "0::/path" (v2) or "N:controller,list:/path" (v1)
    const auto first = line.find(':');
    const auto second = first == std::string::npos ? first : line.find(':', first + 1);
    if (second == std::string::npos) continue;
    const std::string controllers = line.substr(first + 1, second - first - 1);
    const std::string path = line.substr(second + 1);
    if (controllers.empty()) {
      limit = std::min(limit, limit_along(sys_root, path, "memory.max"));
    } else if (("," + controllers + ",").find(",memory,") != std::string::npos) {
      limit = std::min(limit, limit_along(sys_root + "/memory", path, "memory.limit_in_bytes"));
    }
  }
  return limit;
}

MemoryLimit memory_limit() {
  if (const char* mb = std::getenv("CARDSIM_MEMORY_LIMIT_MB"))
    return {saturating_mul(std::strtoull(mb, nullptr, 10), uint64_t(1) << 20), "CARDSIM_MEMORY_LIMIT_MB"};
  MemoryLimit limit;
  const long pages = sysconf(_SC_PHYS_PAGES);
  const long page = sysconf(_SC_PAGE_SIZE);
  if (pages > 0 && page > 0) take_smaller(limit, uint64_t(pages) * uint64_t(page) / 10 * 8, "80% of physical memory");
  std::ifstream self("/proc/self/cgroup");
  std::stringstream text;
  text << self.rdbuf();
  take_smaller(limit, cgroup_memory_limit(text.str(), "/sys/fs/cgroup"), "the cgroup's memory limit");
  take_smaller(limit, env_megabytes("SLURM_MEM_PER_NODE"), "Slurm's SLURM_MEM_PER_NODE");
  const char* cpus = std::getenv("SLURM_CPUS_ON_NODE");
  const uint64_t per_cpu = env_megabytes("SLURM_MEM_PER_CPU");
  if (per_cpu != UINT64_MAX)
    take_smaller(limit, saturating_mul(per_cpu, cpus ? std::max<uint64_t>(1, std::strtoull(cpus, nullptr, 10)) : 1),
                 "Slurm's SLURM_MEM_PER_CPU");
  return limit;
}

uint64_t memory_limit_bytes() { return memory_limit().bytes; }

std::string format_bytes(uint64_t bytes) {
  if (bytes == UINT64_MAX) return "more than 18 EB";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.2f GB", double(bytes) / 1e9);
  return buf;
}

void check_memory_need(uint64_t need, const std::string& what, const std::string& doing) {
  const MemoryLimit limit = memory_limit();
  if (need > limit.bytes)
    throw InputError(what + ": needs an estimated " + format_bytes(need) + " of memory (" + doing +
                     ") but the limit is " + format_bytes(limit.bytes) + " (" + limit.source +
                     "); reduce population, days, replicates or threads (or set CARDSIM_MEMORY_LIMIT_MB)");
}

void check_memory(const Scenario& sc, int64_t replicates, int parallel, const std::string& what) {
  const Params p = params_for_memory(sc);
  check_memory_need(estimate_run_bytes(p, replicates, parallel), what,
                    std::to_string(replicates) + " replicates of " + std::to_string(p.population) +
                        " identity holders over " + std::to_string(p.days) + " days, " + std::to_string(parallel) +
                        " at once");
}

}  // namespace cardsim
