#include "results/snapshot.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <map>

#include "core/memory.h"
#include "results/results.h"
#include "results/snapshot_check.h"

namespace cardsim {

// The fields saved are those each part of World lists in its visit_fields()
// (sim/core/world.h, ledger.h, metrics.h), whose size checks fail to compile
// when a field is added to a struct but not to its list. The test "snapshot
// continuation is bit-identical" checks behaviour.

namespace {

// 2: velocity windows apart from Identity, initial-cards key; 3: a checksum
// per replicate; 4: ring revenue factors; 5: raisers' profit apart from
// merchants' channel slots; 6: honest customers' retries; 7: card uses (each
// card's use and buyer, cards in use counted per use); 8: SIM banks; 9: card state
// ShutReverified (re-verification drives), the recorder's new metrics; 10: police
// cases by source with their day and arrival number, reported numbers to shut;
// and the trace chain: cards' record suppliers, convictions, SIM banks' absence;
// 11: no ring-broker purchase matrix (the network is read from the cards);
// 12: rings' entry and exit by profit; 13: regions that trade (buyers' home
// regions, cards in the post, card state InTransit, the recorder's per-region
// series and cards mailed between regions); 14: the farmer pool by
// reservation band, income by role in the recorder; 15: record buyers'
// memory of records out; 16: the outside market (card state SoldOutside) and
// region shares; 17: merchants' and insiders' entry and exit by profit; 18:
// record suppliers' face-record price and harvest by profit; 19: two cards
// (bank accounts); 20: police traces of accounts (cases' receiving accounts,
// accounts' collectors, collectors' absence, what sellers and collectors have
// seen of arrests, account state Seized); 21: merchants' perceived risk and
// sales, their willingness to pay farmers, rings' cards in use and attempts;
// 22: brokers' worth (balance and stock at cost) seen by phase Entry instead of
// their balance; 23: the farmer pool's known sellers (FarmerPool::known,
// known_band, known_by_band); 24: each known seller's place in that list
// (citizens.known_seller_slot).
constexpr int64_t kSnapshotFormat = 24;

template <class T> hid_t native_type();
template <> hid_t native_type<uint8_t>() { return H5T_NATIVE_UINT8; }
template <> hid_t native_type<uint16_t>() { return H5T_NATIVE_UINT16; }
template <> hid_t native_type<int32_t>() { return H5T_NATIVE_INT32; }
template <> hid_t native_type<uint32_t>() { return H5T_NATIVE_UINT32; }
template <> hid_t native_type<int64_t>() { return H5T_NATIVE_INT64; }
template <> hid_t native_type<uint64_t>() { return H5T_NATIVE_UINT64; }
template <> hid_t native_type<float>() { return H5T_NATIVE_FLOAT; }
template <> hid_t native_type<double>() { return H5T_NATIVE_DOUBLE; }
/// BrokerKind is an enum: stored as its uint8 value.
template <> hid_t native_type<BrokerKind>() {
  static_assert(std::is_same_v<std::underlying_type_t<BrokerKind>, uint8_t>, "stored as uint8");
  return H5T_NATIVE_UINT8;
}
/// Identity records as an HDF5 compound type with named fields (made once, never closed).
template <> hid_t native_type<Identity>() {
  static const hid_t type = [] {
    const hid_t t = H5Tcreate(H5T_COMPOUND, sizeof(Identity));
    H5Tinsert(t, "bits", HOFFSET(Identity, bits), H5T_NATIVE_UINT16);  // layout: sim/world.h
    return t;
  }();
  return type;
}
template <> hid_t native_type<VelocityWindow>() {
  static const hid_t type = [] {
    const hid_t t = H5Tcreate(H5T_COMPOUND, sizeof(VelocityWindow));
    H5Tinsert(t, "start", HOFFSET(VelocityWindow, start), H5T_NATIVE_INT32);
    H5Tinsert(t, "count", HOFFSET(VelocityWindow, count), H5T_NATIVE_INT32);
    return t;
  }();
  return type;
}

/// Large arrays (per identity holder) are mostly zeros: compress them.
h5::Handle dataset_props(hsize_t n) {
  h5::Handle props(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
  if (n >= 4096) {
    const hsize_t chunk = std::min<hsize_t>(n, 1 << 16);
    H5Pset_chunk(props, 1, &chunk);
    H5Pset_shuffle(props);
    H5Pset_deflate(props, 1);
  }
  return props;
}

template <class T, class A>
void write_array(hid_t group, const std::string& name, const std::vector<T, A>& v) {
  const hsize_t n = v.size();
  h5::Handle space(H5Screate_simple(1, &n, nullptr), H5Sclose);
  h5::Handle props = dataset_props(n);
  h5::Handle ds(H5Dcreate2(group, name.c_str(), native_type<T>(), space, H5P_DEFAULT, props, H5P_DEFAULT), H5Dclose);
  if (n > 0 && H5Dwrite(ds, native_type<T>(), H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()) < 0)
    throw std::runtime_error("snapshot: cannot write " + name);
}

/// How long a field read from a file may be: exactly `exact` entries when
/// the field's length is fixed when the world is built, else at most `most`.
struct LengthRule {
  bool fixed = false;
  hsize_t exact = 0;
  hsize_t most = 0;
};

/// Reads a one-dimensional dataset whose length obeys `rule`, checked before
/// anything is allocated: a damaged file cannot make cardsim allocate what
/// its header claims.
template <class T, class A>
void read_array(hid_t group, const std::string& name, std::vector<T, A>& v, const LengthRule& rule) {
  if (H5Lexists(group, name.c_str(), H5P_DEFAULT) <= 0)
    throw InputError("snapshot: field '" + name + "' is missing (file written by another cardsim version?)");
  h5::Handle ds(H5Dopen2(group, name.c_str(), H5P_DEFAULT), H5Dclose);
  h5::Handle space(H5Dget_space(ds), H5Sclose);
  if (H5Sget_simple_extent_ndims(space) != 1) throw InputError("snapshot: field '" + name + "' is not a list");
  hsize_t n = 0;
  H5Sget_simple_extent_dims(space, &n, nullptr);
  if (rule.fixed && n != rule.exact)
    throw InputError("snapshot: field '" + name + "' holds " + std::to_string(n) + " entries, expected " +
                     std::to_string(rule.exact));
  if (!rule.fixed && n > rule.most)
    throw InputError("snapshot: field '" + name + "' claims " + std::to_string(n) + " entries, more than fit in memory");
  v.assign(n, T{});
  if (n > 0 && H5Dread(ds, native_type<T>(), H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()) < 0)
    throw InputError("snapshot: field '" + name + "' cannot be read (damaged, or of the wrong type)");
}

/// Walks every field of a World with one visitor, so that saving and loading
/// cannot disagree about the list of fields.
struct Writer {
  hid_t group;
  template <class T, class A> void array(const std::string& name, std::vector<T, A>& v, Extent) {
    write_array(group, name, v);
  }
  template <class T> void scalar(const std::string& name, T& x) { write_array(group, name, std::vector<T>{x}); }
  template <class T> void nested(const std::string& name, std::vector<std::vector<T>>& vv) {
    std::vector<int64_t> offsets{0};
    std::vector<T> values;
    for (const auto& v : vv) {
      values.insert(values.end(), v.begin(), v.end());
      offsets.push_back(int64_t(values.size()));
    }
    write_array(group, name + ".offsets", offsets);
    write_array(group, name + ".values", values);
  }
};

/// The length of every field of a world (a list's offsets are one longer
/// than the list), to check a file's fields against before reading them.
struct Lengths {
  std::map<std::string, hsize_t> of;
  template <class T, class A> void array(const std::string& name, std::vector<T, A>& v, Extent) { of[name] = v.size(); }
  template <class T> void scalar(const std::string& name, T&) { of[name] = 1; }
  template <class T> void nested(const std::string& name, std::vector<std::vector<T>>& vv) {
    of[name + ".offsets"] = vv.size() + 1;
  }
};

/// Fields that grow during a run (one entry per card made, case reported, or
/// card in a list); every other field keeps the length it was built with.
bool grows(const std::string& name) {
  // Two cards: one entry per criminal bank account opened (World::bank).
  static const char* const kPerAccount[] = {"bank.state", "bank.seller", "bank.holder",
                                            "bank.funds", "bank.receipts_today", "bank.reports_today",
                                            "bank.collector"};
  for (const char* field : kPerAccount)
    if (name == field) return true;
  // Credit sanctions: one entry per holder under a sanction or a sentence's bar.
  if (name == "farmer_pool.sanctioned" || name == "farmer_pool.sanctioned_until") return true;
  return name.rfind("cards.", 0) == 0 ||
         (name.size() > 7 && name.compare(name.size() - 7, 7, ".values") == 0);
}

struct Reader {
  hid_t group;
  const Lengths& built;  // the same world freshly built: fixed lengths
  uint64_t memory_limit;

  template <class T> LengthRule rule(const std::string& name) const {
    if (grows(name)) return {false, 0, memory_limit / sizeof(T)};
    const auto it = built.of.find(name);
    return {true, it == built.of.end() ? 0 : it->second, 0};
  }
  template <class T, class A> void array(const std::string& name, std::vector<T, A>& v, Extent) {
    read_array(group, name, v, rule<T>(name));
  }
  template <class T> void scalar(const std::string& name, T& x) {
    std::vector<T> v;
    read_array(group, name, v, LengthRule{true, 1, 0});
    x = v[0];
  }
  template <class T> void nested(const std::string& name, std::vector<std::vector<T>>& vv) {
    std::vector<int64_t> offsets;
    std::vector<T> values;
    read_array(group, name + ".offsets", offsets, rule<int64_t>(name + ".offsets"));
    read_array(group, name + ".values", values, rule<T>(name + ".values"));
    check_offsets(name, offsets, values.size());
    vv.assign(offsets.size() - 1, {});
    for (std::size_t i = 0; i + 1 < offsets.size(); ++i)
      vv[i].assign(values.begin() + offsets[i], values.begin() + offsets[i + 1]);
  }
  /// Offsets start at 0, never decrease and end at the number of values.
  static void check_offsets(const std::string& name, const std::vector<int64_t>& offsets, std::size_t values) {
    bool ok = !offsets.empty() && offsets.front() == 0 && offsets.back() == int64_t(values);
    for (std::size_t i = 1; ok && i < offsets.size(); ++i) ok = offsets[i - 1] <= offsets[i];
    if (!ok) throw InputError("snapshot: field '" + name + "' has offsets out of order or out of range");
  }
};

/// FNV-1a over every field's name, length and bytes, in visiting order: a
/// file changed after it was written (a flipped bit, an edited value) no
/// longer matches the checksum stored with it.
struct Checksum {
  uint64_t h = 1469598103934665603ull;
  void bytes(const void* data, std::size_t n) {
    const auto* p = static_cast<const unsigned char*>(data);
    for (std::size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 1099511628211ull;
  }
  void name(const std::string& field, uint64_t length) {
    bytes(field.data(), field.size());
    bytes(&length, sizeof length);
  }
  template <class T, class A> void array(const std::string& field, std::vector<T, A>& v, Extent = Extent::Other) {
    name(field, v.size());
    bytes(v.data(), v.size() * sizeof(T));
  }
  template <class T> void scalar(const std::string& field, T& x) {
    name(field, 1);
    bytes(&x, sizeof x);
  }
  template <class T> void nested(const std::string& field, std::vector<std::vector<T>>& vv) {
    name(field, vv.size());
    for (auto& v : vv) array(field, v);
  }
};

// The scenario is stored flat ("key=value", "day:key=value") as well as in
// the provenance YAML: resolved_yaml() repeats a group key when params.def
// interleaves groups (e.g. controls.* after adaptation.*), which the YAML
// loader rightly refuses as a duplicate key.
std::vector<std::string> flat_params(const Scenario& sc) {
  std::vector<std::string> out;
  for (const auto& spec : param_registry()) out.push_back(spec.key + "=" + param_text(spec, sc.params));
  return out;
}

std::vector<std::string> flat_schedule(const Scenario& sc) {
  std::vector<std::string> out;
  for (const auto& ch : sc.schedule)
    out.push_back(std::to_string(ch.day) + ":" + ch.spec->key + "=" + format_param_value(*ch.spec, ch.value));
  return out;
}

Scenario scenario_from_flat(hid_t file, const std::string& path) {
  Scenario sc = builtin_baseline();
  sc.name = h5::read_attr_string(file, "scenario_name");
  sc.source = path + " (stored scenario)";
  for (const auto& kv : h5::read_attr_strings(file, "scenario_params")) apply_override(sc, kv);
  const bool has_schedule = H5Aexists(file, "scenario_schedule") > 0;
  for (const auto& entry : has_schedule ? h5::read_attr_strings(file, "scenario_schedule") : std::vector<std::string>{}) {
    const auto colon = entry.find(':');
    if (colon == std::string::npos || colon == 0 || entry.find('=') == std::string::npos)
      throw InputError("schedule entry '" + entry.substr(0, 80) + "' is not DAY:KEY=VALUE");
    Scenario one = builtin_baseline();
    apply_override(one, entry.substr(colon + 1));
    const std::string key = entry.substr(colon + 1, entry.find('=') - colon - 1);
    const ParamSpec* spec = find_param(key);
    sc.schedule.push_back({std::stoll(entry.substr(0, colon)), spec, spec->get(one.params), sc.source});
  }
  if (H5Aexists(file, "scenario_actions") > 0) {
    // Stored as the resolved YAML's `actions:` section; read under the run's length.
    const std::string yaml = "days: " + std::to_string(sc.params.days) + "\n" +
                             h5::read_attr_string(file, "scenario_actions");
    sc.actions = load_scenario_text(yaml, path + " (stored actions)", "").actions;
  }
  validate_scenario(sc);
  return sc;
}

/// The header's numbers must describe a run that could have written it.
void check_snapshot_header(const SnapshotInfo& info, const std::string& path) {
  if (info.replicates < 1 || info.replicates > 1000000)
    throw InputError(path + ": snapshot header: replicates = " + std::to_string(info.replicates) +
                     " is not a replicate count (damaged or altered file)");
  if (info.day < 0 || info.day > info.scenario.params.days)
    throw InputError(path + ": snapshot header: day = " + std::to_string(info.day) + " is outside the run's 0.." +
                     std::to_string(info.scenario.params.days) + " days (damaged or altered file)");
}

std::string replicate_group(int64_t replicate) {
  char name[32];
  std::snprintf(name, sizeof name, "replicate_%06lld", (long long)replicate);
  return name;
}

}  // namespace

uint64_t world_checksum(World& world) {
  Checksum sum;
  visit_fields(sum, world);
  return sum.h;
}

void save_world(hid_t group, World& world) {
  Writer writer{group};
  visit_fields(writer, world);
  // Stored as a signed integer (the same 64 bits): HDF5 clamps an unsigned
  // value above 2^63 when it is read back as signed.
  h5::write_attr(group, "checksum", int64_t(world_checksum(world)));
}

void load_world(hid_t group, World& world) {
  Lengths built;
  visit_fields(built, world);  // `world` is freshly built: its lengths are the fixed ones
  Reader reader{group, built, memory_limit_bytes()};
  visit_fields(reader, world);
}

/// Compares the checksum saved with a replicate to its restored contents.
void verify_world_checksum(hid_t group, World& world, const std::string& what) {
  if (H5Aexists(group, "checksum") <= 0) throw InputError(what + ": the checksum is missing (damaged or altered file)");
  if (uint64_t(h5::read_attr_int(group, "checksum")) != world_checksum(world))
    throw InputError(what + ": the checksum does not match the contents (damaged or altered file)");
}

void check_same_structure(const Scenario& base, const Scenario& other, const std::string& why) {
  for (const auto& spec : param_registry()) {
    if (spec.mode != ParamMode::Structural) continue;
    const bool same = spec.type == ParamType::List ? spec.get_list(base.params) == spec.get_list(other.params)
                                                   : spec.get(base.params) == spec.get(other.params);
    if (!same)
      throw InputError(other.source + ": key '" + spec.key + "' = " + param_text(spec, other.params) +
                       " differs from " + param_text(spec, base.params) + " in " + base.source + "; " + why);
  }
}

void write_snapshot_file(const std::string& path, const Scenario& scenario, uint64_t seed,
                         const std::vector<std::unique_ptr<World>>& worlds) {
  write_atomically(path, [&](hid_t file) {
    write_provenance(file, scenario, seed, int64_t(worlds.size()));
    h5::write_attr(file, "kind", std::string("snapshot"));
    h5::write_attr(file, "snapshot_format", kSnapshotFormat);
    h5::write_attr(file, "day", worlds.empty() ? int64_t(0) : worlds.front()->day);
    h5::write_attr(file, "scenario_params", flat_params(scenario));
    // A zero-length attribute does not read back cleanly: leave it out.
    if (!scenario.schedule.empty()) h5::write_attr(file, "scenario_schedule", flat_schedule(scenario));
    if (!scenario.actions.empty()) h5::write_attr(file, "scenario_actions", actions_yaml(scenario));
    for (std::size_t i = 0; i < worlds.size(); ++i) {
      h5::Handle g = h5::create_group(file, replicate_group(int64_t(i)));
      save_world(g, *worlds[i]);
    }
  });
}

SnapshotInfo read_snapshot_info(const std::string& path) {
  h5::Handle file;
  try {
    file = h5::open_file(path);
  } catch (const std::runtime_error&) {
    throw InputError(path + ": cannot open snapshot file (missing or not HDF5)");
  }
  if (H5Aexists(file, "kind") <= 0 || h5::read_attr_string(file, "kind") != "snapshot")
    throw InputError(path + ": not a cardsim snapshot (no kind = \"snapshot\" attribute)");
  if (h5::read_attr_int(file, "snapshot_format") != kSnapshotFormat)
    throw InputError(path + ": snapshot format " + std::to_string(h5::read_attr_int(file, "snapshot_format")) +
                     " is not the format " + std::to_string(kSnapshotFormat) + " this cardsim reads");
  SnapshotInfo info;
  try {
    info.scenario = scenario_from_flat(file, path);
    info.seed = uint64_t(h5::read_attr_int(file, "seed"));
    info.replicates = h5::read_attr_int(file, "replicates");
    info.day = h5::read_attr_int(file, "day");
  } catch (const InputError& e) {
    throw InputError(path + ": stored scenario: " + e.what());
  } catch (const std::exception& e) {  // a missing attribute, a number that does not parse
    throw InputError(path + ": snapshot header is damaged (" + e.what() + ")");
  }
  check_snapshot_header(info, path);
  return info;
}

std::unique_ptr<World> read_snapshot_world(const std::string& path, const Scenario& scenario, int64_t replicate) {
  const SnapshotInfo info = read_snapshot_info(path);
  check_same_structure(info.scenario, scenario, "a snapshot can only continue under the structure it was built with");
  if (replicate < 0 || replicate >= info.replicates)
    throw InputError(path + ": holds replicates 0.." + std::to_string(info.replicates - 1) + ", not " +
                     std::to_string(replicate));
  const std::string what = path + ": replicate " + std::to_string(replicate);
  h5::Handle file = h5::open_file(path);
  if (!h5::exists(file, replicate_group(replicate)))
    throw InputError(what + ": missing (group " + replicate_group(replicate) + " not in the file)");
  h5::Handle group = h5::open_group(file, replicate_group(replicate));
  // Build a world of the right shape, then overwrite every field.
  auto w = std::make_unique<World>(scenario.params, info.seed, uint64_t(replicate));
  const World built(scenario.params, info.seed, uint64_t(replicate));
  try {
    load_world(group, *w);
  } catch (const InputError& e) {
    throw InputError(what + ": " + std::string(e.what()).substr(std::strlen("snapshot: ")));
  }
  // Field by field first, for a message that names the field, then the
  // checksum, for changes that break no rule.
  check_restored_world(*w, built, info.day, what);
  verify_world_checksum(group, *w, what);
  w->p = params_on_day(scenario, std::max<int64_t>(0, w->day - 1));
  return w;
}

}  // namespace cardsim
