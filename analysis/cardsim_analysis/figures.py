"""Figures from cardsim files: PNG and PDF plus a caption file per figure.

Every function takes reader objects (see readers.py), writes
``<outdir>/<name>.png``, ``<name>.pdf`` and ``<name>.caption.txt`` and returns
the list of paths written. Nothing here simulates: it plots what the files hold.
"""
from __future__ import annotations

import math
from pathlib import Path

import logging

import matplotlib

matplotlib.use("Agg")
# fontTools warns about old font timestamps when subsetting fonts for PDF.
logging.getLogger("fontTools").setLevel(logging.ERROR)
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from .readers import CompareFile, ScenarioData, SweepFile, scenario_value, share_series  # noqa: E402

# STIX (bundled with matplotlib), a Times design like the paper's body font
# (mathptmx), so that figure text matches the text around it. Axis offsets
# ("1e6") are switched off: every figure scales its units in the axis label.
plt.rcParams.update({
    "font.size": 11, "axes.titlesize": 12, "axes.labelsize": 11, "xtick.labelsize": 10,
    "ytick.labelsize": 10, "legend.fontsize": 9, "figure.dpi": 100, "savefig.dpi": 150,
    "axes.grid": True, "grid.alpha": 0.3, "pdf.fonttype": 42,
    "font.family": "serif", "font.serif": ["STIXGeneral"], "mathtext.fontset": "stix",
    "axes.unicode_minus": True,
    "axes.formatter.useoffset": False, "axes.formatter.limits": (-9, 9),
})

# Problems found by layout_problems() in each figure written by save(), by name;
# tests/python/test_analysis.py asserts they are empty.
LAYOUT: dict[str, list[str]] = {}

# Colours of the supply shares, in the channel order of the results file.
CHANNEL_COLORS = ["#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d", "#666666"]

# Presentation choices shared by the command line and the HTML report: the
# daily series a run's figure shows, and the metric a sweep's figure plots.
RUN_SERIES = ("fraud_cases", "fraud_losses_yuan", "cards_in_fraud_use", "price_scammer_yuan")
SWEEP_METRIC = "fraud_losses_yuan"

PRETTY = {
    "fraud_cases": "fraud cases", "fraud_losses_yuan": "fraud losses", "cards_sold_to_scammers": "cards sold to rings",
    "price_scammer_yuan": "scammer card price", "price_farmer_yuan": "farmer card price",
    "price_white_yuan": "white-card price", "price_record_yuan": "identity-record price",
    "honest_refused": "honest customers refused", "shutdowns_honest": "honest cards shut",
    "shutdowns_fraud": "fraud cards shut", "cards_in_fraud_use": "cards in fraud use",
}


def pretty(metric: str) -> str:
    return PRETTY.get(metric, metric.replace("_", " "))


def scale_for(values, units: str) -> tuple[float, str]:
    """A divisor and the unit label that keep axis numbers below about 10,000:
    yuan -> million yuan, customers -> thousand customers, and so on."""
    v = np.asarray(values, float)
    v = v[np.isfinite(v)]
    big = float(np.nanmax(np.abs(v))) if v.size else 0.0
    if big >= 1e6:
        return 1e6, f"million {units}".strip()
    if big >= 1e4:
        return 1e3, f"thousand {units}".strip()
    return 1.0, units


def _text_artists(fig):
    """Every visible, non-empty text of a figure with its owner's description."""
    out, seen = [], set()

    def add(artist, what):
        if artist is not None and id(artist) not in seen and artist.get_visible() and artist.get_text().strip():
            seen.add(id(artist))
            out.append((artist, what))
    add(fig._suptitle, "suptitle")
    for txt in fig.texts:
        add(txt, "figure text")
    for leg in fig.legends:
        for txt in leg.get_texts():
            add(txt, "figure legend")
    for ax in fig.axes:
        if not ax.get_visible():
            continue
        add(ax.title, "title")
        add(ax._left_title, "title")
        add(ax._right_title, "title")
        add(ax.xaxis.label, "x label")
        add(ax.yaxis.label, "y label")
        for axis, name in ((ax.xaxis, "x tick"), (ax.yaxis, "y tick")):
            lo, hi = sorted(axis.get_view_interval())
            for tick in axis.get_major_ticks():
                if lo - 1e-9 * (abs(lo) + 1) <= tick.get_loc() <= hi + 1e-9 * (abs(hi) + 1):
                    add(tick.label1, name)
                    add(tick.label2, name)
        for txt in ax.texts:
            add(txt, "annotation")
        leg = ax.get_legend()
        if leg is not None:
            for txt in leg.get_texts():
                add(txt, "legend")
    return out


def layout_problems(fig) -> list[str]:
    """What makes a figure hard to read: two text labels whose boxes overlap,
    an axis offset text ("1e6") that takes the unit out of the label, or a
    label that runs outside the figure. Empty list: none found."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    problems = []
    for ax in fig.axes:
        for axis, name in ((ax.xaxis, "x"), (ax.yaxis, "y")):
            off = axis.get_offset_text().get_text().strip()
            if off and axis.get_offset_text().get_visible():
                problems.append(f"axis offset text {off!r} on the {name} axis of {ax.get_title()!r}")
    fb = fig.bbox
    texts = [(a, w, a.get_window_extent(renderer)) for a, w in _text_artists(fig)]
    for a, what, bb in texts:
        if bb.x0 < fb.x0 - 1 or bb.y0 < fb.y0 - 1 or bb.x1 > fb.x1 + 1 or bb.y1 > fb.y1 + 1:
            problems.append(f"{what} {a.get_text()!r} runs outside the figure")
    for i in range(len(texts)):
        a, wa, ba = texts[i]
        for j in range(i + 1, len(texts)):
            b, wb, bb = texts[j]
            # a 1-pixel margin: touching boxes (adjacent tick labels) are fine
            if ba.x0 + 1 < bb.x1 and bb.x0 + 1 < ba.x1 and ba.y0 + 1 < bb.y1 and bb.y0 + 1 < ba.y1:
                problems.append(f"{wa} {a.get_text()!r} overlaps {wb} {b.get_text()!r}")
    return problems


def place_labels(ax, xs, ys, names, priority) -> list[str]:
    """Labels points in order of priority, each at the first of eight offsets
    where it overlaps no label already placed, no axis text and stays inside
    the axes; a point with no free spot stays unlabelled. Returns the names
    labelled."""
    fig = ax.figure
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    taken = [t.get_window_extent(renderer) for t, _ in _text_artists(fig)]
    box = ax.get_window_extent(renderer)
    offsets = [(5, 4), (5, -12), (-5, 4), (-5, -12), (0, 9), (0, -16), (10, 0), (-10, 0)]
    placed = []
    for k in priority:
        for dx, dy in offsets:
            ha = "left" if dx > 0 else "right" if dx < 0 else "center"
            txt = ax.annotate(names[k], (xs[k], ys[k]), xytext=(dx, dy), textcoords="offset points", fontsize=8,
                              ha=ha)
            bb = txt.get_window_extent(renderer)
            inside = bb.x0 >= box.x0 and bb.x1 <= box.x1 and bb.y0 >= box.y0 and bb.y1 <= box.y1
            free = all(not (bb.x0 < o.x1 and o.x0 < bb.x1 and bb.y0 < o.y1 and o.y0 < bb.y1) for o in taken)
            if inside and free:
                taken.append(bb)
                placed.append(names[k])
                break
            txt.remove()
    return placed


def save(fig, outdir, name: str, caption: str) -> list[Path]:
    """Writes name.png, name.pdf and name.caption.txt into outdir, and records
    the figure's layout problems in LAYOUT[name]."""
    LAYOUT[name] = layout_problems(fig)
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    paths = [outdir / f"{name}.png", outdir / f"{name}.pdf", outdir / f"{name}.caption.txt"]
    fig.savefig(paths[0], bbox_inches="tight")
    fig.savefig(paths[1], bbox_inches="tight", metadata={"CreationDate": None, "ModDate": None})
    plt.close(fig)
    paths[2].write_text(caption.strip() + "\n", encoding="utf-8")
    return paths


def _bands(ax, df: pd.DataFrame, color, label, x0: int = 0, scale: float = 1.0):
    """Median line, 50% and 90% bands over replicates (rows) of a [replicate x day]
    table whose first column is day x0; values divided by scale."""
    arr = df.to_numpy(dtype=float) / scale
    days = np.arange(arr.shape[1]) + x0
    with np.errstate(all="ignore"):
        q = np.nanpercentile(arr, [5, 25, 50, 75, 95], axis=0) if arr.shape[0] > 1 else np.repeat(arr, 5, 0)
    ax.fill_between(days, q[0], q[4], color=color, alpha=0.15, linewidth=0, label=f"{label}: 90% band")
    ax.fill_between(days, q[1], q[3], color=color, alpha=0.35, linewidth=0, label=f"{label}: 50% band")
    ax.plot(days, q[2], color=color, linewidth=1.4, label=f"{label}: median")


def _rolling(df: pd.DataFrame, window: int) -> pd.DataFrame:
    if window <= 1:
        return df
    out = df.T.rolling(window, min_periods=1).mean().T
    out.attrs.update(df.attrs)
    return out


def daily_series(scenarios: dict[str, ScenarioData] | ScenarioData, metrics: list[str], outdir, name: str,
                 title: str = "", smooth: int = 1, mark_day: int | None = None, note: str = "",
                 burn_in: int = 0) -> list[Path]:
    """Daily series of each metric: median over replicates with 50% and 90% bands.

    ``scenarios`` is one scenario or a {label: scenario} dict drawn in the same
    panels (e.g. base and policy). ``smooth`` > 1 applies a trailing moving mean
    of that many days to each replicate before the percentiles. The first
    ``burn_in`` days (start-up transient) are not plotted."""
    if isinstance(scenarios, ScenarioData):
        scenarios = {scenarios.name: scenarios}
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    n = len(metrics)
    ncol = 2 if n > 1 else 1
    nrow = math.ceil(n / ncol)
    fig, axes = plt.subplots(nrow, ncol, figsize=(6.2 * ncol, 3.4 * nrow + 0.6), squeeze=False)
    first = next(iter(scenarios.values()))
    for k, metric in enumerate(metrics):
        ax = axes[k // ncol][k % ncol]
        tables = {label: _rolling(sc.timeseries(metric), smooth).iloc[:, burn_in:]
                  for label, sc in scenarios.items()}
        scale, units = scale_for(np.concatenate([t.to_numpy(float).ravel() for t in tables.values()]),
                                 first.timeseries(metric).attrs.get("units", ""))
        for j, (label, table) in enumerate(tables.items()):
            _bands(ax, table, colors[j % len(colors)], label, x0=burn_in, scale=scale)
        if mark_day is not None:
            ax.axvline(mark_day, color="black", linestyle="--", linewidth=1)
        ax.set_title(pretty(metric))
        ax.set_xlabel("day")
        ax.set_ylabel(units)
    for k in range(n, nrow * ncol):
        axes[k // ncol][k % ncol].set_visible(False)
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=3 if len(scenarios) == 1 else 2, frameon=False)
    fig.suptitle(title or "Daily series over replicates", fontsize=13)
    legend_rows = math.ceil(len(labels) / (3 if len(scenarios) == 1 else 2))
    fig.tight_layout(rect=(0, 0.05 * legend_rows / nrow + 0.02, 1, 1))
    reps = first.replicates
    smooth_txt = f" Each replicate is smoothed by a trailing {smooth}-day mean first." if smooth > 1 else ""
    mark_txt = f" The dashed line marks day {mark_day}." if mark_day is not None else ""
    burn_txt = (f" The first {burn_in} days (start-up transient, while prices and the card fleet settle from their "
                f"initial values) are not shown." if burn_in else "")
    caption = (f"{title or 'Daily series'}: {', '.join(pretty(m) for m in metrics)} by day for "
               f"{', '.join(scenarios)}. Lines are the median over {reps} replicates; dark bands the 50% "
               f"(25th-75th percentile) and light bands the 90% (5th-95th percentile) interval over "
               f"replicates.{smooth_txt}{mark_txt}{burn_txt} {note}")
    return save(fig, outdir, name, caption)


HARM_METRICS = ("honest_refused", "shutdowns_honest")


def policy_comparison(cmp: CompareFile, outdir, name: str = "policy_comparison", policies: list[str] | None = None,
                      title: str = "") -> list[Path]:
    """Benefit (fraud losses avoided) beside honest harm (customers refused +
    honest cards shut), each with its 90% interval over replicates."""
    ce = cmp.cost_effectiveness
    order = [p for p in ce.sort_values("losses_avoided_yuan", ascending=True).index
             if policies is None or p in policies]
    y = np.arange(len(order))
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(11, 0.38 * len(order) + 1.8), sharey=True)
    scale = 1e6
    ben = ce.loc[order, "losses_avoided_yuan"] / scale
    blo = ce.loc[order, "losses_avoided_p05"] / scale
    bhi = ce.loc[order, "losses_avoided_p95"] / scale
    colors = ["#1b9e77" if f else "#999999" for f in ce.loc[order, "on_frontier"]]
    a1.barh(y, ben, color=colors, alpha=0.8)
    a1.errorbar(ben, y, xerr=[ben - np.minimum(blo, bhi), np.maximum(blo, bhi) - ben], fmt="none", ecolor="black",
                capsize=2, linewidth=1)
    a1.axvline(0, color="black", linewidth=0.8)
    a1.set_yticks(y)
    a1.set_yticklabels(order)
    a1.set_xlabel("fraud losses avoided\n(million yuan per window)")
    a1.set_title("Benefit")
    hscale, hunits = scale_for(ce[["honest_harmed_p05", "honest_harmed_p95"]].to_numpy(), "customers")
    harm = ce.loc[order, "honest_harmed"] / hscale
    hlo, hhi = ce.loc[order, "honest_harmed_p05"] / hscale, ce.loc[order, "honest_harmed_p95"] / hscale
    a2.barh(y, harm, color="#d95f02", alpha=0.8)
    a2.errorbar(harm, y, xerr=[harm - np.minimum(hlo, hhi), np.maximum(hlo, hhi) - harm], fmt="none",
                ecolor="black", capsize=2, linewidth=1)
    a2.axvline(0, color="black", linewidth=0.8)
    a2.set_xlabel(f"honest customers harmed\n({hunits} refused or cut off, per window)")
    a2.set_title("Honest harm")
    fig.suptitle(title or "Policies against the baseline\n(paired differences, common random numbers)", fontsize=13)
    fig.tight_layout()
    reps = cmp.base.replicates
    caption = (f"{title or 'Policy comparison'}. Left: fraud losses avoided (baseline minus policy, million yuan "
               f"over days {cmp.from_day} to {cmp.base.days - 1}); green bars are policies on the cost-effectiveness "
               f"frontier. Right: extra honest customers harmed (refused a card by any check, plus honest "
               f"cards wrongly shut or lost to re-verification). Bars are means and whiskers the 90% interval "
               f"(5th-95th percentile) of the paired difference over {reps} replicates with common random "
               f"numbers; a negative benefit means the policy raised losses, a negative harm that it harmed "
               f"fewer honest customers than the baseline.")
    return save(fig, outdir, name, caption)


def frontier(cmp: CompareFile, outdir, name: str = "frontier", title: str = "") -> list[Path]:
    """Cost-effectiveness plane: honest harm (x) against losses avoided (y), with
    90% intervals both ways and the frontier of non-dominated policies from the
    status quo (0, 0)."""
    ce = cmp.cost_effectiveness
    fig, ax = plt.subplots(figsize=(8.5, 6))
    hscale, hunits = scale_for(ce[["honest_harmed_p05", "honest_harmed_p95"]].to_numpy(), "customers")
    x, yv = ce["honest_harmed"] / hscale, ce["losses_avoided_yuan"] / 1e6
    xlo, xhi = ce["honest_harmed_p05"] / hscale, ce["honest_harmed_p95"] / hscale
    ylo, yhi = ce["losses_avoided_p05"] / 1e6, ce["losses_avoided_p95"] / 1e6
    on = ce["on_frontier"].to_numpy(bool)
    ax.errorbar(x, yv, xerr=[x - np.minimum(xlo, xhi), np.maximum(xlo, xhi) - x],
                yerr=[yv - np.minimum(ylo, yhi), np.maximum(ylo, yhi) - yv], fmt="none", ecolor="#bbbbbb",
                linewidth=0.8, zorder=1)
    ax.scatter(x[~on], yv[~on], color="#777777", s=28, zorder=2, label="dominated")
    ax.scatter(x[on], yv[on], color="#1b9e77", s=48, zorder=3, label="on the frontier")
    ax.scatter([0], [0], color="black", marker="s", s=40, zorder=3, label="status quo")
    fr = ce[on].sort_values("honest_harmed")
    fx = [0.0] + [v / hscale for v in fr["honest_harmed"] if v > 0]
    fy = [0.0] + [v / 1e6 for h, v in zip(fr["honest_harmed"], fr["losses_avoided_yuan"]) if h > 0]
    if len(fx) > 1:
        ax.step(fx, fy, where="post", color="#1b9e77", linewidth=1.2, zorder=2)
    ax.axhline(0, color="black", linewidth=0.6)
    ax.axvline(0, color="black", linewidth=0.6)
    ax.set_xlabel(f"honest customers harmed ({hunits} refused or cut off, per window)")
    ax.set_ylabel("fraud losses avoided (million yuan per window)")
    ax.set_title(title or "Cost-effectiveness of single controls and packages")
    ax.legend(loc="lower right")
    fig.tight_layout()
    names = list(ce.index)
    top = list(ce["losses_avoided_yuan"].sort_values(ascending=False).index[:5])
    priority = [names.index(p) for p in list(ce[on].index) + [p for p in top if p not in ce[on].index]]
    labelled = place_labels(ax, x.to_numpy(), yv.to_numpy(), names, priority)
    frontier_names = ", ".join(cmp.frontier) if cmp.frontier else "none"
    caption = (f"{title or 'Cost-effectiveness plane'}. Each point is a policy: mean extra honest customers harmed "
               f"(x) and mean fraud losses avoided (y, million yuan) against the baseline, with 90% intervals over "
               f"{cmp.base.replicates} paired replicates (grey whiskers). Green points are on the frontier (no other "
               f"policy, nor the status quo at the origin, avoids more losses with less harm): {frontier_names}. "
               f"The green step line joins the frontier policies that harm honest customers. Labelled: the "
               f"frontier and the five policies that avoid the most losses, where a label fits without covering "
               f"another ({', '.join(labelled) if labelled else 'none'}); every policy is in the policy table.")
    return save(fig, outdir, name, caption)


def channel_shares(sc: ScenarioData, window: int = 14) -> dict[str, pd.DataFrame]:
    """Share of cards sold to rings by channel, per replicate and day, as a
    trailing ``window``-day ratio: sum(share x cards sold) / sum(cards sold).
    (A day's ratio is undefined on days with no sale; the window pools sales.)"""
    sold = sc.timeseries("cards_sold_to_scammers").to_numpy(float)
    kernel = np.ones(window)
    den = np.apply_along_axis(lambda r: np.convolve(r, kernel)[: len(r)], 1, sold)
    out = {}
    for metric, _, _ in share_series(sc.channels):
        share = np.nan_to_num(sc.timeseries(metric).to_numpy(float))
        num = np.apply_along_axis(lambda r: np.convolve(r, kernel)[: len(r)], 1, share * sold)
        with np.errstate(invalid="ignore", divide="ignore"):
            ratio = np.where(den > 0, num / den, np.nan)
        df = pd.DataFrame(ratio)
        df.attrs["units"] = "share"
        out[metric] = df
    return out


def supply_shares(scenarios: dict[str, ScenarioData], outdir, name: str = "supply_shares", window: int = 14,
                  title: str = "", mark_day: int | None = None) -> list[Path]:
    """Displacement: share of cards sold to rings from each supply channel
    (the channels the files list), by day, one panel per scenario."""
    n = len(scenarios)
    fig, axes = plt.subplots(1, n, figsize=(4.6 * n, 3.8), sharey=True, squeeze=False)
    for k, (label, sc) in enumerate(scenarios.items()):
        ax = axes[0][k]
        shares = channel_shares(sc, window)
        for i, (metric, chan_label, _) in enumerate(share_series(sc.channels)):
            _bands(ax, shares[metric], CHANNEL_COLORS[i % len(CHANNEL_COLORS)], chan_label)
        if mark_day is not None:
            ax.axvline(mark_day, color="black", linestyle="--", linewidth=1)
        ax.set_title(label)
        ax.set_xlabel("day")
        ax.set_ylim(0, 1)
        if k == 0:
            ax.set_ylabel("share of cards sold to rings")
    handles, labels = axes[0][0].get_legend_handles_labels()
    keep = [i for i, lab in enumerate(labels) if lab.endswith("median")]
    fig.legend([handles[i] for i in keep], [labels[i].replace(": median", "") for i in keep], loc="lower center",
               ncol=3, frameon=False)
    fig.suptitle(title or "Supply of cards to fraud rings by channel", fontsize=13)
    fig.tight_layout(rect=(0, 0.08, 1, 1))
    first = next(iter(scenarios.values()))
    sources = [label + (f" ({', '.join(also)} included)" if also else "")
               for _, label, also in share_series(first.channels)]
    listed = sources[0] if len(sources) == 1 else f"{', from '.join(sources[:-1])} and from {sources[-1]}"
    caption = (f"{title or 'Supply by channel'}: share of cards sold to fraud rings that came from {listed}, for "
               f"{', '.join(scenarios)}. Each replicate's share is pooled over a trailing {window}-day window "
               f"(cards of the channel / cards sold); lines are medians, bands the 50% and 90% intervals over "
               f"{first.replicates} replicates.")
    return save(fig, outdir, name, caption)


def _grid_reference(sw: SweepFile, row_param: str, col_param: str) -> int:
    """The design point whose values are the sweep's base scenario (the status
    quo), or the first point when the base lies outside the grid."""
    labels = sw.design.attrs.get("labels", {})
    target = {}
    for param in (row_param, col_param):
        try:
            raw = scenario_value(sw.attrs.get("scenario_yaml", ""), param)
        except (KeyError, ValueError):
            return 0
        names = labels.get(param)
        if names and str(raw) in names:
            target[param] = float(names.index(str(raw)))
        else:
            try:
                target[param] = float(raw)
            except (TypeError, ValueError):
                return 0
    hit = sw.design.index[(sw.design[row_param] == target[row_param]) & (sw.design[col_param] == target[col_param])]
    return int(hit[0]) if len(hit) else 0


def sweep_heatmap(sw: SweepFile, metric: str, outdir, name: str | None = None, row_param: str | None = None,
                  col_param: str | None = None, title: str = "") -> list[Path]:
    """Two panels over a 2-D grid: the replicate mean of a metric's run total
    with its 90% interval in each cell, and the paired change against the
    status-quo grid point, hatched where that change's 90% interval spans zero."""
    params = sw.parameters
    if sw.kind and sw.kind != "grid":
        raise ValueError(f"{sw.path}: a heatmap needs a grid design, this sweep is {sw.kind!r}")
    if len(params) < 2 and (row_param is None or col_param is None):
        raise ValueError(f"{sw.path}: a heatmap needs a 2-D grid, the design has {len(params)} parameter(s)")
    row_param = row_param or params[0]
    col_param = col_param or params[1]
    labels = sw.design.attrs.get("labels", {})
    totals = sw.totals[metric].to_numpy(float)                      # [run, replicate]
    ref = _grid_reference(sw, row_param, col_param)
    diff = totals - totals[ref]                                    # paired: same seeds at every point
    rows = sorted(sw.design[row_param].unique())
    cols = sorted(sw.design[col_param].unique())
    scale, units = scale_for(totals, sw.units(metric))
    level = np.full((len(rows), len(cols), 3), np.nan)
    change = np.full((len(rows), len(cols), 3), np.nan)
    for run, (rv, cv) in enumerate(zip(sw.design[row_param], sw.design[col_param])):
        i, j = rows.index(rv), cols.index(cv)
        for arr, vals in ((level, totals[run]), (change, diff[run])):
            v = vals[np.isfinite(vals)] / scale
            if v.size:
                arr[i, j] = (v.mean(), np.percentile(v, 5), np.percentile(v, 95))

    def ticks(param, values):
        names = labels.get(param)
        return [names[int(v)] if names and float(v).is_integer() and 0 <= int(v) < len(names) else f"{v:g}"
                for v in values]

    fig, axes = plt.subplots(1, 2, figsize=(2.6 * len(cols) + 5.0, 0.9 * len(rows) + 2.8))
    panels = ((axes[0], level, "viridis", f"mean {pretty(metric)}\n({units})"),
              (axes[1], change, "RdBu_r", f"change from the status quo\n({units})"))
    ref_cell = (rows.index(sw.design.loc[ref, row_param]), cols.index(sw.design.loc[ref, col_param]))
    for ax, arr, cmap, cbar_label in panels:
        vals = arr[:, :, 0]
        lim = np.nanmax(np.abs(vals)) if np.isfinite(vals).any() else 1.0
        kw = {"vmin": -lim, "vmax": lim} if cmap == "RdBu_r" else {}
        im = ax.imshow(vals, cmap=cmap, aspect="auto", origin="lower", **kw)
        ax.set_xticks(range(len(cols)))
        ax.set_xticklabels(ticks(col_param, cols))
        ax.set_yticks(range(len(rows)))
        ax.set_yticklabels(ticks(row_param, rows))
        ax.set_xlabel(col_param.split(".")[-2] + " " + col_param.split(".")[-1] if "." in col_param else col_param)
        ax.set_ylabel(row_param.split(".")[-2] + " " + row_param.split(".")[-1] if "." in row_param else row_param)
        ax.grid(False)
        for i in range(len(rows)):
            for j in range(len(cols)):
                m, lo, hi = arr[i, j]
                if not np.isfinite(m):
                    continue
                if cmap == "RdBu_r" and (i, j) == ref_cell:
                    ax.text(j, i, "status\nquo", ha="center", va="center", fontsize=8)
                    continue
                if cmap == "RdBu_r" and lo <= 0 <= hi:
                    ax.add_patch(plt.Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, hatch="///",
                                               edgecolor="#555555", linewidth=0))
                ax.text(j, i, f"{_short(m)}\n[{_short(lo)}, {_short(hi)}]", ha="center", va="center", fontsize=8,
                        color="black", bbox={"facecolor": "white", "alpha": 0.75, "linewidth": 0, "pad": 1.5})
        fig.colorbar(im, ax=ax, label=cbar_label, fraction=0.08, pad=0.03)
    axes[0].set_title("level")
    axes[1].set_title("change from the status quo")
    fig.suptitle(title or f"{pretty(metric)} over the sweep grid", fontsize=12)
    fig.tight_layout()
    reps = totals.shape[1]
    ref_txt = ", ".join(f"{p} = {ticks(p, [sw.design.loc[ref, p]])[0]}" for p in (row_param, col_param))
    caption = (f"{title or pretty(metric) + ' over the sweep grid'}. Left: mean over {reps} replicates of each grid "
               f"point's run total of {metric} ({units}), with its 90% interval (5th-95th percentile over "
               f"replicates) in brackets; {row_param} (rows) against {col_param} (columns). Right: the paired "
               f"change from the status-quo grid point ({ref_txt}; every point uses the same seeds), mean and 90% "
               f"interval; hatched cells are those whose interval spans zero. Source: {sw.path.name}.")
    return save(fig, outdir, name or f"sweep_heatmap_{metric}", caption)


def _short(v: float) -> str:
    if not np.isfinite(v):
        return "n/a"
    a = abs(v)
    if a >= 1e9:
        return f"{v / 1e9:.1f}G"
    if a >= 1e6:
        return f"{v / 1e6:.1f}M"
    if a >= 1e4:
        return f"{v / 1e3:.0f}k"
    if a >= 100:
        return f"{v:.0f}"
    return f"{v:.2g}"


def morris_intervals(sw: SweepFile, metric: str, level: float = 0.90, draws: int = 1000) -> pd.DataFrame | None:
    """Bootstrap interval of Morris mu* per parameter, resampling trajectories.

    Rebuilds each trajectory's elementary effects from the design (consecutive
    points of a trajectory differ in one parameter; steps are unit-scaled by
    the design's lower and upper bounds) and the replicate-mean run totals.
    Returns columns mu_star (as rebuilt), mu_star_lo, mu_star_hi, or None when
    the design is not a trajectory design or the rebuilt mu* does not match
    the file's (then the file's layout is not the one assumed here)."""
    d = sw.design
    k = d.shape[1]
    n_traj = int(d.attrs.get("trajectories", 0) or 0)
    if n_traj < 2 or d.shape[0] != n_traj * (k + 1) or metric not in sw.totals:
        return None
    lower = np.asarray(d.attrs.get("lower"), float)
    upper = np.asarray(d.attrs.get("upper"), float)
    x = (d.to_numpy(float) - lower) / np.where(upper > lower, upper - lower, 1.0)
    y = sw.run_means(metric).to_numpy(float)
    ee = np.full((n_traj, k), np.nan)
    for tr in range(n_traj):
        for s in range(k):
            a, b = tr * (k + 1) + s, tr * (k + 1) + s + 1
            step = x[b] - x[a]
            moved = np.flatnonzero(np.abs(step) > 1e-12)
            if len(moved) != 1:
                return None
            ee[tr, moved[0]] = (y[b] - y[a]) / step[moved[0]]
    mu_star = np.nanmean(np.abs(ee), axis=0)
    ref = sw.sensitivity.get(metric)
    if ref is not None and "mu_star" in ref.columns:
        file_mu = ref["mu_star"].reindex(d.columns).to_numpy(float)
        if not np.allclose(mu_star, file_mu, rtol=1e-6, atol=1e-9 * (np.nanmax(np.abs(file_mu)) + 1)):
            return None
    rng = np.random.default_rng(12345)
    boots = np.array([np.nanmean(np.abs(ee[rng.integers(0, n_traj, n_traj)]), axis=0) for _ in range(draws)])
    tail = (1 - level) / 2 * 100
    return pd.DataFrame({"mu_star": mu_star, "mu_star_lo": np.percentile(boots, tail, axis=0),
                         "mu_star_hi": np.percentile(boots, 100 - tail, axis=0)}, index=d.columns)


def sensitivity_bars(sw: SweepFile, metric: str, outdir, name: str | None = None, title: str = "") -> list[Path]:
    """Bar chart of sensitivity indices of one metric: Sobol first-order and
    total indices with their bootstrap intervals, or Morris mu* with sigma."""
    if metric not in sw.sensitivity:
        raise KeyError(f"{sw.path}: no /sensitivity/{metric} (run `cardsim sensitivity` first)")
    df = sw.sensitivity[metric]
    cols = set(df.columns)
    fig, ax = plt.subplots(figsize=(8, 0.42 * len(df) + 2.4))
    if {"S1", "ST"} <= cols:
        df = df.sort_values("ST")
        y = np.arange(len(df))
        h = 0.38
        for off, key, color, label in ((-h / 2, "S1", "#1b9e77", "first-order S1"),
                                       (h / 2, "ST", "#7570b3", "total ST")):
            v = df[key].to_numpy(float)
            ax.barh(y + off, v, height=h, color=color, label=label)
            if f"{key}_lo" in cols and f"{key}_hi" in cols:
                lo, hi = df[f"{key}_lo"].to_numpy(float), df[f"{key}_hi"].to_numpy(float)
                ax.errorbar(v, y + off, xerr=[np.clip(v - lo, 0, None), np.clip(hi - v, 0, None)], fmt="none",
                            ecolor="black", capsize=2, linewidth=0.9)
        ax.set_xlabel("Sobol index (share of output variance)")
        method = "Sobol"
        detail = ("first-order (S1) and total (ST) Sobol indices, whiskers the 90% bootstrap interval")
    elif "mu_star" in cols:
        df = df.sort_values("mu_star")
        y = np.arange(len(df))
        units = sw.units(metric) if metric in sw.totals else ""
        scale, units = scale_for(df[["mu_star"] + (["sigma"] if "sigma" in cols else [])].to_numpy(), units)
        ax.barh(y, df["mu_star"] / scale, color="#1b9e77", label="mu* (mean |elementary effect|)")
        if {"mu_star_lo", "mu_star_hi"} <= cols:
            lo, hi = df["mu_star_lo"].to_numpy(float), df["mu_star_hi"].to_numpy(float)
            interval_src = "the interval stored with the indices"
        else:
            boot = morris_intervals(sw, metric)
            lo, hi = (boot.loc[df.index, "mu_star_lo"].to_numpy(), boot.loc[df.index, "mu_star_hi"].to_numpy()) \
                if boot is not None else (None, None)
            interval_src = "a bootstrap over trajectories (1,000 resamples)"
        if lo is not None:
            v = df["mu_star"].to_numpy(float)
            ax.errorbar(v / scale, y, xerr=[np.clip(v - lo, 0, None) / scale, np.clip(hi - v, 0, None) / scale],
                        fmt="none", ecolor="black", capsize=2, linewidth=0.9)
        if "sigma" in cols:
            ax.scatter(df["sigma"] / scale, y, color="#d95f02", zorder=3, label="sigma (spread of effects)")
        ax.set_xlabel(f"elementary effect ({units} per unit range)")
        method = "Morris"
        detail = ("Morris mu* (mean absolute elementary effect over the unit-scaled range) as bars"
                  + (f" with whiskers for its 90% interval from {interval_src}" if lo is not None else
                     " (no interval: the design is not a trajectory design)")
                  + " and sigma (standard deviation of the effects: interactions and non-linearity) as dots")
    else:
        raise ValueError(f"{sw.path}: /sensitivity/{metric} has columns {sorted(cols)}: neither Sobol nor Morris")
    ax.set_yticks(y)
    ax.set_yticklabels(df.index)
    ax.axvline(0, color="black", linewidth=0.6)
    handles, labels = ax.get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=2, frameon=False)
    ax.set_title(title or f"{method} sensitivity of {pretty(metric)}")
    fig.tight_layout(rect=(0, 0.6 / fig.get_figheight(), 1, 1))
    caption = (f"{title or method + ' sensitivity of ' + pretty(metric)}: {detail}, of the replicate-mean run "
               f"total of {metric}, per uncertain parameter, from the {sw.kind or method.lower()} sweep "
               f"{sw.path.name} ({len(sw.design)} design points).{reliability_note(df)}")
    return save(fig, outdir, name or f"sensitivity_{metric}", caption)


def reliability_note(df: pd.DataFrame) -> str:
    """The verdict `cardsim sensitivity` stored with the indices, for the caption."""
    status = df.attrs.get("status", "")
    noise = df.attrs.get("replicate_noise_share")
    note = ""
    if noise is not None and np.isfinite(noise):
        note += f" Replicate noise is {100 * noise:.0f}% of the variance of the run means."
    if status == "insensitive":
        note += " The output varies no more than replicate noise: no indices are given."
    elif status == "warning":
        note += (f" Not reliable yet: {df.attrs.get('warnings', '')}; about {df.attrs.get('samples_needed', '?')} "
                 "base samples would be needed.")
    return note


def effect_bars(cmp: CompareFile, policies: list[str], metric: str, outdir, name: str, title: str,
                xlabel: str = "", caption_extra: str = "") -> list[Path]:
    """Paired difference (policy - base) of one metric for a few policies, with 90% intervals."""
    pols = [p for p in policies if p in cmp.policies]
    fig, ax = plt.subplots(figsize=(7.5, 0.5 * len(pols) + 1.6))
    y = np.arange(len(pols))
    scale, units = scale_for([cmp.p05.loc[p, metric] for p in pols] + [cmp.p95.loc[p, metric] for p in pols],
                             cmp.units(metric))
    m = np.array([cmp.mean.loc[p, metric] for p in pols]) / scale
    lo = np.array([cmp.p05.loc[p, metric] for p in pols]) / scale
    hi = np.array([cmp.p95.loc[p, metric] for p in pols]) / scale
    ax.barh(y, m, color="#7570b3", alpha=0.85)
    ax.errorbar(m, y, xerr=[m - np.minimum(lo, m), np.maximum(hi, m) - m], fmt="none", ecolor="black", capsize=3)
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_yticks(y)
    ax.set_yticklabels(pols)
    ax.set_xlabel(xlabel or f"change in {pretty(metric)} ({units})")
    ax.set_title(title)
    fig.tight_layout()
    caption = (f"{title}: mean paired difference policy minus baseline of {metric} ({cmp.units(metric)}) with the "
               f"90% interval over {cmp.base.replicates} replicates. {caption_extra}")
    return save(fig, outdir, name, caption)


def scatter_effects(cmp: CompareFile, xmetric: str, ymetric: str, outdir, name: str, title: str,
                    caption_extra: str = "") -> list[Path]:
    """One point per policy: mean paired change of two metrics (e.g. price signal vs losses)."""
    fig, ax = plt.subplots(figsize=(7.5, 5.5))
    xs, xunits = scale_for(cmp.p95[xmetric].abs().tolist() + cmp.p05[xmetric].abs().tolist(), cmp.units(xmetric))
    ys, yunits = scale_for(cmp.p95[ymetric].abs().tolist() + cmp.p05[ymetric].abs().tolist(), cmp.units(ymetric))
    x, y = cmp.mean[xmetric] / xs, cmp.mean[ymetric] / ys
    xlo, xhi = cmp.p05[xmetric] / xs, cmp.p95[xmetric] / xs
    ylo, yhi = cmp.p05[ymetric] / ys, cmp.p95[ymetric] / ys
    ax.errorbar(x, y, xerr=[x - np.minimum(xlo, x), np.maximum(xhi, x) - x],
                yerr=[y - np.minimum(ylo, y), np.maximum(yhi, y) - y], fmt="o", color="#1b9e77",
                ecolor="#bbbbbb", markersize=5)
    ax.axhline(0, color="black", linewidth=0.6)
    ax.axvline(0, color="black", linewidth=0.6)
    ax.set_xlabel(f"change in {pretty(xmetric)} ({xunits})")
    ax.set_ylabel(f"change in {pretty(ymetric)} ({yunits})")
    ax.set_title(title)
    fig.tight_layout()
    names = list(cmp.mean.index)
    order = np.argsort(-np.abs(y.to_numpy()) - np.abs(x.to_numpy()) / (np.abs(x).max() or 1) * np.abs(y).max())
    labelled = place_labels(ax, x.to_numpy(), y.to_numpy(), names, [int(k) for k in order[:8]])
    caption = (f"{title}: each point a policy, the mean paired change (policy minus baseline) of {xmetric} (x) "
               f"and of {ymetric} (y), whiskers their 90% intervals over {cmp.base.replicates} replicates. "
               f"Labelled: of the eight largest effects, those whose label fits without covering another: "
               f"{', '.join(labelled) if labelled else 'none'}. {caption_extra}")
    return save(fig, outdir, name, caption)
