// Sweep and shard files (HDF5). A shard file has the same layout as a full
// sweep file, with NaN for tasks of other shards, plus /done and the shard
// attributes; its completeness marker is the last thing written.
#include <algorithm>
#include <cmath>
#include <map>
#include <sstream>

#include "results/h5.h"
#include "core/metrics.h"
#include "results/results.h"
#include "experiments/sweep.h"

namespace cardsim {
namespace {

void write_double_list_attr(hid_t obj, const std::string& name, const std::vector<double>& values) {
  hsize_t n = values.size();
  h5::Handle space(H5Screate_simple(1, &n, nullptr), H5Sclose);
  h5::Handle attr(H5Acreate2(obj, name.c_str(), H5T_NATIVE_DOUBLE, space, H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
  if (H5Awrite(attr, H5T_NATIVE_DOUBLE, values.data()) < 0) throw std::runtime_error("HDF5: cannot write " + name);
}

std::vector<double> read_double_list_attr(hid_t obj, const std::string& name) {
  h5::Handle attr(H5Aopen(obj, name.c_str(), H5P_DEFAULT), H5Aclose);
  h5::Handle space(H5Aget_space(attr), H5Sclose);
  hsize_t n = 0;
  H5Sget_simple_extent_dims(space, &n, nullptr);
  std::vector<double> out(n);
  if (n > 0 && H5Aread(attr, H5T_NATIVE_DOUBLE, out.data()) < 0) throw std::runtime_error("HDF5: cannot read " + name);
  return out;
}

uint64_t read_attr_u64(hid_t obj, const std::string& name) {
  h5::Handle attr(H5Aopen(obj, name.c_str(), H5P_DEFAULT), H5Aclose);
  uint64_t v = 0;
  if (H5Aread(attr, H5T_NATIVE_UINT64, &v) < 0) throw std::runtime_error("HDF5: cannot read " + name);
  return v;
}

void write_parameter_meta(hid_t ds, const Design& g);

void write_design(hid_t file, const SweepData& d) {
  const Design& g = d.design;
  h5::Handle ds = h5::write_doubles(file, "design", {hsize_t(g.points), hsize_t(g.columns())}, g.values.data());
  h5::write_attr(ds, "parameters", g.parameters);
  h5::write_attr(ds, "dimensions", std::string("run, parameter"));
  h5::write_scale(file, "parameter", g.parameters);
  h5::write_attr(ds, "description", std::string("parameter values of each run (design point); enums as choice index, "
                                                "bools as 0/1"));
  h5::write_attr(ds, "kind", std::string(design_kind_name(g.kind)));
  h5::write_attr(ds, "samples", g.samples);
  h5::write_attr(ds, "trajectories", g.trajectories);
  h5::write_attr(ds, "levels", g.levels);
  write_double_list_attr(ds, "lower", g.lower);
  write_double_list_attr(ds, "upper", g.upper);
  write_parameter_meta(ds, g);
}

/// Units of every column, and the labels of choice columns, beside the values.
void write_parameter_meta(hid_t ds, const Design& g) {
  std::vector<std::string> units, types;
  for (const auto& name : g.parameters) {
    const ParamSpec* spec = find_param(name);
    units.push_back(spec ? spec->unit : "");
    types.push_back(spec ? type_name(spec->type) : "");
    if (!spec || (spec->type != ParamType::Enum && spec->type != ParamType::Bool)) continue;
    // Index i of the labels is the value i stored in the column.
    h5::write_attr(ds, "labels." + name,
                   spec->type == ParamType::Bool ? std::vector<std::string>{"false", "true"} : spec->choices);
  }
  h5::write_attr(ds, "units", units);
  h5::write_attr(ds, "types", types);
}

/// Per-run metadata, [run, replicate] like /totals. Wall times differ from
/// one execution to the next; everything else is a function of the spec.
void write_runs(hid_t file, const SweepData& d) {
  h5::Handle g = h5::create_group(file, "runs");
  h5::write_attr(g, "description", std::string("metadata of every (design point, replicate) run; wall_time_s varies "
                                               "between executions, the rest is determined by the spec"));
  const auto n = std::size_t(d.tasks());
  std::vector<int64_t> point(n), replicate(n), seed(n), status(n);
  for (std::size_t t = 0; t < n; ++t) {
    point[t] = int64_t(t) / d.replicates;
    replicate[t] = int64_t(t) % d.replicates;
    seed[t] = int64_t(d.seed);
    status[t] = d.done[t] ? 1 : 0;
  }
  const std::vector<hsize_t> dims = {hsize_t(d.design.points), hsize_t(d.replicates)};
  struct Column {
    h5::Handle ds;
    const char* units;
    const char* description;
  };
  const Column columns[] = {
      {h5::write_int64s(g, "point", dims, point.data()), "", "row of /design this run used"},
      {h5::write_int64s(g, "replicate", dims, replicate.data()), "", "replicate index (the second key of its RNG streams)"},
      {h5::write_int64s(g, "seed", dims, seed.data()), "", "seed of its RNG streams (the spec's seed at every point)"},
      {h5::write_doubles(g, "wall_time_s", dims, d.wall_seconds.data()), "s", "wall-clock time of the run"},
      {h5::write_int64s(g, "status", dims, status.data()), "",
       "1: finished; 0: not run in this file (a task of another shard)"}};
  for (const auto& c : columns) {
    h5::write_attr(c.ds, "units", std::string(c.units));
    h5::write_attr(c.ds, "description", std::string(c.description));
    h5::write_attr(c.ds, "dimensions", std::string("run, replicate"));
  }
}

/// Wall times of a file written before /runs existed are unknown.
std::vector<double> read_wall_seconds(hid_t file, std::size_t tasks) {
  if (!h5::exists(file, "runs/wall_time_s")) return std::vector<double>(tasks, std::nan(""));
  std::vector<hsize_t> dims;
  std::vector<double> v = h5::read_doubles(file, "runs/wall_time_s", dims);
  if (v.size() != tasks) throw std::runtime_error("/runs/wall_time_s has an unexpected shape");
  return v;
}

void write_outputs(hid_t file, const SweepData& d) {
  h5::Handle tot = h5::create_group(file, "totals");
  const auto& reg = metric_registry();
  for (int m = 0; m < kMetricCount; ++m) {
    const MetricSpec& ms = reg[std::size_t(m)];
    h5::Handle t = h5::write_doubles(tot, ms.name, {hsize_t(d.design.points), hsize_t(d.replicates)},
                                     d.totals[std::size_t(m)].data());
    h5::write_attr(t, "units", ms.units + (ms.kind == MetricKind::Flow ? " per run" : ""));
    h5::write_attr(t, "description", ms.description);
    h5::write_attr(t, "total_rule", ms.total_rule);
    h5::write_attr(t, "dimensions", std::string("run, replicate"));
  }
  if (d.series.empty()) return;
  h5::Handle ts = h5::create_group(file, "timeseries");
  for (std::size_t s = 0; s < d.series.size(); ++s) {
    const MetricSpec& ms = reg[std::size_t(d.series[s])];
    h5::Handle t = h5::write_doubles(ts, ms.name, {hsize_t(d.design.points), hsize_t(d.replicates), hsize_t(d.days)},
                                     d.daily[s].data());
    h5::write_attr(t, "units", ms.units + (ms.kind == MetricKind::Flow ? " per day" : ""));
    h5::write_attr(t, "description", ms.description);
    h5::write_attr(t, "dimensions", std::string("run, replicate, day"));
  }
}

void write_shard_marks(hid_t file, const SweepData& d) {
  std::vector<int64_t> done(d.done.begin(), d.done.end());
  h5::write_int64s(file, "done", {hsize_t(done.size())}, done.data());
  h5::write_attr(file, "shard_index", d.shard.index);
  h5::write_attr(file, "shard_count", d.shard.count);
  // Written last: a shard without it was not finished.
  h5::write_attr(file, "shard_complete", int64_t(1));
}

Design read_design(hid_t file) {
  Design g;
  std::vector<hsize_t> dims;
  g.values = h5::read_doubles(file, "design", dims);
  if (dims.size() != 2) throw std::runtime_error("/design is not a 2-D dataset");
  h5::Handle ds(H5Dopen2(file, "design", H5P_DEFAULT), H5Dclose);
  g.parameters = h5::read_attr_strings(ds, "parameters");
  g.kind = design_kind_from_name(h5::read_attr_string(ds, "kind"));
  g.samples = h5::read_attr_int(ds, "samples");
  g.trajectories = h5::read_attr_int(ds, "trajectories");
  g.levels = h5::read_attr_int(ds, "levels");
  g.lower = read_double_list_attr(ds, "lower");
  g.upper = read_double_list_attr(ds, "upper");
  g.points = int64_t(dims[0]);
  if (dims[1] != g.parameters.size()) throw std::runtime_error("/design columns do not match its parameter names");
  return g;
}

void expect_shape(const std::vector<hsize_t>& dims, const std::vector<hsize_t>& want, const std::string& name) {
  if (dims != want) throw std::runtime_error(name + " has an unexpected shape (truncated or foreign file?)");
}

void read_outputs(hid_t file, SweepData& d) {
  const auto& reg = metric_registry();
  h5::Handle tot = h5::open_group(file, "totals");
  std::vector<hsize_t> dims;
  d.totals.clear();
  for (int m = 0; m < kMetricCount; ++m) {
    d.totals.push_back(h5::read_doubles(tot, reg[std::size_t(m)].name, dims));
    expect_shape(dims, {hsize_t(d.design.points), hsize_t(d.replicates)}, "/totals/" + reg[std::size_t(m)].name);
  }
  d.daily.clear();
  d.series.clear();
  if (!h5::exists(file, "timeseries")) return;
  h5::Handle ts = h5::open_group(file, "timeseries");
  for (const auto& name : h5::list(ts)) {
    const int m = find_metric(name);
    if (m < 0) throw std::runtime_error("/timeseries/" + name + " is not a metric of this cardsim");
    d.series.push_back(m);
  }
  // Keep the spec's order (the file lists names sorted).
  std::sort(d.series.begin(), d.series.end());
  for (int m : d.series) {
    d.daily.push_back(h5::read_doubles(ts, reg[std::size_t(m)].name, dims));
    expect_shape(dims, {hsize_t(d.design.points), hsize_t(d.replicates), hsize_t(d.days)},
                 "/timeseries/" + reg[std::size_t(m)].name);
  }
}

void read_identity(hid_t file, SweepData& d) {
  d.spec_text = h5::read_attr_string(file, "spec_yaml");
  d.spec_hash = read_attr_u64(file, "spec_hash");
  d.code_version = h5::read_attr_string(file, "code_version");
  d.seed = read_attr_u64(file, "seed");
  d.replicates = h5::read_attr_int(file, "replicates");
  d.days = h5::read_attr_int(file, "days");
  d.base_name = h5::read_attr_string(file, "scenario_name");
  d.base_yaml = h5::read_attr_string(file, "scenario_yaml");
  d.base_hash = read_attr_u64(file, "scenario_hash");
}

void read_shard_marks(hid_t file, SweepData& d) {
  d.done.assign(std::size_t(d.tasks()), 1);
  d.shard = Shard{};
  if (H5Aexists(file, "shard_count") <= 0) return;
  if (H5Aexists(file, "shard_complete") <= 0 || h5::read_attr_int(file, "shard_complete") != 1)
    throw std::runtime_error("shard was not finished (no completeness marker)");
  d.shard = Shard{h5::read_attr_int(file, "shard_index"), h5::read_attr_int(file, "shard_count")};
  std::vector<hsize_t> dims;
  const std::vector<int64_t> done = h5::read_int64s(file, "done", dims);
  expect_shape(dims, {hsize_t(d.tasks())}, "/done");
  std::copy(done.begin(), done.end(), d.done.begin());
}

}  // namespace

void write_sweep_file(const std::string& path, const SweepData& d) {
  write_atomically(path, [&](hid_t file) {
    write_provenance(file, builtin_baseline(), d.seed, d.replicates);
    // The base scenario's attributes come from the data, not a Scenario
    // object, so that merged files carry them byte for byte.
    h5::write_attr(file, "scenario_name", d.base_name);
    h5::write_attr(file, "scenario_yaml", d.base_yaml);
    h5::write_attr(file, "scenario_hash", d.base_hash);
    h5::write_attr(file, "file_kind", std::string(d.shard.whole() ? "sweep" : "sweep shard"));
    h5::write_attr(file, "spec_yaml", d.spec_text);
    h5::write_attr(file, "spec_hash", d.spec_hash);
    h5::write_attr(file, "code_version", d.code_version);
    h5::write_attr(file, "days", d.days);
    write_design(file, d);
    write_outputs(file, d);
    write_runs(file, d);
    if (!d.shard.whole()) write_shard_marks(file, d);
  });
}

SweepData read_sweep_file(const std::string& path) {
  h5::quiet();
  hid_t raw = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  if (raw < 0) throw InputError(path + ": cannot open as HDF5 (missing, truncated or corrupt file)");
  h5::Handle file(raw, H5Fclose);
  SweepData d;
  try {
    if (H5Aexists(file, "spec_hash") <= 0) throw std::runtime_error("not a cardsim sweep file (no spec_hash)");
    read_identity(file, d);
    d.design = read_design(file);
    read_outputs(file, d);
    read_shard_marks(file, d);
    d.wall_seconds = read_wall_seconds(file, std::size_t(d.tasks()));
  } catch (const InputError& e) {
    throw InputError(path + ": " + e.what());
  } catch (const std::exception& e) {
    throw InputError(path + ": unreadable sweep file (truncated or corrupt?): " + e.what());
  }
  return d;
}

namespace {

void check_same_sweep(const SweepData& ref, const std::string& ref_path, const SweepData& d, const std::string& path) {
  auto foreign = [&](const std::string& what) {
    throw InputError(path + ": foreign shard: its " + what + " differs from " + ref_path +
                     "'s; all shards must come from the same spec and the same cardsim build");
  };
  if (d.spec_hash != ref.spec_hash) foreign("spec hash (" + std::to_string(d.spec_hash) + ")");
  if (d.code_version != ref.code_version) foreign("code version (" + d.code_version + ")");
  if (d.shard.count != ref.shard.count)
    foreign("shard count (" + std::to_string(d.shard.count) + " vs " + std::to_string(ref.shard.count) + ")");
}

void copy_owned_tasks(SweepData& into, const SweepData& from, const std::string& path) {
  for (int64_t t = 0; t < from.tasks(); ++t) {
    if (!from.shard.owns(t)) continue;
    if (!from.done[std::size_t(t)])
      throw InputError(path + ": shard is incomplete (task " + std::to_string(t) + " was never run)");
    const std::vector<double> rec = from.record(t);
    into.store(t, rec.data());
  }
}

}  // namespace

void merge_shards(const std::vector<std::string>& paths, const std::string& out) {
  if (paths.empty()) throw InputError("merge: no shard files given");
  std::map<int64_t, std::string> seen;
  SweepData merged;
  std::string ref_path;
  for (const auto& path : paths) {
    SweepData d = read_sweep_file(path);
    if (d.shard.whole()) throw InputError(path + ": not a shard file (no shard_index/shard_count)");
    if (seen.empty()) {
      merged = d;
      ref_path = path;
    }
    check_same_sweep(merged, ref_path, d, path);
    auto [it, fresh] = seen.emplace(d.shard.index, path);
    if (!fresh)
      throw InputError(path + ": duplicate shard " + std::to_string(d.shard.index) + "/" +
                       std::to_string(d.shard.count) + " (also given as " + it->second + ")");
    copy_owned_tasks(merged, d, path);
  }
  std::ostringstream missing;
  for (int64_t i = 0; i < merged.shard.count; ++i)
    if (!seen.count(i)) missing << (missing.tellp() > 0 ? ", " : "") << i << "/" << merged.shard.count;
  if (missing.tellp() > 0)
    throw InputError("merge: missing shard(s) " + missing.str() + " of the sweep in " + ref_path);
  merged.shard = Shard{};
  write_sweep_file(out, merged);
}

}  // namespace cardsim
