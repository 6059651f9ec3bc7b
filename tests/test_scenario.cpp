// Scenario loading, --set, extends, schedules and the resolved YAML, tested
// through the library.
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <catch2/catch.hpp>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>

#include "scenario/params.h"
#include "scenario/scenario.h"
#include "core/world.h"

using namespace cardsim;
using Catch::Matchers::Contains;

namespace {

namespace fs = std::filesystem;

/// Every registry entry of `a` and `b` is exactly equal (each key reported).
void require_same_params(const Params& a, const Params& b) {
  for (const auto& spec : param_registry()) {
    INFO("key " << spec.key);
    if (spec.type == ParamType::List)
      CHECK(spec.get_list(a) == spec.get_list(b));
    else
      CHECK(spec.get(a) == spec.get(b));
  }
}

void require_same_schedule(const std::vector<ScheduledChange>& a, const std::vector<ScheduledChange>& b) {
  REQUIRE(a.size() == b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    INFO("schedule entry " << i);
    CHECK(a[i].day == b[i].day);
    CHECK(a[i].spec == b[i].spec);
    CHECK(a[i].value == b[i].value);
  }
}

/// The F-ids ("F1", "F13") in a text, as whole words.
std::set<std::string> f_ids(const std::string& text) {
  std::set<std::string> out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != 'F' || (i > 0 && std::isalnum(static_cast<unsigned char>(text[i - 1])))) continue;
    std::size_t j = i + 1;
    while (j < text.size() && std::isdigit(static_cast<unsigned char>(text[j]))) ++j;
    if (j > i + 1 && (j == text.size() || !std::isalnum(static_cast<unsigned char>(text[j]))))
      out.insert(text.substr(i, j - i));
  }
  return out;
}

Scenario load_text(const std::string& text) { return load_scenario_text(text, "<test>", "."); }

/// A fresh folder under the system temp folder, removed at the end of scope.
struct TempDir {
  fs::path path;
  TempDir() {
    path = fs::temp_directory_path() / ("cardsim_test_scenario_" + std::to_string(::getpid()));
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
  void write(const std::string& name, const std::string& text) const { std::ofstream(path / name) << text; }
};

}  // namespace

TEST_CASE("the per-ID cap cannot exceed what an identity record holds", "[scenario]") {
  // Identity keeps each card count in 6 bits; the declared range guards them.
  const ParamSpec* cap = find_param("controls.per_id_cap.max_cards");
  REQUIRE(cap);
  CHECK(cap->max_value == Identity::kMaxCards);
}

TEST_CASE("defaults equal the declaration", "[scenario]") {
  const Params defaults;
  const Scenario base = builtin_baseline();
  CHECK(base.schedule.empty());
  for (const auto& spec : param_registry()) {
    INFO("key " << spec.key);
    if (spec.type == ParamType::List) {  // a list's default is the empty list
      CHECK(spec.get_list(defaults).empty());
      CHECK(spec.get_list(base.params).empty());
      CHECK(spec.max_entries > 0);
      continue;
    }
    CHECK(spec.get(defaults) == spec.default_value);
    CHECK(spec.get(base.params) == spec.default_value);
    CHECK(check_param_range(spec, spec.default_value).empty());
    CHECK(spec.min_value <= spec.max_value);
  }
  // Keys that scripts rely on.
  REQUIRE(find_param("population"));
  REQUIRE(find_param("days"));
  REQUIRE(find_param("controls.per_id_cap.max_cards"));
  CHECK(base.params.population == 1000000);
  CHECK(base.params.days == 365);
  CHECK(base.params.per_id_cap_max == 5);
  CHECK(base.params.remote_mode == RemoteMode::verify);
}

TEST_CASE("keys are unique and none is a group of another", "[scenario]") {
  std::set<std::string> keys;
  for (const auto& spec : param_registry()) {
    INFO("key " << spec.key);
    CHECK(keys.insert(spec.key).second);
  }
  for (const auto& k : keys) {
    INFO("key " << k);
    CHECK(keys.lower_bound(k + ".") == keys.lower_bound(k + "/"));  // nothing starts with "k."
  }
}

TEST_CASE("set overrides int, real, bool and enum parameters", "[scenario][set]") {
  Scenario sc = builtin_baseline();
  apply_override(sc, "days=30");
  apply_override(sc, "controls.per_id_cap.max_cards=3");
  apply_override(sc, "controls.liveness.strength=0.25");
  apply_override(sc, "commission.clawback=true");
  apply_override(sc, "controls.remote_activation.mode=block");
  CHECK(sc.params.days == 30);
  CHECK(sc.params.per_id_cap_max == 3);
  CHECK(sc.params.liveness_strength == 0.25);
  CHECK(sc.params.commission_clawback);
  CHECK(sc.params.remote_mode == RemoteMode::block);
  apply_override(sc, "commission.clawback=false");
  CHECK_FALSE(sc.params.commission_clawback);
}

TEST_CASE("int parameters accept integral reals", "[scenario][set]") {
  Scenario sc = builtin_baseline();
  apply_override(sc, "population=2e6");
  CHECK(sc.params.population == 2000000);
  apply_override(sc, "population=1500000.0");
  CHECK(sc.params.population == 1500000);
  CHECK(load_text("population: 1e6\n").params.population == 1000000);
  CHECK_THROWS_WITH(apply_override(sc, "population=1.5e0"),
                    "--set: key 'population': expected a whole number, got '1.5e0'");
  CHECK_THROWS_WITH(apply_override(sc, "population=0x10"),
                    "--set: key 'population': expected a whole number, got '0x10'");
  CHECK_THROWS_WITH(apply_override(sc, "population=3e9"),
                    "--set: key 'population': value 3000000000 is outside the allowed range [0, 2000000000] persons");
  CHECK(sc.params.population == 1500000);
}

TEST_CASE("set refuses unknown keys, bad values and values out of range", "[scenario][set]") {
  Scenario sc = builtin_baseline();
  CHECK_THROWS_WITH(apply_override(sc, "controls.per_id_cap.max_card=3"),
                    "--set: key 'controls.per_id_cap.max_card': unknown parameter (see `cardsim params`); did you "
                    "mean 'controls.per_id_cap.max_cards'?");
  CHECK_THROWS_WITH(apply_override(sc, "nothing_like_it=1"),
                    "--set: key 'nothing_like_it': unknown parameter (see `cardsim params`)");
  CHECK_THROWS_WITH(apply_override(sc, "days"), "--set 'days': expected key=value");
  CHECK_THROWS_WITH(apply_override(sc, "=5"), "--set '=5': expected key=value");
  CHECK_THROWS_WITH(apply_override(sc, "days=abc"), "--set: key 'days': expected a whole number, got 'abc'");
  CHECK_THROWS_WITH(apply_override(sc, "days="), "--set: key 'days': expected a whole number, got ''");
  CHECK_THROWS_WITH(apply_override(sc, "days=1.5"), "--set: key 'days': expected a whole number, got '1.5'");
  CHECK_THROWS_WITH(apply_override(sc, "controls.liveness.strength=high"),
                    "--set: key 'controls.liveness.strength': expected a number, got 'high'");
  CHECK_THROWS_WITH(apply_override(sc, "commission.clawback=yes"),
                    "--set: key 'commission.clawback': expected true or false, got 'yes'");
  CHECK_THROWS_WITH(apply_override(sc, "controls.remote_activation.mode=forbid"),
                    "--set: key 'controls.remote_activation.mode': unknown value 'forbid'; allowed: allow|verify|block");
  CHECK_THROWS_WITH(apply_override(sc, "days=0"),
                    "--set: key 'days': value 0 is outside the allowed range [1, 36500] days");
  CHECK_THROWS_WITH(apply_override(sc, "controls.liveness.strength=1.01"),
                    "--set: key 'controls.liveness.strength': value 1.01 is outside the allowed range [0, 1] "
                    "probability");
  CHECK_THROWS_WITH(apply_override(sc, "brokers.insider_links=-1"),
                    "--set: key 'brokers.insider_links': value -1 is outside the allowed range [0, 1000] insiders per "
                    "merchant");
  // Keys that became densities are refused with the key that replaced them.
  CHECK_THROWS_WITH(apply_override(sc, "scammers.rings=12"),
                    "--set: key 'scammers.rings': no longer a parameter: criminal numbers are densities per million "
                    "identity holders; use 'density.rings_caught_per_million' (see `cardsim params` and "
                    "docs/parameters.md)");
  CHECK_THROWS_WITH(apply_override(sc, "controls.police.capacity_per_day=1"),
                    Contains("use 'controls.police.capacity_per_million'"));
  for (const char* nan : {"nan", ".nan", "NaN", ".NaN", "inf", "-.inf", "+inf", "Infinity"}) {
    INFO(nan);
    CHECK_THROWS_WITH(apply_override(sc, std::string("controls.liveness.strength=") + nan),
                      Contains("value must be a finite number in [0, 1], got"));
    CHECK_THROWS_WITH(apply_override(sc, std::string("days=") + nan),
                      Contains("value must be a finite number in [1, 36500], got"));
  }
  CHECK_THROWS_WITH(apply_override(sc, "controls.liveness.strength=1e999"),
                    "--set: key 'controls.liveness.strength': value must be a finite number in [0, 1], got '1e999'");
  // Nothing was changed by the refused overrides.
  require_same_params(sc.params, builtin_baseline().params);
}

TEST_CASE("nested maps and dotted keys set the same parameters", "[scenario]") {
  const Scenario a = load_text("controls:\n  police:\n    report_prob: 0.5\n  per_id_cap: {max_cards: 2}\n");
  const Scenario b = load_text("controls.police.report_prob: 0.5\ncontrols.per_id_cap:\n  max_cards: 2\n");
  CHECK(a.params.police_report_prob == 0.5);
  CHECK(a.params.per_id_cap_max == 2);
  require_same_params(a.params, b.params);
}

TEST_CASE("extends takes the base file and overrides it", "[scenario][extends]") {
  TempDir dir;
  dir.write("base.yaml", "days: 120\ncontrols:\n  per_id_cap:\n    max_cards: 2\n  liveness:\n    strength: 0.7\n"
                         "schedule:\n  - day: 30\n    set: {controls.monitoring.hazard: 0.2}\n");
  dir.write("middle.yaml", "extends: base.yaml\ncontrols.liveness.strength: 0.9\n");
  dir.write("child.yaml", "extends: middle.yaml\nname: tight\ndays: 90\n"
                          "schedule:\n  - day: 10\n    set: {controls.per_id_cap.max_cards: 1}\n");
  const Scenario sc = load_scenario_file((dir.path / "child.yaml").string());
  CHECK(sc.name == "tight");
  CHECK(sc.params.days == 90);              // child
  CHECK(sc.params.liveness_strength == 0.9);  // middle over base
  CHECK(sc.params.per_id_cap_max == 2);     // base
  CHECK(sc.params.population == 1000000);   // default
  REQUIRE(sc.schedule.size() == 2);         // both schedules, sorted by day
  CHECK(sc.schedule[0].day == 10);
  CHECK(sc.schedule[1].day == 30);
  // The same through load_scenario_text with a base folder.
  const Scenario t = load_scenario_text("extends: middle.yaml\n", "<text>", dir.path.string());
  CHECK(t.params.liveness_strength == 0.9);
  CHECK(t.params.days == 120);
  // A file's own name is the scenario's name unless it says otherwise.
  CHECK(load_scenario_file((dir.path / "middle.yaml").string()).name == "middle");
}

TEST_CASE("a schedule takes effect on its day", "[scenario][schedule]") {
  const Scenario sc = load_text(
      "days: 100\n"
      "schedule:\n"
      "  - day: 40\n"
      "    set: {controls.monitoring.hazard: 0.3, controls.per_id_cap.max_cards: 3}\n"
      "  - day: 20\n"
      "    set:\n"
      "      controls:\n"
      "        monitoring:\n"
      "          hazard: 0.2\n"
      "        remote_activation.mode: block\n");
  REQUIRE(sc.schedule.size() == 4);
  CHECK(sc.schedule.front().day == 20);  // sorted by day
  CHECK(sc.params.monitoring_hazard == 0.06);  // base values untouched
  const Params d19 = params_on_day(sc, 19);
  require_same_params(d19, sc.params);
  const Params d20 = params_on_day(sc, 20);
  CHECK(d20.monitoring_hazard == 0.2);
  CHECK(d20.remote_mode == RemoteMode::block);
  CHECK(d20.per_id_cap_max == 5);
  const Params d40 = params_on_day(sc, 40);
  CHECK(d40.monitoring_hazard == 0.3);
  CHECK(d40.per_id_cap_max == 3);
  CHECK(d40.remote_mode == RemoteMode::block);
  require_same_params(params_on_day(sc, 99), d40);
  CHECK(sc.schedule.front().origin == "<test>:9:11");
}

TEST_CASE("scheduled changes are validated", "[scenario][schedule]") {
  CHECK_THROWS_WITH(load_text("days: 50\nschedule:\n  - day: 50\n    set: {controls.liveness.strength: 0.5}\n"),
                    "<test>:4:11: key 'controls.liveness.strength': scheduled on day 50 but the run has only 50 days "
                    "(0..49)");
  CHECK_THROWS_WITH(load_text("schedule:\n  - day: 5\n    set: {days: 50}\n"),
                    "<test>:3:11: key 'days': is fixed when the world is built and cannot be scheduled");
  CHECK_THROWS_WITH(load_text("schedule:\n  - day: 5\n    set: {controls.liveness.strength: 2}\n"),
                    "<test>:3:39: key 'controls.liveness.strength': value 2 is outside the allowed range [0, 1] "
                    "probability");
  CHECK_THROWS_WITH(load_text("schedule:\n  - day: 5\n    set: {controls.police.sentence_max_days: 100}\n"),
                    "<test>: 'controls.police.sentence_min_days' = 180 and 'controls.police.sentence_max_days' = 100: "
                    "the first must not exceed the second (after the change scheduled at <test>:3:11)");
  CHECK_THROWS_WITH(load_text("schedule:\n  - day: 5\n    set: {controls.liveness.strength: 0.1, controls.liveness.strength: 0.2}\n"),
                    "<test>:3:44: key 'controls.liveness.strength': duplicate key");
}

TEST_CASE("contradictory settings name both keys, their values and a line", "[scenario]") {
  CHECK_THROWS_WITH(load_text("citizens.share_elderly: 0.7\ncitizens.share_student: 0.4\n"),
                    "<test>:2:1: 'citizens.share_elderly' = 0.7 and 'citizens.share_student' = 0.4: the shares add up "
                    "to more than 1");
  CHECK_THROWS_WITH(load_text("controls.police.fine_min_yuan: 400000\n"),
                    "<test>:1:1: 'controls.police.fine_min_yuan' = 400000 and 'controls.police.fine_max_yuan' = "
                    "300000: the first must not exceed the second");
  Scenario sc = builtin_baseline();
  apply_override(sc, "controls.police.sentence_max_days=10");
  CHECK_THROWS_WITH(validate_scenario(sc),
                    "--set: 'controls.police.sentence_min_days' = 180 and 'controls.police.sentence_max_days' = 10: "
                    "the first must not exceed the second");
}

TEST_CASE("resolved YAML reloads to the same baseline", "[scenario][roundtrip]") {
  const Scenario base = builtin_baseline();
  const std::string yaml = resolved_yaml(base);
  const Scenario again = load_scenario_text(yaml, "<resolved>", ".");
  require_same_params(again.params, base.params);
  require_same_schedule(again.schedule, base.schedule);
  CHECK(again.name == base.name);
  CHECK(resolved_yaml(again) == yaml);
  CHECK(scenario_hash(again) == scenario_hash(base));
}

TEST_CASE("resolved YAML reloads a scenario with a schedule and awkward values", "[scenario][roundtrip]") {
  Scenario sc = load_text(
      "name: what-if\n"
      "description: \"a: tricky, description # with symbols\"\n"
      "days: 200\n"
      "controls.remote_activation.mode: allow\n"
      "schedule:\n"
      "  - day: 150\n"
      "    set: {controls.per_id_cap.max_cards: 2, commission.clawback: true}\n"
      "  - day: 7\n"
      "    set: {controls.monitoring.hazard: 0.1, controls.remote_activation.mode: block}\n"
      "  - day: 150\n"
      "    set: {controls.monitoring.hazard: 0.30000000000000004}\n");
  // Every real at a value with a long decimal expansion, inside its range.
  for (const auto& spec : param_registry())
    if (spec.type == ParamType::Real && spec.key.rfind("citizens.share_", 0) != 0)
      spec.set(sc.params, spec.min_value + (spec.max_value - spec.min_value) * 0.3183098861837907);
  validate_scenario(sc);
  const std::string yaml = resolved_yaml(sc);
  const Scenario again = load_scenario_text(yaml, "<resolved>", ".");
  require_same_params(again.params, sc.params);
  require_same_schedule(again.schedule, sc.schedule);
  CHECK(again.name == sc.name);
  CHECK(again.description == sc.description);
  CHECK(resolved_yaml(again) == yaml);
  for (int64_t day : {0, 6, 7, 149, 150, 199}) {
    INFO("day " << day);
    require_same_params(params_on_day(again, day), params_on_day(sc, day));
  }
}

TEST_CASE("duplicate keys are refused, whatever yaml-cpp does with them", "[scenario][duplicates]") {
  // yaml-cpp keeps both entries of a duplicated key and lookup takes the
  // first, so the loader has to find duplicates itself.
  const YAML::Node raw = YAML::Load("days: 10\ndays: 20\n");
  std::size_t entries = 0;
  for (auto it = raw.begin(); it != raw.end(); ++it) ++entries;
  CHECK(entries == 2);

  CHECK_THROWS_WITH(load_text("days: 10\ndays: 20\n"), "<test>:2:1: key 'days': duplicate key");
  CHECK_THROWS_WITH(load_text("controls:\n  liveness:\n    strength: 0.1\n    strength: 0.2\n"),
                    "<test>:4:5: key 'controls.liveness.strength': duplicate key");
  CHECK_THROWS_WITH(load_text("controls: {per_id_cap: {max_cards: 2, max_cards: 3}}\n"),
                    Contains("key 'controls.per_id_cap.max_cards': duplicate key"));
  CHECK_THROWS_WITH(load_text("controls:\n  police: {p_broker: 0.1}\ncontrols:\n  audits: {per_year: 2}\n"),
                    "<test>:3:1: key 'controls': duplicate key");
  CHECK_THROWS_WITH(load_text("controls.liveness.strength: 0.1\ncontrols:\n  liveness:\n    strength: 0.2\n"),
                    "<test>:4:5: key 'controls.liveness.strength': duplicate key (also set at <test>:1:1)");
  CHECK_THROWS_WITH(load_text("name: a\nname: b\n"), "<test>:2:1: key 'name': duplicate key");
  CHECK_THROWS_WITH(load_text("schedule:\n  - day: 1\n    day: 2\n    set: {controls.liveness.strength: 0.2}\n"),
                    "<test>:3:5: key 'schedule.day': duplicate key");
}

TEST_CASE("scenarios/baseline.yaml is exactly the built-in baseline", "[scenario][baseline]") {
  const Scenario file = load_scenario_file(std::string(CARDSIM_SOURCE_DIR) + "/scenarios/baseline.yaml");
  const Scenario builtin = builtin_baseline();
  require_same_params(file.params, builtin.params);
  CHECK(file.schedule.empty());
  CHECK(file.name == "baseline");
}

TEST_CASE("scenarios/baseline.yaml lists every parameter with its unit and sources", "[scenario][baseline]") {
  std::ifstream in(std::string(CARDSIM_SOURCE_DIR) + "/scenarios/baseline.yaml");
  REQUIRE(in);
  // Full dotted key -> the comment on its line, from indentation. (No
  // std::regex: GCC 12 warns inside it under the sanitizers, and -Werror.)
  std::map<std::string, std::string> comments;
  std::vector<std::string> path;
  for (std::string line; std::getline(in, line);) {
    const std::size_t indent = line.find_first_not_of(' ');
    if (indent == std::string::npos || line[indent] == '#' || line[indent] == '-') continue;
    const std::size_t colon = line.find(':', indent);
    if (colon == std::string::npos) continue;
    path.resize(indent / 2);
    path.push_back(line.substr(indent, colon - indent));
    std::string key;
    for (const auto& p : path) key += (key.empty() ? "" : ".") + p;
    const std::size_t hash = line.find('#', colon);
    comments[key] = hash == std::string::npos ? "" : line.substr(hash + 1);
  }
  for (const auto& spec : param_registry()) {
    INFO("key " << spec.key);
    REQUIRE(comments.count(spec.key) == 1);
    const std::string& c = comments[spec.key];
    CHECK_THAT(c, Contains(spec.type == ParamType::Enum ? allowed_values(spec) : spec.unit));
    // Every F-id of the source appears in the comment as a whole word.
    const std::set<std::string> words = f_ids(c);
    for (const auto& id : f_ids(spec.source)) {
      INFO(id);
      CHECK(words.count(id) == 1);
    }
  }
}

TEST_CASE("an enum parameter's choice struct is generated from its choice list", "[params]") {
  const ParamSpec* mode = find_param("controls.remote_activation.mode");
  REQUIRE(mode != nullptr);
  CHECK(mode->choices == std::vector<std::string>{"allow", "verify", "block"});
  CHECK(int64_t(RemoteMode::allow) == 0);
  CHECK(int64_t(RemoteMode::verify) == 1);
  CHECK(int64_t(RemoteMode::block) == 2);
  CHECK(mode->default_value == double(RemoteMode::verify));
  CHECK(Params{}.remote_mode == RemoteMode::verify);
}
