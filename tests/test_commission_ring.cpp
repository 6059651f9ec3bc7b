// The outside market (docs/model.md 7.4, "The outside market") and the
// commission-ring scenario built on it (docs/model.md 16). A component test
// with exact outcomes on a hand-made World, then the scenario read through
// its outputs: inside a national market the crew is a price taker, and its
// own cards are counted apart (sold outside, raised). Nothing of the
// scenario is tuned to these outputs.
#include <catch2/catch.hpp>

#include <memory>

#include "agents/card_market.h"
#include "core/invariants.h"
#include "core/world.h"
#include "model_fixtures.h"
#include "results/results.h"
#include "scenario/scenario.h"

using namespace cardsim;
using namespace cardsim::testing;

namespace {

/// One merchant with `n` farmer cards in stock, no buyers in the area.
std::unique_ptr<World> lone_seller(int n) {
  Params p = tiny_area_params();
  p.density_sim_banks = 0;
  auto w = std::make_unique<World>(p, 7, 0);
  REQUIRE(w->brokers.kind.size() == 1);
  w->day = 10;
  for (int k = 0; k < n; ++k) w->brokers.stock[0].push_back(w->new_card(Channel::Farmer, uint32_t(k % 4), 0, 0, -1));
  return w;
}

}  // namespace

TEST_CASE("the outside market buys what is left at its price less transport, up to its volume", "[outside]") {
  auto w = lone_seller(3);
  w->p.market_outside_cards_per_day = 2;  // a whole number: exactly 2 a day
  w->p.market_outside_price_yuan = 500;
  w->p.market_transport_cost_yuan = 20;
  w->p.market_outside_cases_per_card = 0.25;
  w->market.price_scammer = 480;  // no higher than 500 - 20: sellers sell outside
  buyers_buy_cards(*w);
  CHECK(w->brokers.stock[0].size() == 1);
  CHECK(w->cards_by_state[std::size_t(CardState::SoldOutside)] == 2);
  CHECK(w->recorder.today(Metric::cards_sold_outside) == 2);
  CHECK(w->recorder.today(Metric::cards_sold_outside_raised) == 0);
  // Each card sold outside carries the national market's cases per card.
  CHECK(w->recorder.today(Metric::fraud_cases_outside_expected) == Approx(2 * 0.25));
  CHECK(w->recorder.today(Metric::fraud_cases) == 0);  // none of them in the area
  CHECK(w->ledger.balance(w->ledger.broker(0)) == Approx(2 * 480.0));
  CHECK(w->market.scammer_wanted == 2);  // the outside buyers' wish enters the day's demand
  check_invariants(*w);

  // Above the outside price less transport the area's sellers keep their cards.
  w->market.clear_tallies();
  w->market.price_scammer = 481;
  buyers_buy_cards(*w);
  CHECK(w->brokers.stock[0].size() == 1);
  CHECK(w->market.scammer_wanted == 0);
  CHECK(w->recorder.today(Metric::fraud_cases_outside_expected) == Approx(2 * 0.25));  // the same day: nothing more

  // Off (volume 0): nothing is sold outside, whatever the prices.
  auto off = lone_seller(3);
  off->p.market_outside_price_yuan = 1e6;
  buyers_buy_cards(*off);
  CHECK(off->brokers.stock[0].size() == 3);
  CHECK(off->cards_by_state[std::size_t(CardState::SoldOutside)] == 0);
}

TEST_CASE("inside a national market the commission ring is a price taker",
          "[outside][commission_ring]") {
  const Scenario ring = load_scenario_file(CARDSIM_SOURCE_DIR "/scenarios/commission_ring.yaml");
  const RunResult r = run(ring, 6, 1, 0, true);  // --check: cards and money conserved every day
  const double outside = ring.params.market_outside_price_yuan;
  const double price = mean_total(r, "price_scammer_yuan");
  INFO("outside price " << outside << " yuan, the area's mean price " << price << " yuan");
  // A price taker: the area's price stays within 10% of the outside price
  // (a closed market put it at about 1,000 yuan).
  CHECK(price > 0.9 * outside);
  CHECK(price < 1.1 * outside);
  // The crew's cards are counted apart: cards sold outside, raised ones among
  // them, against cards raised (the area has no buyers of its own, so that
  // nothing is sold inside is the scenario's structure, not a finding).
  const double sold_outside = mean_total(r, "cards_sold_outside");
  const double sold_inside = mean_total(r, "cards_sold_to_scammers") + mean_total(r, "cards_sold_to_sim_banks");
  const double raised = mean_total(r, "cards_raised");
  INFO("cards raised " << raised << ", sold outside " << sold_outside << " (raised " <<
       mean_total(r, "cards_sold_outside_raised") << "), sold inside " << sold_inside);
  CHECK(sold_outside > 0);
  CHECK(mean_total(r, "cards_sold_outside_raised") <= raised);
  // The cases the crew's cards cause: in the province (every card there is
  // the crew's) and, expected, in the national market its cards were sold to.
  const double cases_outside = mean_total(r, "fraud_cases_outside_expected");
  INFO("cases by the crew's cards: " << mean_total(r, "fraud_cases") << " in the province, " << cases_outside
                                     << " expected in the national market");
  CHECK(cases_outside == Approx(sold_outside * ring.params.market_outside_cases_per_card));
  CHECK(cases_outside > 0);
  CHECK(mean_total(r, "commissions_fraudulent_yuan") > 0);
  // Whether raising for commissions is the crew's main business (cards
  // raised against cards sold to rings) is reported in docs/model.md 16 and
  // not asserted: in this model it is not (about 295 raised against 2,400
  // sold outside a year), because the opener, served first by broker id,
  // takes most of the insider's white cards (docs/model.md 16 and open
  // question 18).
}
