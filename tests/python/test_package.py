"""The analysis package as a user gets it, and the files as other tools see them.

* `pip install --no-build-isolation ./analysis` into a venv that sees Debian's
  packages; the installed `cardsim_analysis` and `cardsim-analysis` work from
  any folder.
* Run, compare and sweep files made by the real binary open with
  xarray + h5netcdf (named axes from the dimension scales), with
  `open_dataset` (coordinates, units) and with the pandas readers; text
  attributes are str.
"""
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import h5py
import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "analysis"))
import cardsim_analysis as ca  # noqa: E402

xr = pytest.importorskip("xarray", reason="python3-xarray is in the test set (scripts/install-deps.sh --test)")
pytest.importorskip("h5netcdf", reason="python3-h5netcdf is in the test set (scripts/install-deps.sh --test)")

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


def test_pandas_readers(files):
    run = ca.read_run(files["run"])
    assert run.totals.index.name == "replicate" and "fraud_losses_yuan" in run.totals
    assert run.totals.attrs["units"]["fraud_losses_yuan"] == "yuan per run"
    cmp = ca.read_compare(files["compare"])
    assert list(cmp.mean.index) == ["dealer_cap", "remote_block"]
    sweep = ca.read_sweep(files["sweep"])
    assert sweep.design.shape == (4, 2) and sweep.totals["fraud_cases"].shape == (4, 2)


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
    run = ca.read_run(old)
    assert run.scenario_yaml.startswith("# cardsim resolved scenario")
    assert ca.open_dataset(old, "timeseries")["fraud_cases"].dims == ("replicate", "day")
