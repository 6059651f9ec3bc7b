// Field lists: each part of the World (sim/core/world.h) and the ledger and
// recorder list their fields once, in a visit_fields() beside their struct.
#pragma once

#include <cstdint>
#include <type_traits>

namespace cardsim {

// Each part of the World lists its fields once, in visit_fields() beside its
// struct: the snapshot (save, load, checksum), the memory estimate and the
// invariants walk these lists, so a field cannot be saved but not counted, or
// counted but not checked. A visitor V has
//   array(name, vector, Extent)  scalar(name, value)  nested(name, vector of vectors)
// and is called on a part or on a const part. The size checks beside each list
// (where the sizes are known: libstdc++ on x86-64) fail to compile when a
// field is added to a struct but not to its list.

/// How long a part's array is: one entry per member of the part (per card,
/// per outlet, ...), which the invariants check, or some other length.
enum class Extent : uint8_t { PerMember, Other };

/// Enables a visit_fields overload for Part and const Part.
template <class C, class Part>
using IfPart = std::enable_if_t<std::is_same_v<std::remove_const_t<C>, Part>, int>;

#if defined(__GLIBCXX__) && defined(__x86_64__)
#define CARDSIM_FIELDS_LISTED(Part, bytes) \
  static_assert(sizeof(Part) == (bytes), #Part " changed: list the new field in its visit_fields(), then update the size")
#else
#define CARDSIM_FIELDS_LISTED(Part, bytes) static_assert(true)
#endif

}  // namespace cardsim
