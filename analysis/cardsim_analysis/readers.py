"""Readers for cardsim HDF5 files. They only read: no model logic lives here.

Three kinds of file:

* run file (``cardsim run``): ``/timeseries/<metric>`` [replicate, day],
  ``/totals/<metric>`` [replicate], provenance in root attributes;
* compare file (``cardsim compare``): ``/base`` and ``/policies/<name>`` groups
  shaped like a run file, per-replicate ``difference`` groups, ``/summary`` and
  ``/cost_effectiveness`` tables;
* sweep file (``cardsim sweep``, issue 5): ``/design`` [run, parameter],
  ``/totals/<metric>`` [run, replicate], optional ``/timeseries/<metric>``
  [run, replicate, day], and ``/sensitivity/<metric>`` [parameter, index]
  written by ``cardsim sensitivity``.

Files list the supply channels of the build that wrote them in root
attributes (``channels``, ``channel_labels``, ``channel_activation_metrics``,
``channel_share_metrics``); ``supply_channels`` reads them, and derives the
list from the channel metrics of files written before those attributes.

Files also list their headline metrics (root attribute ``table_metrics``, in
the order the writing build tabulates them first); ``headline_metrics`` reads
them, so no list of metric names is kept here either.

``load_run``, ``load_compare`` and ``load_sweep`` give a file as an object
(RunFile, CompareFile, SweepFile) whose tables are pandas objects with
``units`` (a string for a single metric, a dict metric -> units for a table
of metrics) and ``description`` in ``.attrs``; figures, tables and reports
use them. ``read_run``, ``read_compare`` and ``read_sweep`` (frames.py) give
a file as one DataFrame. ``open_dataset`` gives one group as an xarray
Dataset.

Series storage (``--series``, root attribute ``series``; files without it are
daily): ``daily`` stores one value per day (axis ``day``); ``weekly`` one
value per 7-day week (axis ``week``, labelled by each week's first day, root
dataset ``/week``; the last week may be shorter, ``/week_days``): flows are
the week's sum, levels and prices the mean over its days, ratios the mean
daily ratio; ``none`` stores no ``/timeseries`` (totals only). Totals are the
same in all three.

Schema 2 files (``schema_version`` 2) hold text attributes as variable-length
UTF-8 strings and dimension scales at the root; schema 1 files hold
fixed-length byte strings and no scales. Both read the same here.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import h5py
import numpy as np
import pandas as pd


def text(value) -> str:
    """An HDF5 string attribute as str (h5py gives bytes or str by type)."""
    if isinstance(value, bytes):
        return value.decode("utf-8")
    if isinstance(value, np.ndarray) and value.shape == ():
        return text(value[()])
    return str(value)


def text_list(value) -> list[str]:
    if value is None:
        return []
    if isinstance(value, (bytes, str)):
        return [text(value)]
    return [text(v) for v in np.asarray(value).ravel()]


def attrs_dict(obj) -> dict:
    """All attributes of an HDF5 object, strings decoded, arrays as lists."""
    out = {}
    for k, v in obj.attrs.items():
        if isinstance(v, (bytes, str)):
            out[k] = text(v)
        elif isinstance(v, np.ndarray):
            if v.dtype.kind in "OSU":
                out[k] = text_list(v)
            else:
                out[k] = v.tolist()
        elif isinstance(v, np.generic):
            out[k] = v.item()
        else:
            out[k] = v
    return out


DEFAULT_GROUP = {"run": "totals", "compare": "summary", "sweep": "totals"}


SERIES_MODES = ("daily", "weekly", "none")


def series_mode(f) -> str:
    """How a file stores its series: ``daily`` (also files written before the
    ``series`` attribute), ``weekly`` or ``none``."""
    mode = text(f.attrs["series"]) if "series" in f.attrs else "daily"
    if mode not in SERIES_MODES:
        raise ValueError(f"{f.filename}: unknown series attribute {mode!r} (expected one of {SERIES_MODES})")
    return mode


def period_axis(f, length: int) -> pd.Index:
    """The time axis of a file's series: days 0..n-1, or each week's first day."""
    if series_mode(f) == "weekly":
        return pd.Index(np.asarray(f["week"][()], dtype=np.int64), name="week")
    return pd.RangeIndex(length, name="day")


def file_kind(f) -> str:
    """'run', 'compare' or 'sweep' for an open h5py file."""
    if "design" in f:
        return "sweep"
    if text(f.attrs.get("kind", "")) == "compare":
        return "compare"
    return "run"


def dimension_names(ds) -> list[str]:
    """Axis names of a dataset: its dimension scales (schema 2), else its
    ``dimensions`` attribute, else dim_0, dim_1..."""
    names = [text(ds.attrs["dimensions"]).split(",") if "dimensions" in ds.attrs else []][0]
    names = [n.strip() for n in names if n.strip()]
    if len(names) != ds.ndim:
        names = [f"dim_{i}" for i in range(ds.ndim)]
    for i, dim in enumerate(ds.dims):
        if len(dim) and dim.label:
            names[i] = dim.label
    return names


def _coordinate(f, name: str, length: int):
    """Values of axis `name`: the root dimension scale /name when it fits."""
    if name in f and isinstance(f[name], h5py.Dataset) and f[name].shape == (length,):
        values = f[name][()]
        return [text(v) for v in values] if values.dtype.kind in "OS" else values
    return np.arange(length)


def open_dataset(path, group: str | None = None):
    """One group of a cardsim file as an xarray Dataset.

    Every dataset of the group becomes a variable with named dimensions
    (replicate, day, run, parameter, policy, metric, index), the root's
    dimension scales become coordinates (policy and parameter names, not
    just positions), and attributes (``units``, ``description``...) come
    along as str. ``group`` defaults to /totals (run, sweep) or /summary
    (compare). For schema 2 files this equals
    ``xarray.open_dataset(path, group=group, engine="h5netcdf")`` plus the
    coordinates; it reads schema 1 files too.
    """
    import xarray as xr

    path = Path(path)
    with h5py.File(path, "r") as f:
        group = group or DEFAULT_GROUP[file_kind(f)]
        if group not in f or not isinstance(f[group], h5py.Group):
            raise KeyError(f"{path}: no group /{group}")
        variables, coords = {}, {}
        for name, ds in f[group].items():
            if not isinstance(ds, h5py.Dataset) or ds.attrs.get("CLASS") == b"DIMENSION_SCALE":
                continue
            dims = dimension_names(ds)
            variables[name] = xr.Variable(dims, ds[()], attrs=attrs_dict(ds))
            for d, n in zip(dims, ds.shape):
                coords.setdefault(d, _coordinate(f, d, n))
        attrs = attrs_dict(f)
        attrs.update(attrs_dict(f[group]))
    for skip in ("DIMENSION_LIST", "REFERENCE_LIST"):
        for v in variables.values():
            v.attrs.pop(skip, None)
    return xr.Dataset(variables, coords=coords, attrs={k: v for k, v in attrs.items() if _netcdf_attr(v)})


def _netcdf_attr(value) -> bool:
    return isinstance(value, (str, int, float, list)) and not (isinstance(value, list) and not value)


def _units(ds) -> str:
    return text(ds.attrs.get("units", ""))


def _description(ds) -> str:
    return text(ds.attrs.get("description", ""))


@dataclass(frozen=True)
class SupplyChannel:
    """One supply channel as the results file describes it."""

    key: str                # scenario key: channels.<key>.enabled
    label: str              # plural noun for legends and tables
    activation_metric: str  # flow metric: cards the channel made
    share_metric: str       # ratio metric its sales to rings count in (two channels may share one)


CHANNEL_ATTRIBUTES = ("channels", "channel_labels", "channel_activation_metrics", "channel_share_metrics")

# The channels of files written before cardsim listed them in root attributes
# (schema 1, and schema 2 up to cardsim 0.1.0 at commit 1270fcb). Those builds
# had exactly these four; a file of that time holds their metrics, so its list
# is the rows whose metrics it has. Channels added since are listed by every
# file that has them and never need a row here.
CHANNELS_OF_UNLISTED_FILES = (
    SupplyChannel("farmer", "card farmers", "cards_activated_farmer", "share_supply_farmer"),
    SupplyChannel("harvested", "harvested identities", "cards_activated_harvested", "share_supply_harvested"),
    SupplyChannel("white_card", "insider white cards", "cards_activated_white", "share_supply_white"),
    SupplyChannel("raising", "raised cards", "cards_raised", "share_supply_white"),
)


def supply_channels(attrs: dict, where="file", metrics=None) -> list[SupplyChannel]:
    """The supply channels of a file: from its root attributes (``attrs_dict``
    of the root) when it lists them, else, for a file written before the list,
    derived from the channel metrics it holds (``metrics``: its metric names)."""
    missing = [a for a in CHANNEL_ATTRIBUTES if a not in attrs]
    if missing:
        return _unlisted_file_channels(where, missing, metrics)
    columns = [text_list(attrs[a]) for a in CHANNEL_ATTRIBUTES]
    if len({len(c) for c in columns}) != 1:
        raise ValueError(f"{where}: the channel attributes {', '.join(CHANNEL_ATTRIBUTES)} differ in length")
    return [SupplyChannel(*row) for row in zip(*columns)]


def _unlisted_file_channels(where, missing: list[str], metrics) -> list[SupplyChannel]:
    held = set(metrics or ())
    channels = [c for c in CHANNELS_OF_UNLISTED_FILES if {c.activation_metric, c.share_metric} <= held]
    if not channels:
        raise KeyError(f"{where}: no supply channel list (root attributes {', '.join(missing)} missing) and "
                       f"none of the channel metrics (share_supply_*, cards_activated_*) of older files")
    return channels


def share_series(channels: list[SupplyChannel]) -> list[tuple[str, str, list[str]]]:
    """The distinct share metrics in channel order, each with the label of its
    first channel and the labels of the other channels counted in it."""
    out: dict[str, tuple[str, list[str]]] = {}
    for c in channels:
        if c.share_metric in out:
            out[c.share_metric][1].append(c.label)
        else:
            out[c.share_metric] = (c.label, [])
    return [(metric, label, also) for metric, (label, also) in out.items()]


def require_metrics(names, available, where="file") -> list[str]:
    """``names`` as a list when each is among ``available`` (a file's metrics);
    otherwise a KeyError naming those missing, never a silently shorter list."""
    names = list(names)
    missing = [m for m in names if m not in available]
    if missing:
        raise KeyError(f"{where}: no metric {', '.join(missing)} (it has {', '.join(sorted(available))})")
    return names


def headline_metrics(attrs: dict, available, where="file") -> list[str]:
    """The metrics a reader looks at first, in order, as the file lists them
    (root attribute ``table_metrics``; ``attrs`` is ``attrs_dict`` of the
    root). Each must be among ``available``, the file's metrics. A file
    written before the list has every metric it holds as headline."""
    if "table_metrics" not in attrs:
        return list(available)
    return require_metrics(text_list(attrs["table_metrics"]), available, where)


def headline_first(attrs: dict, available, where="file") -> list[str]:
    """Every metric of ``available``: the headline ones in the file's order,
    then the others in the order given."""
    first = headline_metrics(attrs, available, where)
    return first + [m for m in available if m not in first]


@dataclass
class ScenarioData:
    """One scenario's outputs: totals [replicate x metric] and daily series."""

    name: str
    totals: pd.DataFrame
    series: dict[str, pd.DataFrame]
    attrs: dict = field(default_factory=dict)
    channels: list[SupplyChannel] = field(default_factory=list)  # from the file's root attributes
    series_mode: str = "daily"   # daily, weekly or none (see the module's docstring)
    run_days: int | None = None  # days each run lasted (the file's root attribute ``days``)

    @property
    def replicates(self) -> int:
        return len(self.totals.index)

    @property
    def days(self) -> int:
        """Days each run lasted, whatever the series storage."""
        if self.run_days is not None:
            return self.run_days
        if self.series_mode != "daily" or not self.series:
            raise ValueError(f"{self.name}: the file does not say how many days its runs lasted")
        any_series = next(iter(self.series.values()))
        return any_series.shape[1]

    def units(self, metric: str) -> str:
        return self.totals.attrs["units"][metric]

    def timeseries(self, metric: str) -> pd.DataFrame:
        """Series [replicate x day] (weekly files: [replicate x week]) of one metric, with units."""
        if self.series_mode == "none":
            raise KeyError(f"{self.name}: the file stores no series (written with --series none); "
                           f"rerun with --series daily or weekly")
        if metric not in self.series:
            raise KeyError(f"{self.name}: no {self.series_mode} series for metric {metric!r}")
        return self.series[metric]

    @property
    def scenario_yaml(self) -> str:
        return self.attrs.get("scenario_yaml", "")


def refusals_by_check(path) -> pd.DataFrame:
    """Honest refusals per activation check, summed over days: [replicate x check].

    The check names come from the file (attribute ``checks`` of
    ``/timeseries/honest_refused_by_check``), never from a list kept here.
    """
    with h5py.File(path, "r") as f:
        if series_mode(f) == "none":
            raise ValueError(f"{path}: the file stores no series (written with --series none), so no refusals "
                             f"by check; rerun with --series daily or weekly")
        d = f["timeseries/honest_refused_by_check"]
        checks = text_list(d.attrs["checks"])
        df = pd.DataFrame(d[()].sum(axis=1), columns=pd.Index(checks, name="check"),
                          index=pd.RangeIndex(d.shape[0], name="replicate"))
        df.attrs["units"] = "customers per run"
    return df


def _read_scenario_group(group, name: str, attrs: dict, channels: list[SupplyChannel]) -> ScenarioData:
    root = group.file
    tot = group["totals"]
    metrics = sorted(tot.keys())
    reps = tot[metrics[0]].shape[0]
    totals = pd.DataFrame({m: tot[m][()] for m in metrics}, index=pd.RangeIndex(reps, name="replicate"))
    totals.attrs["units"] = {m: _units(tot[m]) for m in metrics}
    totals.attrs["description"] = {m: _description(tot[m]) for m in metrics}
    totals.attrs["total_rule"] = {m: text(tot[m].attrs.get("total_rule", "")) for m in metrics}
    series = {}
    if "timeseries" in group:
        ts = group["timeseries"]
        for m in ts.keys():
            if ts[m].ndim != 2:
                continue  # [replicate, day, check] breakdowns are read by refusals_by_check
            arr = ts[m][()]
            df = pd.DataFrame(arr, index=pd.RangeIndex(arr.shape[0], name="replicate"),
                              columns=period_axis(root, arr.shape[1]))
            df.attrs["units"] = _units(ts[m])
            df.attrs["description"] = _description(ts[m])
            df.attrs["metric"] = m
            series[m] = df
    run_days = int(root.attrs["days"]) if "days" in root.attrs else None
    return ScenarioData(name=name, totals=totals, series=series, attrs=attrs, channels=channels,
                        series_mode=series_mode(root), run_days=run_days)


@dataclass
class RunFile(ScenarioData):
    path: Path = Path()

    @property
    def population(self) -> int:
        return int(scenario_value(self.scenario_yaml, "population"))


def load_run(path) -> RunFile:
    """A ``cardsim run`` file as a RunFile (totals, daily series per metric,
    provenance, channels); ``read_run`` gives it as one DataFrame."""
    path = Path(path)
    with h5py.File(path, "r") as f:
        if "totals" not in f or "design" in f:
            raise ValueError(f"{path}: not a cardsim run file (no /totals, or a sweep file)")
        attrs = attrs_dict(f)
        channels = supply_channels(attrs, path, f["totals"].keys())
        sd = _read_scenario_group(f, attrs.get("scenario_name", path.stem), attrs, channels)
    return RunFile(name=sd.name, totals=sd.totals, series=sd.series, attrs=sd.attrs, channels=sd.channels,
                   series_mode=sd.series_mode, run_days=sd.run_days, path=path)


@dataclass
class CompareFile:
    path: Path
    attrs: dict
    base: ScenarioData
    policies: dict[str, ScenarioData]
    differences: dict[str, pd.DataFrame]   # policy -> [replicate x metric], policy - base
    mean: pd.DataFrame                     # [policy x metric]
    p05: pd.DataFrame
    p95: pd.DataFrame
    spans_zero: pd.DataFrame
    cost_effectiveness: pd.DataFrame       # [policy x column]
    frontier: list[str]

    @property
    def policy_names(self) -> list[str]:
        return list(self.policies)

    @property
    def channels(self) -> list[SupplyChannel]:
        return self.base.channels

    @property
    def from_day(self) -> int:
        return int(self.attrs.get("from_day", 0))

    def units(self, metric: str) -> str:
        return self.base.totals.attrs["units"][metric]

    def interval(self, policy: str, metric: str) -> tuple[float, float, float]:
        """(mean, p05, p95) of the paired difference policy - base."""
        return (float(self.mean.loc[policy, metric]), float(self.p05.loc[policy, metric]),
                float(self.p95.loc[policy, metric]))

    def scenario(self, name: str) -> ScenarioData:
        if name in ("base", self.base.name):
            return self.base
        return self.policies[name]


def load_compare(path) -> CompareFile:
    """A ``cardsim compare`` file (layout of sim/experiments/compare_output.cpp)
    as a CompareFile; ``read_compare`` gives it as one DataFrame."""
    path = Path(path)
    with h5py.File(path, "r") as f:
        attrs = attrs_dict(f)
        if attrs.get("kind") != "compare":
            raise ValueError(f"{path}: not a cardsim compare file (root attribute kind != compare)")
        policies_order = attrs.get("policies") or sorted(f["policies"].keys())
        if isinstance(policies_order, str):
            policies_order = [policies_order]
        channels = supply_channels(attrs, path, f["base/totals"].keys())
        base = _read_scenario_group(f["base"], text(f["base"].attrs.get("scenario_name", "base")),
                                    attrs_dict(f["base"]), channels)
        policies, diffs = {}, {}
        for p in policies_order:
            g = f["policies"][p]
            policies[p] = _read_scenario_group(g, p, attrs_dict(g), channels)
            d = g["difference"]
            df = pd.DataFrame({m: d[m][()] for m in sorted(d.keys())})
            df.index.name = "replicate"
            df.attrs["units"] = {m: _units(d[m]) for m in d.keys()}
            diffs[p] = df
        s = f["summary"]
        rows, cols = text_list(s.attrs["rows"]), text_list(s.attrs["columns"])

        def table(name):
            df = pd.DataFrame(s[name][()], index=pd.Index(rows, name="policy"), columns=cols)
            df.attrs["units"] = {m: base.totals.attrs["units"].get(m, "") for m in cols}
            return df

        mean, p05, p95, spans = table("mean"), table("p05"), table("p95"), table("spans_zero").astype(bool)
        ce_g = f["cost_effectiveness"]
        ce_names = text_list(ce_g.attrs["policies"])
        ce = pd.DataFrame({k: ce_g[k][()] for k in ce_g.keys()}, index=pd.Index(ce_names, name="policy"))
        ce["on_frontier"] = ce["on_frontier"].astype(bool)
        ce.attrs["units"] = {"losses_avoided_yuan": "yuan per window", "losses_avoided_p05": "yuan per window",
                             "losses_avoided_p95": "yuan per window", "honest_harmed": "customers per window",
                             "honest_harmed_p05": "customers per window", "honest_harmed_p95": "customers per window",
                             "avoided_per_harmed": "yuan per honest customer harmed", "rank": "", "on_frontier": ""}
        ce.attrs["description"] = text(ce_g.attrs.get("meaning", ""))
        frontier = text_list(ce_g.attrs.get("frontier", []))
    return CompareFile(path=path, attrs=attrs, base=base, policies=policies, differences=diffs, mean=mean,
                       p05=p05, p95=p95, spans_zero=spans, cost_effectiveness=ce, frontier=frontier)


@dataclass
class SweepFile:
    path: Path
    attrs: dict
    design: pd.DataFrame                  # [run x parameter]; attrs kind, lower, upper, labels
    totals: dict[str, pd.DataFrame]       # metric -> [run x replicate]
    series: dict[str, np.ndarray]         # metric -> [run, replicate, day] ([run, replicate, week] when weekly)
    sensitivity: dict[str, pd.DataFrame]  # metric -> [parameter x index]
    sensitivity_attrs: dict = field(default_factory=dict)
    runs: dict[str, np.ndarray] = field(default_factory=dict)  # /runs/<field> [run, replicate]: seed, status...
    series_mode: str = "daily"            # daily, weekly or none (see the module's docstring)
    period_starts: np.ndarray | None = None  # first day of each stored period (the series' last axis)

    @property
    def kind(self) -> str:
        return self.design.attrs.get("kind", "")

    @property
    def parameters(self) -> list[str]:
        return list(self.design.columns)

    def units(self, metric: str) -> str:
        return self.totals[metric].attrs["units"]

    def run_means(self, metric: str) -> pd.Series:
        """Mean over replicates of each run's total."""
        s = self.totals[metric].mean(axis=1)
        s.attrs.update(self.totals[metric].attrs)
        return s

    def grid_table(self, metric: str, row_param: str, col_param: str, stat: str = "mean") -> pd.DataFrame:
        """A 2-D grid as a [row value x column value] table of the replicate mean."""
        runs = self.design[[row_param, col_param]].copy()
        runs["value"] = self.run_means(metric) if stat == "mean" else self.totals[metric].median(axis=1)
        table = runs.pivot_table(index=row_param, columns=col_param, values="value", aggfunc="mean")
        table.attrs["units"] = self.units(metric)
        table.attrs["metric"] = metric
        return table


def load_sweep(path) -> SweepFile:
    """A ``cardsim sweep`` file (layout of docs/sweeps.md) as a SweepFile;
    ``read_sweep`` gives it as one DataFrame."""
    path = Path(path)
    with h5py.File(path, "r") as f:
        if "design" not in f:
            raise ValueError(f"{path}: not a cardsim sweep file (no /design)")
        if "shard_count" in f.attrs:
            raise ValueError(f"{path}: a shard file (its own runs only, by task); join the shards with "
                             f"`cardsim merge SHARD... --out FILE` and read the merged file")
        attrs = attrs_dict(f)
        ds = f["design"]
        dattrs = attrs_dict(ds)
        params = text_list(ds.attrs["parameters"])
        design = pd.DataFrame(ds[()], columns=params, index=pd.RangeIndex(ds.shape[0], name="run"))
        design.attrs.update({k: v for k, v in dattrs.items() if k != "parameters" and not k.startswith("labels.")})
        design.attrs["labels"] = _choice_labels(dattrs, attrs.get("spec_yaml", ""), params)
        totals = {}
        for m in f["totals"].keys():
            t = f["totals"][m]
            df = pd.DataFrame(t[()], index=pd.RangeIndex(t.shape[0], name="run"))
            df.columns.name = "replicate"
            df.attrs["units"] = _units(t)
            df.attrs["description"] = _description(t)
            df.attrs["metric"] = m
            totals[m] = df
        series = {}
        if "timeseries" in f:
            for m in f["timeseries"].keys():
                series[m] = f["timeseries"][m][()]
        mode = series_mode(f)
        starts = None
        if series:
            starts = period_axis(f, next(iter(series.values())).shape[-1]).to_numpy()
        runs = {name: d[()] for name, d in f["runs"].items()} if "runs" in f else {}
        sens, sens_attrs = {}, {}
        if "sensitivity" in f:
            g = f["sensitivity"]
            sens_attrs = attrs_dict(g)
            for m in g.keys():
                d = g[m]
                rows = text_list(d.attrs.get("parameters", params))
                cols = text_list(d.attrs["columns"])
                df = pd.DataFrame(d[()], index=pd.Index(rows, name="parameter"), columns=cols)
                df.attrs["units"] = totals[m].attrs["units"] if m in totals else ""
                df.attrs["method"] = sens_attrs.get("method", "")
                df.attrs["metric"] = m
                # The checks of `cardsim sensitivity` (absent in older files).
                for key in ("status", "warnings", "replicate_noise_share", "samples_needed"):
                    if key in d.attrs:
                        v = d.attrs[key]
                        df.attrs[key] = v.decode() if isinstance(v, bytes) else (v.item() if hasattr(v, "item") else v)
                sens[m] = df
    return SweepFile(path=path, attrs=attrs, design=design, totals=totals, series=series, sensitivity=sens,
                     sensitivity_attrs=sens_attrs, runs=runs, series_mode=mode, period_starts=starts)


def _choice_labels(design_attrs: dict, spec_yaml: str, params: list[str]) -> dict[str, list[str]]:
    """Names of the choices of enum/bool parameters: value i of such a column
    is label i. Schema 2 files store them as ``labels.<parameter>`` attributes
    of /design (every choice of the parameter); older files only in the spec."""
    stored = {p: text_list(design_attrs[f"labels.{p}"]) for p in params if f"labels.{p}" in design_attrs}
    return stored or _categorical_labels(spec_yaml, params)


def _categorical_labels(spec_yaml: str, params: list[str]) -> dict[str, list[str]]:
    """Names of grid choices for enum/bool parameters, from a spec (files
    without ``labels.<parameter>`` attributes).

    Reads ``key: [a, b, c]`` lines of the spec's grid; only lists whose items are
    not numbers are returned. No YAML library needed."""
    labels = {}
    for line in spec_yaml.splitlines():
        stripped = line.split("#", 1)[0].strip()
        for p in params:
            if stripped.startswith(p + ":"):
                rest = stripped[len(p) + 1:].strip()
                if rest.startswith("[") and rest.endswith("]"):
                    items = [x.strip().strip("'\"") for x in rest[1:-1].split(",") if x.strip()]
                    if items and not all(_is_number(x) for x in items):
                        labels[p] = items
    return labels


def _is_number(s: str) -> bool:
    try:
        float(s)
        return True
    except ValueError:
        return False


def scenario_value(scenario_yaml: str, dotted_key: str):
    """A value from the resolved scenario YAML that cardsim writes (nested
    two-space maps, ``key: value  # comment``). Small parser: no YAML library."""
    path = dotted_key.split(".")
    stack: list[tuple[int, str]] = []
    for raw in scenario_yaml.splitlines():
        line = raw.split("#", 1)[0].rstrip()
        if not line.strip() or line.strip().startswith("-"):
            continue
        indent = len(line) - len(line.lstrip(" "))
        key, _, value = line.strip().partition(":")
        while stack and stack[-1][0] >= indent:
            stack.pop()
        full = [k for _, k in stack] + [key.strip()]
        value = value.strip()
        if not value:
            stack.append((indent, key.strip()))
            continue
        if full == path:
            value = value.strip("'\"")
            try:
                return float(value) if any(c in value for c in ".eE") else int(value)
            except ValueError:
                return value
    raise KeyError(f"{dotted_key} not in scenario YAML")
