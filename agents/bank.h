// Two cards: bank accounts as goods of a market of their own, coupled to the
// phone-card market by cash-out (docs/model.md, "Two cards"). Holders sell
// their own bank account to kit collectors, who complete a kit (bank card,
// online-banking token, the linked phone card, an ID copy: F26) and sell it
// to rings; banks check openings and monitor transfers. A share of cases
// (bank.case_share, F9) pays a ring only into an unfrozen account it holds.
// With bank.enabled off nothing here runs and no stream of Phase::Bank is drawn.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

#include "core/open_positions.h"
#include "core/world.h"

namespace cardsim {

/// The bank part's first state: one kit list per collector (a density per
/// million holders), one account list per ring, the prices at their starting
/// values (the seller's pay at the holders' median asking price, the kit at
/// the collectors' unit cost plus the minimum markup). Nothing when off.
void init_bank(World& w);

/// Chance that one fraud receipt ends with its account frozen: monitoring
/// reviews and flags it (review_share x sensitivity) or, if not, the victim
/// reports it (controls.police.report_prob) and the bank freezes on the
/// report (bank.report_freeze_prob).
double freeze_hazard_per_receipt(const Params& p);

/// Share of a fraud receipt's money that rings expect to lose to a freeze:
/// all of it when monitoring flags the receipt, bank.report_funds_caught_share
/// of it when the account is frozen on the victim's report alone (the rest
/// has moved on through further layers, F26).
double funds_frozen_share_per_receipt(const Params& p);

/// What a ring expects to keep of a case whose cash-out would be
/// `gross_yuan` with free and unlimited accounts: the share through other
/// routes keeps it whole; a case through an account keeps the share of money
/// rings have seen cashed out (Bank::yield_seen) and pays for the share of a
/// kit it uses up (kit price x accounts frozen per receipt seen). With the
/// module off: gross_yuan.
double case_value_with_accounts_yuan(const World& w, double gross_yuan);

/// Kits a ring wants to add today at today's kit price: enough for
/// bank.account_stock_days of expected use (its cases through accounts a day,
/// saturating in its callers as its attempts do,
/// times the accounts frozen per receipt rings have seen), when a case
/// through an account still pays after its share of the kit; 0 otherwise.
/// Accounts held count.
double ring_kit_demand(const World& w, int32_t ring);

// ---- daily phases (Phase::Bank) ----
/// After the phone-card market: rings buy kits from collectors' stock at
/// today's kit price, then collectors restock by buying accounts from holders
/// they reach (seller's pay against each holder's asking price, the bank's
/// opening check), each from its own stream.
void bank_market(World& w);

/// The collectors with kits in stock, for one day's sales (a collector
/// sold out stays so until the collectors restock). Rings once asked every
/// collector in turn, and when kits ran short every ring asked all of them
/// and found none: rings times collectors a day, most of a national run's
/// bank time. A ring's search now costs about as many steps as the
/// collectors it buys from.
class StockedCollectors : public OpenPositions {
 public:
  explicit StockedCollectors(const std::vector<std::vector<uint32_t>>& kits)
      : OpenPositions(kits.size(), [&kits](std::size_t c) { return !kits[c].empty(); }) {}
  void sold_out(std::size_t c) { close(c); }
};

/// A ring wanting `wanted` kits takes them from the collectors' `kits`,
/// asking collectors from `first` on in index order, then from the first
/// collector up to `first`, each until it is sold out, the last kit of a
/// list first; `sold` is told each account taken. `stocked` must describe
/// `kits` (the same day's StockedCollectors, updated by every ring's purchases).
void take_kits_in_order(std::vector<std::vector<uint32_t>>& kits, std::size_t first, int64_t wanted,
                        StockedCollectors& stocked, const std::function<void(uint32_t)>& sold);
/// After the day's fraud: each bank reviews the day's receipts of every
/// account in rings' hands and freezes flagged or reported ones with their
/// funds; rings cash out the rest. Monitoring also freezes honest accounts in
/// error, counted only.
void banks_monitor_accounts(World& w);
/// Phase Adaptation: the seller's pay and the kit price move with their own
/// markets' tallies (core/market.cpp's rule; docs/model.md "Two cards").
void update_bank_prices(World& w);
/// End of day: levels and prices of the bank market.
void record_bank_day(World& w);

// ---- the fraud phase's side (agents/scammer.cpp) ----
enum class CaseRoute : uint8_t { Other, Account, NoAccount };
/// Where a case's money goes: other routes (1 - bank.case_share), an account
/// of the ring drawn from its accounts in use (the money waits there for the
/// day's monitoring), or nowhere: the ring holds no unfrozen account and the
/// victim's transfer never happens. Draws from the ring's Phase::Bank stream.
/// `account` is set to the receiving account (kNoAccount for other routes).
CaseRoute route_case(World& w, Stream& bank_stream, int32_t ring, double loss_yuan, bool reported, uint32_t& account);

// ---- police traces, recovered funds and the risk of arrest (docs/model.md 19, "Police see both cards") ----
/// What an arrest costs a collector (or a seller), yuan: the mean fine plus
/// the mean sentence times the income forgone per day
/// (bank.collector_income_yuan_per_day, bank.seller_income_yuan_per_day).
double collector_arrest_cost_yuan(const Params& p);
double seller_arrest_cost_yuan(const Params& p);
/// Expected arrest cost per kit a collector sells: collectors' arrests per
/// kit sold as they have seen them (Bank::collector_arrests_seen /
/// kits_sold_seen, at least one kit per bank.learning_days) times
/// collector_arrest_cost_yuan; 0 before any arrest.
double collector_risk_premium_yuan(const World& w);
/// Expected arrest cost per account a holder sells: sellers' arrests per
/// account sold as seen, times seller_arrest_cost_yuan; 0 before any arrest.
double seller_risk_premium_yuan(const World& w);
/// A collector's unit cost of a kit: the seller's pay, the assembly cost and
/// the expected arrest cost per kit. The kit price never falls below it times
/// (1 + market.min_markup).
double collector_unit_cost_yuan(const World& w);
/// What a kit is expected to bring a ring, yuan: a case's cash-out with free
/// accounts at the median ring (scammers.loss_mean_yuan x
/// scammers.cash_out_share) times the receipts an account takes before it is
/// frozen (1 / Bank::frozen_per_receipt_seen) times the share of their money
/// cashed out (Bank::yield_seen). A ring buys no kit dearer than this
/// (ring_kit_demand).
double kit_value_to_rings_yuan(const World& w);
/// The lowest kit price collectors accept: their unit cost plus
/// bank.collector_surplus_share of (kit_value_to_rings_yuan - unit cost), and
/// never below the unit cost times (1 + market.min_markup).
double collectors_kit_floor_yuan(const World& w);
/// End of the day: collectors and sellers update what they have seen of
/// arrests (moving averages over bank.learning_days of the day's arrests and
/// of the day's kits and accounts sold).
void sellers_and_collectors_learn(World& w);

/// Whether collector `c`'s niche is worked today (an arrested collector's
/// niche stays empty for bank.collector_replacement_days or the sentence).
bool collector_present(const World& w, int32_t c);
/// A police trace reached `account`: if still in a ring's hands it is frozen
/// (state FrozenFraud, bank_accounts_frozen_trace) and leaves the ring's list.
void freeze_traced_account(World& w, uint32_t account);
/// An arrested collector's kits in stock are seized and its niche stays empty
/// for bank.collector_replacement_days; with a served sentence, at least the
/// sentence.
void replace_collector(World& w, int32_t c);
void collector_serves_sentence(World& w, int32_t c, int64_t sentence_days);

/// The ring left its place or was arrested: accounts still in its hands are
/// closed (any funds in them stay frozen at the bank).
void bank_ring_leaves(World& w, int32_t ring);

}  // namespace cardsim
