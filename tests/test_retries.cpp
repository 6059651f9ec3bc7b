// Honest customers' time to a card: refused customers retry or give up, and
// the cost of a control shows in days waited and customers lost, beside the
// count of refusals.
#include <catch2/catch.hpp>

#include "model_fixtures.h"

using namespace cardsim;
using testing::mean_total;
using testing::run;
using testing::small_baseline;
using testing::with;

TEST_CASE("refused honest customers who never retry all give up, while retrying ones often get a card later", "[retries]") {
  // A tight dealer cap (8 activations per outlet per week, against about 14
  // asked for) refuses many honest customers late in each week; a retry two
  // days later often falls in the next week.
  const Scenario capped =
      with(small_baseline(100000, 90), {"controls.dealer_cap.enabled=true", "controls.dealer_cap.max_activations=8",
                                        "controls.dealer_cap.window_days=7", "citizens.retry_delay_days=2"});
  const RunResult never = run(with(capped, {"citizens.retry_share=0"}), 2);
  const RunResult retry = run(with(capped, {"citizens.retry_share=1", "citizens.retry_max=3"}), 2);

  REQUIRE(mean_total(never, "honest_refused") > 100);
  CHECK(mean_total(never, "honest_retries") == 0);
  CHECK(mean_total(never, "honest_gave_up") == mean_total(never, "honest_refused"));
  CHECK(mean_total(never, "honest_gave_up_share") == 1.0);

  CHECK(mean_total(retry, "honest_retries") > 0);
  // Against a cap still tight next week, about half of them end with a card.
  CHECK(mean_total(retry, "honest_gave_up") < 0.8 * mean_total(retry, "honest_refused"));
  CHECK(mean_total(retry, "honest_gave_up_share") < 0.8);
  // Every card got after a refusal came at least one delay later.
  CHECK(mean_total(retry, "honest_days_to_card") >= 2.0);
  CHECK(mean_total(retry, "cards_activated_legit") > mean_total(never, "cards_activated_legit"));
}
