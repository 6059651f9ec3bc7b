"""One self-contained HTML page for a run, a compare or a sweep file.

The page holds everything inline (figures as base64 PNG, tables, the
provenance and the resolved scenario), so it opens in any browser, can be
mailed as one file, and needs nothing installed. Figures come from
``figures.py``, the same functions the command line and the paper use.
"""
from __future__ import annotations

import base64
import html
import tempfile
from pathlib import Path

import h5py
import numpy as np
import pandas as pd

from . import figures as F
from .readers import file_kind, headline_first, headline_metrics, load_compare, load_run, load_sweep, text

PROVENANCE = ["cardsim_version", "git_commit", "schema_version", "created_utc", "seed", "replicates", "days",
              "scenario_name", "scenario_hash"]
STYLE = """
body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
h1{font-size:1.6em}h2{border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:1.6em}
table{border-collapse:collapse;font-size:.9em;margin:.5em 0}th,td{border:1px solid #ddd;padding:.25em .6em}
td.n{text-align:right;font-variant-numeric:tabular-nums}th{background:#f3f3f3;text-align:left}
figure{margin:1em 0}figure img{max-width:100%;border:1px solid #eee}figcaption{font-size:.85em;color:#555}
pre{background:#f7f7f7;padding:.8em;overflow:auto;font-size:.8em;max-height:30em}
.note{color:#555;font-size:.9em}
"""

# Records in the page how many images the browser decoded (data-images-decoded
# on <body>), which a headless browser test reads back.
CHECK_IMAGES = ("<script>addEventListener('load',()=>{const i=[...document.images];"
                "document.body.dataset.imagesDecoded=i.filter(x=>x.complete&&x.naturalWidth>0).length+'/'+i.length})"
                "</script>\n")


def _num(v) -> str:
    if isinstance(v, (bool, np.bool_)):
        return "yes" if v else "no"
    v = float(v)
    if not np.isfinite(v):
        return "&infin;" if v > 0 else ("&minus;&infin;" if v < 0 else "n/a")
    a = abs(v)
    return f"{v:,.0f}" if a >= 1000 else (f"{v:.3g}" if a >= 0.01 or a == 0 else f"{v:.2e}")


def _table(header: list[str], rows: list[list], numeric_from: int = 1) -> str:
    out = ["<table><tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in header) + "</tr>"]
    for r in rows:
        cells = [f"<td class=n>{_num(c)}</td>" if i >= numeric_from and not isinstance(c, str)
                 else f"<td>{html.escape(str(c))}</td>" for i, c in enumerate(r)]
        out.append("<tr>" + "".join(cells) + "</tr>")
    return "\n".join(out) + "</table>"


def _figures(paths: list[Path]) -> str:
    """<figure> elements for the PNGs among `paths`, with their captions."""
    out = []
    for p in paths:
        if p.suffix != ".png":
            continue
        data = base64.b64encode(p.read_bytes()).decode("ascii")
        caption_file = p.with_suffix(".caption.txt")
        caption = caption_file.read_text(encoding="utf-8").strip() if caption_file.exists() else ""
        out.append(f'<figure><img alt="{html.escape(p.stem)}" src="data:image/png;base64,{data}">'
                   f"<figcaption>{html.escape(caption)}</figcaption></figure>")
    return "\n".join(out)


def _interval_rows(totals: pd.DataFrame, metrics: list[str]) -> list[list]:
    rows = []
    for m in metrics:
        v = totals[m].to_numpy(float)
        rows.append([m, v.mean(), np.percentile(v, 5), np.percentile(v, 95), totals.attrs["units"][m]])
    return rows


def _run_body(path: Path, figs: Path) -> tuple[str, str]:
    run = load_run(path)
    body = ["<h2>Headline figures</h2>",
            _figures(F.daily_series(run, list(F.RUN_SERIES), figs, "series", smooth=7,
                                    title=f"{run.name}: daily series")),
            _figures(F.supply_shares({run.name: run}, figs, "supply_shares")),
            f"<h2>Run totals ({run.replicates} replicates)</h2>",
            "<p class=note>Every metric of the file, its headline metrics first.</p>",
            _table(["metric", "mean", "5th percentile", "95th percentile", "units"],
                   _interval_rows(run.totals, headline_first(run.attrs, list(run.totals.columns), path)))]
    return f"cardsim run: {run.name}", "\n".join(body)


def _compare_body(path: Path, figs: Path) -> tuple[str, str]:
    cmp = load_compare(path)
    metrics = headline_metrics(cmp.attrs, list(cmp.mean.columns), path)
    rows = [[p, m, cmp.mean.loc[p, m], cmp.p05.loc[p, m], cmp.p95.loc[p, m], cmp.units(m),
             "yes" if cmp.spans_zero.loc[p, m] else "no"] for p in cmp.policy_names for m in metrics]
    ce = cmp.cost_effectiveness.sort_values("rank")
    ce_rows = [[p, r.losses_avoided_yuan, r.losses_avoided_p05, r.losses_avoided_p95, r.honest_harmed,
                r.avoided_per_harmed, int(r["rank"]), "yes" if r.on_frontier else "no"] for p, r in ce.iterrows()]
    body = ["<h2>Effects of each policy against the base</h2>",
            f"<p class=note>Paired differences policy &minus; base over days {cmp.from_day} onward, with common "
            f"random numbers; mean and 90% interval over {cmp.base.replicates} replicates. "
            "An interval that spans zero is not a detected effect.</p>",
            _table(["policy", "metric", "mean difference", "5th percentile", "95th percentile", "units",
                    "spans zero"], rows, numeric_from=2),
            _figures(F.policy_comparison(cmp, figs, "policy_comparison")),
            "<h2>Cost-effectiveness and frontier</h2>",
            _table(["policy", "losses avoided (yuan)", "5th pct", "95th pct", "honest customers harmed",
                    "yuan avoided per honest customer harmed", "rank", "on frontier"], ce_rows),
            f"<p>Frontier: {html.escape(', '.join(cmp.frontier) or 'none')}</p>",
            _figures(F.frontier(cmp, figs, "frontier"))]
    return f"cardsim compare: {cmp.base.name} against {', '.join(cmp.policy_names)}", "\n".join(body)


def _sweep_figure(sw, metric: str, figs: Path) -> list[Path]:
    if sw.sensitivity and metric in sw.sensitivity:
        return F.sensitivity_bars(sw, metric, figs, f"sensitivity_{metric}")
    if sw.kind == "grid" and len(sw.parameters) == 2:
        return F.sweep_heatmap(sw, metric, figs, f"heatmap_{metric}")
    import matplotlib.pyplot as plt
    means = sw.run_means(metric)
    fig, axes = plt.subplots(1, len(sw.parameters), figsize=(4 * len(sw.parameters), 3.4), squeeze=False)
    for ax, p in zip(axes[0], sw.parameters):
        ax.scatter(sw.design[p], means, s=12)
        ax.set_xlabel(p, fontsize=8)
        ax.set_ylabel(sw.units(metric))
    fig.tight_layout()
    return F.save(fig, figs, f"scatter_{metric}", f"Replicate mean of {metric} per run against each parameter.")


def _sweep_body(path: Path, figs: Path) -> tuple[str, str]:
    sw = load_sweep(path)
    metric = F.SWEEP_METRIC
    means = {m: sw.run_means(m) for m in headline_metrics(sw.attrs, list(sw.totals), path)}
    labels = sw.design.attrs.get("labels", {})
    rows = []
    for run in sw.design.index[:200]:
        values = [labels[p][int(v)] if p in labels and 0 <= int(v) < len(labels[p]) else float(v)
                  for p, v in sw.design.loc[run].items()]
        rows.append([run, *values, *(means[m][run] for m in means)])
    body = [f"<h2>{html.escape(sw.kind)} design: {len(sw.design)} runs over {len(sw.parameters)} parameters</h2>",
            _figures(_sweep_figure(sw, metric, figs)),
            "<h2>Runs (replicate means)</h2>",
            _table(["run", *sw.parameters, *(f"{m} ({sw.units(m)})" for m in means)], rows, numeric_from=0),
            "<p class=note>Only the first 200 runs are listed.</p>" if len(sw.design) > 200 else ""]
    return f"cardsim sweep: {text(sw.attrs.get('spec_name', path.stem))}", "\n".join(body)


def _provenance(path: Path) -> str:
    with h5py.File(path, "r") as f:
        attrs = {k: f.attrs[k] for k in f.attrs}
    rows = [[k, text(attrs[k]) if isinstance(attrs[k], (str, bytes)) else str(attrs[k])]
            for k in PROVENANCE if k in attrs]
    out = ["<h2>Provenance</h2>", _table(["attribute", "value"], rows, numeric_from=99),
           f"<p class=note>File: {html.escape(str(path))}. Rerun the resolved scenario below with "
           "<code>cardsim run</code> (same seed and replicates) to reproduce it.</p>"]
    for key, title in (("spec_yaml", "Sweep spec"), ("scenario_yaml", "Resolved scenario")):
        if key in attrs:
            out.append(f"<details><summary>{title}</summary><pre>{html.escape(text(attrs[key]))}</pre></details>")
    return "\n".join(out)


def write_report(path, out=None) -> Path:
    """Writes the HTML report of a cardsim run, compare or sweep file to
    `out` (default: beside the file, .html) and returns its path."""
    path = Path(path)
    out = Path(out) if out else path.with_suffix(".html")
    with h5py.File(path, "r") as f:
        kind = file_kind(f)
    body_of = {"run": _run_body, "compare": _compare_body, "sweep": _sweep_body}[kind]
    with tempfile.TemporaryDirectory() as tmp:
        title, body = body_of(path, Path(tmp))
    page = (f"<!DOCTYPE html>\n<html lang=en><head><meta charset=utf-8><title>{html.escape(title)}</title>"
            f"<style>{STYLE}</style></head><body>\n<h1>{html.escape(title)}</h1>\n{body}\n{_provenance(path)}\n"
            f"{CHECK_IMAGES}</body></html>\n")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp_out = out.with_name(f".{out.name}.partial")
    tmp_out.write_text(page, encoding="utf-8")
    tmp_out.replace(out)
    return out
