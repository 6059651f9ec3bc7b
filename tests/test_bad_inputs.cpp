// The bad-input catalogue: every malformed scenario in tests/bad_inputs/ is
// given to the real binary, which must exit with code 2 (never crash) and
// print a message with the exact location, key and reason asserted below.
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "cli_process.h"

namespace {

namespace fs = std::filesystem;
using cardsim::testing::Outcome;
using cardsim::testing::run_cardsim;

const std::string kBadDir = std::string(CARDSIM_SOURCE_DIR) + "/tests/bad_inputs/";

struct BadCase {
  const char* file;                    // under tests/bad_inputs/ (or missing)
  std::vector<const char*> fragments;  // each must appear in the message
};

// One row per malformed scenario; the fragments are the exact message text.
const std::vector<BadCase> kCases = {
    {"unknown_key.yaml", {"unknown_key.yaml:3:1: key 'bogus_setting': unknown parameter (see `cardsim params`)"}},
    {"misspelt_nested_key.yaml",
     {"misspelt_nested_key.yaml:4:5: key 'controls.per_id_cap.max_card': unknown parameter",
      "did you mean 'controls.per_id_cap.max_cards'?"}},
    {"wrong_type.yaml", {"wrong_type.yaml:2:7: key 'days': expected a whole number, got 'many'"}},
    {"negative_count.yaml",
     {"negative_count.yaml:3:18: key 'brokers.insider_links': value -4 is outside the allowed range [0, 1000] insiders "
      "per merchant"}},
    {"renamed_key.yaml",
     {"renamed_key.yaml:3:3: key 'brokers.merchants': no longer a parameter: criminal numbers are densities per "
      "million identity holders; use 'density.merchants_caught_per_million'"}},
    {"retired_key.yaml",
     {"retired_key.yaml:3:3: key 'market.farmer_price_cap_share': no longer a parameter: farmers' pay is capped by "
      "the merchants' willingness to pay, derived from their margin", "see docs/model.md, section 7"}},
    {"probability_above_one.yaml",
     {"probability_above_one.yaml:2:29: key 'controls.liveness.strength': value 1.5 is outside the allowed range "
      "[0, 1] probability"}},
    {"nan_yaml.yaml",
     {"nan_yaml.yaml:3:18: key 'citizens.share_elderly': value must be a finite number in [0, 1], got '.nan'"}},
    {"nan_plain.yaml",
     {"nan_plain.yaml:3:18: key 'citizens.share_student': value must be a finite number in [0, 1], got 'nan'"}},
    {"inf.yaml",
     {"inf.yaml:2:26: key 'scammers.loss_mean_yuan': value must be a finite number in [1, 100000000], got '.inf'"}},
    {"inf_int.yaml",
     {"inf_int.yaml:2:13: key 'population': value must be a finite number in [0, 2000000000], got '-inf'"}},
    {"empty.yaml", {"empty.yaml: scenario file is empty"}},
    {"comment_only.yaml", {"comment_only.yaml: scenario file is empty"}},
    {"syntax_error.yaml", {"syntax_error.yaml:4:1: YAML syntax error: end of sequence flow not found"}},
    {"tab_indent.yaml", {"tab_indent.yaml:3: tab character in indentation; YAML indents with spaces"}},
    {"duplicate_key.yaml", {"duplicate_key.yaml:4:1: key 'days': duplicate key"}},
    {"duplicate_key_spelling.yaml",
     {"duplicate_key_spelling.yaml:5:5: key 'controls.monitoring.hazard': duplicate key (also set at ",
      "duplicate_key_spelling.yaml:2:1)"}},
    {"unknown_enum.yaml",
     {"unknown_enum.yaml:4:11: key 'controls.remote_activation.mode': unknown value 'forbid'; allowed: "
      "allow|verify|block"}},
    {"group_scalar.yaml",
     {"group_scalar.yaml:2:1: key 'controls': is a group of parameters; expected a map of its keys"}},
    {"group_list.yaml",
     {"group_list.yaml:3:18: key 'citizens.share_elderly': expected a single real value, got a list"}},
    {"missing_value.yaml",
     {"missing_value.yaml:5:5: key 'controls.per_id_cap.max_cards': has no value; expected [1, 60]"}},
    {"schedule_empty_day.yaml",
     {"schedule_empty_day.yaml:3:5: key 'schedule.day': has no value; expected [0, 36500]"}},
    {"not_a_map.yaml", {"not_a_map.yaml:2:1: a scenario must be a map of settings"}},
    {"int_fraction.yaml",
     {"int_fraction.yaml:3:21: key 'farmer.cards_per_farmer': expected a whole number, got '2.5'"}},
    {"bool_word.yaml", {"bool_word.yaml:3:13: key 'commission.clawback': expected true or false, got 'maybe'"}},
    {"schedule_structural.yaml",
     {"schedule_structural.yaml:6:7: key 'population': is fixed when the world is built and cannot be scheduled"}},
    {"schedule_beyond_days.yaml",
     {"schedule_beyond_days.yaml:5:11: key 'controls.monitoring.hazard': scheduled on day 100 but the run has "
      "only 100 days (0..99)"}},
    {"schedule_unknown_field.yaml",
     {"schedule_unknown_field.yaml:4:5: key 'schedule.when': unknown key in a schedule entry; allowed: day, set"}},
    {"schedule_duplicate_day.yaml", {"schedule_duplicate_day.yaml:5:5: key 'schedule.day': duplicate key"}},
    {"schedule_not_list.yaml",
     {"schedule_not_list.yaml:3:3: key 'schedule': expected a list of {day: N, set: {key: value}} entries"}},
    {"schedule_missing_day.yaml",
     {"schedule_missing_day.yaml:3:5: key 'schedule.day': missing; each entry needs the day it takes effect"}},
    {"contradictory_shares.yaml",
     {"contradictory_shares.yaml:4:3: 'citizens.share_elderly' = 0.6 and 'citizens.share_student' = 0.5: the "
      "shares add up to more than 1"}},
    {"contradictory_sentences.yaml",
     {"contradictory_sentences.yaml:5:5: 'controls.police.sentence_min_days' = 2000 and "
      "'controls.police.sentence_max_days' = 1000: the first must not exceed the second"}},
    {"contradictory_schedule.yaml",
     {"contradictory_schedule.yaml: 'controls.police.fine_min_yuan' = 10000 and 'controls.police.fine_max_yuan' = "
      "5000: the first must not exceed the second (after the change scheduled at ",
      "contradictory_schedule.yaml:5:7)"}},
    {"extends_missing.yaml",
     {"extends_missing.yaml:2:10: key 'extends': cannot find scenario file '", "no_such_base.yaml'"}},
    {"extends_cycle.yaml",
     {"extends_cycle.yaml:2:10: key 'extends': scenarios extend each other too deeply (a cycle?)"}},
    {"extends_bad_base.yaml",
     {"probability_above_one.yaml:2:29: key 'controls.liveness.strength': value 1.5 is outside the allowed range"}},
    {"does_not_exist.yaml",
     {"does_not_exist.yaml: cannot open scenario file (No such file or directory)"}},
    // ---- actions: re-verification drives ----
    {"action_coverage_above_one.yaml",
     {"action_coverage_above_one.yaml:3:60: key 'actions.coverage': value 1.5 is outside the allowed range [0, 1] "
      "share"}},
    {"action_unknown_key.yaml",
     {"action_unknown_key.yaml:6:5: key 'actions.coverag': unknown key in an action; allowed: day, action, target, "
      "idle_days, coverage; did you mean 'coverage'?"}},
    {"action_unknown_target.yaml",
     {"action_unknown_target.yaml:5:13: key 'actions.target': unknown value 'sleeping'; allowed: dormant|idle"}},
    {"action_beyond_days.yaml",
     {"action_beyond_days.yaml:4:5: key 'actions.day': the action is on day 100 but the run has only 100 days "
      "(0..99)"}},
    {"action_idle_without_days.yaml",
     {"action_idle_without_days.yaml:3:5: key 'actions.idle_days': missing; target idle needs the days without use"}},
    {"action_idle_days_with_dormant.yaml",
     {"action_idle_days_with_dormant.yaml:6:16: key 'actions.idle_days': applies to target idle only; this "
      "action's target is dormant"}},
    {"action_not_list.yaml",
     {"action_not_list.yaml:3:3: key 'actions': expected a list of {day: N, action: reverify, target: dormant|idle, "
      "coverage: share} entries"}},
    {"action_missing_coverage.yaml",
     {"action_missing_coverage.yaml:3:5: key 'actions.coverage': missing; the share of the target cards re-verified "
      "(0 to 1)"}},
};

void check_refused(const Outcome& out, const std::vector<const char*>& fragments) {
  INFO("stderr: " << out.err);
  REQUIRE(out.exited);  // no signal: neither a crash nor a sanitizer abort
  CHECK(out.code == 2);
  CHECK(out.err.rfind("cardsim: error: ", 0) == 0);
  for (const char* f : fragments) CHECK_THAT(out.err, Catch::Matchers::Contains(f));
}

}  // namespace

TEST_CASE("every bad scenario exits with code 2 and an exact message", "[scenario][bad_inputs]") {
  for (const auto& c : kCases) {
    DYNAMIC_SECTION(c.file) {
      check_refused(run_cardsim({"validate", kBadDir + c.file}), c.fragments);
    }
  }
}

TEST_CASE("the bad-input catalogue is complete and every file has a row", "[scenario][bad_inputs]") {
  std::set<std::string> rows;
  for (const auto& c : kCases) rows.insert(c.file);
  std::size_t files = 0;
  for (const auto& entry : fs::directory_iterator(kBadDir)) {
    const std::string name = entry.path().filename().string();
    INFO(name);
    CHECK(rows.count(name) == 1);
    ++files;
  }
  CHECK(files >= 14);
  CHECK_FALSE(fs::exists(kBadDir + "does_not_exist.yaml"));
}

TEST_CASE("a directory given as scenario is refused by name", "[scenario][bad_inputs]") {
  check_refused(run_cardsim({"validate", kBadDir}), {"is a directory, not a scenario file"});
}

TEST_CASE("run refuses bad scenarios and bad --set before running", "[scenario][bad_inputs]") {
  const std::string out_file = "/tmp/cardsim_bad_inputs_never_written.h5";
  SECTION("bad file") {
    check_refused(run_cardsim({"run", kBadDir + "unknown_enum.yaml", "--out", out_file, "-q"}),
                  {"unknown_enum.yaml:4:11: key 'controls.remote_activation.mode'"});
  }
  SECTION("unknown --set key") {
    check_refused(run_cardsim({"run", "--set", "controls.per_id_cap.max_card=3", "--out", out_file, "-q"}),
                  {"--set: key 'controls.per_id_cap.max_card': unknown parameter",
                   "did you mean 'controls.per_id_cap.max_cards'?"});
  }
  SECTION("--set out of range") {
    check_refused(run_cardsim({"run", "--set", "controls.liveness.strength=2", "--out", out_file, "-q"}),
                  {"--set: key 'controls.liveness.strength': value 2 is outside the allowed range [0, 1] probability"});
  }
  SECTION("--set NaN") {
    check_refused(run_cardsim({"validate", kBadDir + "../../scenarios/baseline.yaml", "--set", "days=.nan"}),
                  {"--set: key 'days': value must be a finite number in [1, 36500], got '.nan'"});
  }
  SECTION("--set that contradicts the file") {
    check_refused(run_cardsim({"run", "--set", "citizens.share_elderly=0.95", "--out", out_file, "-q"}),
                  {"--set: 'citizens.share_elderly' = 0.95 and 'citizens.share_student' = 0.1: the shares add up "
                   "to more than 1"});
  }
  CHECK_FALSE(fs::exists(out_file));
}
