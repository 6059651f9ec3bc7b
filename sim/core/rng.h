// Counter-based random streams. Every draw is a pure function of
// (seed, replicate, day, phase, entity, draw index), so results do not depend
// on thread count, rank count or the order in which work is done.
#pragma once

#include <Random123/philox.h>

#include <cmath>
#include <cstdint>

namespace cardsim {

__extension__ typedef unsigned __int128 uint128_t;

/// The day's phases, in the order they run. Also the phase key of RNG
/// streams: each value is fixed, since changing one changes every result
/// (1 belonged to a phase that drew nothing and is gone).
enum class Phase : uint32_t {
  Init = 0,
  Commissions = 2,
  Records = 3,
  Insiders = 4,
  HonestDemand = 5,
  Production = 6,
  Market = 7,
  Fraud = 8,
  Monitoring = 9,
  Police = 10,
  Audits = 11,
  Adaptation = 12,
  SimBanks = 13,
  // ---- re-verification of dormant cards (agents/reverification.cpp) ----
  Actions = 14,  // one-off actions; entity k: the day's k-th action in scenario order
  // ---- entry and exit by profit (agents/scammer.cpp, rings_enter_and_exit) ----
  Entry = 15,  // the rule draws nothing: its key is reserved so a draw added later moves no other stream
  // ---- two cards (agents/bank.cpp) ----
  Bank = 16,  // entity 0: monitoring and honest freezes; kBankCollectorEntity + c; kBankRingEntity + r
};

// Entity keys of streams beyond the agent indices. A phase that draws from
// one stream for the whole day uses entity 0; a phase with one stream per
// agent uses the agent's index.
/// Police streams: entity 0 traces the day's cases; insider i's successor
/// after an arrest is drawn from entity kPoliceReplacementEntity + i.
constexpr uint64_t kPoliceReplacementEntity = 1;
/// Monitoring streams beyond entity 0 (the day's detections) and the sanction
/// draws (2^40 + card, agents/farmer_pool.cpp): a card monitoring shuts draws
/// whether it becomes a police lead from kLeadEntity + card; a reported number
/// draws whether its carrier shuts it from kReportedNumberEntity + the report's
/// arrival number (PoliceCases::arrivals). Own streams, so that with the
/// levers off no other draw moves.
constexpr uint64_t kLeadEntity = uint64_t(1) << 41;
constexpr uint64_t kReportedNumberEntity = uint64_t(1) << 42;
/// Production streams beyond the brokers' indices: the checks of broker b's
/// n-th activation on a bought record today draw from
/// record_check_entity(b, n) (agents/broker.cpp, decide_record_activations).
constexpr uint64_t kRecordCheckEntity = uint64_t(1) << 40;
constexpr uint64_t record_check_entity(int32_t broker, uint32_t nth) {
  return kRecordCheckEntity + (uint64_t(broker) << 32) + nth;
}
/// Init streams (day -1): world building draws from this entity, the key of
/// holders' initial cards from the next one; both lie above any agent index.
constexpr uint64_t kWorldBuildEntity = uint64_t(1) << 40;
constexpr uint64_t kInitialCardsKeyEntity = kWorldBuildEntity + 1;
/// Regions that trade: buyers' home regions are drawn from this Init entity.
constexpr uint64_t kBuyerHomeEntity = kWorldBuildEntity + 2;
/// Police streams of a provincial crackdown (agents/regional_crackdown.cpp):
/// seller b draws from kCrackdownEntity + b.
constexpr uint64_t kCrackdownEntity = uint64_t(1) << 43;
/// Market stream of the outside market's purchases (agents/card_market.cpp,
/// market.outside.*): one a day, above any buyer's index.
constexpr uint64_t kOutsideMarketEntity = uint64_t(1) << 44;
/// Two cards (agents/bank.cpp), Phase::Bank streams: collector c recruits
/// sellers from kBankCollectorEntity + c; ring r routes its cases to accounts
/// and buys kits from kBankRingEntity + r; entity 0 is the banks' monitoring.
constexpr uint64_t kBankCollectorEntity = uint64_t(1) << 40;
constexpr uint64_t kBankRingEntity = uint64_t(1) << 41;

class Stream {
 public:
  Stream(uint64_t seed, uint64_t replicate, int64_t day, Phase phase, uint64_t entity) {
    key_ = {{seed, replicate}};
    ctr_ = {{uint64_t(day), uint64_t(phase), entity, 0}};
  }

  uint64_t next_u64() {
    if (used_ == 4) refill();
    return block_[used_++];
  }

  /// Uniform on the open interval (0, 1).
  double uniform() { return (double(next_u64() >> 11) + 0.5) * 0x1.0p-53; }

  bool bernoulli(double p) { return uniform() < p; }

  /// Uniform integer in [0, n).
  uint64_t below(uint64_t n) {
    if (n == 0) return 0;
    return uint64_t((static_cast<uint128_t>(next_u64()) * n) >> 64);
  }

  double normal() {
    // Box-Muller, one value per call: simple and draw-count stable.
    const double u1 = uniform(), u2 = uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  }

  /// Log-normal with the given mean (not median) and log-sigma.
  double lognormal_mean(double mean, double sigma) {
    return mean * std::exp(sigma * normal() - 0.5 * sigma * sigma);
  }

  double exponential(double rate) { return -std::log(uniform()) / rate; }

  /// Failures before the first success in trials that each succeed with
  /// probability p (geometric on 0, 1, 2, ...): one draw for a whole run of
  /// trials. UINT64_MAX when p is 0 or the run is longer than that.
  uint64_t failures_before_success(double p) {
    if (p >= 1) return 0;
    const double n = std::floor(std::log(uniform()) / std::log1p(-p));
    return n < 0x1.0p63 ? uint64_t(n) : UINT64_MAX;
  }

  int64_t poisson(double lambda);
  int64_t binomial(int64_t n, double p);

  /// Rounds x up or down at random so that the expectation is x.
  int64_t stochastic_round(double x) {
    const double f = std::floor(x);
    return int64_t(f) + (uniform() < x - f ? 1 : 0);
  }

 private:
  void refill() {
    block_ = philox_(ctr_, key_);
    ctr_.v[3]++;
    used_ = 0;
  }

  r123::Philox4x64 philox_;
  r123::Philox4x64::ctr_type ctr_;
  r123::Philox4x64::key_type key_;
  r123::Philox4x64::ctr_type block_{};
  int used_ = 4;
};

/// Uniform on (0, 1) at position `counter` of the SplitMix64 sequence that
/// starts at `key`: counter-based like a Stream (any position, any order,
/// any thread gives the same value) but a few multiplies instead of a Philox
/// block, for a draw that runs on every read of an untouched holder.
inline double splitmix_uniform(uint64_t key, uint64_t counter) {
  uint64_t z = key + (counter + 1) * 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  z ^= z >> 31;
  return (double(z >> 11) + 0.5) * 0x1.0p-53;
}

}  // namespace cardsim
