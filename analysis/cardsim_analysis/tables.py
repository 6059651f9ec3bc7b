"""CSV and LaTeX tables (written without pandas' Jinja-dependent Styler)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .calibration import fmt, target_text
from .readers import CompareFile, headline_metrics, require_metrics

LATEX_SPECIALS = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
                  "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}


def tex_escape(s) -> str:
    return "".join(LATEX_SPECIALS.get(c, c) for c in str(s))


def latex_tabular(header: list[str], rows: list[list[str]], align: str, caption: str, label: str,
                  size: str = r"\small") -> str:
    """A table environment with booktabs rules; cells must already be LaTeX-safe."""
    out = [r"\begin{table}[htbp]", r"\centering", size, rf"\begin{{tabular}}{{{align}}}", r"\toprule",
           " & ".join(header) + r" \\", r"\midrule"]
    out += [" & ".join(r) + r" \\" for r in rows]
    out += [r"\bottomrule", r"\end{tabular}", rf"\caption{{{caption}}}", rf"\label{{{label}}}", r"\end{table}", ""]
    return "\n".join(out)


def write_calibration(df: pd.DataFrame, outdir, name: str = "calibration") -> list[Path]:
    """The calibration (or, with name="validation", validation) table as CSV and LaTeX."""
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    csv = outdir / f"{name}.csv"
    df.to_csv(csv, index=False)
    rows = []
    for _, r in df.iterrows():
        quantity = r["quantity"] + (" (input)" if r.get("role") == "input" else "")
        rows.append([tex_escape(r["fact"]), tex_escape(quantity) + r"\newline{\footnotesize " +
                     tex_escape(r["units"]) + "}",
                     tex_escape(target_text(r)), tex_escape(f"{fmt(r['accept_lo'])}-{fmt(r['accept_hi'])}") +
                     r"\newline{\footnotesize " + tex_escape(r["tolerance"]) + "}",
                     tex_escape(fmt(r["model_mean"])),
                     tex_escape(f"{fmt(r['model_p05'])}-{fmt(r['model_p95'])}"),
                     "inside" if r["inside"] else r"\textbf{outside}"])
    role = ("Validation: figures of the sources that no parameter was set from" if name == "validation" else
            "Calibration: figures of the sources the parameters were chosen to reproduce")
    caption = (f"{role} (F-ids of docs/sources.md), against the baseline run (population "
               f"{df.attrs.get('population'):,}, {df.attrs.get('days')} days, {df.attrs.get('replicates')} "
               f"replicates). Model: mean and 90\\% interval over replicates. A row is inside when its whole 90\\% "
               f"interval lies in the accepted band (the target widened by the stated tolerance). A row marked "
               f"(input) checks a figure a parameter was set from, not a quantity the market produces; it is "
               f"inside when its mean is.")
    tex = outdir / f"{name}.tex"
    tex.write_text(latex_tabular(["fact", "quantity", "target", "accepted band", "model mean", "90\\% interval",
                                  "verdict"], rows, r"lp{2.6cm}rp{3.0cm}rrl", caption, f"tab:{name}",
                                 size=r"\footnotesize"), encoding="utf-8")
    return [csv, tex]


# The effect columns of the LaTeX policy table, a presentation choice (eight
# columns fit the text width): (metric, header, divisor of its values).
POLICY_TABLE_COLUMNS = (("fraud_losses_yuan", "losses (M yuan)", 1e6), ("fraud_cases", "cases", 1.0),
                        ("honest_refused", "honest refused", 1.0), ("shutdowns_honest", "honest shut", 1.0),
                        ("price_scammer_yuan", "scammer price", 1.0))
# The bank policies against the baseline: both cards' prices and
# the honest accounts frozen beside the phone customers harmed.
TWO_CARDS_TABLE_COLUMNS = (("fraud_losses_yuan", "losses (M yuan)", 1e6), ("fraud_cases", "cases", 1.0),
                           ("bank_accounts_frozen_honest", "accts frozen", 1.0),
                           ("bank_price_account_kit_yuan", "kit price", 1.0),
                           ("price_scammer_yuan", "scammer price", 1.0))


def compare_table(cmp: CompareFile, outdir, name: str = "policy_effects", metrics=None,
                  columns=POLICY_TABLE_COLUMNS, base_label: str = "baseline") -> list[Path]:
    """Per policy: mean [5%, 95%] of the paired difference, plus losses
    avoided per honest customer harmed, rank and frontier flag. The CSV holds
    ``metrics`` (default: the file's headline metrics), the LaTeX table the
    ``columns`` (metric, header, scale); a metric the file lacks is an error."""
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    available = list(cmp.mean.columns)
    metrics = (headline_metrics(cmp.attrs, available, cmp.path) if metrics is None
               else require_metrics(metrics, available, cmp.path))
    require_metrics([m for m, _, _ in columns], available, cmp.path)
    ce = cmp.cost_effectiveness.sort_values("rank")
    recs = []
    for p in ce.index:
        rec = {"policy": p}
        for m in metrics:
            rec[f"{m}_mean"], rec[f"{m}_p05"], rec[f"{m}_p95"] = cmp.interval(p, m)
        for c in ("losses_avoided_yuan", "honest_harmed", "avoided_per_harmed", "rank", "on_frontier"):
            rec[c] = ce.loc[p, c]
        recs.append(rec)
    df = pd.DataFrame(recs)
    csv = outdir / f"{name}.csv"
    df.to_csv(csv, index=False)

    def cell(p, m, scale=1.0):
        # mean over its interval, stacked, so that eight columns fit the text width
        mean, lo, hi = (v / scale for v in cmp.interval(p, m))
        return (r"\begin{tabular}[t]{@{}r@{}}" + tex_escape(fmt(mean)) + r"\\{\tiny[" +
                tex_escape(f"{fmt(lo)}, {fmt(hi)}") + r"]}\end{tabular}")

    rows = []
    for p in ce.index:
        ratio = ce.loc[p, "avoided_per_harmed"]
        ratio_txt = (r"$\infty$" if np.isinf(ratio) and ratio > 0 else "--" if not np.isfinite(ratio)
                     else tex_escape(fmt(ratio)))
        rows.append([tex_escape(p) + (r"$^\star$" if ce.loc[p, "on_frontier"] else ""),
                     *(cell(p, m, scale) for m, _, scale in columns), ratio_txt,
                     str(int(ce.loc[p, "rank"]))])
    caption = (f"Policy effects: paired difference policy minus {base_label} over days {cmp.from_day}-"
               f"{cmp.base.days - 1}, mean [5th, 95th percentile] over {cmp.base.replicates} replicates with common "
               f"random numbers. Losses in million yuan; the scammer price is the window's daily mean in yuan per "
               f"card{'; accts frozen: honest bank accounts frozen in error; the kit price in yuan per kit' if any(m == 'bank_price_account_kit_yuan' for m, _, _ in columns) else ''}. Ratio: yuan of losses avoided per extra honest customer harmed (refused a card, or a card shut "
               f"or lost to re-verification, or an honest bank account frozen); "
               f"$\\infty$: losses avoided with no extra harm; --: undefined (no extra harm and no losses avoided). "
               f"$\\star$: on the cost-effectiveness frontier.")
    tex = outdir / f"{name}.tex"
    header = ["policy", *(h for _, h, _ in columns), "ratio", "rank"]
    tex.write_text(latex_tabular(header, rows, "p{2.9cm}" + "r" * (len(header) - 1), caption, f"tab:{name}",
                                 size=r"\footnotesize"), encoding="utf-8")
    return [csv, tex]
