"""cardsim files as pandas DataFrames: one frame per file, one column per
metric, one row per (replicate, day), (arm, replicate) or (point, replicate).

Every frame carries in ``.attrs``:

* ``units`` and ``description``: dicts column -> text;
* the file's provenance (its root attributes: ``cardsim_version``,
  ``git_commit``, ``seed``, ``scenario_name`` or ``spec_name``,
  ``scenario_yaml``...), ``kind`` (run, compare, sweep) and ``path``;
* for run and compare files the supply channels (``channels``,
  ``channel_labels``, ``channel_activation_metrics``,
  ``channel_share_metrics``), derived for files older than those attributes.

Attributes survive ``.copy()`` and column selection; a groupby or an
arithmetic result may drop them, so keep the frame you read.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .readers import CHANNEL_ATTRIBUTES, SupplyChannel, load_compare, load_run, load_sweep


def _provenance(kind: str, path, file_attrs: dict, channels: list[SupplyChannel] | None = None) -> dict:
    attrs = dict(file_attrs)
    attrs.update(kind=kind, path=str(path))
    if channels is not None:
        fields = ("key", "label", "activation_metric", "share_metric")
        attrs.update({a: [getattr(c, f) for c in channels] for a, f in zip(CHANNEL_ATTRIBUTES, fields)})
    return attrs


def read_run(path, totals: bool = False) -> pd.DataFrame:
    """A ``cardsim run`` file as a DataFrame.

    Default: the series, rows (replicate, day), one column per metric,
    units per day; for a file written with ``--series weekly`` rows
    (replicate, week), week labelled by its first day, flows per week. A file
    written with ``--series none`` has no series: ask for ``totals=True``. ``totals=True``: the run totals, one row per replicate,
    units per run (flows summed over days, levels and prices averaged; the
    rule per metric is in ``.attrs["total_rule"]``). Breakdowns with a third
    axis (honest refusals by check) are read by ``refusals_by_check``.
    """
    run = load_run(path)
    if totals:
        df = run.totals.copy()
        units, description = run.totals.attrs["units"], run.totals.attrs["description"]
        extra = {"total_rule": run.totals.attrs["total_rule"]}
    else:
        if run.series_mode == "none":
            raise ValueError(f"{run.path}: the file stores no series (written with --series none); "
                             f"read its totals with totals=True")
        metrics = sorted(run.series)
        axis = run.series[metrics[0]].columns
        index = pd.MultiIndex.from_product([range(run.replicates), axis], names=["replicate", axis.name])
        df = pd.DataFrame({m: run.series[m].to_numpy().ravel() for m in metrics}, index=index)
        units = {m: run.series[m].attrs["units"] for m in metrics}
        description = {m: run.series[m].attrs["description"] for m in metrics}
        extra = {}
    df.attrs = _provenance("run", run.path, run.attrs, run.channels)
    df.attrs.update(units=dict(units), description=dict(description), **extra)
    return df


def read_compare(path, differences: bool = False) -> pd.DataFrame:
    """A ``cardsim compare`` file as a DataFrame.

    Default: the window totals of every arm, rows (arm, replicate) with arm
    ``base`` then each policy in the file's order, one column per metric;
    ``df.loc["dealer_cap"] - df.loc["base"]`` is the paired effect (common
    random numbers: replicate r of every arm shares its seed).
    ``differences=True``: those paired differences as the file stores them,
    rows (policy, replicate). The summary and cost-effectiveness tables are
    in ``load_compare(path)``.
    """
    cmp = load_compare(path)
    if differences:
        frames, level = dict(cmp.differences), "policy"
    else:
        frames, level = {"base": cmp.base.totals, **{p: s.totals for p, s in cmp.policies.items()}}, "arm"
    df = pd.concat(frames, names=[level, "replicate"])
    units = cmp.base.totals.attrs["units"]
    df.attrs = _provenance("compare", cmp.path, cmp.attrs, cmp.channels)
    df.attrs.update(units={m: units.get(m, "") for m in df.columns},
                    description={m: cmp.base.totals.attrs["description"].get(m, "") for m in df.columns},
                    base_scenario=cmp.base.name, policies=cmp.policy_names, frontier=list(cmp.frontier))
    return df


def read_sweep(path) -> pd.DataFrame:
    """A ``cardsim sweep`` file as a DataFrame: rows (point, replicate), where
    point is the row of /design; a column per parameter (choices of enum and
    bool parameters as categoricals of their labels), the run metadata of
    /runs (seed, wall_time_s, status: 0 for another shard's runs, whose totals
    are not in this file) and one column per metric (run totals).
    Sensitivity indices are in ``load_sweep(path).sensitivity``."""
    sw = load_sweep(path)
    points, replicates = next(iter(sw.totals.values())).shape
    index = pd.MultiIndex.from_product([range(points), range(replicates)], names=["point", "replicate"])
    columns = {p: _parameter_column(sw.design[p], sw.design.attrs["labels"].get(p), replicates)
               for p in sw.parameters}
    columns.update({name: values.ravel() for name, values in sw.runs.items() if name not in ("point", "replicate")})
    columns.update({m: sw.totals[m].to_numpy().ravel() for m in sorted(sw.totals)})
    df = pd.DataFrame(columns, index=index)
    parameter_units = dict(zip(sw.parameters, sw.design.attrs.get("units", [""] * len(sw.parameters))))
    df.attrs = _provenance("sweep", sw.path, sw.attrs)
    df.attrs.update(units={**parameter_units, "seed": "", "wall_time_s": "s", "status": "",
                           **{m: sw.units(m) for m in sw.totals}},
                    description={m: sw.totals[m].attrs["description"] for m in sw.totals},
                    parameters=sw.parameters, design_kind=sw.kind,
                    lower=sw.design.attrs.get("lower"), upper=sw.design.attrs.get("upper"))
    return df


def _parameter_column(values: pd.Series, labels: list[str] | None, replicates: int):
    """One design column repeated per replicate; a categorical of the labels
    when the parameter is a choice whose stored indices all have one."""
    repeated = np.repeat(values.to_numpy(), replicates)
    if labels:
        codes = repeated.astype(int)
        if np.array_equal(codes, repeated) and codes.min() >= 0 and codes.max() < len(labels):
            return pd.Categorical.from_codes(codes, labels)
    return repeated

