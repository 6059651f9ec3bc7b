// The memory system's random-access limit on this machine, for comparison
// with the daily step's event rate (bench/README.md, "The limit, measured").
//
// A buffer far larger than the last-level cache holds one 64-byte node per
// cache line, linked in one random cycle (Sattolo's algorithm). Following
// the links is a chain of dependent loads: each address comes from the load
// before, so every step is a full cache (and TLB) miss and nothing overlaps:
// ns per dependent miss. With k chains walked in an interleaved loop the k
// loads of a round are independent, and the memory system serves them in
// parallel (memory-level parallelism): misses per second for k = 1..32; the
// best of them is the random-access rate an event-driven step could reach.
// The buffer is mapped like cardsim's large per-person arrays (2 MB aligned,
// transparent huge pages advised), so the TLB behaves as it does for them.
//
//   cardsim_pointer_chase [BUFFER_MB]     (default 512: 16 times the 32 MB last-level cache here)
#include <sys/mman.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>

namespace {

struct alignas(64) Node {
  uint64_t next;
  uint64_t pad[7];
};

Node* map_nodes(std::size_t count) {
  const std::size_t huge = std::size_t(2) << 20;
  const std::size_t bytes = (count * sizeof(Node) + huge - 1) / huge * huge;
  void* p = mmap(nullptr, bytes + huge, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) {
    std::perror("mmap");
    std::exit(1);
  }
  auto* aligned = reinterpret_cast<Node*>((reinterpret_cast<uintptr_t>(p) + huge - 1) / huge * huge);
  madvise(aligned, bytes, MADV_HUGEPAGE);
  return aligned;
}

/// One random cycle through all nodes (Sattolo: a single cycle, so a walk
/// never falls into a short loop that would fit in cache).
void link_random_cycle(Node* nodes, std::size_t count) {
  std::vector<uint64_t> order(count);
  for (std::size_t i = 0; i < count; ++i) order[i] = i;
  std::mt19937_64 rng(12345);
  for (std::size_t i = count - 1; i > 0; --i) std::swap(order[i], order[std::uniform_int_distribution<std::size_t>(0, i - 1)(rng)]);
  for (std::size_t i = 0; i < count; ++i) nodes[order[i]].next = order[(i + 1) % count];
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

/// Walks `chains` cursors, spread over the cycle, `steps` rounds each;
/// returns misses per second. The cursors' sum keeps the loads alive.
template <int K>
double walk(const Node* nodes, std::size_t count, int64_t steps, uint64_t& sink) {
  uint64_t cur[K];
  for (int c = 0; c < K; ++c) {
    cur[c] = uint64_t(c) * (count / K);
    for (int warm = 0; warm < 1000; ++warm) cur[c] = nodes[cur[c]].next;
  }
  const auto start = std::chrono::steady_clock::now();
  for (int64_t s = 0; s < steps; ++s)
    for (int c = 0; c < K; ++c) cur[c] = nodes[cur[c]].next;
  const double t = seconds_since(start);
  for (int c = 0; c < K; ++c) sink += cur[c];
  return double(steps) * K / t;
}

/// Best of `repeats` (least disturbed by other load on a shared machine).
template <int K>
double best_rate(const Node* nodes, std::size_t count, int64_t misses, int repeats, uint64_t& sink) {
  double best = 0;
  for (int r = 0; r < repeats; ++r) best = std::max(best, walk<K>(nodes, count, misses / K, sink));
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  const std::size_t mb = argc > 1 ? std::size_t(std::strtoull(argv[1], nullptr, 10)) : 512;
  if (mb < 64) {
    std::fprintf(stderr, "pointer_chase: BUFFER_MB %zu: expected 64 or more (far above the last-level cache)\n", mb);
    return 2;
  }
  const std::size_t count = (mb << 20) / sizeof(Node);
  Node* nodes = map_nodes(count);
  link_random_cycle(nodes, count);
  uint64_t sink = 0;
  const int64_t misses = 20000000;
  const int repeats = 3;
  const double dependent = best_rate<1>(nodes, count, misses, repeats, sink);
  std::printf("buffer_mb %zu\n", mb);
  std::printf("dependent_miss_ns %.1f\n", 1e9 / dependent);
  std::printf("chains 1 misses_per_s %.4g\n", dependent);
  double best = dependent;
  int best_k = 1;
  auto report = [&](int k, double rate) {
    std::printf("chains %d misses_per_s %.4g\n", k, rate);
    if (rate > best) best = rate, best_k = k;
  };
  report(2, best_rate<2>(nodes, count, misses, repeats, sink));
  report(4, best_rate<4>(nodes, count, misses, repeats, sink));
  report(8, best_rate<8>(nodes, count, misses, repeats, sink));
  report(16, best_rate<16>(nodes, count, misses, repeats, sink));
  report(32, best_rate<32>(nodes, count, misses, repeats, sink));
  std::printf("mlp_misses_per_s %.4g\n", best);
  std::printf("mlp_chains %d\n", best_k);
  std::printf("checksum %llu\n", (unsigned long long)(sink & 0xffff));
  return 0;
}
