// Scenario parameters: a typed struct and a registry, both generated from
// params.def so that each parameter is declared exactly once.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cardsim {

enum class ParamType { Int, Real, Bool, Enum };
enum class ParamMode { Structural, Dynamic };

/// One struct per enum parameter, named in its row of params.def, whose
/// enumerators are the parameter's choices in declaration order (the index
/// an enum field of Params holds): RemoteMode::allow, ...
#define CARDSIM_CHOICES(...) __VA_ARGS__
#define P_INT(f, k, d, lo, hi, u, m, s, mode)
#define P_REAL(f, k, d, lo, hi, u, m, s, mode)
#define P_BOOL(f, k, d, m, s, mode)
#define P_ENUM(f, k, T, d, ch, m, s, mode) \
  struct T {                               \
    enum : int64_t { CARDSIM_CHOICES ch }; \
  };
#include "scenario/params.def"
#undef P_INT
#undef P_REAL
#undef P_BOOL
#undef P_ENUM
#undef CARDSIM_CHOICES

/// Every scenario setting, as typed fields. Enum fields hold the index of
/// the chosen value in the declaration's choice list.
struct Params {
#define P_INT(f, k, d, lo, hi, u, m, s, mode) int64_t f = d;
#define P_REAL(f, k, d, lo, hi, u, m, s, mode) double f = d;
#define P_BOOL(f, k, d, m, s, mode) bool f = d;
#define P_ENUM(f, k, T, d, ch, m, s, mode) int64_t f = T::d;
#include "scenario/params.def"
#undef P_INT
#undef P_REAL
#undef P_BOOL
#undef P_ENUM
};

/// One row of params.def, with accessors into Params.
struct ParamSpec {
  std::string key;
  ParamType type;
  ParamMode mode;
  double default_value;  // for Enum: index
  double min_value;
  double max_value;
  std::string unit;
  std::string meaning;
  std::string source;
  std::vector<std::string> choices;  // Enum only

  double (*get)(const Params&);
  void (*set)(Params&, double);
};

/// All parameters, in declaration order.
const std::vector<ParamSpec>& param_registry();

/// The parameter with this dotted key, or nullptr.
const ParamSpec* find_param(std::string_view key);

/// True when `prefix` names a group of parameters ("controls", "controls.per_id_cap").
bool is_param_group(std::string_view prefix);

/// A value as it is written in YAML ("true", "block", "0.25", "365").
std::string format_param_value(const ParamSpec& spec, double value);

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
