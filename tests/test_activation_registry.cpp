// A control added from outside sim/ and agents/: a check registered at run
// time with an explicit rank refuses activations, and its refusals are
// counted per check in the run and in its file.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <numeric>
#include <stdexcept>

#include "core/activation_checks.h"
#include "model_fixtures.h"
#include "results/h5.h"
#include "results/results.h"

using namespace cardsim;

namespace {

/// Refuses every activation in region 0: a stand-in for a new control.
bool refuses_region_zero(World& w, Stream&, const ActivationAttempt& a) { return w.outlets.region[a.outlet] == 0; }

/// Registers a check for the life of a test and removes it afterwards.
struct ScopedCheck {
  explicit ScopedCheck(const ActivationCheck& c) : name(c.name) { register_activation_check(c); }
  ~ScopedCheck() { unregister_activation_check(name); }
  std::string name;
};

int index_of(const std::vector<std::string>& names, const std::string& name) {
  for (std::size_t i = 0; i < names.size(); ++i)
    if (names[i] == name) return int(i);
  return -1;
}

/// Sum over replicates and days of one check's refusals.
double refused_by(const RunResult& r, int check) {
  const auto checks = r.check_names.size();
  double sum = 0;
  for (const auto& rep : r.refused_by_check)
    for (std::size_t day = 0; day < std::size_t(r.days); ++day) sum += rep[day * checks + std::size_t(check)];
  return sum;
}

}  // namespace

TEST_CASE("a check registered at run time refuses activations and is counted per check", "[checks]") {
  const Scenario sc = testing::small_baseline(100000, 30);
  const RunResult before = testing::run(sc, 2);
  RunResult after;
  {
    ScopedCheck region_zero({"test_region_zero", 35, Refusal::Other, refuses_region_zero});
    REQUIRE(activation_checks()[3].name == "test_region_zero");  // between id_cap (30) and velocity_identity (40)
    after = testing::run(sc, 2);
  }
  REQUIRE(activation_checks().size() == builtin_activation_checks().size());
  const int extra = index_of(after.check_names, "test_region_zero");
  REQUIRE(extra == 3);
  const double refused = refused_by(after, extra);
  CHECK(refused > 0);
  // Every honest refusal is counted by exactly one check.
  const int honest = find_metric("honest_refused");
  double all_checks = 0;
  for (std::size_t c = 0; c < after.check_names.size(); ++c) all_checks += refused_by(after, int(c));
  const auto& totals = after.totals[std::size_t(honest)];
  CHECK(all_checks == std::accumulate(totals.begin(), totals.end(), 0.0));
  CHECK(std::accumulate(totals.begin(), totals.end(), 0.0) >
        std::accumulate(before.totals[std::size_t(honest)].begin(), before.totals[std::size_t(honest)].end(), 0.0));

  // The file names the checks and stores [replicate, day, check].
  const std::string path = (std::filesystem::temp_directory_path() /
                            ("cardsim_checks_" + std::to_string(::getpid()) + ".h5")).string();
  write_run_file(path, after, 1);
  h5::Handle file = h5::open_file(path);
  h5::Handle ts = h5::open_group(file, "timeseries");
  std::vector<hsize_t> dims;
  const std::vector<double> data = h5::read_doubles(ts, "honest_refused_by_check", dims);
  std::filesystem::remove(path);
  REQUIRE(dims == std::vector<hsize_t>{2, 30, after.check_names.size()});
  double from_file = 0;
  for (std::size_t i = std::size_t(extra); i < data.size(); i += after.check_names.size()) from_file += data[i];
  CHECK(from_file == refused);
}

TEST_CASE("registering a check whose rank or name is taken is refused with both names", "[checks]") {
  CHECK_THROWS_WITH(register_activation_check({"other_cap", 30, Refusal::Other, refuses_region_zero}),
                    "activation check 'other_cap': rank 30 is taken by 'id_cap'");
  CHECK_THROWS_WITH(register_activation_check({"remote", 99, Refusal::Other, refuses_region_zero}),
                    "activation check 'remote' is already registered");
  CHECK_FALSE(unregister_activation_check("no_such_check"));
}

namespace {
bool never_refuses(World&, Stream&, const ActivationAttempt&) { return false; }
}  // namespace

TEST_CASE("the built-in checks give the same run through the registry's loop as through the direct path", "[checks]") {
  // With only the built-in checks registered check_activation calls them
  // directly; a check that never refuses, ranked last, sends every attempt
  // through the registry's loop instead. Every control is switched on so
  // that each built-in check refuses some customers.
  const Scenario sc = testing::with(testing::small_baseline(200000, 120),
                                    {"controls.dealer_cap.enabled=true", "controls.dealer_cap.max_activations=20",
                                     "controls.velocity.enabled=true", "controls.velocity.max_per_outlet_day=2",
                                     "controls.remote_activation.mode=verify", "sanctions.enabled=true",
                                     "sanctions.prob_on_fraud_shutdown=1"});
  const RunResult direct = testing::run(sc, 2);
  RunResult looped;
  {
    ScopedCheck last({"test_never_refuses", 1000, Refusal::Other, never_refuses});
    looped = testing::run(sc, 2);
  }
  REQUIRE(looped.check_names.size() == direct.check_names.size() + 1);
  CHECK(looped.daily == direct.daily);
  CHECK(looped.totals == direct.totals);
  for (std::size_t c = 0; c < direct.check_names.size(); ++c) {
    CHECK(refused_by(looped, int(c)) == refused_by(direct, int(c)));
    // The credit sanction refuses only sanctioned sellers, who in 120 days
    // seldom ask for an honest card: it is compared, not required to refuse.
    if (direct.check_names[c] != "credit_sanction") CHECK(refused_by(direct, int(c)) > 0);
  }
}
