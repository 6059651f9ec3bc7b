"""Figures from cardsim files: PNG and PDF plus a caption file per figure.

Every function takes reader objects (see readers.py), writes
``<outdir>/<name>.png``, ``<name>.pdf`` and ``<name>.caption.txt`` and returns
the list of paths written. Nothing here simulates: it plots what the files hold.
"""
from __future__ import annotations

import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from .readers import CompareFile, ScenarioData, SweepFile  # noqa: E402

plt.rcParams.update({
    "font.size": 11, "axes.titlesize": 12, "axes.labelsize": 11, "xtick.labelsize": 10,
    "ytick.labelsize": 10, "legend.fontsize": 9, "figure.dpi": 100, "savefig.dpi": 150,
    "axes.grid": True, "grid.alpha": 0.3, "pdf.fonttype": 42,
})

CHANNELS = [("share_supply_farmer", "card farmers", "#1b9e77"),
            ("share_supply_harvested", "harvested identities", "#d95f02"),
            ("share_supply_white", "insider white cards", "#7570b3")]

PRETTY = {
    "fraud_cases": "fraud cases", "fraud_losses_yuan": "fraud losses", "cards_sold_to_scammers": "cards sold to rings",
    "price_scammer_yuan": "scammer card price", "price_farmer_yuan": "farmer card price",
    "price_white_yuan": "white-card price", "price_record_yuan": "identity-record price",
    "honest_refused": "honest customers refused", "shutdowns_honest": "honest cards shut",
    "shutdowns_fraud": "fraud cards shut", "cards_in_fraud_use": "cards in fraud use",
}


def pretty(metric: str) -> str:
    return PRETTY.get(metric, metric.replace("_", " "))


def save(fig, outdir, name: str, caption: str) -> list[Path]:
    """Writes name.png, name.pdf and name.caption.txt into outdir."""
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    paths = [outdir / f"{name}.png", outdir / f"{name}.pdf", outdir / f"{name}.caption.txt"]
    fig.savefig(paths[0], bbox_inches="tight")
    fig.savefig(paths[1], bbox_inches="tight", metadata={"CreationDate": None, "ModDate": None})
    plt.close(fig)
    paths[2].write_text(caption.strip() + "\n", encoding="utf-8")
    return paths


def _bands(ax, df: pd.DataFrame, color, label, x0: int = 0):
    """Median line, 50% and 90% bands over replicates (rows) of a [replicate x day] table."""
    arr = df.to_numpy(dtype=float)
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
                 title: str = "", smooth: int = 1, mark_day: int | None = None, note: str = "") -> list[Path]:
    """Daily series of each metric: median over replicates with 50% and 90% bands.

    ``scenarios`` is one scenario or a {label: scenario} dict drawn in the same
    panels (e.g. base and policy). ``smooth`` > 1 applies a trailing moving mean
    of that many days to each replicate before the percentiles."""
    if isinstance(scenarios, ScenarioData):
        scenarios = {scenarios.name: scenarios}
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    n = len(metrics)
    ncol = 2 if n > 1 else 1
    nrow = math.ceil(n / ncol)
    fig, axes = plt.subplots(nrow, ncol, figsize=(6.2 * ncol, 3.4 * nrow), squeeze=False)
    first = next(iter(scenarios.values()))
    for k, metric in enumerate(metrics):
        ax = axes[k // ncol][k % ncol]
        for j, (label, sc) in enumerate(scenarios.items()):
            _bands(ax, _rolling(sc.timeseries(metric), smooth), colors[j % len(colors)], label)
        if mark_day is not None:
            ax.axvline(mark_day, color="black", linestyle="--", linewidth=1)
        ax.set_title(pretty(metric))
        ax.set_xlabel("day")
        ax.set_ylabel(first.timeseries(metric).attrs.get("units", ""))
        if k == 0:
            ax.legend(loc="best", ncol=1 if len(scenarios) == 1 else 2)
    for k in range(n, nrow * ncol):
        axes[k // ncol][k % ncol].set_visible(False)
    fig.suptitle(title or "Daily series over replicates", fontsize=13)
    fig.tight_layout()
    reps = first.replicates
    smooth_txt = f" Each replicate is smoothed by a trailing {smooth}-day mean first." if smooth > 1 else ""
    mark_txt = f" The dashed line marks day {mark_day}." if mark_day is not None else ""
    caption = (f"{title or 'Daily series'}: {', '.join(pretty(m) for m in metrics)} by day for "
               f"{', '.join(scenarios)}. Lines are the median over {reps} replicates; dark bands the 50% "
               f"(25th-75th percentile) and light bands the 90% (5th-95th percentile) interval over "
               f"replicates.{smooth_txt}{mark_txt} {note}")
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
    harm = ce.loc[order, "honest_harmed"]
    hlo, hhi = ce.loc[order, "honest_harmed_p05"], ce.loc[order, "honest_harmed_p95"]
    a2.barh(y, harm, color="#d95f02", alpha=0.8)
    a2.errorbar(harm, y, xerr=[harm - np.minimum(hlo, hhi), np.maximum(hlo, hhi) - harm], fmt="none",
                ecolor="black", capsize=2, linewidth=1)
    a2.axvline(0, color="black", linewidth=0.8)
    a2.set_xlabel("honest customers harmed\n(refused + cards shut, per window)")
    a2.set_title("Honest harm")
    fig.suptitle(title or "Policies against the baseline (paired differences, common random numbers)", fontsize=13)
    fig.tight_layout()
    reps = cmp.base.replicates
    caption = (f"{title or 'Policy comparison'}. Left: fraud losses avoided (baseline minus policy, million yuan "
               f"over days {cmp.from_day} to {cmp.base.days - 1}); green bars are policies on the cost-effectiveness "
               f"frontier. Right: extra honest customers harmed (refused a card by any check plus honest cards "
               f"wrongly shut). Bars are means and whiskers the 90% interval (5th-95th percentile) of the paired "
               f"difference over {reps} replicates with common random numbers; a negative benefit means the policy "
               f"raised losses, a negative harm that it harmed fewer honest customers than the baseline.")
    return save(fig, outdir, name, caption)


def frontier(cmp: CompareFile, outdir, name: str = "frontier", title: str = "") -> list[Path]:
    """Cost-effectiveness plane: honest harm (x) against losses avoided (y), with
    90% intervals both ways and the frontier of non-dominated policies from the
    status quo (0, 0)."""
    ce = cmp.cost_effectiveness
    fig, ax = plt.subplots(figsize=(8.5, 6))
    x, yv = ce["honest_harmed"], ce["losses_avoided_yuan"] / 1e6
    xlo, xhi = ce["honest_harmed_p05"], ce["honest_harmed_p95"]
    ylo, yhi = ce["losses_avoided_p05"] / 1e6, ce["losses_avoided_p95"] / 1e6
    on = ce["on_frontier"].to_numpy(bool)
    ax.errorbar(x, yv, xerr=[x - np.minimum(xlo, xhi), np.maximum(xlo, xhi) - x],
                yerr=[yv - np.minimum(ylo, yhi), np.maximum(ylo, yhi) - yv], fmt="none", ecolor="#bbbbbb",
                linewidth=0.8, zorder=1)
    ax.scatter(x[~on], yv[~on], color="#777777", s=28, zorder=2, label="dominated")
    ax.scatter(x[on], yv[on], color="#1b9e77", s=48, zorder=3, label="on the frontier")
    ax.scatter([0], [0], color="black", marker="s", s=40, zorder=3, label="status quo")
    fr = ce[on].sort_values("honest_harmed")
    fx = [0.0] + [v for v in fr["honest_harmed"] if v > 0]
    fy = [0.0] + [v / 1e6 for h, v in zip(fr["honest_harmed"], fr["losses_avoided_yuan"]) if h > 0]
    if len(fx) > 1:
        ax.step(fx, fy, where="post", color="#1b9e77", linewidth=1.2, zorder=2)
    for p in ce.index:
        ax.annotate(p, (x[p], yv[p]), fontsize=8, xytext=(4, 3), textcoords="offset points")
    ax.axhline(0, color="black", linewidth=0.6)
    ax.axvline(0, color="black", linewidth=0.6)
    ax.set_xlabel("honest customers harmed (refused + cards shut, per window)")
    ax.set_ylabel("fraud losses avoided (million yuan per window)")
    ax.set_title(title or "Cost-effectiveness of single controls and packages")
    ax.legend(loc="lower right")
    fig.tight_layout()
    frontier_names = ", ".join(cmp.frontier) if cmp.frontier else "none"
    caption = (f"{title or 'Cost-effectiveness plane'}. Each point is a policy: mean extra honest customers harmed "
               f"(x) and mean fraud losses avoided (y, million yuan) against the baseline, with 90% intervals over "
               f"{cmp.base.replicates} paired replicates (grey whiskers). Green points are on the frontier (no other "
               f"policy, nor the status quo at the origin, avoids more losses with less harm): {frontier_names}. "
               f"The green step line joins the frontier policies that harm honest customers.")
    return save(fig, outdir, name, caption)


def channel_shares(sc: ScenarioData, window: int = 14) -> dict[str, pd.DataFrame]:
    """Share of cards sold to rings by channel, per replicate and day, as a
    trailing ``window``-day ratio: sum(share x cards sold) / sum(cards sold).
    (A day's ratio is undefined on days with no sale; the window pools sales.)"""
    sold = sc.timeseries("cards_sold_to_scammers").to_numpy(float)
    kernel = np.ones(window)
    den = np.apply_along_axis(lambda r: np.convolve(r, kernel)[: len(r)], 1, sold)
    out = {}
    for metric, _, _ in CHANNELS:
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
    """Displacement: share of cards sold to rings from farmers, harvested
    identities and insider white cards, by day, one panel per scenario."""
    n = len(scenarios)
    fig, axes = plt.subplots(1, n, figsize=(4.6 * n, 3.8), sharey=True, squeeze=False)
    for k, (label, sc) in enumerate(scenarios.items()):
        ax = axes[0][k]
        shares = channel_shares(sc, window)
        for metric, chan_label, color in CHANNELS:
            _bands(ax, shares[metric], color, chan_label)
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
               ncol=3, bbox_to_anchor=(0.5, -0.06))
    fig.suptitle(title or "Supply of cards to fraud rings by channel", fontsize=13)
    fig.tight_layout()
    reps = next(iter(scenarios.values())).replicates
    caption = (f"{title or 'Supply by channel'}: share of cards sold to fraud rings that came from card farmers, from "
               f"harvested identity records and from insider white cards (raised cards included), for "
               f"{', '.join(scenarios)}. Each replicate's share is pooled over a trailing {window}-day window "
               f"(cards of the channel / cards sold); lines are medians, bands the 50% and 90% intervals over "
               f"{reps} replicates.")
    return save(fig, outdir, name, caption)


def sweep_heatmap(sw: SweepFile, metric: str, outdir, name: str | None = None, row_param: str | None = None,
                  col_param: str | None = None, title: str = "") -> list[Path]:
    """Heatmap of the replicate mean of a metric's run total over a 2-D grid."""
    params = sw.parameters
    if sw.kind and sw.kind != "grid":
        raise ValueError(f"{sw.path}: a heatmap needs a grid design, this sweep is {sw.kind!r}")
    if len(params) < 2 and (row_param is None or col_param is None):
        raise ValueError(f"{sw.path}: a heatmap needs a 2-D grid, the design has {len(params)} parameter(s)")
    row_param = row_param or params[0]
    col_param = col_param or params[1]
    table = sw.grid_table(metric, row_param, col_param)
    labels = sw.design.attrs.get("labels", {})

    def ticks(param, values):
        names = labels.get(param)
        out = []
        for v in values:
            if names and float(v).is_integer() and 0 <= int(v) < len(names):
                out.append(names[int(v)])
            else:
                out.append(f"{v:g}")
        return out

    fig, ax = plt.subplots(figsize=(1.3 * len(table.columns) + 3.2, 0.7 * len(table.index) + 2.2))
    im = ax.imshow(table.to_numpy(float), cmap="viridis", aspect="auto", origin="lower")
    ax.set_xticks(range(len(table.columns)))
    ax.set_xticklabels(ticks(col_param, table.columns))
    ax.set_yticks(range(len(table.index)))
    ax.set_yticklabels(ticks(row_param, table.index))
    ax.set_xlabel(col_param)
    ax.set_ylabel(row_param)
    ax.grid(False)
    vmax = np.nanmax(np.abs(table.to_numpy(float))) if table.size else 0
    for i in range(len(table.index)):
        for j in range(len(table.columns)):
            v = table.iat[i, j]
            ax.text(j, i, _short(v), ha="center", va="center", fontsize=9,
                    color="white" if vmax and v < 0.6 * np.nanmax(table.to_numpy(float)) else "black")
    units = sw.units(metric)
    fig.colorbar(im, ax=ax, label=f"{pretty(metric)} ({units})")
    ax.set_title(title or f"{pretty(metric)} over the sweep grid")
    fig.tight_layout()
    reps = sw.totals[metric].shape[1]
    caption = (f"{title or pretty(metric) + ' over the sweep grid'}: mean over {reps} replicates of each grid "
               f"point's run total of {metric} ({units}), {row_param} (rows) against {col_param} (columns). "
               f"Source: {sw.path.name}.")
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


def sensitivity_bars(sw: SweepFile, metric: str, outdir, name: str | None = None, title: str = "") -> list[Path]:
    """Bar chart of sensitivity indices of one metric: Sobol first-order and
    total indices with their bootstrap intervals, or Morris mu* with sigma."""
    if metric not in sw.sensitivity:
        raise KeyError(f"{sw.path}: no /sensitivity/{metric} (run `cardsim sensitivity` first)")
    df = sw.sensitivity[metric]
    cols = set(df.columns)
    fig, ax = plt.subplots(figsize=(8, 0.42 * len(df) + 1.8))
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
        ax.barh(y, df["mu_star"], color="#1b9e77", label="mu* (mean |elementary effect|)")
        if "sigma" in cols:
            ax.scatter(df["sigma"], y, color="#d95f02", zorder=3, label="sigma (spread of effects)")
        ax.set_xlabel(f"elementary effect ({sw.units(metric) if metric in sw.totals else ''} per unit range)")
        method = "Morris"
        detail = ("Morris mu* (mean absolute elementary effect over the unit-scaled range) as bars and sigma "
                  "(standard deviation of the effects: interactions and non-linearity) as dots")
    else:
        raise ValueError(f"{sw.path}: /sensitivity/{metric} has columns {sorted(cols)}: neither Sobol nor Morris")
    ax.set_yticks(y)
    ax.set_yticklabels(df.index)
    ax.axvline(0, color="black", linewidth=0.6)
    ax.legend(loc="lower right")
    ax.set_title(title or f"{method} sensitivity of {pretty(metric)}")
    fig.tight_layout()
    caption = (f"{title or method + ' sensitivity of ' + pretty(metric)}: {detail}, of the replicate-mean run "
               f"total of {metric}, per uncertain parameter, from the {sw.kind or method.lower()} sweep "
               f"{sw.path.name} ({len(sw.design)} design points).")
    return save(fig, outdir, name or f"sensitivity_{metric}", caption)


def effect_bars(cmp: CompareFile, policies: list[str], metric: str, outdir, name: str, title: str,
                xlabel: str = "", caption_extra: str = "") -> list[Path]:
    """Paired difference (policy - base) of one metric for a few policies, with 90% intervals."""
    pols = [p for p in policies if p in cmp.policies]
    fig, ax = plt.subplots(figsize=(7.5, 0.5 * len(pols) + 1.6))
    y = np.arange(len(pols))
    m = np.array([cmp.mean.loc[p, metric] for p in pols])
    lo = np.array([cmp.p05.loc[p, metric] for p in pols])
    hi = np.array([cmp.p95.loc[p, metric] for p in pols])
    ax.barh(y, m, color="#7570b3", alpha=0.85)
    ax.errorbar(m, y, xerr=[m - lo, hi - m], fmt="none", ecolor="black", capsize=3)
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_yticks(y)
    ax.set_yticklabels(pols)
    ax.set_xlabel(xlabel or f"change in {pretty(metric)} ({cmp.units(metric)})")
    ax.set_title(title)
    fig.tight_layout()
    caption = (f"{title}: mean paired difference policy minus baseline of {metric} ({cmp.units(metric)}) with the "
               f"90% interval over {cmp.base.replicates} replicates. {caption_extra}")
    return save(fig, outdir, name, caption)


def scatter_effects(cmp: CompareFile, xmetric: str, ymetric: str, outdir, name: str, title: str,
                    caption_extra: str = "") -> list[Path]:
    """One point per policy: mean paired change of two metrics (e.g. price signal vs losses)."""
    fig, ax = plt.subplots(figsize=(7.5, 5.5))
    x = cmp.mean[xmetric]
    y = cmp.mean[ymetric] / (1e6 if "yuan" in ymetric and "price" not in ymetric else 1)
    ax.errorbar(x, y, xerr=[x - cmp.p05[xmetric], cmp.p95[xmetric] - x], fmt="o", color="#1b9e77",
                ecolor="#bbbbbb", markersize=5)
    for p in cmp.mean.index:
        ax.annotate(p, (x[p], y[p]), fontsize=8, xytext=(3, 3), textcoords="offset points")
    ax.axhline(0, color="black", linewidth=0.6)
    ax.axvline(0, color="black", linewidth=0.6)
    yunits = cmp.units(ymetric)
    if "yuan" in ymetric and "price" not in ymetric:
        yunits = "million " + yunits
    ax.set_xlabel(f"change in {pretty(xmetric)} ({cmp.units(xmetric)})")
    ax.set_ylabel(f"change in {pretty(ymetric)} ({yunits})")
    ax.set_title(title)
    fig.tight_layout()
    caption = (f"{title}: each point a policy, the mean paired change (policy minus baseline) of {xmetric} (x, "
               f"whiskers its 90% interval over {cmp.base.replicates} replicates) and of {ymetric} (y). "
               f"{caption_extra}")
    return save(fig, outdir, name, caption)
