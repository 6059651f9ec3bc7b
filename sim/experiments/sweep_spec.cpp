#include "experiments/sweep_spec.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>

#include "core/memory.h"
#include "core/metrics.h"
#include "core/rng.h"

namespace cardsim {
namespace fs = std::filesystem;
namespace {

constexpr uint64_t kMaxDesignPoints = 10000000;

/// At most a short, printable prefix of text from a file: a value that is
/// megabytes long, or holds terminal escapes, is not echoed as it is.
std::string shown(const std::string& text) { return printable_excerpt(text); }

// Designs draw from their own stream family, apart from any replicate's.
constexpr uint64_t kDesignStreamReplicate = 0x5357454550ull;  // "SWEEP"

struct Ctx {
  std::string origin;
  std::string base_dir;
};

std::string where(const Ctx& c, const YAML::Mark& mark) {
  if (mark.is_null()) return c.origin;
  return c.origin + ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1);
}

[[noreturn]] void fail(const Ctx& c, const YAML::Node& node, const std::string& key, const std::string& why) {
  std::string msg = where(c, node.Mark()) + ": ";
  if (!key.empty()) msg += quoted_key(key) + ": ";
  throw InputError(msg + why);
}

/// Rejects keys outside `allowed` so that typos are errors, not silent defaults.
void check_keys(const Ctx& c, const YAML::Node& map, const std::string& prefix,
                const std::set<std::string>& allowed) {
  std::set<std::string> seen;  // yaml-cpp keeps the first of two equal keys, silently
  for (auto it = map.begin(); it != map.end(); ++it) {
    const std::string k = it->first.Scalar();
    if (!seen.insert(k).second) fail(c, it->first, prefix + k, "duplicate key");
    if (!allowed.count(k)) {
      std::string list;
      for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
      fail(c, it->first, prefix + k, "unknown key; allowed here: " + list);
    }
  }
}

int64_t int_value(const Ctx& c, const YAML::Node& node, const std::string& key, int64_t lo, int64_t hi) {
  static const ParamSpec proto{"", ParamType::Int, ParamMode::Structural, 0, 0, 0, "", "", "", {}, nullptr, nullptr, nullptr, nullptr, 0};
  ParamSpec spec = proto;
  spec.key = key;
  spec.min_value = double(lo);
  spec.max_value = double(hi);
  if (!node.IsScalar()) fail(c, node, key, "expected a whole number");
  std::string why;
  auto v = parse_param_value(spec, node.Scalar(), why);
  if (!v) fail(c, node, key, why);
  std::string range = check_param_range(spec, *v);
  if (!range.empty()) fail(c, node, key, range);
  return int64_t(*v);
}

double param_value(const Ctx& c, const YAML::Node& node, const ParamSpec& spec) {
  if (spec.type == ParamType::List)
    fail(c, node, spec.key, "is a list parameter; a sweep can neither set nor vary it: give it in the base scenario");
  if (!node.IsScalar() || node.IsNull())
    fail(c, node, spec.key, std::string("expected a single ") + type_name(spec.type) + " value");
  std::string why;
  auto v = parse_param_value(spec, node.Scalar(), why);
  if (!v) fail(c, node, spec.key, why);
  std::string range = check_param_range(spec, *v);
  if (!range.empty()) fail(c, node, spec.key, range);
  return *v;
}

/// Calls `leaf(spec, value_node, key_node)` for every parameter in a map of
/// dotted or nested keys, as scenario files allow.
void for_each_param(const Ctx& c, const YAML::Node& map, const std::string& prefix,
                    const std::function<void(const ParamSpec&, const YAML::Node&, const YAML::Node&)>& leaf) {
  std::set<std::string> seen;
  for (auto it = map.begin(); it != map.end(); ++it) {
    const YAML::Node key_node = it->first;
    if (!key_node.IsScalar()) fail(c, key_node, prefix, "keys must be plain names");
    const std::string key = prefix.empty() ? key_node.Scalar() : prefix + "." + key_node.Scalar();
    if (!seen.insert(key).second) fail(c, key_node, key, "duplicate key");
    if (const ParamSpec* spec = find_param(key)) {
      leaf(*spec, it->second, key_node);
    } else if (is_param_group(key) && it->second.IsMap()) {
      for_each_param(c, it->second, key, leaf);
    } else {
      fail(c, key_node, key, unknown_parameter_reason(key));
    }
  }
}

Scenario load_base(const Ctx& c, const YAML::Node& root) {
  const YAML::Node base = root["base"];
  if (!base) return builtin_baseline();
  if (!base.IsScalar() || base.Scalar().empty()) fail(c, base, "base", "expected the path of a scenario file");
  std::error_code ec;  // a name too long for the file system is just not found
  fs::path target = fs::path(c.base_dir) / base.Scalar();
  if (!fs::exists(target, ec)) target = base.Scalar();
  if (!fs::exists(target, ec))
    fail(c, base, "base", "scenario file '" + shown(base.Scalar()) + "' not found beside the spec or in the working directory");
  if (fs::is_fifo(target, ec)) fail(c, base, "base", "is a pipe (FIFO), not a scenario file");
  return load_scenario_file(target.string());
}

void apply_set(const Ctx& c, const YAML::Node& set, Scenario& sc) {
  if (!set.IsMap()) fail(c, set, "set", "expected a map of parameter: value");
  for_each_param(c, set, "", [&](const ParamSpec& spec, const YAML::Node& value, const YAML::Node&) {
    spec.set(sc.params, param_value(c, value, spec));
  });
}

std::vector<int> load_series(const Ctx& c, const YAML::Node& node) {
  if (!node.IsSequence()) fail(c, node, "series", "expected a list of metric names");
  std::vector<int> out;
  for (const auto& item : node) {
    const int m = item.IsScalar() ? find_metric(item.Scalar()) : -1;
    if (m < 0) fail(c, item, "series", "unknown metric '" + (item.IsScalar() ? shown(item.Scalar()) : std::string("?")) + "'");
    if (std::find(out.begin(), out.end(), m) != out.end()) fail(c, item, "series", "metric listed twice");
    out.push_back(m);
  }
  return out;
}

/// A column of the design: the parameter and either its grid values or its range.
struct Column {
  const ParamSpec* spec;
  std::vector<double> values;
};

/// lhs and sobol designs draw a categorical parameter from a list of its
/// choices, each equally likely.
Column load_choices(const Ctx& c, const YAML::Node& value, Column col) {
  std::vector<double> sorted = col.values;
  std::sort(sorted.begin(), sorted.end());
  if (sorted.size() < 2 || std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end())
    fail(c, value, col.spec->key, "expected a list of at least two different choices of " + allowed_values(*col.spec) +
                                      ", e.g. [" + format_param_value(*col.spec, sorted.front()) + ", ...]");
  return col;
}

Column load_column(const Ctx& c, const ParamSpec& spec, const YAML::Node& value, const YAML::Node& key_node,
                   DesignKind kind) {
  if (spec.key == "days")
    fail(c, key_node, spec.key, "the run length cannot vary within a sweep; set it under 'set:'");
  if (!value.IsSequence())
    fail(c, value, spec.key, kind == DesignKind::Grid ? "expected a list of values, e.g. [1, 3, 5]"
                                                      : "expected a range [min, max]");
  const bool categorical = spec.type == ParamType::Bool || spec.type == ParamType::Enum;
  if (kind == DesignKind::Morris && categorical)
    fail(c, key_node, spec.key, std::string("is categorical (") + allowed_values(spec) +
                                    "); Morris steps need a range; vary it in a grid, lhs or sobol design");
  Column col{&spec, {}};
  for (const auto& v : value) col.values.push_back(param_value(c, v, spec));
  if (kind == DesignKind::Grid) {
    if (col.values.empty()) fail(c, value, spec.key, "a grid needs at least one value");
    return col;
  }
  if (categorical) return load_choices(c, value, std::move(col));
  if (col.values.size() != 2 || !(col.values[0] < col.values[1]))
    fail(c, value, spec.key, "expected a range [min, max] with min < max");
  return col;
}

/// Rows the design will have, computed before it is built (a grid of ten
/// parameters with ten values each is 1e10 rows); saturates, never overflows.
uint64_t planned_points(const Design& d, const std::vector<Column>& cols) {
  const uint64_t k = cols.size();
  switch (d.kind) {
    case DesignKind::Grid: {
      uint64_t n = 1;
      for (const auto& col : cols) n = saturating_mul(n, col.values.size());
      return n;
    }
    case DesignKind::Lhs: return uint64_t(d.samples);
    case DesignKind::Sobol: return saturating_mul(uint64_t(d.samples), k + 2);
    case DesignKind::Morris: return saturating_mul(uint64_t(d.trajectories), k + 1);
  }
  return 0;
}

std::vector<double> grid_rows(const std::vector<Column>& cols) {
  std::vector<double> out;
  std::vector<std::size_t> idx(cols.size(), 0);
  while (true) {
    for (std::size_t j = 0; j < cols.size(); ++j) out.push_back(cols[j].values[idx[j]]);
    // Last parameter varies fastest, like nested loops written in spec order.
    std::size_t j = cols.size();
    while (j > 0) {
      --j;
      if (++idx[j] < cols[j].values.size()) break;
      idx[j] = 0;
      if (j == 0) return out;
    }
    if (cols.empty()) return out;
  }
}

/// Maps unit values onto each column: reals onto their range; whole numbers
/// and choices onto one of their values, each equally likely and, in lhs and
/// sobol designs (`strata` samples), stratified over the values. Morris
/// (strata = 0) rounds whole numbers to the nearest level.
void scale_unit(std::vector<double>& unit, const std::vector<Column>& cols, int64_t strata) {
  const std::size_t k = cols.size();
  for (std::size_t i = 0; i < unit.size(); ++i) {
    const Column& col = cols[i % k];
    const ParamType type = col.spec->type;
    if (type == ParamType::Bool || type == ParamType::Enum) {
      unit[i] = col.values[stratified_choice(unit[i], col.values.size(), strata)];
    } else if (type == ParamType::Int && strata > 0) {
      const auto values = std::size_t(col.values[1] - col.values[0]) + 1;
      unit[i] = col.values[0] + double(stratified_choice(unit[i], values, strata));
    } else {
      double v = col.values[0] + unit[i] * (col.values[1] - col.values[0]);
      if (type == ParamType::Int) v = std::clamp(std::round(v), col.values[0], col.values[1]);
      unit[i] = v;
    }
  }
}

void load_sizes(const Ctx& c, const YAML::Node& d, Design& design) {
  const std::string kind = design_kind_name(design.kind);
  auto required = [&](const char* key, int64_t lo, int64_t hi) {
    const YAML::Node n = d[key];
    if (!n) fail(c, d, std::string("design.") + key, "missing; a " + kind + " design needs it");
    return int_value(c, n, std::string("design.") + key, lo, hi);
  };
  if (design.kind == DesignKind::Lhs || design.kind == DesignKind::Sobol)
    design.samples = required("samples", 2, 1000000);
  if (design.kind == DesignKind::Morris) {
    design.trajectories = required("trajectories", 2, 100000);
    design.levels = d["levels"] ? int_value(c, d["levels"], "design.levels", 2, 1000) : 4;
    if (design.levels % 2 != 0) fail(c, d["levels"], "design.levels", "must be even (Morris steps are half the levels)");
  }
}

std::set<std::string> design_keys(DesignKind kind) {
  switch (kind) {
    case DesignKind::Grid: return {"kind", "parameters"};
    case DesignKind::Lhs:
    case DesignKind::Sobol: return {"kind", "parameters", "samples"};
    case DesignKind::Morris: return {"kind", "parameters", "trajectories", "levels"};
  }
  return {};
}

Design load_design(const Ctx& c, const YAML::Node& d, uint64_t seed) {
  if (!d || !d.IsMap()) fail(c, d ? d : YAML::Node(), "design", "missing or not a map (kind, parameters, ...)");
  Design design;
  const YAML::Node kind = d["kind"];
  if (!kind || !kind.IsScalar()) fail(c, d, "design.kind", "missing; one of grid, lhs, sobol, morris");
  try {
    design.kind = design_kind_from_name(kind.Scalar());
  } catch (const InputError& e) {
    fail(c, kind, "design.kind", e.what());
  }
  check_keys(c, d, "design.", design_keys(design.kind));
  load_sizes(c, d, design);
  const YAML::Node params = d["parameters"];
  if (!params || !params.IsMap() || params.size() == 0)
    fail(c, params ? params : d, "design.parameters", "missing or empty; a map of parameter: values or range");
  std::vector<Column> cols;
  for_each_param(c, params, "", [&](const ParamSpec& spec, const YAML::Node& v, const YAML::Node& key) {
    cols.push_back(load_column(c, spec, v, key, design.kind));
  });
  for (const auto& col : cols) {
    design.parameters.push_back(col.spec->key);
    design.lower.push_back(*std::min_element(col.values.begin(), col.values.end()));
    design.upper.push_back(*std::max_element(col.values.begin(), col.values.end()));
  }
  const std::size_t k = cols.size();
  const uint64_t points = planned_points(design, cols);
  if (points > kMaxDesignPoints)
    fail(c, params, "design", "has " + (points == UINT64_MAX ? std::string("more than 2^64") : std::to_string(points)) +
                                  " points; at most " + std::to_string(kMaxDesignPoints) + " are allowed");
  switch (design.kind) {
    case DesignKind::Grid: design.values = grid_rows(cols); break;
    case DesignKind::Lhs: design.values = lhs_unit(design.samples, k, seed); break;
    case DesignKind::Sobol:
      if (2 * k > kSobolMaxDimensions)
        fail(c, params, "design.parameters", "a sobol design takes at most " + std::to_string(kSobolMaxDimensions / 2) +
                                                 " parameters (Boost's Sobol' tables have " +
                                                 std::to_string(kSobolMaxDimensions) + " dimensions)");
      design.values = saltelli_unit(design.samples, k, seed);
      break;
    case DesignKind::Morris: design.values = morris_unit(design.trajectories, k, design.levels, seed); break;
  }
  if (design.kind != DesignKind::Grid)
    scale_unit(design.values, cols, design.kind == DesignKind::Morris ? 0 : design.samples);
  design.points = int64_t(design.values.size() / k);
  return design;
}

/// Validates every point and notes the largest world any of them builds.
void check_points(const Ctx& c, SweepSpec& spec) {
  for (int64_t p = 0; p < spec.design.points; ++p) {
    const Scenario sc = point_scenario(spec, p);
    try {
      validate_scenario(sc);
    } catch (const InputError& e) {
      throw InputError(c.origin + ": design point " + std::to_string(p) + ": " + e.what());
    }
    spec.largest_world_bytes = std::max(spec.largest_world_bytes, estimate_world_bytes(params_for_memory(sc)));
  }
}

void fnv(uint64_t& h, const void* data, std::size_t n) {
  const auto* p = static_cast<const unsigned char*>(data);
  for (std::size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 1099511628211ull;
}

void fnv(uint64_t& h, const std::string& s) {
  fnv(h, s.data(), s.size());
  fnv(h, "\n", 1);
}

/// YAML forbids tabs in indentation and yaml-cpp's own message does not say so.
void reject_tab_indentation(const std::string& text, const std::string& origin) {
  std::istringstream in(text);
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    const std::size_t first = line.find_first_not_of(' ');
    if (first != std::string::npos && line[first] == '\t')
      throw InputError(origin + ":" + std::to_string(n) + ": tab character in indentation; YAML indents with spaces");
  }
}

}  // namespace

const char* design_kind_name(DesignKind kind) {
  switch (kind) {
    case DesignKind::Grid: return "grid";
    case DesignKind::Lhs: return "lhs";
    case DesignKind::Sobol: return "sobol";
    case DesignKind::Morris: return "morris";
  }
  return "?";
}

DesignKind design_kind_from_name(const std::string& name) {
  for (DesignKind k : {DesignKind::Grid, DesignKind::Lhs, DesignKind::Sobol, DesignKind::Morris})
    if (name == design_kind_name(k)) return k;
  throw InputError("unknown design kind '" + name + "'; allowed: grid, lhs, sobol, morris");
}

std::vector<double> lhs_unit(int64_t n, std::size_t k, uint64_t seed) {
  std::vector<double> out(std::size_t(n) * k);
  std::vector<int64_t> strata(static_cast<std::size_t>(n));
  for (std::size_t j = 0; j < k; ++j) {
    Stream rng(seed, kDesignStreamReplicate, 0, Phase::Init, j);
    for (int64_t i = 0; i < n; ++i) strata[std::size_t(i)] = i;
    for (int64_t i = n - 1; i > 0; --i) std::swap(strata[std::size_t(i)], strata[rng.below(uint64_t(i + 1))]);
    for (int64_t i = 0; i < n; ++i)
      out[std::size_t(i) * k + j] = (double(strata[std::size_t(i)]) + rng.uniform()) / double(n);
  }
  return out;
}

std::vector<double> saltelli_unit(int64_t n, std::size_t k, uint64_t seed) {
  // A and B are the two halves of one 2k-dimensional Sobol' point set, so
  // they are independent of each other and each is a low-discrepancy set.
  const std::vector<double> ab = sobol_unit(n, 2 * k, seed);
  std::vector<double> out;
  out.reserve(std::size_t(n) * (k + 2) * k);
  for (int64_t i = 0; i < n; ++i) {
    const double* a = &ab[std::size_t(i) * 2 * k];
    const double* b = a + k;
    out.insert(out.end(), a, a + k);
    out.insert(out.end(), b, b + k);
    for (std::size_t j = 0; j < k; ++j)
      for (std::size_t m = 0; m < k; ++m) out.push_back(m == j ? b[m] : a[m]);
  }
  return out;
}

std::vector<double> morris_unit(int64_t r, std::size_t k, int64_t levels, uint64_t seed) {
  const int64_t half = levels / 2;  // delta in level steps
  const double step = 1.0 / double(levels - 1);
  std::vector<double> out;
  std::vector<int64_t> level(k);
  std::vector<std::size_t> order(k);
  for (int64_t t = 0; t < r; ++t) {
    Stream rng(seed, kDesignStreamReplicate, 1, Phase::Init, uint64_t(t));
    for (std::size_t j = 0; j < k; ++j) level[j] = int64_t(rng.below(uint64_t(levels)));
    for (std::size_t j = 0; j < k; ++j) order[j] = j;
    for (std::size_t j = k; j > 1; --j) std::swap(order[j - 1], order[rng.below(j)]);
    for (std::size_t j = 0; j < k; ++j) out.push_back(double(level[j]) * step);
    for (std::size_t s = 0; s < k; ++s) {
      const std::size_t j = order[s];
      // Move up by delta when it stays on the grid, else down: both are valid steps.
      level[j] += level[j] + half < levels ? half : -half;
      for (std::size_t m = 0; m < k; ++m) out.push_back(double(level[m]) * step);
    }
  }
  return out;
}

SweepSpec load_sweep_spec_text(const std::string& text, const std::string& origin, const std::string& base_dir) {
  const Ctx c{origin, base_dir};
  reject_tab_indentation(text, origin);
  YAML::Node root;
  try {
    require_single_document(text, origin);
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw InputError(where(c, e.mark) + ": YAML syntax error: " + e.msg);
  }
  if (!root || !root.IsMap()) throw InputError(origin + ": a sweep spec must be a map (base, replicates, design, ...)");
  check_keys(c, root, "", {"name", "description", "base", "replicates", "seed", "set", "design", "series"});
  SweepSpec spec;
  spec.path = origin;
  spec.text = text;
  spec.name = fs::path(origin).stem().string();
  if (const YAML::Node n = root["name"]) {
    if (!n.IsScalar() || n.Scalar().empty()) fail(c, n, "name", "expected text");
    spec.name = n.Scalar();
  }
  spec.base = load_base(c, root);
  if (const YAML::Node s = root["set"]) apply_set(c, s, spec.base);
  validate_scenario(spec.base);
  if (const YAML::Node r = root["replicates"]) spec.replicates = int_value(c, r, "replicates", 1, 100000);
  if (const YAML::Node s = root["seed"]) spec.seed = uint64_t(int_value(c, s, "seed", 0, int64_t(1) << 53));
  if (const YAML::Node s = root["series"]) spec.series = load_series(c, s);
  spec.design = load_design(c, root["design"], spec.seed);
  check_points(c, spec);
  return spec;
}

SweepSpec load_sweep_spec(const std::string& path) {
  const std::string text = read_input_text(path, "sweep spec", true);
  return load_sweep_spec_text(text, path, fs::path(path).parent_path().string());
}

uint64_t estimate_sweep_bytes(const SweepSpec& spec, int parallel) {
  const uint64_t tasks = saturating_mul(uint64_t(spec.design.points), uint64_t(spec.replicates));
  const uint64_t worlds = std::max<uint64_t>(1, std::min<uint64_t>(uint64_t(std::max(parallel, 1)), tasks));
  // Each task's totals and kept series, held for the file and copied once
  // more while it is written; the design matrix beside them.
  const uint64_t record = (uint64_t(kMetricCount) + spec.series.size() * uint64_t(spec.base.params.days)) * sizeof(double);
  const uint64_t results = saturating_mul(saturating_mul(tasks, record), 2);
  const uint64_t design = saturating_mul(spec.design.values.size(), sizeof(double));
  return saturating_add(saturating_add(saturating_mul(worlds, spec.largest_world_bytes), results), design);
}

Scenario point_scenario(const SweepSpec& spec, int64_t point) {
  Scenario sc = spec.base;
  for (std::size_t j = 0; j < spec.design.columns(); ++j)
    find_param(spec.design.parameters[j])->set(sc.params, spec.design.at(point, j));
  return sc;
}

uint64_t sweep_hash(const SweepSpec& spec) {
  uint64_t h = 1469598103934665603ull;
  fnv(h, resolved_yaml(spec.base));
  fnv(h, std::to_string(spec.seed) + " " + std::to_string(spec.replicates));
  fnv(h, design_kind_name(spec.design.kind));
  for (const auto& p : spec.design.parameters) fnv(h, p);
  fnv(h, spec.design.values.data(), spec.design.values.size() * sizeof(double));
  for (int m : spec.series) fnv(h, metric_registry()[std::size_t(m)].name);
  return h;
}

}  // namespace cardsim
