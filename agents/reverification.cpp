#include "agents/reverification.h"

#include <iterator>

#include "agents/carrier.h"

namespace cardsim {
namespace {

/// Who can confirm a card of each channel in person, in channel order
/// (core/channels.def): a new channel does not compile until it has a rule.
enum class PassRule : uint8_t {
  HolderMayConfirm,  // the registered holder is the seller of the card (a card farmer)
  NeverConfirmed,    // registered on a real person who never asked for the card
};
constexpr PassRule kPassRule[] = {
    PassRule::HolderMayConfirm,  // Farmer: opened by the farmer in their own name (F8)
    PassRule::NeverConfirmed,    // Harvested: a harvested ID and face record (F2, F4)
    PassRule::NeverConfirmed,    // White: an insider's white card on a bought record (F1, F3)
    PassRule::NeverConfirmed,    // Raised: a white card on a bought record, raised then resold (F6)
};
static_assert(std::size(kPassRule) == std::size_t(kChannelCount), "give every channel its re-verification pass rule");

/// Reaches the target cards of one broker's stock; those shut leave the
/// stock, which keeps the order of the rest (the market sells from its end).
void reverify_stock(World& w, Stream& s, const ScheduledAction& a, std::vector<uint32_t>& stock) {
  std::size_t kept = 0;
  for (uint32_t card : stock) {
    if (is_reverification_target(w, card, a) && s.bernoulli(a.coverage)) {
      w.recorder.add(Metric::cards_reverified, 1);
      if (!holder_confirms(w, s, card)) {
        w.end_card(card, CardState::ShutReverified);
        w.recorder.add(Metric::shutdowns_reverification, 1);
        continue;
      }
    }
    stock[kept++] = card;
  }
  stock.resize(kept);
}

/// Honest holders have no per-card state: their sleeping cards are a share
/// of the live honest cards (citizens.sleeping_share), reached at the drive's
/// coverage whatever its target, and each lost when its holder misses the
/// re-verification (controls.reverification.honest_miss_share).
void reverify_honest_cards(World& w, Stream& s, const ScheduledAction& a) {
  const int64_t asked = s.binomial(w.legit_live, w.p.citizens_sleeping_share * a.coverage);
  w.recorder.add(Metric::cards_reverified, double(asked));
  const int64_t missed = s.binomial(asked, w.p.reverification_honest_miss_share);
  for (int64_t k = 0; k < missed; ++k)
    if (shut_one_honest_card(w, s)) w.recorder.add(Metric::shutdowns_honest_reverification, 1);
}

}  // namespace

int64_t dormant_cards(const World& w) { return w.cards_by_state[std::size_t(CardState::Stock)]; }

int64_t days_without_use(const World& w, uint32_t card) {
  const bool raised = w.cards.channel[card] == uint8_t(Channel::Raised);
  const int64_t last_use = raised && w.cards.commission_day[card] >= 0 ? w.cards.commission_day[card]
                                                                        : w.cards.activation_day[card];
  return w.day - last_use;
}

bool is_reverification_target(const World& w, uint32_t card, const ScheduledAction& a) {
  if (CardState(w.cards.state[card]) != CardState::Stock) return false;
  return a.target == ReverifyTarget::Dormant || days_without_use(w, card) >= a.idle_days;
}

bool holder_confirms(const World& w, Stream& s, uint32_t card) {
  switch (kPassRule[w.cards.channel[card]]) {
    case PassRule::HolderMayConfirm: return s.bernoulli(w.p.reverification_farmer_confirm_share);
    case PassRule::NeverConfirmed: return false;
  }
  return false;
}

void run_reverification(World& w, Stream& s, const ScheduledAction& a) {
  for (auto& stock : w.brokers.stock) reverify_stock(w, s, a, stock);
  reverify_honest_cards(w, s, a);
}

void take_actions_of_the_day(World& w) {
  if (!w.actions) return;
  uint64_t k = 0;
  for (const ScheduledAction& a : *w.actions) {
    if (a.day != w.day) continue;
    Stream s = w.stream(Phase::Actions, k++);
    run_reverification(w, s, a);
  }
}

}  // namespace cardsim
