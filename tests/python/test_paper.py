"""The quick paper pipeline: `make paper PAPER_QUICK=1` gives a PDF with every
figure and no undefined macro; a second run is cached; an undefined number
macro stops the build; changing a scenario parameter changes the affected
numbers in the generated macro file.

Needs LaTeX (installed by `scripts/install-deps.sh --paper`). CTest runs it as
the test `paper` (label `paper`); without latexmk it exits with code 77, which
CTest reports as skipped, not passed.
"""
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FIGURES = ["baseline_series", "policy_comparison", "frontier", "supply_shares", "price_signal", "enforcement",
           "timing"]


def macros(path: Path) -> dict:
    return dict(re.findall(r"^\\newcommand\{\\([A-Za-z]+)\}\{(.*)\}$", path.read_text(), re.M))


def make_paper():
    t0 = time.time()
    r = subprocess.run(["make", "-C", str(ROOT), "paper", "PAPER_QUICK=1"], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr[-4000:]
    return r.stdout, time.time() - t0


@pytest.fixture(scope="module")
def first_build():
    if not shutil.which("latexmk"):
        pytest.skip("latexmk not installed: run scripts/install-deps.sh --paper")
    out, seconds = make_paper()
    return out, seconds


def test_quick_paper_has_every_figure_and_no_undefined_macro(first_build):
    out, seconds = first_build
    pdf, log = ROOT / "paper/paper.pdf", (ROOT / "paper/paper.log").read_text(errors="replace")
    assert pdf.exists() and pdf.stat().st_size > 50_000
    assert pdf.read_bytes()[:5] == b"%PDF-"
    assert "Undefined control sequence" not in log and "undefined" not in log.lower().replace(
        "undefined references", "")
    listed = (ROOT / "paper/generated/figures.txt").read_text().split()
    for name in FIGURES:
        assert name in listed, f"figure {name} not generated"
    used = (ROOT / "paper/paper.fls").read_text(errors="replace")  # latexmk -recorder: every file read
    for name in listed:
        assert re.search(rf"^INPUT .*results/figures/+{name}\.pdf$", used, re.M), f"figure {name} not in the PDF"
        assert (ROOT / f"results/figures/{name}.png").exists()
        assert (ROOT / f"results/figures/{name}.caption.txt").exists()
    # The sweep section is either there or a visible note, never silently absent.
    sweeps = (ROOT / "paper/generated/sweeps.tex").read_text()
    assert "includegraphics" in sweeps or "Not run" in sweeps


def test_second_run_is_cached(first_build):
    out, seconds = make_paper()
    for step in ("baseline", "policies", "timing", "analysis"):
        assert f"paper: {step}: cached" in out, out
    assert "running" not in out


def test_undefined_macro_stops_the_build(first_build, tmp_path):
    paper = tmp_path / "paper"
    shutil.copytree(ROOT / "paper", paper, ignore=shutil.ignore_patterns("*.pdf", "*.aux", "*.fdb_latexmk"))
    (tmp_path / "results").symlink_to(ROOT / "results")
    tex = (paper / "paper.tex").read_text().replace(r"\section{Model}", r"\section{Model}\NoSuchNumberMacro{}")
    (paper / "paper.tex").write_text(tex)
    r = subprocess.run(["latexmk", "-pdf", "-halt-on-error", "-interaction=nonstopmode", "paper.tex"], cwd=paper,
                       capture_output=True, text=True)
    assert r.returncode != 0
    assert "Undefined control sequence" in (paper / "paper.log").read_text(errors="replace")


def test_changing_a_scenario_parameter_changes_its_numbers(first_build, tmp_path):
    scen = tmp_path / "scenarios"
    shutil.copytree(ROOT / "scenarios", scen)
    base = scen / "baseline.yaml"
    text = base.read_text()
    assert "loss_mean_yuan: 42000" in text
    base.write_text(text.replace("loss_mean_yuan: 42000", "loss_mean_yuan: 63000"))
    env = dict(os.environ, PAPER_QUICK="1", PAPER_SCENARIOS=str(scen), PAPER_RESULTS=str(tmp_path / "results"),
               PAPER_FIGURES=str(tmp_path / "figures"), PAPER_TABLES=str(tmp_path / "tables"),
               PAPER_GENERATED=str(tmp_path / "generated"))
    r = subprocess.run(["/usr/bin/python3", str(ROOT / "scripts/paper_pipeline.py")], env=env, capture_output=True,
                       text=True)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    assert "baseline: running" in r.stdout, "a changed scenario must rerun, not come from the cache"
    old, new = macros(ROOT / "paper/generated/numbers.tex"), macros(tmp_path / "generated/numbers.tex")
    assert old.keys() == new.keys()
    for name in ("LossMeanInput", "BaseLosses", "CalFSevenLossPerFraudCase", "CalFTwoZeroFraudLosses"):
        assert old[name] != new[name], name
    for name in ("Population", "Days", "BaseReplicates", "NumPolicies"):
        assert old[name] == new[name], name


if __name__ == "__main__":
    if not shutil.which("latexmk"):
        print("test_paper: latexmk not installed (scripts/install-deps.sh --paper): skipped")
        sys.exit(77)
    sys.exit(pytest.main(["-q", "-p", "no:cacheprovider", __file__]))
