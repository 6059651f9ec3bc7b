"""Calibration report: the figures of docs/sources.md the baseline is meant to reproduce,
the model's value (mean and 90% interval over replicates) from a baseline run
file, and whether its 90% interval over replicates lies inside the target band
widened by a stated tolerance.

Each row says what kind of check it is (``role``): ``emergent`` rows compare a
quantity the market produces (a price that clears, a rate of cases or
shutdowns); ``input`` rows check that the model honours a figure one of its
parameters was set from (the mean loss of a case is ``scammers.loss_mean_yuan``,
F7), which is a test of the code, not a fit. docs/model.md ("Calibration")
says which parameters each row informs.

Rates are scaled from the run's own size: ``per million people per year =
total x 1e6 / population x 365 / days``. Everything is computed per replicate
first, then summarised, so the interval is over replicates.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
import pandas as pd

from .readers import RunFile, scenario_value


@dataclass(frozen=True)
class Target:
    fact: str              # F-id(s) of docs/sources.md
    quantity: str          # what is compared
    units: str
    source_text: str       # the figure as docs/sources.md states it
    target_lo: float
    target_hi: float
    accept_lo: float       # band the model's mean must fall in
    accept_hi: float
    tolerance: str         # how the band was widened from the target, in words
    value: Callable[[RunFile], np.ndarray]   # per-replicate model value
    role: str = "emergent"  # "emergent": produced by the market; "input": honours a parameter's source


def _tot(run: RunFile, metric: str) -> np.ndarray:
    return run.totals[metric].to_numpy(float)


def _per_million_year(run: RunFile, metric_values: np.ndarray) -> np.ndarray:
    pop = float(scenario_value(run.scenario_yaml, "population"))
    days = float(run.days)
    return metric_values * 1e6 / pop * 365.0 / days


def _loss_per_case(run: RunFile) -> np.ndarray:
    cases = _tot(run, "fraud_cases")
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(cases > 0, _tot(run, "fraud_losses_yuan") / cases, np.nan)


SHUT_CITY = 100_000 / 13_000_000 * 1e6          # F10: shut numbers per million people per year
CASES_NATIONAL = 590_000 / 1.37e9 * 1e6         # F20 (2015): cases per million people per year
LOSSES_NATIONAL = 22.2e9 / 1.37e9 * 1e6         # F20 (2015): yuan lost per million people per year

TARGETS = [
    Target("F1", "white-card price", "yuan per card", "35-40 yuan a white card (F22: 30 yuan from a dealer)",
           35, 40, 30, 45, "target range +/- 5 yuan (F22 saw 30)",
           lambda r: _tot(r, "price_white_yuan")),
    Target("F5", "identity-record price", "yuan per record", "about 10 yuan per record (290,000 / 30,000)",
           10, 10, 0, 15, "+50% of 10 yuan; no lower end: the price cannot fall below records.cost_yuan x "
           "(1 + market.min_markup)",
           lambda r: _tot(r, "price_record_yuan")),
    Target("F8, F22", "card-farmer price", "yuan per card", "100-500 yuan a card, typically 200",
           100, 500, 100, 500, "none: the stated range",
           lambda r: _tot(r, "price_farmer_yuan")),
    Target("F7", "loss per fraud case", "yuan per case", "about 42,000 yuan per case (2022 card case)",
           42000, 42000, 30000, 55000, "-29% / +31% of 42,000",
           _loss_per_case, role="input"),
    Target("F20", "loss per fraud case", "yuan per case", "22.2 billion yuan / 590,000 cases = 37,600 (2015)",
           37600, 37600, 37600 * 0.75, 37600 * 1.25, "+/- 25% of 37,600",
           _loss_per_case, role="input"),
    Target("F10", "numbers shut by monitoring", "cards per million people per year",
           "100,000+ suspect numbers shut in a city of 13 million",
           SHUT_CITY, SHUT_CITY, SHUT_CITY / 2, SHUT_CITY * 2, "factor 2 (one city, one year, 'more than')",
           lambda r: _per_million_year(r, _tot(r, "shutdowns_fraud") + _tot(r, "shutdowns_honest"))),
    Target("F20", "fraud cases", "cases per million people per year",
           "590,000 cases nationally in 2015, ~1.37 billion people",
           CASES_NATIONAL, CASES_NATIONAL, CASES_NATIONAL / 2, CASES_NATIONAL * 2,
           "factor 2 (national average; reporting and years differ)",
           lambda r: _per_million_year(r, _tot(r, "fraud_cases"))),
    Target("F20", "fraud losses", "million yuan per million people per year",
           "22.2 billion yuan nationally in 2015, ~1.37 billion people",
           LOSSES_NATIONAL / 1e6, LOSSES_NATIONAL / 1e6, LOSSES_NATIONAL / 2e6, LOSSES_NATIONAL * 2 / 1e6,
           "factor 2 (national average; reporting and years differ)",
           lambda r: _per_million_year(r, _tot(r, "fraud_losses_yuan")) / 1e6),
]


def calibration_table(run: RunFile, targets=TARGETS) -> pd.DataFrame:
    """One row per target: model mean and 90% interval, target, band, verdict.

    An emergent row is inside when the whole 90% interval over replicates (5th
    to 95th percentile) lies in the accepted band, not only the mean; an input
    row, which checks a mean the model was given, when its mean does."""
    rows = []
    for t in targets:
        v = np.asarray(t.value(run), float)
        v = v[np.isfinite(v)]
        mean = float(np.mean(v)) if v.size else float("nan")
        lo, hi = (float(np.percentile(v, 5)), float(np.percentile(v, 95))) if v.size else (np.nan, np.nan)
        # An input row checks that the code honours a mean it was given; an
        # emergent row must hold replicate by replicate, 90% of the time.
        lo_end, hi_end = (mean, mean) if t.role == "input" else (lo, hi)
        inside = bool(t.accept_lo <= lo_end and hi_end <= t.accept_hi) if np.isfinite(mean) else False
        rows.append({"fact": t.fact, "role": t.role, "quantity": t.quantity, "units": t.units, "source": t.source_text,
                     "target_lo": t.target_lo, "target_hi": t.target_hi, "accept_lo": t.accept_lo,
                     "accept_hi": t.accept_hi, "tolerance": t.tolerance, "model_mean": mean, "model_p05": lo,
                     "model_p95": hi, "replicates": int(v.size), "inside": inside})
    df = pd.DataFrame(rows)
    df.attrs["run"] = str(run.path)
    df.attrs["population"] = run.population
    df.attrs["days"] = run.days
    df.attrs["replicates"] = run.replicates
    return df


def fmt(v: float) -> str:
    if not np.isfinite(v):
        return "n/a"
    a = abs(v)
    if a >= 1000:
        return f"{v:,.0f}"
    if a >= 100:
        return f"{v:.0f}"
    if a >= 10:
        return f"{v:.1f}"
    return f"{v:.2f}"


def target_text(row) -> str:
    return fmt(row["target_lo"]) if row["target_lo"] == row["target_hi"] else \
        f"{fmt(row['target_lo'])}-{fmt(row['target_hi'])}"


def print_table(df: pd.DataFrame, out=None, title: str = "Calibration") -> str:
    lines = [f"{title} against the facts of docs/sources.md: {df.attrs.get('run', '')} "
             f"(population {df.attrs.get('population')}, {df.attrs.get('days')} days, "
             f"{df.attrs.get('replicates')} replicates)"]
    head = f"{'fact':8} {'quantity':28} {'target':>15} {'accepted band':>21} {'model mean':>12} " \
           f"{'90% interval':>23}  verdict"
    lines.append(head)
    lines.append("-" * len(head))
    for _, r in df.iterrows():
        band = f"{fmt(r['accept_lo'])}-{fmt(r['accept_hi'])}"
        iv = f"{fmt(r['model_p05'])}-{fmt(r['model_p95'])}"
        quantity = r["quantity"] + (" (input)" if r.get("role") == "input" else "")
        lines.append(f"{r['fact']:8} {quantity:28} {target_text(r):>15} {band:>21} {fmt(r['model_mean']):>12} "
                     f"{iv:>23}  {'inside' if r['inside'] else 'OUTSIDE'}")
        lines.append(f"{'':8}   units: {r['units']}; tolerance: {r['tolerance']}")
    text = "\n".join(lines)
    if out is not None:
        print(text, file=out)
    return text
