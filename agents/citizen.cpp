#include "agents/citizen.h"

#include <cmath>

#include "agents/carrier.h"
#include "core/identity_lookahead.h"

namespace cardsim {
namespace {

// Streams of the honest-demand phase. Holders are drawn from streams of their
// own so that they can be drawn ahead of use (IdentityLookahead).
constexpr uint64_t kDemandEvents = 0;   // counts, regions, outlets, checks
constexpr uint64_t kDemandHolders = 1;  // who asks for a card
constexpr uint64_t kChurnHolders = 2;   // who gives one up
constexpr uint64_t kRetryChoices = 3;   // whether a refused customer tries again
constexpr uint64_t kRetryTries = 4;     // the retries' outlets and checks

// A refused honest customer waiting to try again, packed in 64 bits for the
// event list World::honest_retry_due: identity, the day of their first
// refusal (below 2^24: params.def caps a run at 36,500 days), tries since.
struct Retry {
  uint32_t identity;
  int64_t first_refused;
  int tries;
};
uint64_t pack(const Retry& r) {
  return uint64_t(r.identity) | (uint64_t(r.first_refused) << 32) | (uint64_t(r.tries) << 56);
}
Retry unpack(uint64_t v) { return {uint32_t(v), int64_t((v >> 32) & 0xffffff), int(v >> 56)}; }

void count_refusal(World& w, const Verdict& v, uint32_t identity) {
  w.recorder.add(Metric::honest_refused, 1);
  w.recorder.add_check_refusal(v.check);
  switch (v.kind) {
    case Refusal::IdCap:
      w.recorder.add(Metric::honest_refused_id_cap, 1);
      // F2: holders learn their identity was misused when refused for it.
      if (w.citizens.person[identity].criminal_cards() > 0) w.recorder.add(Metric::honest_refused_misused, 1);
      break;
    case Refusal::Remote: w.recorder.add(Metric::honest_refused_remote, 1); break;
    case Refusal::Liveness: w.recorder.add(Metric::honest_refused_liveness, 1); break;
    case Refusal::Velocity: w.recorder.add(Metric::honest_refused_velocity, 1); break;
    case Refusal::DealerCap: w.recorder.add(Metric::honest_refused_dealer_cap, 1); break;
    case Refusal::None:
    case Refusal::Other: break;
  }
}

void activate_honest_card(World& w, uint32_t identity, uint32_t outlet) {
  count_activation(w, identity, outlet);
  w.set_legit_cards(identity, w.legit_cards(identity) + 1);
  w.legit_live++;
  w.legit_activated++;
  w.recorder.add(Metric::cards_activated_legit, 1);
  schedule_honest_commission(w, outlet);
}

/// An honest customer asks for a card at an outlet of `region`; at a capped
/// outlet they try one more. The card is activated when no check refuses.
Verdict ask_for_card(World& w, Stream& s, uint32_t identity, int region) {
  ActivationAttempt a;
  a.identity = identity;
  a.outlet = w.random_outlet_in(s, region);
  Verdict v = check_activation(w, s, a);
  if (v.kind == Refusal::DealerCap) {
    a.outlet = w.random_outlet_in(s, region);
    v = check_activation(w, s, a);
  }
  if (!v.refused()) activate_honest_card(w, identity, a.outlet);
  return v;
}

/// One honest customer (the next of `who`) asks for a card, at home or, for
/// a share of them, in another region.
void honest_activation(World& w, Stream& s, Stream& choices, IdentityLookahead& who) {
  const uint32_t identity = who.next();
  const int home = w.region_of(identity);
  const int region = s.bernoulli(w.p.citizens_remote_share) && w.p.regions > 1
                         ? w.random_other_region(s, home)
                         : home;
  const Verdict v = ask_for_card(w, s, identity, region);
  if (!v.refused()) return;
  count_refusal(w, v, identity);
  honest_refused_wait(w, choices, identity, w.day, 0);
}

/// Today's retries, each at an outlet of the customer's home region. Their
/// refusals are not counted again in honest_refused (a customer, not a try).
void honest_retries(World& w, Stream& choices) {
  auto& due = w.honest_retry_due[std::size_t(w.day)];
  if (due.empty()) return;
  Stream s = w.stream(Phase::HonestDemand, kRetryTries);
  for (uint64_t packed : due) {
    const Retry r = unpack(packed);
    w.recorder.add(Metric::honest_retries, 1);
    if (ask_for_card(w, s, r.identity, w.region_of(r.identity)).refused()) {
      honest_refused_wait(w, choices, r.identity, r.first_refused, r.tries + 1);
      continue;
    }
    w.recorder.add_ratio(Metric::honest_days_to_card, double(w.day - r.first_refused), 1);
    w.recorder.add_ratio(Metric::honest_gave_up_share, 0, 1);
  }
  due.clear();
  due.shrink_to_fit();
}

/// Honest cards given up today: each from a random holder, found by drawing
/// holders until one has an honest card (at most kHolderSearchDraws).
void honest_churn(World& w, Stream& s) {
  const int64_t n = s.poisson(double(w.legit_live) * w.p.citizens_churn_rate);
  if (n == 0) return;
  IdentityLookahead who(w, w.stream(Phase::HonestDemand, kChurnHolders));
  for (int64_t k = 0; k < n; ++k)
    for (int tries = 0; tries < kHolderSearchDraws; ++tries) {
      const uint32_t id = who.next();
      const int have = w.legit_cards(id);
      if (have == 0) continue;
      w.set_legit_cards(id, have - 1);
      w.legit_live--;
      w.legit_churned++;
      break;
    }
}

}  // namespace

void honest_refused_wait(World& w, Stream& choices, uint32_t identity, int64_t first_refused, int tries) {
  if (tries < w.p.citizens_retry_max && choices.bernoulli(w.p.citizens_retry_share)) {
    // A try that would fall after the run's last day is never made or counted.
    const auto next = std::size_t(w.day + w.p.citizens_retry_delay_days);
    if (next < w.horizon()) w.honest_retry_due[next].push_back(pack({identity, first_refused, tries}));
    return;
  }
  w.recorder.add(Metric::honest_gave_up, 1);
  w.recorder.add_ratio(Metric::honest_gave_up_share, 1, 1);
}

void honest_demand(World& w) {
  if (w.citizens.count == 0) return;
  Stream choices = w.stream(Phase::HonestDemand, kRetryChoices);
  honest_retries(w, choices);
  Stream s = w.stream(Phase::HonestDemand, kDemandEvents);
  const int64_t n = s.poisson(double(w.citizens.count) * w.p.citizens_activation_rate);
  IdentityLookahead who(w, w.stream(Phase::HonestDemand, kDemandHolders));
  for (int64_t k = 0; k < n; ++k) honest_activation(w, s, choices, who);
  honest_churn(w, s);
}

bool accepts_farmer_offer(World& w, Stream& s, double offer_yuan) {
  const double reservation = w.p.farmer_reservation_median_yuan * std::exp(w.p.farmer_reservation_sigma * s.normal());
  return offer_yuan >= farmer_ask_yuan(w, reservation);
}

double farmer_ask_yuan(const World& w, double reservation_yuan) {
  return reservation_yuan * (1.0 + w.p.awareness_farmer_effect * w.p.awareness_level) +
         w.p.farmer_risk_premium_yuan * w.risk.farmer;
}

uint32_t open_farmer_card(World& w, Stream& s, uint32_t person, int32_t broker) {
  ActivationAttempt a;
  a.identity = person;
  a.outlet = w.random_outlet_in(s, w.region_of(person));
  if (check_activation(w, s, a).refused()) return kNone;
  count_activation(w, person, a.outlet);
  w.citizens.person[person].set_flags(Citizens::kFarmer);
  return w.new_card(Channel::Farmer, person, a.outlet, broker, -1);
}

void mark_misused(World& w, uint32_t identity) {
  if (w.citizens.person[identity].flags() & Citizens::kMisused) return;
  w.citizens.person[identity].set_flags(Citizens::kMisused);
  w.recorder.add(Metric::identities_misused, 1);
}

double deception_probability(const World& w, VictimGroup g) {
  const double base = g == VictimGroup::Elderly   ? w.p.scammers_success_elderly
                      : g == VictimGroup::Student ? w.p.scammers_success_student
                                                  : w.p.scammers_success_other;
  return base * (1.0 - w.p.awareness_victim_effect * w.p.awareness_level);
}

}  // namespace cardsim
