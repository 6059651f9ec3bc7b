#include "invariants.h"

#include <cmath>

namespace cardsim {
namespace {

void require(bool ok, const World& w, const char* invariant, const std::string& detail) {
  if (!ok) throw InvariantError(w.day, invariant, detail);
}

bool is_live(CardState s) { return s == CardState::Stock || s == CardState::Raising || s == CardState::FraudUse; }

void check_cards(const World& w) {
  std::vector<int64_t> recount(std::size_t(CardState::Count), 0);
  for (uint8_t s : w.cards.state) recount[s]++;
  int64_t total = 0;
  for (std::size_t s = 0; s < recount.size(); ++s) {
    require(recount[s] == w.cards_by_state[s], w, "cards by state",
            "state " + std::to_string(s) + " holds " + std::to_string(recount[s]) + " cards but the count says " +
                std::to_string(w.cards_by_state[s]));
    total += recount[s];
  }
  require(total == int64_t(w.cards.size()), w, "cards by state", "states do not add up to the cards made");
  int64_t in_fleets = 0, in_stock = 0, raising = 0;
  for (const auto& f : w.rings.fleet) in_fleets += int64_t(f.size());
  for (const auto& s : w.brokers.stock) in_stock += int64_t(s.size());
  for (const auto& r : w.brokers.raising) raising += int64_t(r.size());
  require(in_fleets == recount[std::size_t(CardState::FraudUse)], w, "cards held",
          "rings hold " + std::to_string(in_fleets) + " cards, state says " + std::to_string(recount[std::size_t(CardState::FraudUse)]));
  require(in_stock == recount[std::size_t(CardState::Stock)], w, "cards held",
          "brokers stock " + std::to_string(in_stock) + " cards, state says " + std::to_string(recount[std::size_t(CardState::Stock)]));
  require(raising == recount[std::size_t(CardState::Raising)], w, "cards held",
          "raisers hold " + std::to_string(raising) + " cards, state says " + std::to_string(recount[std::size_t(CardState::Raising)]));
}

void check_identities(const World& w) {
  int64_t legit = 0, initial = 0, criminal = 0;
  for (int64_t i = 0; i < w.citizens.count; ++i) {
    legit += w.legit_cards(uint32_t(i));
    initial += w.initial_legit_cards(uint32_t(i));
    criminal += w.citizens.person[std::size_t(i)].criminal_cards;
  }
  const int64_t changed = w.legit_activated - w.legit_churned - w.legit_shut;
  require(legit - initial == changed, w, "honest cards",
          "identities hold " + std::to_string(legit - initial) + " honest cards more than at the start, the count says " +
              std::to_string(changed));
  require(w.legit_initial + changed == w.legit_live, w, "honest cards",
          "initial + activated - churned - shut differs from live");
  int64_t live = 0;
  for (uint8_t s : w.cards.state) live += is_live(CardState(s));
  require(criminal == live, w, "cards per identity",
          "identities hold " + std::to_string(criminal) + " criminal cards, " + std::to_string(live) + " are live");
}

void check_money(const World& w) {
  const double sum = w.ledger.sum();
  require(std::fabs(sum) <= 1e-9 * std::max(1.0, w.ledger.moved()), w, "money",
          "balances add up to " + std::to_string(sum) + " yuan instead of 0");
}

void check_prices(const World& w) {
  const double prices[] = {w.market.price_farmer, w.market.price_white, w.market.price_record, w.market.price_scammer};
  const char* names[] = {"farmer", "white", "record", "scammer"};
  for (int i = 0; i < 4; ++i)
    require(std::isfinite(prices[i]) && prices[i] > 0, w, "prices",
            std::string(names[i]) + " price is " + std::to_string(prices[i]));
}

void check_absent_agents(const World& w) {
  for (std::size_t b = 0; b < w.brokers.kind.size(); ++b)
    require(w.broker_present(int32_t(b)) || (w.brokers.stock[b].empty() && w.brokers.raising[b].empty()), w,
            "arrested agents inactive", "broker " + std::to_string(b) + " holds cards while arrested");
  for (std::size_t r = 0; r < w.rings.fleet.size(); ++r)
    require(w.ring_present(int32_t(r)) || w.rings.fleet[r].empty(), w, "arrested agents inactive",
            "ring " + std::to_string(r) + " uses cards while broken");
  for (std::size_t i = 0; i < w.insiders.outlet.size(); ++i)
    require(w.insider_present(int32_t(i)) || w.insiders.white_left_today[i] == 0, w, "arrested agents inactive",
            "insider " + std::to_string(i) + " sells white cards while arrested");
}

}  // namespace

void check_invariants(const World& w) {
  check_cards(w);
  check_identities(w);
  check_money(w);
  check_prices(w);
  check_absent_agents(w);
}

}  // namespace cardsim
