// Sweep and shard files (HDF5). A shard file holds only its own runs: the
// same attributes and /design as a sweep file, then /totals/<metric> [task],
// /timeseries/<metric> [task, day or week] and /runs/wall_time_s [task], the
// /task axis naming each run's task number, and the shard attributes; its
// completeness marker is the last thing written. Shards stay small and a
// merge reads each shard's runs, not the whole sweep's layout once per shard.
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

/// A shard file's runs: task numbers and one record per task (SweepData::record layout).
struct ShardRuns {
  std::vector<int64_t> tasks;
  std::vector<double> records;
};

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
    h5::Handle t = h5::write_doubles(
        ts, ms.name, {hsize_t(d.design.points), hsize_t(d.replicates), hsize_t(d.periods())}, d.daily[s].data());
    h5::write_attr(t, "units", period_units(ms, d.series_mode));
    h5::write_attr(t, "description", ms.description);
    h5::write_attr(t, "dimensions", "run, replicate, " + period_axis(d.series_mode));
    if (d.series_mode == SeriesMode::Weekly) h5::write_attr(t, "period_rule", std::string(period_rule(ms.kind)));
  }
}

/// The finished runs of a shard, task by task: /task (the axis: task
/// numbers), /totals/<metric> [task], /timeseries/<metric> [task, period],
/// /runs/wall_time_s [task].
void write_shard_runs(hid_t file, const SweepData& d) {
  std::vector<int64_t> tasks;
  for (int64_t t = 0; t < d.tasks(); ++t)
    if (d.shard.owns(t) && d.done[std::size_t(t)]) tasks.push_back(t);
  h5::write_int64_scale(file, "task", tasks, "task number of each run (row of /design x replicates + replicate)");
  const auto n = hsize_t(tasks.size());
  const auto periods = std::size_t(d.periods());
  const auto& reg = metric_registry();
  std::vector<double> column(tasks.size());
  h5::Handle tot = h5::create_group(file, "totals");
  for (int m = 0; m < kMetricCount; ++m) {
    for (std::size_t i = 0; i < tasks.size(); ++i) column[i] = d.totals[std::size_t(m)][std::size_t(tasks[i])];
    h5::Handle t = h5::write_doubles(tot, reg[std::size_t(m)].name, {n}, column.data());
    h5::write_attr(t, "dimensions", std::string("task"));
  }
  if (!d.series.empty()) {
    h5::Handle ts = h5::create_group(file, "timeseries");
    std::vector<double> rows(tasks.size() * periods);
    for (std::size_t s = 0; s < d.series.size(); ++s) {
      for (std::size_t i = 0; i < tasks.size(); ++i)
        std::copy_n(&d.daily[s][std::size_t(tasks[i]) * periods], periods, &rows[i * periods]);
      h5::Handle t = h5::write_doubles(ts, reg[std::size_t(d.series[s])].name, {n, hsize_t(periods)}, rows.data());
      h5::write_attr(t, "dimensions", "task, " + period_axis(d.series_mode));
    }
  }
  h5::Handle runs = h5::create_group(file, "runs");
  for (std::size_t i = 0; i < tasks.size(); ++i) column[i] = d.wall_seconds[std::size_t(tasks[i])];
  h5::Handle wall = h5::write_doubles(runs, "wall_time_s", {n}, column.data());
  h5::write_attr(wall, "units", std::string("s"));
  h5::write_attr(wall, "dimensions", std::string("task"));
}

void write_shard_marks(hid_t file, const SweepData& d) {
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
    expect_shape(dims, {hsize_t(d.design.points), hsize_t(d.replicates), hsize_t(d.periods())},
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
  d.series_mode = read_series_mode(file);
}

/// The shard attributes, or a whole sweep's Shard{} when there are none.
void read_shard_marks(hid_t file, SweepData& d) {
  d.shard = Shard{};
  if (H5Aexists(file, "shard_count") <= 0) return;
  if (H5Aexists(file, "shard_complete") <= 0 || h5::read_attr_int(file, "shard_complete") != 1)
    throw std::runtime_error("shard was not finished (no completeness marker)");
  d.shard = Shard{h5::read_attr_int(file, "shard_index"), h5::read_attr_int(file, "shard_count")};
}

/// The series a shard kept, in the spec's order (the file lists names sorted).
std::vector<int> read_series_ids(hid_t file) {
  std::vector<int> ids;
  if (!h5::exists(file, "timeseries")) return ids;
  h5::Handle ts = h5::open_group(file, "timeseries");
  for (const auto& name : h5::list(ts)) {
    const int m = find_metric(name);
    if (m < 0) throw std::runtime_error("/timeseries/" + name + " is not a metric of this cardsim");
    ids.push_back(m);
  }
  std::sort(ids.begin(), ids.end());
  return ids;
}

/// A shard file's runs as records (SweepData::record layout), one per task in `runs.tasks`.
ShardRuns read_shard_runs(hid_t file, const SweepData& d) {
  ShardRuns runs;
  std::vector<hsize_t> dims;
  runs.tasks = h5::read_int64s(file, "task", dims);
  const std::size_t n = runs.tasks.size();
  for (int64_t t : runs.tasks)
    if (t < 0 || t >= d.tasks() || !d.shard.owns(t)) throw std::runtime_error("/task holds a task of another shard");
  const std::size_t size = d.record_size(), periods = std::size_t(d.periods());
  runs.records.assign(n * size, 0.0);
  const auto& reg = metric_registry();
  auto scatter = [&](const std::vector<double>& values, std::size_t offset, std::size_t width) {
    for (std::size_t i = 0; i < n; ++i) std::copy_n(&values[i * width], width, &runs.records[i * size + offset]);
  };
  for (int m = 0; m < kMetricCount; ++m) {
    const std::string name = "totals/" + reg[std::size_t(m)].name;
    const std::vector<double> v = h5::read_doubles(file, name, dims);
    expect_shape(dims, {hsize_t(n)}, "/" + name);
    scatter(v, std::size_t(m), 1);
  }
  for (std::size_t s = 0; s < d.series.size(); ++s) {
    const std::string name = "timeseries/" + reg[std::size_t(d.series[s])].name;
    const std::vector<double> v = h5::read_doubles(file, name, dims);
    expect_shape(dims, {hsize_t(n), hsize_t(periods)}, "/" + name);
    scatter(v, std::size_t(kMetricCount) + s * periods, periods);
  }
  const std::vector<double> wall = h5::read_doubles(file, "runs/wall_time_s", dims);
  expect_shape(dims, {hsize_t(n)}, "/runs/wall_time_s");
  scatter(wall, size - 1, 1);
  return runs;
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
    write_series_layout(file, d.days, d.series_mode);
    write_design(file, d);
    if (d.shard.whole()) {
      write_outputs(file, d);
      write_runs(file, d);
    } else {
      write_shard_runs(file, d);
      write_shard_marks(file, d);  // last: the completeness marker
    }
  });
}

namespace {

/// Reads a sweep or shard file. For a shard, its runs go to `runs` when
/// given (the outputs are left empty), else into full outputs with every
/// other task pending.
SweepData read_sweep_parts(const std::string& path, ShardRuns* runs) {
  h5::quiet();
  hid_t raw = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  if (raw < 0) throw InputError(path + ": cannot open as HDF5 (missing, truncated or corrupt file)");
  h5::Handle file(raw, H5Fclose);
  SweepData d;
  try {
    if (H5Aexists(file, "spec_hash") <= 0) throw std::runtime_error("not a cardsim sweep file (no spec_hash)");
    read_identity(file, d);
    d.design = read_design(file);
    read_shard_marks(file, d);
    if (d.shard.whole()) {
      read_outputs(file, d);
      d.done.assign(std::size_t(d.tasks()), 1);
      d.wall_seconds = read_wall_seconds(file, std::size_t(d.tasks()));
    } else {
      d.series = read_series_ids(file);
      ShardRuns own = read_shard_runs(file, d);
      if (runs) {
        *runs = std::move(own);
      } else {
        d.clear_outputs();
        for (std::size_t i = 0; i < own.tasks.size(); ++i) d.store(own.tasks[i], &own.records[i * d.record_size()]);
      }
    }
  } catch (const InputError& e) {
    throw InputError(path + ": " + e.what());
  } catch (const std::exception& e) {
    throw InputError(path + ": unreadable sweep file (truncated or corrupt?): " + e.what());
  }
  return d;
}

}  // namespace

SweepData read_sweep_file(const std::string& path) { return read_sweep_parts(path, nullptr); }

namespace {

void check_same_sweep(const SweepData& ref, const std::string& ref_path, const SweepData& d, const std::string& path) {
  auto foreign = [&](const std::string& what) {
    throw InputError(path + ": foreign shard: its " + what + " differs from " + ref_path +
                     "'s; all shards must come from the same spec and the same cardsim build");
  };
  if (d.spec_hash != ref.spec_hash) foreign("spec hash (" + std::to_string(d.spec_hash) + ")");
  if (d.code_version != ref.code_version) foreign("code version (" + d.code_version + ")");
  if (d.series_mode != ref.series_mode)
    throw InputError(path + ": its series were stored with --series " + series_mode_name(d.series_mode) + ", " +
                     ref_path + "'s with --series " + series_mode_name(ref.series_mode) +
                     "; shards of one sweep must all use the same --series to be merged");
  if (d.shard.count != ref.shard.count)
    foreign("shard count (" + std::to_string(d.shard.count) + " vs " + std::to_string(ref.shard.count) + ")");
}

/// Stores a shard's runs into the merged data; every task of the shard must be there.
void copy_owned_tasks(SweepData& into, const SweepData& from, const ShardRuns& runs, const std::string& path) {
  std::size_t i = 0;
  for (int64_t t = from.shard.index; t < from.tasks(); t += from.shard.count, ++i)
    if (i >= runs.tasks.size() || runs.tasks[i] != t)
      throw InputError(path + ": shard is incomplete (task " + std::to_string(t) + " was never run)");
  for (i = 0; i < runs.tasks.size(); ++i) into.store(runs.tasks[i], &runs.records[i * from.record_size()]);
}

}  // namespace

void merge_shards(const std::vector<std::string>& paths, const std::string& out) {
  if (paths.empty()) throw InputError("merge: no shard files given");
  std::map<int64_t, std::string> seen;
  SweepData merged;
  std::string ref_path;
  for (const auto& path : paths) {
    ShardRuns runs;
    SweepData d = read_sweep_parts(path, &runs);
    if (d.shard.whole()) throw InputError(path + ": not a shard file (no shard_index/shard_count)");
    if (seen.empty()) {
      merged = d;
      merged.clear_outputs();
      ref_path = path;
    }
    check_same_sweep(merged, ref_path, d, path);
    auto [it, fresh] = seen.emplace(d.shard.index, path);
    if (!fresh)
      throw InputError(path + ": duplicate shard " + std::to_string(d.shard.index) + "/" +
                       std::to_string(d.shard.count) + " (also given as " + it->second + ")");
    copy_owned_tasks(merged, d, runs, path);
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
