#include "scenario/scenario.h"

#include "scenario/region_sizes.h"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

namespace cardsim {
namespace fs = std::filesystem;
namespace {

constexpr int kMaxExtendsDepth = 16;
// Scenarios are a few kB; anything far larger is the wrong file.
constexpr std::size_t kMaxScenarioBytes = std::size_t(1) << 20;

std::string where(const std::string& origin, const YAML::Mark& mark) {
  if (mark.is_null()) return origin;
  return origin + ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1);
}

[[noreturn]] void fail(const std::string& origin, const YAML::Mark& mark, const std::string& key,
                       const std::string& why) {
  std::string msg = where(origin, mark) + ": ";
  // A runaway key (fuzzed or binary input) must not make a megabyte message,
  // nor a NUL cut it short or an escape sequence reach the terminal.
  if (!key.empty()) msg += quoted_key(key) + ": ";
  throw InputError(msg + why);
}

std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j)
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] != b[j - 1])});
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

/// Keys of earlier versions that a new key replaced with a different meaning:
/// a scenario that still sets one is refused with the key to use instead,
/// never silently run with the count read as a density.
struct RenamedKey {
  const char* old_key;
  const char* new_key;  // nullptr: retired, replaced by a rule that `why` names
  const char* why;
};

constexpr RenamedKey kRenamedKeys[] = {
    {"scammers.rings", "density.rings_caught_per_million", "criminal numbers are densities per million identity holders"},
    {"brokers.merchants", "density.merchants_caught_per_million", "criminal numbers are densities per million identity holders"},
    {"brokers.labor_agencies", "density.labor_agencies_caught_per_million", "criminal numbers are densities per million identity holders"},
    {"brokers.data_sellers", "density.data_sellers_caught_per_million", "criminal numbers are densities per million identity holders"},
    {"brokers.raisers", "density.raisers_caught_per_million", "criminal numbers are densities per million identity holders"},
    {"brokers.organisers", "insiders.per_organiser", "organisers are a span of insiders: each runs a group of insiders (F13)"},
    {"density.organisers_caught_per_million", "insiders.per_organiser", "organisers are a span of insiders, not a density per head: each runs a group of insiders (F13: 70+ and 50+)"},
    {"scammers.fleet_target", "scammers.cards_per_margin", "a ring's fleet follows what a card earns against its price"},
    {"scammers.card_value_yuan", "scammers.cash_out_share", "a card's value to a ring is its expected revenue (use, targets, life, cash-out)"},
    {"scammers.demand_elasticity", "scammers.cards_per_margin", "a ring's fleet follows what a card earns against its price"},
    {"controls.police.capacity_per_day", "controls.police.capacity_per_million", "police capacity is traces per day per million identity holders"},
    {"market.farmer_price_cap_share", nullptr,
     "farmers' pay is capped by the merchants' willingness to pay, derived from their margin (the scammer price at "
     "'market.min_markup', less their risk cost per card: perceived risk of arrest times what an arrest costs), not "
     "by a share of the scammer price; see docs/model.md, section 7"},
    {"raising.resale_share", "raising.resale_cost_yuan", "a matured raised card is resold when the card price exceeds the raiser's cost of reselling it, abandoned otherwise"},
};

}  // namespace

std::string did_you_mean(const std::string& typed, const std::vector<std::string>& names) {
  // A typed start of a longer name ("fraud_loss" -> fraud_losses_yuan) is the likeliest meaning.
  if (typed.size() >= 3)
    for (const auto& name : names)
      if (name.size() > typed.size() && name.compare(0, typed.size(), typed) == 0)
        return "; did you mean '" + name + "'?";
  std::string best;
  std::size_t best_d = 4;
  for (const auto& name : names) {
    // The length difference bounds the distance from below: skipping hopeless
    // names keeps a megabyte-long key from costing minutes.
    const std::size_t gap = typed.size() > name.size() ? typed.size() - name.size() : name.size() - typed.size();
    if (gap >= best_d) continue;
    const std::size_t d = edit_distance(typed, name);
    if (d < best_d) best_d = d, best = name;
  }
  return best.empty() ? "" : "; did you mean '" + best + "'?";
}

namespace {

/// "unknown parameter; did you mean 'x'?" when a declared key is close.
std::string unknown_key_reason(const std::string& key) {
  for (const auto& r : kRenamedKeys)
    if (key == r.old_key)
      return r.new_key ? std::string("no longer a parameter: ") + r.why + "; use '" + r.new_key +
                             "' (see `cardsim params` and docs/parameters.md)"
                       : std::string("no longer a parameter: ") + r.why;
  std::vector<std::string> keys;
  for (const auto& spec : param_registry()) keys.push_back(spec.key);
  return "unknown parameter (see `cardsim params`)" + did_you_mean(key, keys);
}

/// Rejects tab indentation up front: YAML forbids it and yaml-cpp's own
/// message for it does not say so.
void reject_tabs(const std::string& text, const std::string& origin) {
  std::istringstream in(text);
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    for (char c : line) {
      if (c == '\t') throw InputError(origin + ":" + std::to_string(n) +
                                      ": tab character in indentation; YAML indents with spaces");
      if (c != ' ') break;
    }
  }
}

/// Sees where each YAML document starts and nothing else.
class DocumentStarts : public YAML::EventHandler {
 public:
  std::vector<YAML::Mark> starts;
  void OnDocumentStart(const YAML::Mark& mark) override { starts.push_back(mark); }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t, const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}
};

/// Refuses a second YAML document: YAML::Load silently ignores every document
/// after the first, and with it the settings they hold. YAML::LoadAll is no
/// help: in yaml-cpp 0.7 it loops forever on a stray ',' (yaml-cpp issue
/// #1040, found by our fuzzer), because the parser keeps returning an empty
/// document without consuming the token. So the documents are walked here,
/// and one that starts where the previous one did is the parser stuck.
}  // namespace

void require_single_document(const std::string& text, const std::string& origin) {
  std::istringstream in(text);
  YAML::Parser parser(in);
  DocumentStarts docs;
  while (docs.starts.size() < 2 && parser.HandleNextDocument(docs)) {
  }
  if (docs.starts.size() < 2) return;
  const YAML::Mark& second = docs.starts[1];
  if (second.pos == docs.starts[0].pos)
    throw InputError(where(origin, second) + ": YAML syntax error: unexpected character");
  fail(origin, second, "", "a scenario or sweep spec holds one YAML document; found another (after '---' or '...')");
}

namespace {

/// The one YAML document in `text`, parsed.
YAML::Node parse_yaml(const std::string& text, const std::string& origin) {
  reject_tabs(text, origin);
  try {
    require_single_document(text, origin);
    return YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw InputError(where(origin, e.mark) + ": YAML syntax error: " + e.msg);
  }
}

/// Well-formed UTF-8 (no stray continuation bytes, overlong forms or
/// surrogates): other bytes do not survive the YAML round trip.
bool valid_utf8(const std::string& text) {
  for (std::size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    const std::size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
    if (len == 0 || i + len > text.size()) return false;
    uint32_t cp = len == 1 ? c : c & (0x7fu >> len);
    for (std::size_t k = 1; k < len; ++k) {
      const auto cc = static_cast<unsigned char>(text[i + k]);
      if ((cc >> 6) != 0x2) return false;
      cp = (cp << 6) | (cc & 0x3fu);
    }
    static const uint32_t kSmallest[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kSmallest[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += len;
  }
  return true;
}

/// `name:` or `description:` as text. The name becomes the default output
/// file name and is stored in every output, so it must be printable text.
std::string text_field(const YAML::Node& node, const std::string& origin, const std::string& key) {
  if (!node.IsScalar()) fail(origin, node.Mark(), key, "expected text");
  const std::string& text = node.Scalar();
  for (unsigned char c : text)
    if (c < 0x20 && !(key == "description" && (c == '\n' || c == '\t')))
      fail(origin, node.Mark(), key, "contains a control character");
  if (!valid_utf8(text)) fail(origin, node.Mark(), key, "is not valid UTF-8 text");
  if (key == "name" && text.empty()) fail(origin, node.Mark(), key, "must not be empty");
  return text;
}

/// Records that `key` is set at `mark`. yaml-cpp only sees duplicates of the
/// same text in one map; `a.b: 1` beside `a: {b: 2}` sets the same key twice
/// too, and the later one would silently win.
void claim_key(std::map<std::string, std::string>& claimed, const std::string& key,
               const std::string& origin, const YAML::Mark& mark) {
  auto [it, fresh] = claimed.emplace(key, where(origin, mark));
  if (!fresh) fail(origin, mark, key, "duplicate key (also set at " + it->second + ")");
}

/// `key_mark` locates a missing value: yaml-cpp marks an empty value where
/// the next token starts, often on a later line.
double scalar_value(const YAML::Node& node, const ParamSpec& spec, const std::string& origin,
                    const YAML::Mark& key_mark) {
  if (node.IsNull()) fail(origin, key_mark, spec.key, "has no value; expected " + allowed_values(spec));
  if (!node.IsScalar())
    fail(origin, node.Mark(), spec.key,
         std::string("expected a single ") + type_name(spec.type) + " value, got a " +
             (node.IsMap() ? "map" : "list"));
  std::string why;
  auto v = parse_param_value(spec, node.Scalar(), why);
  if (!v) fail(origin, node.Mark(), spec.key, why);
  std::string range = check_param_range(spec, *v);
  if (!range.empty()) fail(origin, node.Mark(), spec.key, range);
  return *v;
}

/// A List parameter's value: a YAML sequence of numbers, each checked like a
/// real in the row's range, and their count.
std::vector<double> list_value(const YAML::Node& node, const ParamSpec& spec, const std::string& origin,
                               const YAML::Mark& key_mark) {
  if (node.IsNull()) fail(origin, key_mark, spec.key, "has no value; expected a " + allowed_values(spec));
  if (!node.IsSequence()) fail(origin, node.Mark(), spec.key, "expected a " + allowed_values(spec) + ", e.g. [0.5, 0.3, 0.2]");
  ParamSpec entry = spec;
  entry.type = ParamType::Real;
  std::vector<double> out;
  for (const auto& item : node) {
    if (!item.IsScalar()) fail(origin, item.Mark(), spec.key, "each entry must be a number");
    out.push_back(scalar_value(item, entry, origin, item.Mark()));
  }
  if (std::string why = check_param_list(spec, out); !why.empty()) fail(origin, node.Mark(), spec.key, why);
  return out;
}

/// Walks a map of (possibly nested, possibly dotted) keys and calls `apply`
/// for every parameter leaf (`apply_list` for a List parameter).
template <class Apply, class ApplyList>
void walk_settings(const YAML::Node& map, const std::string& prefix, const std::string& origin,
                   const std::set<std::string>& reserved, Apply&& apply, ApplyList&& apply_list) {
  std::set<std::string> seen;
  for (auto it = map.begin(); it != map.end(); ++it) {
    const YAML::Node key_node = it->first;
    if (!key_node.IsScalar()) fail(origin, key_node.Mark(), prefix, "keys must be plain names");
    const std::string name = key_node.Scalar();
    const std::string key = prefix.empty() ? name : prefix + "." + name;
    if (!seen.insert(name).second) fail(origin, key_node.Mark(), key, "duplicate key");
    if (prefix.empty() && reserved.count(name)) continue;
    const YAML::Node value = it->second;
    if (const ParamSpec* spec = find_param(key); spec && spec->type == ParamType::List) {
      apply_list(*spec, list_value(value, *spec, origin, key_node.Mark()), key_node.Mark());
    } else if (spec) {
      apply(*spec, scalar_value(value, *spec, origin, key_node.Mark()), key_node.Mark());
    } else if (is_param_group(key)) {
      if (!value.IsMap())
        fail(origin, key_node.Mark(), key, "is a group of parameters; expected a map of its keys");
      walk_settings(value, key, origin, {}, apply, apply_list);
    } else {
      fail(origin, key_node.Mark(), key, unknown_key_reason(key));
    }
  }
}

void load_schedule(const YAML::Node& node, const std::string& origin, Scenario& sc) {
  if (!node.IsSequence())
    fail(origin, node.Mark(), "schedule", "expected a list of {day: N, set: {key: value}} entries");
  for (const auto& entry : node) {
    if (!entry.IsMap()) fail(origin, entry.Mark(), "schedule", "each entry must be a map with 'day' and 'set'");
    std::set<std::string> seen;  // entry["day"] would silently take the first of two
    for (auto it = entry.begin(); it != entry.end(); ++it) {
      std::string k = it->first.Scalar();
      if (k != "day" && k != "set")
        fail(origin, it->first.Mark(), "schedule." + k, "unknown key in a schedule entry; allowed: day, set");
      if (!seen.insert(k).second) fail(origin, it->first.Mark(), "schedule." + k, "duplicate key");
    }
    const YAML::Node day = entry["day"];
    if (!day) fail(origin, entry.Mark(), "schedule.day", "missing; each entry needs the day it takes effect");
    static const ParamSpec day_spec{"schedule.day", ParamType::Int, ParamMode::Structural, 0, 0, 36500,
                                    "days", "", "", {}, nullptr, nullptr, nullptr, nullptr, 0};
    const int64_t d = int64_t(scalar_value(day, day_spec, origin, entry.Mark()));
    const YAML::Node set = entry["set"];
    if (!set || !set.IsMap())
      fail(origin, entry.Mark(), "schedule.set", "missing or not a map of parameter: value");
    std::map<std::string, std::string> claimed;
    walk_settings(set, "", origin, {}, [&](const ParamSpec& spec, double v, const YAML::Mark& m) {
      claim_key(claimed, spec.key, origin, m);
      if (spec.mode == ParamMode::Structural)
        fail(origin, m, spec.key, "is fixed when the world is built and cannot be scheduled");
      sc.schedule.push_back({d, &spec, v, where(origin, m)});
    }, [&](const ParamSpec& spec, const std::vector<double>&, const YAML::Mark& m) {
      fail(origin, m, spec.key, "is fixed when the world is built and cannot be scheduled");
    });
  }
}

// ---- actions: one-off actions on a day (re-verification drives) ----------------

/// The fields of an `actions:` entry, each validated like a parameter.
const ParamSpec kActionDay{"actions.day", ParamType::Int, ParamMode::Structural, 0, 0, 36500, "days", "", "", {},
                           nullptr, nullptr, nullptr, nullptr, 0};
const ParamSpec kActionKind{"actions.action", ParamType::Enum, ParamMode::Structural, 0, 0, 0, "", "", "",
                            {"reverify"}, nullptr, nullptr, nullptr, nullptr, 0};
const ParamSpec kActionTarget{"actions.target", ParamType::Enum, ParamMode::Structural, 0, 0, 1, "", "", "",
                              {"dormant", "idle"}, nullptr, nullptr, nullptr, nullptr, 0};
const ParamSpec kActionIdleDays{"actions.idle_days", ParamType::Int, ParamMode::Structural, 0, 1, 36500, "days", "",
                                "", {}, nullptr, nullptr, nullptr, nullptr, 0};
const ParamSpec kActionCoverage{"actions.coverage", ParamType::Real, ParamMode::Structural, 0, 0, 1, "share", "", "",
                                {}, nullptr, nullptr, nullptr, nullptr, 0};
constexpr const char* kActionKeys = "day, action, target, idle_days, coverage";

/// The entry's keys, each once, each one of kActionKeys.
void check_action_keys(const YAML::Node& entry, const std::string& origin) {
  static const std::set<std::string> allowed = {"day", "action", "target", "idle_days", "coverage"};
  std::set<std::string> seen;  // entry["day"] would silently take the first of two
  for (auto it = entry.begin(); it != entry.end(); ++it) {
    if (!it->first.IsScalar()) fail(origin, it->first.Mark(), "actions", "keys must be plain names");
    const std::string k = it->first.Scalar();
    if (!allowed.count(k))
      fail(origin, it->first.Mark(), "actions." + k,
           std::string("unknown key in an action; allowed: ") + kActionKeys + did_you_mean(k, {allowed.begin(), allowed.end()}));
    if (!seen.insert(k).second) fail(origin, it->first.Mark(), "actions." + k, "duplicate key");
  }
}

/// The value of `key` in an action entry; a missing one is an error naming what it is for.
double action_field(const YAML::Node& entry, const ParamSpec& spec, const std::string& origin, const char* why) {
  const std::string key = spec.key.substr(std::string("actions.").size());
  const YAML::Node value = entry[key];
  if (!value) fail(origin, entry.Mark(), spec.key, std::string("missing; ") + why);
  return scalar_value(value, spec, origin, entry.Mark());
}

ScheduledAction load_action(const YAML::Node& entry, const std::string& origin) {
  if (!entry.IsMap())
    fail(origin, entry.Mark(), "actions", "each entry must be a map with day, action, target and coverage");
  check_action_keys(entry, origin);
  ScheduledAction a;
  a.origin = where(origin, entry.Mark());
  a.day = int64_t(action_field(entry, kActionDay, origin, "each action needs the day it is taken"));
  action_field(entry, kActionKind, origin, "name the action (reverify)");
  a.target = ReverifyTarget(int(action_field(entry, kActionTarget, origin, "which cards: dormant or idle")));
  a.coverage = action_field(entry, kActionCoverage, origin, "the share of the target cards re-verified (0 to 1)");
  if (a.target == ReverifyTarget::Idle) {
    a.idle_days = int64_t(action_field(entry, kActionIdleDays, origin, "target idle needs the days without use"));
  } else if (const YAML::Node n = entry["idle_days"]) {
    fail(origin, n.Mark(), "actions.idle_days", "applies to target idle only; this action's target is dormant");
  }
  return a;
}

void load_actions(const YAML::Node& node, const std::string& origin, Scenario& sc) {
  if (!node.IsSequence())
    fail(origin, node.Mark(), "actions",
         "expected a list of {day: N, action: reverify, target: dormant|idle, coverage: share} entries");
  for (const auto& entry : node) sc.actions.push_back(load_action(entry, origin));
}

const std::set<std::string> kReservedKeys = {"extends", "name", "description", "schedule", "actions"};

Scenario load_node(const YAML::Node& root, const std::string& origin, const std::string& base_dir,
                   int depth);

/// Whether `p` names something. The throwing std::filesystem::exists turns a
/// name too long for the file system into an uncaught filesystem_error (found
/// by the fuzzer); here it is just a file that cannot be found.
bool exists_quietly(const fs::path& p) {
  std::error_code ec;
  return fs::exists(p, ec);
}

/// Refuses what cannot be an input file before reading it: an ifstream opens
/// a directory and reads nothing ("empty" would mislead), and a device such
/// as /dev/zero or a terminal never ends. A pipe is fine where the user
/// names it (`run <(...)`), but a file named inside another (`extends:`,
/// `base:`) must be a regular file: opening a FIFO with no writer waits forever.
void require_readable_kind(const std::string& path, const std::string& kind, bool pipe_allowed) {
  std::error_code ec;
  const fs::file_status st = fs::status(path, ec);
  if (fs::is_directory(st)) throw InputError(path + ": is a directory, not a " + kind + " file");
  if (fs::is_fifo(st) && !pipe_allowed) throw InputError(path + ": is a pipe (FIFO), not a " + kind + " file");
  if (fs::exists(st) && !fs::is_regular_file(st) && !fs::is_fifo(st))
    throw InputError(path + ": is a device or socket, not a " + kind + " file");
}

Scenario load_file_at_depth(const std::string& path, int depth) {
  const std::string text = read_input_text(path, "scenario", depth == 0);
  const YAML::Node root = parse_yaml(text, path);
  fs::path p(path);
  Scenario sc = load_node(root, path, p.parent_path().string(), depth);
  // A file without `name:` is named after itself, not after the file it
  // extends: results go to results/<name>.h5 and must not overwrite the base's.
  if (!root["name"]) sc.name = p.stem().string();
  sc.source = path;
  return sc;
}

Scenario load_node(const YAML::Node& root, const std::string& origin, const std::string& base_dir,
                   int depth) {
  if (!root || root.IsNull()) throw InputError(origin + ": scenario file is empty");
  if (!root.IsMap()) fail(origin, root.Mark(), "", "a scenario must be a map of settings");

  Scenario sc = builtin_baseline();
  if (const YAML::Node ext = root["extends"]) {
    if (depth >= kMaxExtendsDepth)
      fail(origin, ext.Mark(), "extends", "scenarios extend each other too deeply (a cycle?)");
    if (!ext.IsScalar()) fail(origin, ext.Mark(), "extends", "expected the path of another scenario file");
    fs::path target = fs::path(base_dir) / ext.Scalar();
    if (!exists_quietly(target) && exists_quietly(ext.Scalar())) target = ext.Scalar();
    // Point at the `extends:` line, not only at the missing file.
    if (!exists_quietly(target))
      fail(origin, ext.Mark(), "extends", "cannot find scenario file '" + target.string() + "'");
    sc = load_file_at_depth(target.string(), depth + 1);
  }
  if (const YAML::Node n = root["name"]) sc.name = text_field(n, origin, "name");
  if (const YAML::Node d = root["description"]) sc.description = text_field(d, origin, "description");
  std::map<std::string, std::string> claimed;
  walk_settings(root, "", origin, kReservedKeys, [&](const ParamSpec& spec, double v, const YAML::Mark& m) {
    claim_key(claimed, spec.key, origin, m);
    spec.set(sc.params, v);
    sc.origins[spec.key] = where(origin, m);
  }, [&](const ParamSpec& spec, std::vector<double> v, const YAML::Mark& m) {
    claim_key(claimed, spec.key, origin, m);
    spec.set_list(sc.params, std::move(v));
    sc.origins[spec.key] = where(origin, m);
  });
  if (const YAML::Node s = root["schedule"]) load_schedule(s, origin, sc);
  std::stable_sort(sc.schedule.begin(), sc.schedule.end(),
                   [](const ScheduledChange& a, const ScheduledChange& b) { return a.day < b.day; });
  if (const YAML::Node a = root["actions"]) load_actions(a, origin, sc);
  std::stable_sort(sc.actions.begin(), sc.actions.end(),
                   [](const ScheduledAction& a, const ScheduledAction& b) { return a.day < b.day; });
  return sc;
}

/// Where a message about keys `a` and `b` points: the line that set `b`, else
/// the one that set `a`, else (both defaults) the scenario itself.
std::string pair_origin(const Scenario& sc, const std::string& a, const std::string& b) {
  for (const std::string* k : {&b, &a})
    if (auto it = sc.origins.find(*k); it != sc.origins.end()) return it->second;
  return sc.source;
}

/// The values are those of `p` (the day checked), not the scenario's base.
std::string cross_error(const Scenario& sc, const Params& p, const std::string& a, const std::string& b,
                        const std::string& why) {
  const ParamSpec* pa = find_param(a);
  const ParamSpec* pb = find_param(b);
  return pair_origin(sc, a, b) + ": '" + a + "' = " + param_text(*pa, p) + " and '" + b + "' = " + param_text(*pb, p) +
         ": " + why;
}

void check_pair_order(const Scenario& sc, const Params& p, const std::string& lo, const std::string& hi) {
  if (find_param(lo)->get(p) > find_param(hi)->get(p))
    throw InputError(cross_error(sc, p, lo, hi, "the first must not exceed the second"));
}

// ---- region shares: a list of each region's share of the holders ----
/// Shares add up to 1 within this (three shares of 0.333 are a third each).
constexpr double kRegionSharesTolerance = 0.001;

void check_region_shares(const Scenario& sc, const Params& p) {
  if (p.region_shares.empty()) return;
  if (p.region_sizes != RegionSizes::even)
    throw InputError(cross_error(sc, p, "region_sizes", "region_shares",
                                 "give either a table of region sizes or a list of shares, not both"));
  if (int64_t(p.region_shares.size()) != p.regions)
    throw InputError(cross_error(sc, p, "regions", "region_shares",
                                 "the list has " + std::to_string(p.region_shares.size()) +
                                     " shares; it needs one share per region"));
  double sum = 0;
  for (double share : p.region_shares) sum += share;
  if (std::fabs(sum - 1.0) > kRegionSharesTolerance) {
    std::ostringstream total;
    total.precision(6);
    total << sum;
    throw InputError(pair_origin(sc, "region_shares", "region_shares") + ": key 'region_shares' = " +
                     format_param_list(p.region_shares) + ": the shares add up to " + total.str() +
                     "; they must add up to 1 (within 0.001)");
  }
}

void check_consistency(const Scenario& sc, const Params& p, const std::string& when) {
  try {
    if (p.citizens_share_elderly + p.citizens_share_student > 1.0)
      throw InputError(cross_error(sc, p, "citizens.share_elderly", "citizens.share_student",
                                   "the shares add up to more than 1"));
    if (const auto& table = region_table(p.region_sizes); !table.empty() && p.regions != int64_t(table.size()))
      throw InputError(cross_error(sc, p, "regions", "region_sizes",
                                   "that table of region sizes has " + std::to_string(table.size()) + " regions"));
    check_region_shares(sc, p);
    // ---- regions that trade: a provincial control names a region that exists ----
    if (p.dealer_cap_region >= p.regions)
      throw InputError(cross_error(sc, p, "controls.dealer_cap.region", "regions",
                                   "the region must be -1 (every region) or below the number of regions"));
    if (p.crackdown_region >= p.regions)
      throw InputError(cross_error(sc, p, "controls.regional_crackdown.region", "regions",
                                   "the region must be -1 (no campaign) or below the number of regions"));
    check_pair_order(sc, p, "controls.police.sentence_min_days", "controls.police.sentence_max_days");
    check_pair_order(sc, p, "controls.police.fine_min_yuan", "controls.police.fine_max_yuan");
  } catch (const InputError& e) {
    throw InputError(std::string(e.what()) + when);
  }
}

}  // namespace

Scenario builtin_baseline() { return Scenario{}; }

const char* reverify_target_name(ReverifyTarget t) { return t == ReverifyTarget::Idle ? "idle" : "dormant"; }

std::string read_input_text(const std::string& path, const std::string& kind, bool pipe_allowed) {
  require_readable_kind(path, kind, pipe_allowed);
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path + ": cannot open " + kind + " file (" + std::strerror(errno) + ")");
  // Reads at most one byte past the limit, whatever the file's size, in
  // pieces: a buffer of the limit's size would be cleared for every file.
  std::string text;
  char piece[16 << 10];
  while (text.size() <= kMaxScenarioBytes && in) {
    in.read(piece, std::streamsize(std::min(sizeof piece, kMaxScenarioBytes + 1 - text.size())));
    text.append(piece, std::size_t(in.gcount()));
  }
  if (text.size() > kMaxScenarioBytes)
    throw InputError(path + ": larger than " + std::to_string(kMaxScenarioBytes >> 20) + " MB; not a " + kind +
                     " file");
  return text;
}

Scenario load_scenario_file(const std::string& path) {
  Scenario sc = load_file_at_depth(path, 0);
  validate_scenario(sc);
  return sc;
}

Scenario load_scenario_text(const std::string& text, const std::string& origin,
                            const std::string& base_dir) {
  const YAML::Node root = parse_yaml(text, origin);
  Scenario sc = load_node(root, origin, base_dir, 0);
  sc.source = origin;
  validate_scenario(sc);
  return sc;
}

void apply_override(Scenario& scenario, const std::string& assignment) {
  const auto eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0)
    throw InputError("--set '" + printable_excerpt(assignment) + "': expected key=value");
  const std::string key = assignment.substr(0, eq);
  const std::string text = assignment.substr(eq + 1);
  const ParamSpec* spec = find_param(key);
  if (!spec) throw InputError("--set: " + quoted_key(key) + ": " + unknown_key_reason(key));
  std::string why;
  if (spec->type == ParamType::List) {
    auto list = parse_param_list(*spec, text, why);
    if (!list) throw InputError("--set: key '" + key + "': " + why);
    spec->set_list(scenario.params, std::move(*list));
    scenario.origins[key] = "--set";
    return;
  }
  auto v = parse_param_value(*spec, text, why);
  if (!v) throw InputError("--set: key '" + key + "': " + why);
  std::string range = check_param_range(*spec, *v);
  if (!range.empty()) throw InputError("--set: key '" + key + "': " + range);
  spec->set(scenario.params, *v);
  scenario.origins[key] = "--set";
}

std::string unknown_parameter_reason(const std::string& key) { return unknown_key_reason(key); }

void validate_scenario(const Scenario& sc) {
  check_consistency(sc, sc.params, "");
  for (const ScheduledAction& a : sc.actions)
    if (a.day >= sc.params.days)
      throw InputError(a.origin + ": key 'actions.day': the action is on day " + std::to_string(a.day) +
                       " but the run has only " + std::to_string(sc.params.days) + " days (0.." +
                       std::to_string(sc.params.days - 1) + ")");
  // One pass over the schedule (sorted by day), applying each day's changes
  // and checking once per day: checking each change against the parameters
  // recomputed from scratch was quadratic (100,000 entries took 28 s).
  Params p = sc.params;
  std::vector<const ScheduledChange*> by_day;
  for (const auto& ch : sc.schedule) by_day.push_back(&ch);
  std::stable_sort(by_day.begin(), by_day.end(),
                   [](const ScheduledChange* a, const ScheduledChange* b) { return a->day < b->day; });
  std::map<std::pair<int64_t, const ParamSpec*>, const std::string*> scheduled;
  for (std::size_t i = 0; i < by_day.size(); ++i) {
    const ScheduledChange& ch = *by_day[i];
    if (ch.day >= sc.params.days)
      throw InputError(ch.origin + ": key '" + ch.spec->key + "': scheduled on day " +
                       std::to_string(ch.day) + " but the run has only " +
                       std::to_string(sc.params.days) + " days (0.." +
                       std::to_string(sc.params.days - 1) + ")");
    const auto [it, fresh] = scheduled.emplace(std::make_pair(ch.day, ch.spec), &ch.origin);
    if (!fresh)
      throw InputError(ch.origin + ": key '" + ch.spec->key + "': scheduled twice for day " + std::to_string(ch.day) +
                       " (also at " + *it->second + "); only one value can take effect");
    ch.spec->set(p, ch.value);
    const bool last_of_day = i + 1 == by_day.size() || by_day[i + 1]->day != ch.day;
    if (last_of_day) {
      // Name the day's first change, as the parameters of the whole day are checked.
      std::size_t first = i;
      while (first > 0 && by_day[first - 1]->day == ch.day) --first;
      check_consistency(sc, p, " (after the change scheduled at " + by_day[first]->origin + ")");
    }
  }
}

Params params_on_day(const Scenario& scenario, int64_t day) {
  Params p = scenario.params;
  for (const auto& ch : scenario.schedule)
    if (ch.day <= day) ch.spec->set(p, ch.value);
  return p;
}

namespace {

/// Parameter keys as a tree of groups, in order of first appearance, so a
/// group is written once even if its keys are declared apart.
struct KeyTree {
  std::string name;
  const ParamSpec* spec = nullptr;
  std::vector<KeyTree> children;

  KeyTree& child(const std::string& n) {
    for (auto& c : children)
      if (c.name == n) return c;
    children.push_back({n, nullptr, {}});
    return children.back();
  }
};

void emit_tree(std::ostream& out, const KeyTree& node, const Params& params, int depth) {
  for (const auto& c : node.children) {
    out << std::string(std::size_t(2 * depth), ' ') << c.name << ":";
    if (c.spec) {
      out << " " << param_text(*c.spec, params) << "  # " << c.spec->unit << "\n";
    } else {
      out << "\n";
      emit_tree(out, c, params, depth + 1);
    }
  }
}

}  // namespace

std::string resolved_yaml(const Scenario& sc) {
  std::ostringstream out;
  out << "# cardsim resolved scenario: every parameter, as run\n";
  out << "name: " << YAML::Dump(YAML::Node(sc.name)) << "\n";
  if (!sc.description.empty()) out << "description: " << YAML::Dump(YAML::Node(sc.description)) << "\n";
  KeyTree root;
  for (const auto& spec : param_registry()) {
    KeyTree* node = &root;
    std::stringstream ks(spec.key);
    for (std::string part; std::getline(ks, part, '.');) node = &node->child(part);
    node->spec = &spec;
  }
  emit_tree(out, root, sc.params, 0);
  if (!sc.schedule.empty()) {
    out << "schedule:\n";
    for (const auto& ch : sc.schedule)
      out << "  - day: " << ch.day << "\n    set: {" << ch.spec->key << ": "
          << format_param_value(*ch.spec, ch.value) << "}\n";
  }
  out << actions_yaml(sc);
  return out.str();
}

std::string actions_yaml(const Scenario& sc) {
  if (sc.actions.empty()) return "";
  std::ostringstream out;
  out << "actions:\n";
  for (const auto& a : sc.actions) {
    out << "  - {day: " << a.day << ", action: reverify, target: " << reverify_target_name(a.target);
    if (a.target == ReverifyTarget::Idle) out << ", idle_days: " << a.idle_days;
    out << ", coverage: " << format_param_value(kActionCoverage, a.coverage) << "}\n";
  }
  return out.str();
}

uint64_t scenario_hash(const Scenario& scenario) {
  // FNV-1a over the resolved YAML: stable across platforms and runs.
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : resolved_yaml(scenario)) h = (h ^ c) * 1099511628211ull;
  return h;
}

}  // namespace cardsim
