"""The compare HDF5 file carries provenance and reads cleanly with h5py and pandas.

CTest runs this after a fixture has written a small comparison; the path comes
in CARDSIM_COMPARE_H5. Run by hand, it makes its own file with the binary in
CARDSIM_BINARY (default build/release/cardsim).
"""
import os
import subprocess
from pathlib import Path

import h5py
import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[2]
PROVENANCE = ["cardsim_version", "git_commit", "schema_version", "created_utc", "seed", "replicates",
              "scenario_name", "scenario_yaml", "scenario_hash"]


def text(value):
    return value.decode() if isinstance(value, bytes) else str(value)


@pytest.fixture(scope="module")
def compare_path(tmp_path_factory):
    given = os.environ.get("CARDSIM_COMPARE_H5")
    if given:
        return Path(given)
    binary = Path(os.environ.get("CARDSIM_BINARY", ROOT / "build/release/cardsim"))
    if not binary.exists():
        pytest.skip("no cardsim binary; build first or set CARDSIM_BINARY")
    out = tmp_path_factory.mktemp("compare") / "compare.h5"
    subprocess.run([str(binary), "compare", str(ROOT / "scenarios/baseline.yaml"),
                    str(ROOT / "scenarios/policies/dealer_cap.yaml"),
                    str(ROOT / "scenarios/policies/per_id_cap_3.yaml"),
                    "--set", "population=100000", "--set", "density.caught_share=0.07",
                    "--set", "controls.police.capacity_per_million=6", "--set", "days=60", "-r", "4", "-t", "2", "-q",
                    "--out", str(out)], check=True, stdout=subprocess.DEVNULL)
    return out


@pytest.fixture(scope="module")
def h5(compare_path):
    with h5py.File(compare_path, "r") as f:
        yield f


def test_root_carries_provenance(h5):
    for name in PROVENANCE:
        assert name in h5.attrs, name
    assert text(h5.attrs["kind"]) == "compare"
    assert text(h5.attrs["git_commit"])
    assert "controls:" in text(h5.attrs["scenario_yaml"])
    assert int(h5.attrs["replicates"]) >= 1
    assert 0 <= int(h5.attrs["from_day"]) < int(h5.attrs["days"])


def test_each_scenario_carries_its_resolved_yaml(h5):
    groups = [h5["base"]] + [h5["policies"][p] for p in h5["policies"]]
    for g in groups:
        assert "controls:" in text(g.attrs["scenario_yaml"])
        assert int(g.attrs["scenario_hash"]) != 0
    hashes = {int(g.attrs["scenario_hash"]) for g in groups}
    assert len(hashes) == len(groups), "base and policies must differ"


def test_shapes_of_totals_series_and_differences(h5):
    reps, days = int(h5.attrs["replicates"]), int(h5.attrs["days"])
    metrics = [text(m) for m in h5.attrs["metrics"]]
    policies = [text(p) for p in h5.attrs["policies"]]
    assert sorted(policies) == sorted(h5["policies"].keys())
    for m in metrics:
        assert h5["base/totals"][m].shape == (reps,)
        assert h5["base/timeseries"][m].shape == (reps, days)
        assert text(h5["base/totals"][m].attrs["units"])
    for p in policies:
        g = h5["policies"][p]
        for m in metrics:
            diff = g["difference"][m][()]
            assert diff.shape == (reps,)
            np.testing.assert_array_equal(diff, g["totals"][m][()] - h5["base/totals"][m][()])
            assert g["difference"][m].attrs["mean"] == pytest.approx(diff.mean())


def test_summary_reads_as_data_frames(h5):
    rows = [text(r) for r in h5["summary"].attrs["rows"]]
    cols = [text(c) for c in h5["summary"].attrs["columns"]]
    mean = pd.DataFrame(h5["summary/mean"][()], index=rows, columns=cols)
    p05 = pd.DataFrame(h5["summary/p05"][()], index=rows, columns=cols)
    p95 = pd.DataFrame(h5["summary/p95"][()], index=rows, columns=cols)
    assert mean.shape == (len(h5["policies"]), len(h5.attrs["metrics"]))
    assert (p05 <= mean + 1e-9).all().all() and (mean <= p95 + 1e-9).all().all()
    for p in rows:
        diff = h5["policies"][p]["difference"]["honest_refused"][()]
        assert mean.loc[p, "honest_refused"] == pytest.approx(diff.mean())


def test_cost_effectiveness_ranks_and_frontier(h5):
    g = h5["cost_effectiveness"]
    policies = [text(p) for p in g.attrs["policies"]]
    ce = pd.DataFrame({k: g[k][()] for k in g.keys()}, index=policies)
    # Competition ranks from the paired bootstrap: ties share a rank and name each other.
    assert ce["rank"].min() == 1 and ce["rank"].max() <= len(policies)
    for p in policies:
        tied = {text(t) for t in h5["policies"][p].attrs["tied_with"]}
        assert all(ce.loc[t, "rank"] == ce.loc[p, "rank"] or p in {text(x) for x in h5["policies"][t].attrs["tied_with"]}
                   for t in tied)
        assert p not in tied
    assert ((ce["losses_avoided_ci_lo"] <= ce["losses_avoided_yuan"]) & (ce["losses_avoided_yuan"] <= ce["losses_avoided_ci_hi"])).all()
    frontier = {text(p) for p in g.attrs["frontier"]}
    assert frontier == set(ce.index[ce["on_frontier"] == 1])
    assert frontier == {text(p) for p in h5.attrs["frontier"]}


def test_csv_beside_matches_the_file(compare_path, h5):
    csv = pd.read_csv(compare_path.with_suffix(".csv"))
    policies = [text(p) for p in h5.attrs["policies"]]
    assert len(csv) == len(policies) * len(h5.attrs["metrics"])
    row = csv[(csv.policy == policies[0]) & (csv.metric == "fraud_losses_yuan")].iloc[0]
    assert row.diff_mean == pytest.approx(h5["policies"][policies[0]]["difference"]["fraud_losses_yuan"].attrs["mean"])
