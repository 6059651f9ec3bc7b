"""The analysis package: readers and every figure function, on small files made here.

Run and compare files come from the real binary (CARDSIM_BINARY, set by CTest;
default build/release/cardsim). Sweep files (issue 5 layout: /design [run,
parameter], /totals/<metric> [run, replicate], /sensitivity/<metric>
[parameter, index]) are written with h5py, since the sweep command lives on
another branch.
"""
import os
import re
import subprocess
import sys
from pathlib import Path

import h5py
import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("MPLBACKEND", "Agg")

from analysis.cardsim_analysis import figures as F  # noqa: E402
from analysis.cardsim_analysis.calibration import TARGETS, calibration_table, print_table  # noqa: E402
from analysis.cardsim_analysis.numbers import Macros, camel, num  # noqa: E402
from analysis.cardsim_analysis.readers import (  # noqa: E402
    headline_metrics, load_compare, load_run, load_sweep, refusals_by_check, scenario_value, supply_channels)
from analysis.cardsim_analysis.report import write_report  # noqa: E402
from analysis.cardsim_analysis.tables import compare_table, write_calibration  # noqa: E402

# A fiftieth of the baseline's people with all of its criminals and police.
TINY = ["--set", "population=20000", "--set", "density.caught_share=0.014",
        "--set", "controls.police.capacity_per_million=30", "--set", "days=30", "-r", "3", "-t", "2", "-q"]


@pytest.fixture(scope="module")
def binary():
    b = Path(os.environ.get("CARDSIM_BINARY", ROOT / "build/release/cardsim"))
    if not b.exists():
        pytest.fail(f"no cardsim binary at {b}: build first or set CARDSIM_BINARY")
    return b


@pytest.fixture(scope="module")
def tmp(tmp_path_factory):
    return tmp_path_factory.mktemp("analysis")


@pytest.fixture(scope="module")
def run_file(binary, tmp):
    out = tmp / "run.h5"
    subprocess.run([str(binary), "run", str(ROOT / "scenarios/baseline.yaml"), *TINY, "--out", str(out)],
                   check=True)
    return out


@pytest.fixture(scope="module")
def compare_file(binary, tmp):
    out = tmp / "compare.h5"
    pol = ROOT / "scenarios/policies"
    subprocess.run([str(binary), "compare", str(ROOT / "scenarios/baseline.yaml"), str(pol / "dealer_cap.yaml"),
                    str(pol / "remote_block.yaml"), str(pol / "awareness_campaign.yaml"), *TINY,
                    "--out", str(out)], check=True)
    return out


def make_sweep(path, kind="grid", sensitivity=None):
    """A synthetic sweep file in the issue 5 layout."""
    reps = 2
    if kind == "grid":
        params = ["controls.dealer_cap.max_activations", "controls.remote_activation.mode"]
        design = np.array([[c, m] for c in (15, 30, 60) for m in (0, 1, 2)], float)
        spec = ("design:\n  kind: grid\n  parameters:\n    controls.dealer_cap.max_activations: [15, 30, 60]\n"
                "    controls.remote_activation.mode: [allow, verify, block]\n")
    else:
        params = ["a.x", "a.y", "a.z"]
        design = np.random.default_rng(1).random((20, 3))
        spec = f"design:\n  kind: {kind}\n"
    with h5py.File(path, "w") as f:
        f.attrs["cardsim_version"] = "0.1.0"
        f.attrs["spec_yaml"] = spec
        ds = f.create_dataset("design", data=design)
        ds.attrs["parameters"] = params
        ds.attrs["kind"] = kind
        ds.attrs["dimensions"] = "run, parameter"
        tot = f.create_group("totals")
        for m, units in (("fraud_losses_yuan", "yuan per run"), ("honest_refused", "customers per run")):
            vals = (design[:, :1] * 1000 + design[:, 1:2] * 10) + np.arange(reps)[None, :]
            t = tot.create_dataset(m, data=vals)
            t.attrs["units"] = units
            t.attrs["description"] = m
        if sensitivity:
            g = f.create_group("sensitivity")
            g.attrs["method"] = kind
            for m in ("fraud_losses_yuan", "honest_refused"):
                if sensitivity == "sobol":
                    cols = ["S1", "S1_lo", "S1_hi", "ST", "ST_lo", "ST_hi"]
                    data = np.array([[0.5, 0.4, 0.6, 0.6, 0.5, 0.7], [0.2, 0.1, 0.3, 0.3, 0.2, 0.4],
                                     [0.0, -0.05, 0.05, 0.05, 0.0, 0.1]])
                else:
                    cols = ["mu_star", "mu", "sigma"]
                    data = np.array([[3.0, 3.0, 0.5], [1.0, -1.0, 0.2], [0.1, 0.0, 0.1]])
                d = g.create_dataset(m, data=data)
                d.attrs["parameters"] = params
                d.attrs["columns"] = cols
    return path


def assert_figure(paths, name, outdir):
    names = {p.name for p in paths}
    for ext in ("png", "pdf", "caption.txt"):
        f = Path(outdir) / f"{name}.{ext}"
        assert f.name in names and f.exists() and f.stat().st_size > 0, f
    caption = (Path(outdir) / f"{name}.caption.txt").read_text()
    assert len(caption) > 40
    # Readable: no overlapping labels, no "1e6" axis offset, nothing outside the figure.
    assert F.LAYOUT[name] == [], F.LAYOUT[name]


def test_layout_check_finds_overlap_offset_and_outside_labels(tmp):
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(4, 3))
    ax.plot([0, 1], [1.0e6, 1.000001e6])        # small spread on a large value: offset text
    ax.ticklabel_format(useOffset=True)
    ax.text(0.5, 0.5, "first label", transform=ax.transAxes)
    ax.text(0.52, 0.5, "second label", transform=ax.transAxes)
    ax.text(1.4, 0.5, "far outside", transform=ax.transAxes)
    problems = " | ".join(F.layout_problems(fig))
    plt.close(fig)
    assert "offset" in problems
    assert "'first label' overlaps" in problems and "'second label'" in problems
    assert "'far outside' runs outside the figure" in problems
    fig, ax = plt.subplots(figsize=(4, 3))
    ax.plot([0, 1], [0, 1])
    ax.set_xlabel("x (units)")
    fig.tight_layout()
    assert F.layout_problems(fig) == []
    plt.close(fig)


def test_every_figure_function_is_covered_by_a_layout_test():
    import inspect
    writers = {n for n, f in inspect.getmembers(F, inspect.isfunction)
               if f.__module__ == F.__name__ and n != "save" and "save(fig" in inspect.getsource(f)}
    tested = {"daily_series", "policy_comparison", "frontier", "supply_shares", "sweep_heatmap",
              "sensitivity_bars", "effect_bars", "scatter_effects"}
    assert writers == tested, f"figure functions without a layout test: {writers - tested}"


# ---- readers -----------------------------------------------------------------

def test_load_run_gives_units_and_shapes(run_file):
    r = load_run(run_file)
    assert r.replicates == 3 and r.days == 30 and r.population == 20000
    assert r.totals.shape[0] == 3
    assert r.units("fraud_losses_yuan") == "yuan per run"
    ts = r.timeseries("fraud_cases")
    assert ts.shape == (3, 30)
    assert ts.attrs["units"] == "cases per day"
    assert r.attrs["git_commit"] and "controls:" in r.scenario_yaml
    assert scenario_value(r.scenario_yaml, "controls.remote_activation.mode") == "verify"
    assert scenario_value(r.scenario_yaml, "scammers.loss_mean_yuan") == 42000
    with pytest.raises(KeyError):
        r.timeseries("no_such_metric")


def test_refusals_by_check_are_named_by_the_file(run_file):
    by_check = refusals_by_check(run_file)
    assert by_check.shape[0] == 3
    assert list(by_check.columns)[:3] == ["dealer_cap", "velocity_outlet", "id_cap"]
    # every honest refusal is counted by exactly one check
    r = load_run(run_file)
    np.testing.assert_allclose(by_check.sum(axis=1).to_numpy(), r.totals["honest_refused"].to_numpy())


def test_load_compare_tables_agree_with_differences(compare_file):
    c = load_compare(compare_file)
    assert c.policy_names == ["dealer_cap", "remote_block", "awareness_campaign"]
    assert c.base.replicates == 3 and c.from_day == 0
    for p in c.policy_names:
        d = c.differences[p]["fraud_losses_yuan"].to_numpy()
        direct = c.policies[p].totals["fraud_losses_yuan"].to_numpy() - c.base.totals["fraud_losses_yuan"].to_numpy()
        assert np.allclose(d, direct)
        assert c.mean.loc[p, "fraud_losses_yuan"] == pytest.approx(d.mean())
        assert c.cost_effectiveness.loc[p, "losses_avoided_yuan"] == pytest.approx(-d.mean())
    assert c.mean.attrs["units"]["fraud_losses_yuan"] == "yuan per window"
    assert set(c.frontier) <= set(c.policy_names)
    with pytest.raises(ValueError):
        load_compare(compare_file.with_name("run.h5"))


def test_load_sweep_grid_and_sensitivity(tmp):
    sw = load_sweep(make_sweep(tmp / "grid.h5"))
    assert sw.kind == "grid" and sw.design.shape == (9, 2)
    assert sw.totals["fraud_losses_yuan"].shape == (9, 2)
    assert sw.units("fraud_losses_yuan") == "yuan per run"
    assert sw.design.attrs["labels"]["controls.remote_activation.mode"] == ["allow", "verify", "block"]
    g = sw.grid_table("fraud_losses_yuan", *sw.parameters)
    assert g.shape == (3, 3) and g.loc[60.0, 2.0] == pytest.approx(60000 + 20 + 0.5)
    so = load_sweep(make_sweep(tmp / "sobol.h5", "sobol", "sobol"))
    assert list(so.sensitivity["fraud_losses_yuan"].columns[:2]) == ["S1", "S1_lo"]
    assert list(so.sensitivity["fraud_losses_yuan"].index) == ["a.x", "a.y", "a.z"]
    with pytest.raises(ValueError):
        load_run(tmp / "grid.h5")


# ---- figures -------------------------------------------------------------------

def test_daily_series_figure(run_file, tmp):
    out = tmp / "fig"
    r = load_run(run_file)
    assert_figure(F.daily_series(r, ["fraud_cases", "price_scammer_yuan", "cards_in_fraud_use"], out, "series",
                                 smooth=3, mark_day=10), "series", out)
    assert "90%" in (out / "series.caption.txt").read_text()


def test_policy_comparison_and_frontier_figures(compare_file, tmp):
    out = tmp / "fig"
    c = load_compare(compare_file)
    assert_figure(F.policy_comparison(c, out), "policy_comparison", out)
    assert_figure(F.frontier(c, out), "frontier", out)
    assert_figure(F.effect_bars(c, c.policy_names, "fraud_losses_yuan", out, "effects", "Effects"), "effects", out)
    assert_figure(F.scatter_effects(c, "price_scammer_yuan", "fraud_losses_yuan", out, "scatter", "Price"),
                  "scatter", out)


def test_supply_share_figure_and_shares_are_shares(compare_file, tmp):
    out = tmp / "fig"
    c = load_compare(compare_file)
    shares = F.channel_shares(c.base, 7)
    assert list(shares) == list(dict.fromkeys(ch.share_metric for ch in c.channels))
    total = sum(df.to_numpy() for df in shares.values())
    ok = np.isfinite(total)
    assert ok.any() and np.allclose(total[ok], 1.0, atol=1e-9)
    assert_figure(F.supply_shares({"baseline": c.base, "remote_block": c.policies["remote_block"]}, out),
                  "supply_shares", out)


def test_channel_list_comes_from_the_file(run_file, tmp):
    """The supply channels are the file's: each names a switch, an activation
    count and a share the file holds; a channel added to the file's list is
    plotted without a change here; a file written before the list gets the
    same channels from the metrics it holds."""
    run = load_run(run_file)
    assert run.channels
    for ch in run.channels:
        assert scenario_value(run.scenario_yaml, f"channels.{ch.key}.enabled") in (True, False, "true", "false")
        assert ch.activation_metric in run.totals and ch.share_metric in run.totals
    extra = tmp / "extra_channel.h5"
    extra.write_bytes(Path(run_file).read_bytes())
    with h5py.File(extra, "a") as f:
        for group in ("totals", "timeseries"):
            f.copy(f[f"{group}/share_supply_farmer"], f"{group}/share_supply_sim_bank")
        for attr, value in (("channels", "sim_bank"), ("channel_labels", "SIM banks"),
                            ("channel_activation_metrics", "cards_activated_farmer"),
                            ("channel_share_metrics", "share_supply_sim_bank")):
            f.attrs[attr] = list(f.attrs[attr]) + [value]
    more = load_run(extra)
    assert [ch.key for ch in more.channels] == [ch.key for ch in run.channels] + ["sim_bank"]
    assert "share_supply_sim_bank" in F.channel_shares(more, 7)
    out = tmp / "fig"
    assert_figure(F.supply_shares({"extra": more}, out, "extra_shares"), "extra_shares", out)
    assert "SIM banks" in (out / "extra_shares.caption.txt").read_text()
    old = tmp / "no_channels.h5"
    old.write_bytes(Path(run_file).read_bytes())
    with h5py.File(old, "a") as f:
        del f.attrs["channels"]
    assert load_run(old).channels == run.channels
    with pytest.raises(KeyError, match="no supply channel list"):
        supply_channels({}, "x.h5", ["fraud_cases"])


def test_sweep_heatmap_figure(tmp):
    out = tmp / "fig"
    sw = load_sweep(make_sweep(tmp / "grid3.h5"))
    assert_figure(F.sweep_heatmap(sw, "fraud_losses_yuan", out, "heat"), "heat", out)
    one = load_sweep(make_sweep(tmp / "lhs.h5", "lhs"))
    with pytest.raises(ValueError):
        F.sweep_heatmap(one, "fraud_losses_yuan", out, "bad", row_param="a.x")


@pytest.mark.parametrize("method", ["sobol", "morris"])
def test_sensitivity_bars_figure(tmp, method):
    out = tmp / "fig"
    sw = load_sweep(make_sweep(tmp / f"{method}.h5", method, method))
    assert_figure(F.sensitivity_bars(sw, "fraud_losses_yuan", out, f"sens_{method}"), f"sens_{method}", out)
    plain = load_sweep(make_sweep(tmp / f"{method}_plain.h5", method))
    with pytest.raises(KeyError):
        F.sensitivity_bars(plain, "fraud_losses_yuan", out, "none")


# ---- calibration, tables, numbers, command line ----------------------------------

def test_calibration_report_covers_the_facts(run_file, tmp):
    df = calibration_table(load_run(run_file))
    facts = " ".join(df["fact"])
    for f in ("F1", "F5", "F7", "F8", "F10", "F20"):
        assert f in facts
    assert len(df) == len(TARGETS)
    assert (df["model_p05"] <= df["model_mean"] + 1e-9).all() and (df["model_mean"] <= df["model_p95"] + 1e-9).all()
    assert df["tolerance"].str.len().min() > 0
    text = print_table(df)
    assert "inside" in text or "OUTSIDE" in text
    csv, tex = write_calibration(df, tmp / "tab")
    assert csv.read_text().count("\n") == len(df) + 1
    assert r"\begin{tabular}" in tex.read_text()


def test_calibration_of_the_real_baseline_prices(run_file):
    # White-card price starts at the F1 figure and stays in range even in a 30-day run.
    df = calibration_table(load_run(run_file)).set_index("quantity")
    assert bool(df.loc["white-card price", "inside"])


def test_compare_table(compare_file, tmp):
    csv, tex = compare_table(load_compare(compare_file), tmp / "tab")
    assert "dealer_cap" in csv.read_text() and r"dealer\_cap" in tex.read_text()


def test_tables_and_report_take_their_metrics_from_the_file(run_file, compare_file, tmp):
    """The policy table's CSV and the HTML report list the file's headline
    metrics (root attribute table_metrics), so a metric added to that list
    shows up with no change to the package; a listed metric the file lacks is
    an error, not a shorter table; a file written before the list has every
    metric it holds as headline."""
    cmp = load_compare(compare_file)
    headline = headline_metrics(cmp.attrs, list(cmp.mean.columns), compare_file)
    assert headline and set(headline) <= set(cmp.mean.columns)
    csv, _ = compare_table(cmp, tmp / "headline")
    assert [c.removesuffix("_mean") for c in pd.read_csv(csv).columns if c.endswith("_mean")] == headline
    more = tmp / "more_headline.h5"
    more.write_bytes(Path(compare_file).read_bytes())
    with h5py.File(more, "a") as f:
        assert "insiders_active" not in list(f.attrs["table_metrics"])
        f.attrs["table_metrics"] = list(f.attrs["table_metrics"]) + ["insiders_active"]
    csv, _ = compare_table(load_compare(more), tmp / "more")
    assert "insiders_active_mean" in pd.read_csv(csv).columns
    assert "<td>insiders_active</td>" in write_report(more, tmp / "more.html").read_text()
    with h5py.File(more, "a") as f:
        f.attrs["table_metrics"] = list(f.attrs["table_metrics"]) + ["no_such_metric"]
    with pytest.raises(KeyError, match="no_such_metric"):
        compare_table(load_compare(more), tmp / "bad")
    with pytest.raises(KeyError, match="no_such_metric"):
        write_report(more, tmp / "bad.html")
    # A run's report lists every metric of the file, its headline metrics first.
    run = load_run(run_file)
    rows = re.findall(r"<tr><td>([a-z_]+)</td><td class=n>", write_report(run_file, tmp / "run.html").read_text())
    first = headline_metrics(run.attrs, list(run.totals.columns), run_file)
    assert rows[:len(first)] == first and sorted(rows) == sorted(run.totals.columns)
    assert headline_metrics({}, ["a", "b"]) == ["a", "b"]


def test_macros_are_letters_only_and_unique(tmp):
    assert camel("per_id_cap_3") == "PerIdCapThree"
    assert camel("Cal", "F20", "fraud cases") == "CalFTwoZeroFraudCases"
    m = Macros()
    m.interval("Loss", 1234567.0, 1e6, 2e6)
    with pytest.raises(ValueError):
        m.add("Loss", 1)
    with pytest.raises(ValueError):
        m.add("Bad1", 1)
    text = m.write(tmp / "n.tex").read_text()
    assert r"\newcommand{\LossCI}{1.2\,million (1.0\,million to 2.0\,million)}" in text
    assert num(1234) == "1{,}234" and num(0.0123) == "0.0123"


def test_command_line(run_file, compare_file, tmp):
    env = dict(os.environ, PYTHONPATH=str(ROOT), MPLBACKEND="Agg")
    figs, tabs = tmp / "cli_fig", tmp / "cli_tab"
    base = ["/usr/bin/python3", "-m", "analysis.cardsim_analysis", "--figures", str(figs), "--tables", str(tabs)]
    r = subprocess.run(base + ["calibration", str(run_file)], env=env, capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0, r.stderr
    assert "F20" in r.stdout and (tabs / "calibration.tex").exists()
    r = subprocess.run(base + ["compare", str(compare_file)], env=env, capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0, r.stderr
    assert (figs / "compare_frontier.pdf").exists()
    r = subprocess.run(base + ["sweep", str(make_sweep(tmp / "cli_grid.h5"))], env=env, capture_output=True,
                       text=True, cwd=ROOT)
    assert r.returncode == 0, r.stderr
    r = subprocess.run(base + ["run", str(tmp / "missing.h5")], env=env, capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 2 and "error" in r.stderr
    r = subprocess.run([str(ROOT / "analysis/cardsim-analysis"), "--figures", str(figs), "run", str(run_file)],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
