"""The readers handle the three series storages of ``--series``: daily,
weekly (7-day sums of flows, means of levels, prices and ratios, axis
``week`` labelled by each week's first day) and none (totals only).

Run by CTest with the binary in CARDSIM_BINARY (default build/release/cardsim).
"""
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "analysis"))

from cardsim_analysis.frames import read_run, read_sweep  # noqa: E402
from cardsim_analysis.readers import load_compare, load_run, load_sweep, refusals_by_check  # noqa: E402

DAYS = 30  # four full weeks and a 2-day fifth
SMALL = ["--set", "population=20000", "--set", f"days={DAYS}", "-r", "2", "-t", "2", "-q"]


def binary() -> Path:
    path = Path(os.environ.get("CARDSIM_BINARY", ROOT / "build/release/cardsim"))
    if not path.exists():
        pytest.skip("no cardsim binary; build first or set CARDSIM_BINARY")
    return path


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    out = tmp_path_factory.mktemp("series")
    files = {}
    for mode in ("daily", "weekly", "none"):
        files[mode] = out / f"{mode}.h5"
        subprocess.run([str(binary()), "run", *SMALL, "--series", mode, "--out", str(files[mode])], check=True,
                       stdout=subprocess.DEVNULL)
    return files


def test_weekly_run_reads_as_weeks_whose_flows_sum_the_days(runs):
    daily, weekly = load_run(runs["daily"]), load_run(runs["weekly"])
    assert weekly.series_mode == "weekly" and daily.series_mode == "daily"
    assert weekly.days == daily.days == DAYS
    ts = weekly.timeseries("fraud_cases")
    assert ts.columns.name == "week"
    assert list(ts.columns) == [0, 7, 14, 21, 28]
    assert ts.attrs["units"] == "cases per week"
    day_values = daily.timeseries("fraud_cases").to_numpy()
    for i, start in enumerate(ts.columns):
        np.testing.assert_allclose(ts.iloc[:, i], day_values[:, start:start + 7].sum(axis=1), rtol=1e-12)
    price = weekly.timeseries("price_scammer_yuan").to_numpy()
    np.testing.assert_allclose(price[:, -1], daily.timeseries("price_scammer_yuan").to_numpy()[:, 28:].mean(axis=1),
                               rtol=1e-12)
    frame = read_run(runs["weekly"])
    assert frame.index.names == ["replicate", "week"]
    assert frame.attrs["series"] == "weekly"
    np.testing.assert_allclose(refusals_by_check(runs["weekly"]), refusals_by_check(runs["daily"]), rtol=1e-12)


def test_none_run_has_totals_only_and_says_so(runs):
    none, daily = load_run(runs["none"]), load_run(runs["daily"])
    assert none.series_mode == "none" and not none.series
    assert none.days == DAYS
    assert none.totals.equals(daily.totals)
    with pytest.raises(KeyError, match="--series none"):
        none.timeseries("fraud_cases")
    with pytest.raises(ValueError, match="totals=True"):
        read_run(runs["none"])
    assert read_run(runs["none"], totals=True).equals(read_run(runs["daily"], totals=True))


def test_weekly_compare_and_sweep_read(tmp_path):
    cmp_out = tmp_path / "cmp.h5"
    subprocess.run([str(binary()), "compare", str(ROOT / "scenarios/baseline.yaml"),
                    str(ROOT / "scenarios/policies/dealer_cap.yaml"), *SMALL, "--series", "weekly",
                    "--bootstrap", "100", "--out", str(cmp_out)], check=True, stdout=subprocess.DEVNULL)
    cmp = load_compare(cmp_out)
    assert cmp.base.series_mode == "weekly" and cmp.base.days == DAYS
    assert list(cmp.base.timeseries("fraud_cases").columns) == [0, 7, 14, 21, 28]
    spec = tmp_path / "spec.yaml"
    spec.write_text(f"replicates: 1\nseed: 3\nset: {{days: {DAYS}, population: 20000}}\n"
                    "series: [fraud_cases]\ndesign:\n  kind: grid\n  parameters:\n"
                    "    controls.per_id_cap.max_cards: [1, 3]\n")
    for mode in ("weekly", "none"):
        out = tmp_path / f"sweep-{mode}.h5"
        subprocess.run([str(binary()), "sweep", str(spec), "--series", mode, "-t", "2", "-q", "--out", str(out)],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    weekly, none = load_sweep(tmp_path / "sweep-weekly.h5"), load_sweep(tmp_path / "sweep-none.h5")
    assert weekly.series_mode == "weekly" and weekly.series["fraud_cases"].shape == (2, 1, 5)
    assert list(weekly.period_starts) == [0, 7, 14, 21, 28]
    assert none.series_mode == "none" and not none.series and none.period_starts is None
    assert read_sweep(tmp_path / "sweep-weekly.h5")["fraud_cases"].equals(
        read_sweep(tmp_path / "sweep-none.h5")["fraud_cases"])
