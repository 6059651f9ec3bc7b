"""Command line: python3 -m analysis.cardsim_analysis COMMAND ...

  run FILE         daily-series and supply-share figures of a run file
  compare FILE     policy comparison, frontier, supply shares, effects table
  sweep FILE       heatmap (2-D grid) or sensitivity bars (sobol/morris)
  calibration FILE calibration report (printed, CSV and LaTeX)
  validation FILE  validation report: facts no parameter was set from
  paper            everything the paper needs from results/paper/
  report FILE      one self-contained HTML page of a run, compare or sweep file

--figures and --tables go before or after the command.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import figures as F
from .calibration import calibration_table, print_table
from .validation import validation_table
from .readers import load_compare, load_run, load_sweep
from .tables import compare_table, write_calibration


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="cardsim-analysis", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--figures", default="results/figures", help="figure folder (default results/figures)")
    ap.add_argument("--tables", default="results/tables", help="table folder (default results/tables)")
    # The same options after the command: SUPPRESS keeps the value given
    # before it (or the default) when they are not repeated there.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--figures", default=argparse.SUPPRESS, help="figure folder (default results/figures)")
    common.add_argument("--tables", default=argparse.SUPPRESS, help="table folder (default results/tables)")
    sub = ap.add_subparsers(dest="cmd", required=True)
    add_parser = sub.add_parser
    sub.add_parser = lambda name, **kw: add_parser(name, parents=[common], **kw)
    p = sub.add_parser("report", help="self-contained HTML report of a run, compare or sweep file")
    p.add_argument("file")
    p.add_argument("--out", help="HTML file to write (default: FILE with .html)")
    p = sub.add_parser("run", help="figures of a cardsim run file")
    p.add_argument("file")
    p.add_argument("--metrics", nargs="+", default=list(F.RUN_SERIES))
    p.add_argument("--smooth", type=int, default=7)
    p = sub.add_parser("compare", help="figures and tables of a cardsim compare file")
    p.add_argument("file")
    p = sub.add_parser("sweep", help="figures of a cardsim sweep file")
    p.add_argument("file")
    p.add_argument("--metric", action="append", help=f"metric (repeatable; default {F.SWEEP_METRIC})")
    p = sub.add_parser("calibration", help="calibration report of a baseline run file")
    p.add_argument("file")
    p = sub.add_parser("validation", help="validation report of a baseline run file (docs/validation.md)")
    p.add_argument("file")
    p = sub.add_parser("paper", help="figures, tables and number macros for paper/")
    p.add_argument("--results", default="results/paper")
    p.add_argument("--generated", default="paper/generated")
    p.add_argument("--quiet", action="store_true")
    a = ap.parse_args(argv)
    try:
        return _dispatch(a)
    except (OSError, KeyError, ValueError) as e:
        print(f"cardsim-analysis: error: {e}", file=sys.stderr)
        return 2


def _dispatch(a) -> int:
    figs, tabs = Path(a.figures), Path(a.tables)
    written = []
    if a.cmd == "report":
        from .report import write_report
        print(write_report(a.file, a.out))
        return 0
    if a.cmd == "run":
        run = load_run(a.file)
        stem = Path(a.file).stem
        written += F.daily_series(run, a.metrics, figs, f"{stem}_series", title=f"{run.name}: daily series",
                                  smooth=a.smooth)
        written += F.supply_shares({run.name: run}, figs, f"{stem}_supply_shares")
    elif a.cmd == "compare":
        cmp = load_compare(a.file)
        stem = Path(a.file).stem
        written += F.policy_comparison(cmp, figs, f"{stem}_policy_comparison")
        written += F.frontier(cmp, figs, f"{stem}_frontier")
        written += F.supply_shares({"baseline": cmp.base, **cmp.policies}, figs, f"{stem}_supply_shares")
        written += compare_table(cmp, tabs, f"{stem}_effects")
    elif a.cmd == "sweep":
        sw = load_sweep(a.file)
        stem = Path(a.file).stem
        for metric in a.metric or [F.SWEEP_METRIC]:
            if metric not in sw.totals:
                import difflib
                close = difflib.get_close_matches(metric, sw.totals, 1, 0.6) or [m for m in sw.totals
                                                                                  if m.startswith(metric)][:1]
                raise ValueError(f"--metric {metric}: not in {a.file}" + (f"; did you mean '{close[0]}'?"
                                                                           if close else ""))
            if sw.sensitivity:
                written += F.sensitivity_bars(sw, metric, figs, f"{stem}_sensitivity_{metric}")
            elif sw.kind == "grid" and len(sw.parameters) == 2:
                written += F.sweep_heatmap(sw, metric, figs, f"{stem}_heatmap_{metric}")
            else:
                raise ValueError(f"{a.file}: {sw.kind} sweep over {len(sw.parameters)} parameters with no "
                                 f"/sensitivity: nothing to plot (run `cardsim sensitivity` or use a 2-D grid)")
    elif a.cmd == "calibration":
        df = calibration_table(load_run(a.file))
        print_table(df, sys.stdout)
        written += write_calibration(df, tabs)
    elif a.cmd == "validation":
        df = validation_table(load_run(a.file))
        print_table(df, sys.stdout, title="Validation")
        written += write_calibration(df, tabs, name="validation")
    elif a.cmd == "paper":
        from .paper import build
        info = build(Path(a.results), figs, tabs, Path(a.generated), quiet=a.quiet)
        print(f"cardsim-analysis: {len(info['figures'])} figures, {info['macros']} number macros -> "
              f"{a.generated}/numbers.tex")
        return 0
    for w in written:
        print(w)
    return 0


if __name__ == "__main__":
    sys.exit(main())
