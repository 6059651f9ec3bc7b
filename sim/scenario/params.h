// Scenario parameters: a typed struct and a registry, both generated from
// params.def so that each parameter is declared exactly once.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cardsim {

enum class ParamType { Int, Real, Bool, Enum, List };
enum class ParamMode { Structural, Dynamic };

/// One struct per enum parameter, named in its row of params.def, whose
/// enumerators are the parameter's choices in declaration order (the index
/// an enum field of Params holds): RemoteMode::allow, ...
#define CARDSIM_CHOICES(...) __VA_ARGS__
#define P_INT(f, k, d, lo, hi, u, m, s, mode)
#define P_REAL(f, k, d, lo, hi, u, m, s, mode)
#define P_BOOL(f, k, d, m, s, mode)
#define P_LIST(f, k, n, lo, hi, u, m, s, mode)
#define P_ENUM(f, k, T, d, ch, m, s, mode) \
  struct T {                               \
    enum : int64_t { CARDSIM_CHOICES ch }; \
  };
#include "scenario/params.def"
#undef P_INT
#undef P_REAL
#undef P_BOOL
#undef P_ENUM
#undef P_LIST
#undef CARDSIM_CHOICES

/// Every scenario setting, as typed fields. Enum fields hold the index of
/// the chosen value in the declaration's choice list.
struct Params {
#define P_INT(f, k, d, lo, hi, u, m, s, mode) int64_t f = d;
#define P_REAL(f, k, d, lo, hi, u, m, s, mode) double f = d;
#define P_BOOL(f, k, d, m, s, mode) bool f = d;
#define P_ENUM(f, k, T, d, ch, m, s, mode) int64_t f = T::d;
#define P_LIST(f, k, n, lo, hi, u, m, s, mode) std::vector<double> f;
#include "scenario/params.def"
#undef P_INT
#undef P_REAL
#undef P_BOOL
#undef P_ENUM
#undef P_LIST
};

/// One row of params.def, with accessors into Params.
struct ParamSpec {
  std::string key;
  ParamType type;
  ParamMode mode;
  double default_value;  // for Enum: index; for List: 0 (its default is the empty list)
  double min_value;      // for List: of each entry
  double max_value;      // for List: of each entry
  std::string unit;
  std::string meaning;
  std::string source;
  std::vector<std::string> choices;  // Enum only

  double (*get)(const Params&);  // nullptr for List
  void (*set)(Params&, double);  // nullptr for List
  /// List only (nullptr otherwise): its entries, and the most it may hold.
  const std::vector<double>& (*get_list)(const Params&);
  void (*set_list)(Params&, std::vector<double>);
  std::size_t max_entries;
};

/// All parameters, in declaration order.
const std::vector<ParamSpec>& param_registry();

/// The parameter with this dotted key, or nullptr.
const ParamSpec* find_param(std::string_view key);

/// True when `prefix` names a group of parameters ("controls", "controls.per_id_cap").
bool is_param_group(std::string_view prefix);

/// A value as it is written in YAML ("true", "block", "0.25", "365"). For a
/// List spec `value` is ignored and the text is its default, "[]".
std::string format_param_value(const ParamSpec& spec, double value);

/// The parameter's value in `p` as written in YAML, lists included
/// ("[0.5, 0.3, 0.2]").
std::string param_text(const ParamSpec& spec, const Params& p);

/// A list as YAML writes it in flow style: "[0.5, 0.3, 0.2]", "[]".
std::string format_param_list(const std::vector<double>& values);

/// Parses a List parameter's value from "[0.5, 0.3, 0.2]" or "0.5,0.3,0.2"
/// (as --set and stored scenarios give it) and checks each entry's range and
/// the count. On failure returns nullopt and sets `why`.
std::optional<std::vector<double>> parse_param_list(const ParamSpec& spec, std::string_view text, std::string& why);

/// Checks the entries of a List parameter against its row: each finite and in
/// range, at most max_entries of them. Empty when allowed, else the reason.
std::string check_param_list(const ParamSpec& spec, const std::vector<double>& values);

/// Parses text into a value for this parameter. On failure returns nullopt and
/// sets `why` to a sentence that says what is allowed.
/// Text from an input file made safe to quote in a message: at most `most`
/// characters, control characters (NUL, ANSI escapes, newlines) written as
/// \xNN, and the full length named when it was cut. A message never echoes
/// a megabyte value, a terminal escape or a secret read by mistake.
std::string printable_excerpt(std::string_view text, std::size_t most = 80);

/// "key 'name'" for a key that could be a parameter name (letters, digits,
/// '_', '.', '-', at most 60 bytes); otherwise only its length: a line of a
/// file read by mistake (a token, a password) is not echoed as a "key".
std::string quoted_key(std::string_view key);

std::optional<double> parse_param_value(const ParamSpec& spec, std::string_view text,
                                        std::string& why);

/// Empty when the value is allowed, else the reason (range, NaN, choices).
std::string check_param_range(const ParamSpec& spec, double value);

/// Text describing the allowed values: "[0, 1]", "true|false", "allow|verify|block".
std::string allowed_values(const ParamSpec& spec);

const char* type_name(ParamType t);

}  // namespace cardsim
