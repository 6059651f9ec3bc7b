"""The analysis package as a user gets it, and the files as other tools see them.

* `pip install --no-build-isolation ./analysis` into a venv that sees Debian's
  packages; the installed `cardsim_analysis` and `cardsim-analysis` work from
  any folder.
* Run, compare and sweep files made by the real binary open with
  xarray + h5netcdf (named axes from the dimension scales), with
  `open_dataset` (coordinates, units) and with the pandas readers; text
  attributes are str.
* Files written before the supply channel list read with the same channels.
* The Python examples of README.md and analysis/README.md run as written.
"""
import gzip
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import h5py
import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "analysis"))
import cardsim_analysis as ca  # noqa: E402
from cardsim_analysis.readers import CHANNEL_ATTRIBUTES  # noqa: E402

xr = pytest.importorskip("xarray", reason="python3-xarray is in the test set (scripts/install-deps.sh --test)")
pytest.importorskip("h5netcdf", reason="python3-h5netcdf is in the test set (scripts/install-deps.sh --test)")

DATA = Path(__file__).resolve().parent / "data"
TINY = ["--set", "population=20000", "--set", "days=30", "-r", "2", "-t", "2", "-q"]


@pytest.fixture(scope="module")
def binary():
    b = Path(os.environ.get("CARDSIM_BINARY", ROOT / "build/release/cardsim"))
    assert b.exists(), f"no cardsim binary at {b}: build first or set CARDSIM_BINARY"
    return b


@pytest.fixture(scope="module")
def files(binary, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("files")
    pol = ROOT / "scenarios/policies"
    run, cmp, sweep = tmp / "run.h5", tmp / "compare.h5", tmp / "sweep.h5"
    subprocess.run([binary, "run", ROOT / "scenarios/baseline.yaml", *TINY, "--out", run], check=True)
    subprocess.run([binary, "compare", ROOT / "scenarios/baseline.yaml", pol / "dealer_cap.yaml",
                    pol / "remote_block.yaml", *TINY, "--out", cmp], check=True, stdout=subprocess.DEVNULL)
    spec = tmp / "grid.yaml"
    spec.write_text(f"base: {ROOT / 'scenarios/baseline.yaml'}\nname: tiny_grid\nreplicates: 2\nseed: 1\n"
                    "set:\n  population: 20000\n  days: 30\nseries: [fraud_cases]\n"
                    "design:\n  kind: grid\n  parameters:\n    controls.dealer_cap.max_activations: [15, 60]\n"
                    "    controls.remote_activation.mode: [allow, block]\n")
    subprocess.run([binary, "sweep", spec, "--out", sweep, "-t", "2"], check=True)
    return {"run": run, "compare": cmp, "sweep": sweep}


def test_pip_install_into_a_venv_with_system_packages(tmp_path):
    src = tmp_path / "src"
    shutil.copytree(ROOT / "analysis", src, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info", "build"))
    venv = tmp_path / "venv"
    # --without-pip: the venv runs Debian's pip from the system site (seconds
    # faster than copying pip into the venv); it installs into the venv.
    subprocess.run(["/usr/bin/python3", "-m", "venv", "--system-site-packages", "--without-pip", venv], check=True)
    pip = subprocess.run([venv / "bin/python", "-m", "pip", "install", "--no-build-isolation", "--no-index", "-q", src],
                         capture_output=True, text=True)
    assert pip.returncode == 0, pip.stdout + pip.stderr
    where = subprocess.run([venv / "bin/python", "-c", "import cardsim_analysis as c; print(c.__file__, c.__version__)"],
                           cwd=tmp_path, capture_output=True, text=True, check=True).stdout
    assert str(venv) in where, where
    cmake_version = re.search(r"project\(cardsim VERSION (\S+)", (ROOT / "CMakeLists.txt").read_text()).group(1)
    assert where.split()[1] == cmake_version, "analysis/ and CMakeLists.txt disagree on the version"
    cli = subprocess.run([venv / "bin/cardsim-analysis", "--help"], capture_output=True, text=True, cwd=tmp_path)
    assert cli.returncode == 0 and "compare" in cli.stdout


def test_text_attributes_are_str_and_schema_2(files):
    for path in files.values():
        with h5py.File(path) as f:
            assert f.attrs["schema_version"] == 2
            assert isinstance(f.attrs["scenario_yaml"], str) and "\n" in f.attrs["scenario_yaml"]
            assert isinstance(f.attrs["git_commit"], str)


@pytest.mark.parametrize("kind,group,dims", [
    ("run", "totals", {"replicate": 2}),
    ("run", "timeseries", {"replicate": 2, "day": 30, "check": None}),  # honest_refused_by_check
    ("run", "regions", {"replicate": 2, "day": 30, "region": 4, "from_region": 4, "to_region": 4}),  # regions that trade
    ("compare", "base/timeseries", {"replicate": 2, "day": 30}),
    ("compare", "policies/dealer_cap/difference", {"replicate": 2}),
    ("compare", "summary", {"policy": 2, "metric": None}),
    ("compare", "cost_effectiveness", {"policy": 2}),
    ("sweep", "totals", {"run": 4, "replicate": 2}),
    ("sweep", "timeseries", {"run": 4, "replicate": 2, "day": 30}),
])
def test_xarray_h5netcdf_names_every_axis(files, kind, group, dims):
    ds = xr.open_dataset(files[kind], group=group, engine="h5netcdf")
    assert set(ds.dims) == set(dims), ds
    for d, n in dims.items():
        assert n is None or ds.dims[d] == n
    assert all(not d.startswith("phony_dim") for d in ds.dims)


def test_sweep_design_axes_and_parameter_names(files):
    root = xr.open_dataset(files["sweep"], engine="h5netcdf")
    assert root["design"].dims == ("run", "parameter")
    assert list(root["parameter"].values) == ["controls.dealer_cap.max_activations",
                                              "controls.remote_activation.mode"]


def test_open_dataset_gives_coordinates_and_units(files):
    ts = ca.open_dataset(files["run"], group="timeseries")
    assert ts["fraud_losses_yuan"].dims == ("replicate", "day")
    assert ts["fraud_losses_yuan"].attrs["units"] == "yuan per day"
    summary = ca.open_dataset(files["compare"])
    assert list(summary["policy"].values) == ["dealer_cap", "remote_block"]
    assert summary["mean"].sel(policy="dealer_cap", metric="fraud_cases").size == 1
    sweep = ca.open_dataset(files["sweep"])
    assert sweep["fraud_losses_yuan"].dims == ("run", "replicate")
    assert sweep["fraud_losses_yuan"].attrs["units"] == "yuan per run"


def test_read_run_is_a_dataframe_of_the_daily_series(files):
    daily = ca.read_run(files["run"])
    assert isinstance(daily, pd.DataFrame) and daily.index.names == ["replicate", "day"]
    assert daily.shape[0] == 2 * 30 and "fraud_losses_yuan" in daily and "honest_refused_by_check" not in daily
    assert daily.attrs["units"]["fraud_losses_yuan"] == "yuan per day"
    with h5py.File(files["run"]) as f:
        np.testing.assert_array_equal(daily["fraud_cases"].unstack("day").to_numpy(), f["timeseries/fraud_cases"][()])
        for key in ("seed", "scenario_name", "cardsim_version", "git_commit", "scenario_yaml"):
            assert daily.attrs[key] == f.attrs[key]
        assert daily.attrs["channels"] == list(f.attrs["channels"])
        totals = ca.read_run(files["run"], totals=True)
        assert totals.index.name == "replicate" and totals.attrs["units"]["fraud_losses_yuan"] == "yuan per run"
        np.testing.assert_array_equal(totals["fraud_losses_yuan"], f["totals/fraud_losses_yuan"][()])


def test_read_compare_is_a_dataframe_of_arm_totals(files):
    arms = ca.read_compare(files["compare"])
    assert arms.index.names == ["arm", "replicate"]
    assert list(arms.index.unique("arm")) == ["base", "dealer_cap", "remote_block"]
    assert arms.attrs["units"]["fraud_losses_yuan"] == "yuan per window"
    assert arms.attrs["base_scenario"] == "baseline" and arms.attrs["channels"]
    diffs = ca.read_compare(files["compare"], differences=True)
    assert diffs.index.names == ["policy", "replicate"] and list(diffs.index.unique("policy")) == ["dealer_cap",
                                                                                                   "remote_block"]
    with h5py.File(files["compare"]) as f:
        stored = f["policies/dealer_cap/difference/fraud_cases"][()]
        rows, columns = list(f["summary"].attrs["rows"]), list(f["summary"].attrs["columns"])
        mean = f["summary/mean"][rows.index("dealer_cap"), columns.index("fraud_cases")]
    np.testing.assert_allclose((arms.loc["dealer_cap"] - arms.loc["base"])["fraud_cases"], stored)
    np.testing.assert_allclose(diffs.loc["dealer_cap", "fraud_cases"], stored)
    assert diffs.loc["dealer_cap", "fraud_cases"].mean() == pytest.approx(mean)


def test_read_sweep_is_a_dataframe_of_points_and_replicates(files):
    runs = ca.read_sweep(files["sweep"])
    assert runs.index.names == ["point", "replicate"] and len(runs) == 4 * 2
    mode = runs["controls.remote_activation.mode"]
    assert list(mode.cat.categories) == ["allow", "verify", "block"] and set(mode) == {"allow", "block"}
    assert (runs["status"] == 1).all() and runs.attrs["design_kind"] == "grid"
    assert runs.attrs["units"]["fraud_losses_yuan"] == "yuan per run"
    with h5py.File(files["sweep"]) as f:
        np.testing.assert_array_equal(runs["fraud_cases"].unstack("replicate").to_numpy(), f["totals/fraud_cases"][()])
        np.testing.assert_array_equal(runs["seed"].unstack("replicate").to_numpy(), f["runs/seed"][()])
        cap = f["design"][:, 0]
    np.testing.assert_array_equal(runs["controls.dealer_cap.max_activations"].unstack("replicate")[0], cap)
    rich = ca.load_sweep(files["sweep"])
    assert rich.design.attrs["labels"]["controls.remote_activation.mode"] == ["allow", "verify", "block"]


def test_schema_1_files_still_read(tmp_path, files):
    """A schema 1 file: fixed-length byte strings, no dimension scales."""
    old = tmp_path / "old.h5"
    with h5py.File(files["run"]) as src, h5py.File(old, "w") as dst:
        for k, v in src.attrs.items():
            dst.attrs[k] = v.encode() if isinstance(v, str) else v
        dst.attrs["schema_version"] = 1
        for g in ("totals", "timeseries"):
            for name, ds in src[g].items():
                new = dst.create_dataset(f"{g}/{name}", data=ds[()])
                for k in ("units", "description", "dimensions"):
                    new.attrs[k] = ds.attrs[k].encode()
    daily = ca.read_run(old)
    assert daily.attrs["scenario_yaml"].startswith("# cardsim resolved scenario")
    pd.testing.assert_frame_equal(daily, ca.read_run(files["run"]))
    assert ca.open_dataset(old, "timeseries")["fraud_cases"].dims == ("replicate", "day")


def channel_attrs(frame):
    return {a: frame.attrs[a] for a in CHANNEL_ATTRIBUTES}


def test_files_written_before_the_channel_list(tmp_path, files):
    """cardsim up to commit 1270fcb wrote no channel attributes; the readers
    derive the same channels from the metrics those files hold."""
    expected = channel_attrs(ca.read_run(files["run"]))
    # A real file of that build: `cardsim run scenarios/baseline.yaml -r 2 --set days=30`.
    old = tmp_path / "old.h5"
    old.write_bytes(gzip.decompress((DATA / "run_before_channel_list.h5.gz").read_bytes()))
    with h5py.File(old) as f:
        assert f.attrs["git_commit"] == "1270fcb98793" and not set(CHANNEL_ATTRIBUTES) & set(f.attrs)
    daily = ca.read_run(old)
    assert channel_attrs(daily) == expected and daily.shape[0] == 2 * 30
    from cardsim_analysis import figures
    assert figures.supply_shares({"old": ca.load_run(old)}, tmp_path, "old_shares")
    # Fresh run and compare files without the attributes read as with them.
    for kind, reader in (("run", ca.read_run), ("compare", ca.read_compare)):
        stripped = tmp_path / f"{kind}.h5"
        shutil.copy(files[kind], stripped)
        with h5py.File(stripped, "a") as f:
            for a in CHANNEL_ATTRIBUTES:
                del f.attrs[a]
        frame = reader(stripped)
        assert channel_attrs(frame) == expected
        pd.testing.assert_frame_equal(frame, reader(files[kind]))


@pytest.mark.parametrize("doc,section", [("README.md", "## Reading results in Python"),
                                         ("analysis/README.md", "# cardsim_analysis")])
def test_readme_python_example_runs_as_written(files, tmp_path, monkeypatch, capsys, doc, section):
    text = (ROOT / doc).read_text(encoding="utf-8")
    block = re.search(r"```python\n(.*?)```", text[text.index(section):], re.S).group(1)
    (tmp_path / "results/first").mkdir(parents=True)
    for name, kind in (("baseline.h5", "run"), ("first/policies.h5", "compare"), ("sweep.h5", "sweep")):
        (tmp_path / "results" / name).symlink_to(files[kind])
    monkeypatch.chdir(tmp_path)
    exec(compile(block, doc, "exec"), {})
    printed = capsys.readouterr().out
    assert "yuan per window" in printed, printed
