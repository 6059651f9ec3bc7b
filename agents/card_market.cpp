#include "agents/card_market.h"

#include <algorithm>
#include <cmath>

#include "agents/carrier.h"
#include "agents/scammer.h"
#include "agents/sim_bank.h"

namespace cardsim {
namespace {

/// Each use's functions, named by its row of card_uses.def: a row whose
/// functions do not exist does not compile.
struct UseFunctions {
  double (*demand)(const World&, int32_t buyer);
  void (*takes)(World&, int32_t buyer, int32_t seller, uint32_t card);
  double (*hazard)(const Params&, Channel);
};

constexpr UseFunctions kUseFunctions[] = {
#define CARD_USE(id, key, label, buyer, buyers, fleets, demand, takes, hazard, ...) {demand, takes, hazard},
#include "core/card_uses.def"
#undef CARD_USE
};
static_assert(std::size(kUseFunctions) == std::size_t(kCardUseCount));

/// Brokers with cards for sale today.
void collect_sellers(World& w, std::vector<int32_t>& sellers) {
  sellers.clear();
  for (std::size_t b = 0; b < w.brokers.stock.size(); ++b)
    if (!w.brokers.stock[b].empty() && w.broker_present(int32_t(b))) sellers.push_back(int32_t(b));
}

/// The buyers of every use in one numbering: use by use in table order, each
/// use's buyers in index order. first[u] is the number of use u's first buyer.
struct BuyerNumbering {
  std::size_t first[kCardUseCount + 1];

  explicit BuyerNumbering(const World& w) {
    first[0] = 0;
    for (int u = 0; u < kCardUseCount; ++u) first[u + 1] = first[u] + use_fleets(w, CardUse(u)).size();
  }
  std::size_t total() const { return first[kCardUseCount]; }
  CardUse use_of(std::size_t k) const {
    int u = 0;
    while (k >= first[u + 1]) ++u;
    return CardUse(u);
  }
};

void sell_one(World& w, CardUse use, int32_t buyer, int32_t seller) {
  auto& stock = w.brokers.stock[std::size_t(seller)];
  const uint32_t card = stock.back();
  stock.pop_back();
  w.put_in_use(card, use, buyer);
  use_fleets(w, use)[std::size_t(buyer)].push_back(card);
  kUseFunctions[int(use)].takes(w, buyer, seller, card);
  w.market.scammer_bought += 1;
}

/// One buyer buys what it wants at today's price, each card from a random seller.
void buyer_buys(World& w, Stream& s, CardUse use, int32_t buyer, std::vector<int32_t>& sellers) {
  const double demand = kUseFunctions[int(use)].demand(w, buyer);
  w.market.scammer_wanted += demand;
  for (int64_t want = s.stochastic_round(demand); want > 0 && !sellers.empty(); --want) {
    const std::size_t pick = s.below(sellers.size());
    sell_one(w, use, buyer, sellers[pick]);
    if (w.brokers.stock[std::size_t(sellers[pick])].empty()) {
      sellers[pick] = sellers.back();
      sellers.pop_back();
    }
  }
}

}  // namespace

void buyers_buy_cards(World& w) {
  Stream s = w.stream(Phase::Market, 0);
  static thread_local std::vector<int32_t> sellers;
  collect_sellers(w, sellers);
  for (int32_t b : sellers) w.market.scammer_offered += double(w.brokers.stock[std::size_t(b)].size());
  // Buyers of all uses take turns in one random rotation: no use is served
  // first by rule, and which use the stock ends in follows from how many
  // cards each buyer wants at the posted price (docs/model.md, "Card uses").
  const BuyerNumbering numbering(w);
  const std::size_t n = numbering.total();
  if (n == 0) return;
  const std::size_t start = s.below(n);
  for (std::size_t k = 0; k < n; ++k) {
    const std::size_t number = (start + k) % n;
    const CardUse use = numbering.use_of(number);
    buyer_buys(w, s, use, int32_t(number - numbering.first[int(use)]), sellers);
  }
}

void detect_cards_in_use(World& w, Stream& s) {
  for (int u = 0; u < kCardUseCount; ++u) {
    // The hazard depends on the use and the card's channel only: computed
    // once a day, not per card.
    double hazard[kChannelCount];
    for (int c = 0; c < kChannelCount; ++c)
      hazard[c] = std::min(1.0, kUseFunctions[u].hazard(w.p, Channel(c)));
    for (const auto& fleet : use_fleets(w, CardUse(u)))
      for (uint32_t card : fleet)
        if (s.bernoulli(hazard[w.cards.channel[card]])) {
          const auto due = std::size_t(w.day + w.p.monitoring_delay_days);
          if (due < w.horizon()) w.shutdown_due[due].push_back(card);
        }
  }
}

double expected_life_days(double daily_hazard, double horizon_days) {
  const double h = daily_hazard;
  return h > 0 ? (1.0 - std::pow(1.0 - h, horizon_days)) / h : horizon_days;
}

double demand_from_margin(double value_yuan, double price_yuan, double cards_per_margin, std::size_t held) {
  const double margin = value_yuan / price_yuan - 1.0;
  const double wanted = cards_per_margin * std::max(0.0, margin);
  return std::max(0.0, wanted - double(held));
}

bool erase_card(std::vector<uint32_t>& list, uint32_t card) {
  auto it = std::find(list.begin(), list.end(), card);
  if (it == list.end()) return false;
  *it = list.back();
  list.pop_back();
  return true;
}

void leave_use(World& w, uint32_t card) {
  erase_card(use_fleets(w, CardUse(w.cards.use[card]))[std::size_t(w.cards.buyer[card])], card);
}

}  // namespace cardsim
