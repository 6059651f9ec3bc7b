#include "agents/card_market.h"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <utility>

#include "agents/carrier.h"
#include "agents/scammer.h"
#include "agents/sim_bank.h"

namespace cardsim {
namespace {

/// Each use's functions, named by its row of card_uses.def: a row whose
/// functions do not exist does not compile.
struct UseFunctions {
  double (*demand)(const World&, int32_t buyer, double price_yuan);
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

/// The day's sales tallies: all cards sold, and those a merchant sold (the
/// volume over which merchants spread what an arrest costs them, 7 step 2).
void count_sale(World& w, int32_t seller) {
  w.market.scammer_bought += 1;
  if (w.brokers.kind[std::size_t(seller)] == BrokerKind::Merchant) w.market.merchant_sold += 1;
}

void sell_one(World& w, CardUse use, int32_t buyer, int32_t seller) {
  auto& stock = w.brokers.stock[std::size_t(seller)];
  const uint32_t card = stock.back();
  stock.pop_back();
  w.put_in_use(card, use, buyer);
  use_fleets(w, use)[std::size_t(buyer)].push_back(card);
  kUseFunctions[int(use)].takes(w, buyer, seller, card);
  count_sale(w, seller);
}

/// One buyer buys what it wants at today's price, each card from a random seller.
void buyer_buys(World& w, Stream& s, CardUse use, int32_t buyer, std::vector<int32_t>& sellers) {
  const double demand = kUseFunctions[int(use)].demand(w, buyer, w.market.price_scammer);
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

// ---- regions that trade (docs/model.md, "Regions that trade") ----

/// Brokers with cards for sale today, region by region. With one region the
/// list of region 0 is exactly collect_sellers' list, in the same order.
struct RegionalSellers {
  std::vector<std::vector<int32_t>> in;  // [region] sellers with stock
  std::size_t total = 0;                 // sellers over all regions
};

void collect_regional_sellers(World& w, RegionalSellers& sellers) {
  sellers.in.resize(std::size_t(w.p.regions));
  for (auto& list : sellers.in) list.clear();
  sellers.total = 0;
  for (std::size_t b = 0; b < w.brokers.stock.size(); ++b)
    if (!w.brokers.stock[b].empty() && w.broker_present(int32_t(b))) {
      sellers.in[w.brokers.region[b]].push_back(int32_t(b));
      ++sellers.total;
    }
}

/// Removes seller `pick` of region `r`'s list once its stock is gone.
void drop_if_sold_out(World& w, RegionalSellers& sellers, std::size_t r, std::size_t pick) {
  auto& list = sellers.in[r];
  if (!w.brokers.stock[std::size_t(list[pick])].empty()) return;
  list[pick] = list.back();
  list.pop_back();
  --sellers.total;
}

/// The ledger account a buyer of `use` pays from.
uint32_t buyer_account(const World& w, CardUse use, int32_t buyer) {
  static_assert(kCardUseCount == 2, "a new card use names its buyers' ledger account here");
  return use == CardUse::FraudCalls ? w.ledger.ring(buyer) : w.ledger.sim_bank(buyer);
}

bool buyer_present(const World& w, CardUse use, int32_t buyer) {
  static_assert(kCardUseCount == 2, "a new card use names its buyers' presence here");
  return use == CardUse::FraudCalls ? w.ring_present(buyer) : w.sim_bank_present(buyer);
}

/// A card reaches its buyer: it goes into use, or, when the buyer's niche is
/// empty (arrested, raided), nobody collects it and it is abandoned.
void deliver(World& w, uint32_t card, CardUse use, int32_t buyer) {
  if (buyer_present(w, use, buyer)) {
    w.put_in_use(card, use, buyer);
    use_fleets(w, use)[std::size_t(buyer)].push_back(card);
  } else {
    w.end_card(card, CardState::Expired);
  }
}

/// Sells a card of `seller` (region `from`) to `buyer` of `use` (home region
/// `to`): the buyer pays the posted price to the seller and the transport
/// cost out of the model, and the card is in the post for
/// market.transport_delay_days (in use at once when the delay is 0).
void mail_one(World& w, CardUse use, int32_t buyer, int32_t seller, int from, int to) {
  auto& stock = w.brokers.stock[std::size_t(seller)];
  const uint32_t card = stock.back();
  stock.pop_back();
  kUseFunctions[int(use)].takes(w, buyer, seller, card);
  w.ledger.transfer(buyer_account(w, use, buyer), w.ledger.pool(Pool::Suppliers), w.p.market_transport_cost_yuan);
  count_sale(w, seller);
  w.recorder.add(Metric::cards_mailed, 1);
  w.recorder.add_mailed(from, to, 1);
  w.recorder.add_region(RegionSeries::CardsMailedIn, to, 1);
  if (w.p.market_transport_delay_days == 0) {
    deliver(w, card, use, buyer);
    return;
  }
  w.set_card_state(card, CardState::InTransit);
  w.cards.use[card] = uint8_t(use);
  w.cards.buyer[card] = buyer;
  w.trade.incoming[std::size_t(use)][std::size_t(buyer)]++;
  // A card due after the run's last day stays in the post (counted InTransit).
  const auto due = std::size_t(w.day + w.p.market_transport_delay_days);
  if (due < w.trade.arriving.size()) w.trade.arriving[due].push_back(card);
}

/// Picks a seller outside region `home`, each equally likely: draws one of
/// the sellers outside, then finds its region.
std::pair<std::size_t, std::size_t> pick_remote_seller(Stream& s, const RegionalSellers& sellers, std::size_t home) {
  std::size_t k = s.below(sellers.total - sellers.in[home].size());
  std::size_t r = 0;
  for (;; ++r) {
    if (r == home) continue;
    if (k < sellers.in[r].size()) break;
    k -= sellers.in[r].size();
  }
  return {r, k};
}

/// One buyer buys what it wants at today's price from sellers of its home
/// region, each card from a random one; when they have sold out, it mails in
/// from other regions the cards still worth their delivered price (the price
/// plus market.transport_cost_yuan). With one region the draws are those of
/// buyer_buys.
void buyer_buys_in_regions(World& w, Stream& s, CardUse use, int32_t buyer, RegionalSellers& sellers) {
  const double demand = kUseFunctions[int(use)].demand(w, buyer, w.market.price_scammer);
  w.market.scammer_wanted += demand;
  const auto home = std::size_t(w.buyer_home(use, buyer));
  auto& local = sellers.in[home];
  int64_t want = s.stochastic_round(demand);
  for (; want > 0 && !local.empty(); --want) {
    const std::size_t pick = s.below(local.size());
    sell_one(w, use, buyer, local[pick]);
    drop_if_sold_out(w, sellers, home, pick);
  }
  if (want == 0 || sellers.total == local.size()) return;
  // Local stock is gone: a card from elsewhere costs the price plus transport,
  // and the buyer counts the cards it has just bought and those in the post.
  const double delivered = w.market.price_scammer + w.p.market_transport_cost_yuan;
  int64_t mail = std::min(want, s.stochastic_round(kUseFunctions[int(use)].demand(w, buyer, delivered)));
  for (; mail > 0 && sellers.total > local.size(); --mail) {
    const auto [r, pick] = pick_remote_seller(s, sellers, home);
    mail_one(w, use, buyer, sellers.in[r][pick], int(r), int(home));
    drop_if_sold_out(w, sellers, r, pick);
  }
}

/// Cards in the post that arrive today reach their buyers (before the day's buying).
void mailed_cards_arrive(World& w) {
  if (std::size_t(w.day) >= w.trade.arriving.size()) return;
  auto& due = w.trade.arriving[std::size_t(w.day)];
  for (uint32_t card : due) {
    const auto use = CardUse(w.cards.use[card]);
    const int32_t buyer = w.cards.buyer[card];
    w.trade.incoming[std::size_t(use)][std::size_t(buyer)]--;
    deliver(w, card, use, buyer);
  }
  due.clear();
  due.shrink_to_fit();
}
// ---- end regions that trade ----

// ---- outside market (docs/model.md, "Regions that trade", the outside market) ----

/// The national market outside the modelled area buys, at its own price,
/// what the area's buyers left: when the area's price is no higher than what
/// a card fetches outside less transport, each card of up to
/// market.outside.cards_per_day (rounded stochastically) goes from a random
/// present seller with stock to the outside, paid the outside price less
/// transport, and leaves the model. The outside buyers' wish counts in the
/// day's demand, so the area's price moves towards the outside price. Off
/// (volume 0) it draws nothing and changes nothing.
void sell_outside(World& w) {
  const double volume = w.p.market_outside_cards_per_day;
  if (volume <= 0) return;
  const double net = w.p.market_outside_price_yuan - w.p.market_transport_cost_yuan;
  if (w.market.price_scammer > net) return;
  w.market.scammer_wanted += volume;
  Stream s = w.stream(Phase::Market, kOutsideMarketEntity);
  static thread_local std::vector<int32_t> sellers;
  collect_sellers(w, sellers);
  for (int64_t want = s.stochastic_round(volume); want > 0 && !sellers.empty(); --want) {
    const std::size_t pick = s.below(sellers.size());
    const int32_t seller = sellers[pick];
    auto& stock = w.brokers.stock[std::size_t(seller)];
    const uint32_t card = stock.back();
    stock.pop_back();
    w.ledger.transfer(w.ledger.pool(Pool::Suppliers), w.ledger.broker(seller), std::max(0.0, net));
    w.recorder.add(Metric::cards_sold_outside, 1);
    if (Channel(w.cards.channel[card]) == Channel::Raised) w.recorder.add(Metric::cards_sold_outside_raised, 1);
    // The cases it causes happen in the national market, which is not
    // simulated: the card carries that market's own cases per card.
    w.recorder.add(Metric::fraud_cases_outside_expected, w.p.market_outside_cases_per_card);
    w.end_card(card, CardState::SoldOutside);
    if (stock.empty()) {
      sellers[pick] = sellers.back();
      sellers.pop_back();
    }
  }
}
// ---- end outside market ----

}  // namespace

void buyers_buy_cards(World& w) {
  mailed_cards_arrive(w);
  Stream s = w.stream(Phase::Market, 0);
  static thread_local std::vector<int32_t> sellers;
  static thread_local RegionalSellers regional;
  const bool regions_trade = w.p.market_regional;
  if (regions_trade) {
    collect_regional_sellers(w, regional);
    for (const auto& list : regional.in)
      for (int32_t b : list) w.market.scammer_offered += double(w.brokers.stock[std::size_t(b)].size());
  } else {
    collect_sellers(w, sellers);
    for (int32_t b : sellers) w.market.scammer_offered += double(w.brokers.stock[std::size_t(b)].size());
  }
  // Buyers of all uses take turns in one random rotation: no use is served
  // first by rule, and which use the stock ends in follows from how many
  // cards each buyer wants at the posted price (docs/model.md, "Card uses").
  const BuyerNumbering numbering(w);
  const std::size_t n = numbering.total();
  if (n == 0) {
    sell_outside(w);
    return;
  }
  const std::size_t start = s.below(n);
  for (std::size_t k = 0; k < n; ++k) {
    const std::size_t number = (start + k) % n;
    const CardUse use = numbering.use_of(number);
    const auto buyer = int32_t(number - numbering.first[int(use)]);
    if (regions_trade)
      buyer_buys_in_regions(w, s, use, buyer, regional);
    else
      buyer_buys(w, s, use, buyer, sellers);
  }
  sell_outside(w);
}

namespace {

/// Detection in one use's fleets, by thinning: candidates come at the
/// highest hazard of the use's channels, a gap of failures drawn at once
/// (Stream::failures_before_success), and a candidate card is detected with
/// its channel's hazard over the highest. The same chance for every card as
/// a draw per card, with a draw per candidate instead of one per card in use
/// (hundreds of thousands a day at national scale), and a card's channel read
/// only for candidates (a cache miss each: a fleet's cards were made on
/// different days and lie scattered over the card arrays).
void detect_in_fleets(World& w, Stream& s, CardUse use, const double (&hazard)[kChannelCount]) {
  const double highest = *std::max_element(std::begin(hazard), std::end(hazard));
  if (highest <= 0) return;
  const auto due = std::size_t(w.day + w.p.monitoring_delay_days);
  uint64_t gap = s.failures_before_success(highest);
  for (const auto& fleet : use_fleets(w, use)) {
    std::size_t k = 0;
    while (fleet.size() - k > gap) {
      k += std::size_t(gap);
      const uint32_t card = fleet[k++];
      const double h = hazard[w.cards.channel[card]];
      if ((h >= highest || s.bernoulli(h / highest)) && due < w.horizon()) w.shutdown_due[due].push_back(card);
      gap = s.failures_before_success(highest);
    }
    gap -= fleet.size() - k;
  }
}

}  // namespace

void detect_cards_in_use(World& w, Stream& s) {
  for (int u = 0; u < kCardUseCount; ++u) {
    // The hazard depends on the use and the card's channel only: computed
    // once a day, not per card.
    double hazard[kChannelCount];
    for (int c = 0; c < kChannelCount; ++c)
      hazard[c] = std::min(1.0, kUseFunctions[u].hazard(w.p, Channel(c)));
    detect_in_fleets(w, s, CardUse(u), hazard);
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

double demand_with_callers(double value_yuan, double price_yuan, double callers_cards, std::size_t held) {
  if (price_yuan <= 0 || callers_cards <= 0) return 0.0;
  // Revenue R F / (1 + F / C): the marginal card earns R / (1 + F / C)^2,
  // which equals the price at F = C (sqrt(R / p) - 1).
  const double wanted = callers_cards * std::max(0.0, std::sqrt(value_yuan / price_yuan) - 1.0);
  return std::max(0.0, wanted - double(held));
}

double cards_at_work(double cards, double callers_cards) {
  return callers_cards > 0 ? cards / (1.0 + cards / callers_cards) : 0.0;
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
