#include "scenario/params.h"

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <sstream>

namespace cardsim {
namespace {

/// The choices of an enum row from its list as the preprocessor spells it:
/// "(allow, verify, block)" -> {"allow", "verify", "block"}.
std::vector<std::string> split_choices(const char* text) {
  std::vector<std::string> out(1);
  for (const char* p = text; *p; ++p) {
    if (*p == ',')
      out.emplace_back();
    else if (*p != '(' && *p != ')' && *p != ' ')
      out.back() += *p;
  }
  return out;
}

constexpr ParamMode STRUCTURAL = ParamMode::Structural;
constexpr ParamMode DYNAMIC = ParamMode::Dynamic;

std::vector<ParamSpec> build_registry() {
  std::vector<ParamSpec> r;
#define P_INT(f, k, d, lo, hi, u, m, s, mode)                                          \
  r.push_back({k, ParamType::Int, mode, double(d), double(lo), double(hi), u, m, s, {}, \
               [](const Params& p) { return double(p.f); },                            \
               [](Params& p, double v) { p.f = int64_t(v); }, nullptr, nullptr, 0});
#define P_REAL(f, k, d, lo, hi, u, m, s, mode)                                          \
  r.push_back({k, ParamType::Real, mode, double(d), double(lo), double(hi), u, m, s, {}, \
               [](const Params& p) { return p.f; }, [](Params& p, double v) { p.f = v; }, nullptr, nullptr, 0});
#define P_BOOL(f, k, d, m, s, mode)                                                          \
  r.push_back({k, ParamType::Bool, mode, (d) ? 1.0 : 0.0, 0.0, 1.0, "flag", m, s, {},        \
               [](const Params& p) { return p.f ? 1.0 : 0.0; },                             \
               [](Params& p, double v) { p.f = v != 0.0; }, nullptr, nullptr, 0});
#define P_ENUM(f, k, T, d, ch, m, s, mode)                                                  \
  r.push_back({k, ParamType::Enum, mode, double(T::d), 0.0, double(split_choices(#ch).size() - 1), \
               "choice", m, s, split_choices(#ch),                                          \
               [](const Params& p) { return double(p.f); },                                \
               [](Params& p, double v) { p.f = int64_t(v); }, nullptr, nullptr, 0});
#define P_LIST(f, k, n, lo, hi, u, m, s, mode)                                                     \
  r.push_back({k, ParamType::List, mode, 0.0, double(lo), double(hi), u, m, s, {}, nullptr, nullptr, \
               [](const Params& p) -> const std::vector<double>& { return p.f; },                 \
               [](Params& p, std::vector<double> v) { p.f = std::move(v); }, std::size_t(n)});
#include "scenario/params.def"
#undef P_INT
#undef P_REAL
#undef P_BOOL
#undef P_ENUM
#undef P_LIST
  return r;
}

std::string format_number(double v) {
  if (std::floor(v) == v && std::fabs(v) < 1e15) return std::to_string(int64_t(v));
  std::ostringstream os;
  os.precision(17);
  os << v;
  // Prefer the shortest text that reads back to the same double, but write
  // whole numbers of ordinary size in full ("10000", not "1e+04").
  const bool whole = v == std::trunc(v) && std::fabs(v) < 1e15;
  for (int prec = 1; prec <= 17; ++prec) {
    std::ostringstream t;
    t.precision(prec);
    t << v;
    if (whole && t.str().find('e') != std::string::npos) continue;
    if (std::strtod(t.str().c_str(), nullptr) == v) return t.str();
  }
  return os.str();
}

/// True for the spellings of NaN and infinity in YAML (".nan", "-.inf") and
/// in C ("nan", "inf"), so that they get "must be finite" rather than the
/// misleading "expected a number".
bool names_non_finite(std::string s) {
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) s.erase(0, 1);
  if (!s.empty() && s[0] == '.') s.erase(0, 1);
  for (char& c : s) c = char(std::tolower(static_cast<unsigned char>(c)));
  return s == "nan" || s == "inf" || s == "infinity";
}

/// A whole number written in decimal, possibly as an integral real ("1e6",
/// "1000000.0"): people write counts that way and YAML reads them as floats.
std::optional<double> parse_whole_number(const std::string& s) {
  errno = 0;
  char* end = nullptr;
  long long n = std::strtoll(s.c_str(), &end, 10);
  if (!s.empty() && *end == '\0' && errno != ERANGE) return double(n);
  // Only plain decimal text, so that strtod's hex and "inf" forms stay errors.
  if (s.empty() || s.find_first_not_of("0123456789+-.eE") != std::string::npos) return std::nullopt;
  double v = std::strtod(s.c_str(), &end);
  if (*end != '\0' || !std::isfinite(v) || v != std::trunc(v)) return std::nullopt;
  return v;
}

}  // namespace

const std::vector<ParamSpec>& param_registry() {
  static const std::vector<ParamSpec> registry = build_registry();
  return registry;
}

const ParamSpec* find_param(std::string_view key) {
  for (const auto& spec : param_registry())
    if (spec.key == key) return &spec;
  return nullptr;
}

bool is_param_group(std::string_view prefix) {
  for (const auto& spec : param_registry())
    if (spec.key.size() > prefix.size() && spec.key.compare(0, prefix.size(), prefix) == 0 &&
        spec.key[prefix.size()] == '.')
      return true;
  return false;
}

const char* type_name(ParamType t) {
  switch (t) {
    case ParamType::Int: return "int";
    case ParamType::Real: return "real";
    case ParamType::Bool: return "bool";
    case ParamType::Enum: return "enum";
    case ParamType::List: return "list";
  }
  return "?";
}

std::string format_param_value(const ParamSpec& spec, double value) {
  switch (spec.type) {
    case ParamType::Bool: return value != 0.0 ? "true" : "false";
    case ParamType::Enum: return spec.choices.at(std::size_t(value));
    case ParamType::Int: return std::to_string(int64_t(value));
    case ParamType::Real: return format_number(value);
    case ParamType::List: return "[]";
  }
  return "";
}

std::string format_param_list(const std::vector<double>& values) {
  std::string s = "[";
  for (std::size_t i = 0; i < values.size(); ++i) s += (i ? ", " : "") + format_number(values[i]);
  return s + "]";
}

std::string param_text(const ParamSpec& spec, const Params& p) {
  if (spec.type == ParamType::List) return format_param_list(spec.get_list(p));
  return format_param_value(spec, spec.get(p));
}

std::string check_param_list(const ParamSpec& spec, const std::vector<double>& values) {
  if (values.size() > spec.max_entries)
    return "has " + std::to_string(values.size()) + " entries; at most " + std::to_string(spec.max_entries) +
           " are allowed";
  for (std::size_t i = 0; i < values.size(); ++i)
    if (std::string why = check_param_range(spec, values[i]); !why.empty())
      return "entry " + std::to_string(i + 1) + ": " + why;
  return "";
}

std::string allowed_values(const ParamSpec& spec) {
  switch (spec.type) {
    case ParamType::Bool: return "true|false";
    case ParamType::Enum: {
      std::string s;
      for (std::size_t i = 0; i < spec.choices.size(); ++i) s += (i ? "|" : "") + spec.choices[i];
      return s;
    }
    case ParamType::Int:
      return "[" + std::to_string(int64_t(spec.min_value)) + ", " + std::to_string(int64_t(spec.max_value)) + "]";
    case ParamType::Real:
      return "[" + format_number(spec.min_value) + ", " + format_number(spec.max_value) + "]";
    case ParamType::List:
      return "list of up to " + std::to_string(spec.max_entries) + " numbers, each in [" +
             format_number(spec.min_value) + ", " + format_number(spec.max_value) + "]";
  }
  return "";
}

std::string check_param_range(const ParamSpec& spec, double value) {
  if (!std::isfinite(value)) return "value must be a finite number";
  if (value < spec.min_value || value > spec.max_value)
    return "value " + format_number(value) + " is outside the allowed range " +
           allowed_values(spec) + " " + spec.unit;
  return "";
}

std::string printable_excerpt(std::string_view text, std::size_t most) {
  std::string out;
  std::size_t i = 0;
  for (; i < text.size() && out.size() < most; ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", unsigned(c));
      out += buf;
    } else {
      out += char(c);
    }
  }
  if (i < text.size()) out += "... (" + std::to_string(text.size()) + " bytes)";
  return out;
}

std::string quoted_key(std::string_view key) {
  constexpr std::size_t kLongestName = 60;
  bool name_like = !key.empty() && key.size() <= kLongestName;
  for (char c : key) name_like = name_like && (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-');
  if (name_like) return "key '" + std::string(key) + "'";
  return "a key of " + std::to_string(key.size()) + " bytes that is no parameter name (not shown)";
}

std::optional<double> parse_param_value(const ParamSpec& spec, std::string_view text,
                                        std::string& why) {
  const std::string raw(text);
  const std::string s = printable_excerpt(raw);  // as quoted in messages
  switch (spec.type) {
    case ParamType::Bool:
      if (raw == "true") return 1.0;
      if (raw == "false") return 0.0;
      why = "expected true or false, got '" + s + "'";
      return std::nullopt;
    case ParamType::Enum:
      for (std::size_t i = 0; i < spec.choices.size(); ++i)
        if (spec.choices[i] == raw) return double(i);
      why = "unknown value '" + s + "'; allowed: " + allowed_values(spec);
      return std::nullopt;
    case ParamType::Int: {
      if (names_non_finite(raw)) {
        why = "value must be a finite number in " + allowed_values(spec) + ", got '" + s + "'";
        return std::nullopt;
      }
      auto v = parse_whole_number(raw);
      if (!v) why = "expected a whole number, got '" + s + "'";
      return v;
    }
    case ParamType::Real: {
      if (names_non_finite(raw)) {
        why = "value must be a finite number in " + allowed_values(spec) + ", got '" + s + "'";
        return std::nullopt;
      }
      char* end = nullptr;
      double v = std::strtod(raw.c_str(), &end);
      if (raw.empty() || end != raw.c_str() + raw.size()) {
        why = "expected a number, got '" + s + "'";
        return std::nullopt;
      }
      if (!std::isfinite(v)) {
        why = "value must be a finite number in " + allowed_values(spec) + ", got '" + s + "'";
        return std::nullopt;
      }
      return v;
    }
    case ParamType::List:
      why = "is a list of numbers; write it as [a, b, ...]";
      return std::nullopt;
  }
  return std::nullopt;
}

std::optional<std::vector<double>> parse_param_list(const ParamSpec& spec, std::string_view text,
                                                    std::string& why) {
  std::string_view body = text;
  while (!body.empty() && body.front() == ' ') body.remove_prefix(1);
  while (!body.empty() && body.back() == ' ') body.remove_suffix(1);
  if (!body.empty() && body.front() == '[') {
    if (body.back() != ']') {
      why = "expected a list [a, b, ...], got '" + printable_excerpt(text) + "'";
      return std::nullopt;
    }
    body = body.substr(1, body.size() - 2);
  }
  ParamSpec entry = spec;  // each entry is read as a real in the row's range
  entry.type = ParamType::Real;
  std::vector<double> out;
  bool blank = body.find_first_not_of(' ') == std::string_view::npos;
  for (std::size_t start = 0; !blank && start <= body.size();) {
    std::size_t comma = body.find(',', start);
    if (comma == std::string_view::npos) comma = body.size();
    std::string item(body.substr(start, comma - start));
    item.erase(0, item.find_first_not_of(' '));
    item.erase(item.find_last_not_of(' ') + 1);
    auto v = parse_param_value(entry, item, why);
    if (!v) {
      why = "entry " + std::to_string(out.size() + 1) + ": " + why;
      return std::nullopt;
    }
    out.push_back(*v);
    start = comma + 1;
  }
  why = check_param_list(spec, out);
  if (!why.empty()) return std::nullopt;
  return out;
}

}  // namespace cardsim
