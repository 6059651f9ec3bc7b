// Insiders: dealer or outlet staff who sell white cards, share the login
// that edits activation location, and harvest customers' codes (拉新).
#pragma once

#include "core/world.h"

namespace cardsim {

// Life cycle: one insider post per corrupt outlet.

/// A new person takes the insider post: their reservation ask and whether they
/// share the login that edits location are drawn from `s`. Used when the
/// world is built and when an arrested insider is replaced.
void insider_takes_post(World& w, Stream& s, int32_t insider);

/// After an arrest the post stays empty for insiders.replacement_days, with no
/// white cards left today; the successor is drawn now (from the insider's own
/// Police stream of the day) and takes the post when the vacancy ends.
void replace_insider(World& w, int32_t insider);

/// Served sentences (controls.police.sentences_served): the post stays empty
/// for the longer of the sentence and insiders.replacement_days, then the same
/// person returns with one more conviction on record: they keep their
/// reservation and login habits but ask more and harvest fewer codes
/// (World::restraint).
void insider_serves_sentence(World& w, int32_t insider, int64_t sentence_days);

/// The WeChat-group organiser whose group the insider harvests codes in (F13),
/// -1 when the world has no organiser.
int32_t organiser_of(const World& w, int32_t insider);

/// What the insiders of `organiser`'s group are expected to pay it a day at
/// today's risk and records: its cut (insiders.organiser_share, less for an
/// organiser with a record) of the code bounties of the group's insiders at
/// work. Candidates for an empty organiser place expect it (organisers.entry.*).
double expected_organiser_cut_yuan_per_day(const World& w, int32_t organiser);

/// Present and did illicit business within insiders.active_window_days: an
/// audit can catch them, and the insiders_active metric counts them.
bool insider_active(const World& w, int32_t insider);

/// Today's ask of an insider for a white card: pay weighed against risk.
double insider_ask(const World& w, int32_t insider);

// ---- code bounties keep insiders corrupt ----
/// The bounties an insider expects a day from harvesting customers' codes
/// (channels.code_harvesting.enabled), after its organiser's cut; 0 when off.
double expected_code_income(const World& w, int32_t insider);

/// The price at which an insider hands over a white card: its ask less the
/// code bounties per white card of a day's capacity. A corrupt insider weighs
/// its illicit income as one business, so bounties make each white card
/// need that much less to be worth the risk (docs/model.md 4.5).
double insider_white_ask(const World& w, int32_t insider);
// ---- end code bounties keep insiders corrupt ----

/// Decides who deals today and does the code harvesting.
void insiders_act(World& w);

/// Buys one white card from an insider at today's price; false when the
/// insider is absent, out of capacity, asks more, or the outlet is capped.
bool buy_white_card(World& w, int32_t insider, uint32_t buyer_account);

/// The insider's login can edit the activation location today.
bool login_edits_location(const World& w, int32_t insider);

// ---- entry and exit by profit: insiders (insiders.entry.*; docs/model.md, "Entry and exit by profit") ----

/// Illicit income an honest outlet's staff (the candidates of post `insider`)
/// expect a day, yuan: white cards at today's price if their ask (raised by a
/// record) is met, times today's sell-through, plus code bounties after the
/// organiser's cut (fewer with perceived risk and a record).
double expected_insider_income_yuan_per_day(const World& w, int32_t insider);

/// The outlet turns honest: the insider stops, the post is empty until its
/// staff expect corruption to pay.
void insider_exits(World& w, int32_t insider);

/// Phase Entry, after the merchants: the rings' rule (agents/entry.h) for
/// insiders; income is the change of the insider's ledger balance. Counts
/// insiders_in_post, insider_entries, insider_exits and insider_profit_yuan.
void insiders_enter_and_exit(World& w);

/// At world building: insiders placed with the world expect the entry threshold.
void init_insider_expectations(World& w);

// ---- end entry and exit by profit: insiders ----

}  // namespace cardsim
