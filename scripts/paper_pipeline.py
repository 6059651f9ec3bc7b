#!/usr/bin/python3
"""Runs what the paper needs into results/paper/, caching each run, then the analysis.

Called by `make paper` (Debian's /usr/bin/python3). Each run is skipped when its
stamp file (<output>.stamp) holds the same key: sha256 of the scenario files it
reads (following `extends:`), the code version (`cardsim --version` number plus
a hash of sim/, agents/, cmake/ and CMakeLists.txt: the commit is left out so a
commit that only touches the paper does not rerun the model) and the run's
command-line options. The analysis is cached the same way, on the run keys and
the analysis package's source.

Environment:
  PAPER_QUICK=1      small, short runs (CI; not the paper's settings)
  CARDSIM            binary (default build/release/cardsim)
  PAPER_SCENARIOS    scenario folder (default scenarios)
  PAPER_RESULTS      run folder (default results/paper)
  PAPER_FIGURES, PAPER_TABLES   (default results/figures, results/tables)
  PAPER_GENERATED    macro folder (default paper/generated)
  PAPER_THREADS      threads per run (default 2)
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
QUICK = os.environ.get("PAPER_QUICK", "0") not in ("", "0")
CARDSIM = Path(os.environ.get("CARDSIM", ROOT / "build/release/cardsim"))
SCEN = Path(os.environ.get("PAPER_SCENARIOS", ROOT / "scenarios"))
RESULTS = Path(os.environ.get("PAPER_RESULTS", ROOT / "results/paper"))
FIGURES = Path(os.environ.get("PAPER_FIGURES", ROOT / "results/figures"))
TABLES = Path(os.environ.get("PAPER_TABLES", ROOT / "results/tables"))
GENERATED = Path(os.environ.get("PAPER_GENERATED", ROOT / "paper/generated"))
THREADS = os.environ.get("PAPER_THREADS", "2")

# The paper's settings. Full: the calibrated region (1,000,000 people, one year).
if QUICK:
    SETTINGS = {"population": 200000, "days": 240, "base_replicates": 4, "compare_replicates": 4}
    SWEEP_DIR = SCEN / "paper/quick"
else:
    SETTINGS = {"population": 1000000, "days": 365, "base_replicates": 40, "compare_replicates": 40}
    SWEEP_DIR = SCEN / "paper"
SETS = ["--set", f"population={SETTINGS['population']}", "--set", f"days={SETTINGS['days']}"]
SCHEDULED = "per_id_cap_3_from_day180.yaml"
# Scenarios on a horizon of their own, left out of the one-year policy table:
# the crackdowns run two years (their re-verification drive falls on day 390).
OWN_HORIZON = {"crackdown_2020.yaml"}
# The second card's policies (docs/model.md 19) have a table of their own,
# with the account market's columns (scenarios/policies/README.md).
BANK_POLICY_GLOBS = ("bank_*.yaml", "package_two_cards.yaml")


def log(msg: str) -> None:
    print(f"paper: {msg}", flush=True)


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def is_bank_policy(path: Path) -> bool:
    """Whether a policy is one of the second card's (its own table)."""
    return any(path.match(g) for g in BANK_POLICY_GLOBS)


def scenario_files(path: Path) -> list[Path]:
    """The file and every file it extends."""
    out, seen = [], set()
    while path and path.resolve() not in seen:
        seen.add(path.resolve())
        out.append(path)
        m = re.search(r"^extends:\s*['\"]?([^'\"#\s]+)", path.read_text(encoding="utf-8"), re.M)
        path = (path.parent / m.group(1)) if m else None
    return out


def code_version() -> str:
    v = subprocess.run([str(CARDSIM), "--version"], capture_output=True, text=True, check=True).stdout.split()
    number = v[1] if len(v) > 1 else "?"
    h = hashlib.sha256()
    for folder in ("sim", "agents", "cmake"):
        for f in sorted((ROOT / folder).rglob("*")):
            if f.is_file():
                h.update(str(f.relative_to(ROOT)).encode())
                h.update(f.read_bytes())
    h.update((ROOT / "CMakeLists.txt").read_bytes())
    return f"{number}+src.{h.hexdigest()[:16]}"


CODE = None


def cached(out: Path, inputs: list[Path], args: list[str]) -> tuple[bool, str]:
    h = hashlib.sha256()
    h.update(CODE.encode())
    for f in inputs:
        h.update(f.read_bytes())
    h.update("\0".join(args).encode())
    key = h.hexdigest()
    stamp = out.with_name(out.name + ".stamp")
    hit = out.exists() and stamp.exists() and stamp.read_text().strip() == key
    return hit, key


def run_cached(name: str, out: Path, inputs: list[Path], cmd: list[str]) -> str:
    args = [str(c) for c in cmd]
    rel_args = [a.replace(str(SCEN), "<scenarios>") for a in args]
    hit, key = cached(out, inputs, rel_args)
    if hit:
        log(f"{name}: cached ({out.relative_to(RESULTS.parent) if RESULTS.parent in out.parents else out})")
        return key
    log(f"{name}: running {' '.join(args[1:])}")
    t0 = time.time()
    subprocess.run([str(CARDSIM)] + args, check=True, stdout=subprocess.DEVNULL)
    out.with_name(out.name + ".stamp").write_text(key + "\n")
    log(f"{name}: done in {time.time() - t0:.1f} s")
    return key


def sweeps(keys: list[str]) -> None:
    status_file = RESULTS / "sweeps.status"
    probe = subprocess.run([str(CARDSIM), "sweep", "--help"], capture_output=True, text=True)
    if probe.returncode != 0:
        status = ("`cardsim sweep --help` failed (exit code %d): this build of cardsim has no sweep command "
                  "(issue 5 not merged)" % probe.returncode)
        for f in RESULTS.glob("sweep_*.h5"):
            f.unlink()
        status_file.write_text(status + "\n")
        log(f"sweeps skipped: {status}")
        keys.append(sha(status.encode()))
        return
    done = []
    for kind in ("grid", "morris", "sobol"):
        spec = SWEEP_DIR / f"sweep_{kind}.yaml"
        out = RESULTS / f"sweep_{kind}.h5"
        if not spec.exists():
            continue
        try:
            keys.append(run_cached(f"sweep {kind}", out, scenario_files(SCEN / "baseline.yaml") + [spec],
                                   ["sweep", spec, "--out", out, "--threads", THREADS]))
            if kind != "grid":
                stamp = out.with_name(out.name + ".sens")
                if not stamp.exists() or stamp.read_text() != keys[-1]:
                    subprocess.run([str(CARDSIM), "sensitivity", str(out), "--all"], check=True,
                                   stdout=subprocess.DEVNULL)
                    stamp.write_text(keys[-1])
            done.append(kind)
        except subprocess.CalledProcessError as e:
            log(f"sweep {kind} failed: {e}")
            out.unlink(missing_ok=True)
    status = f"sweeps run: {', '.join(done)}" if done else "every sweep failed to run"
    status_file.write_text(status + "\n")
    keys.append(sha(status.encode()))


def main() -> int:
    global CODE
    if not CARDSIM.exists():
        log(f"no cardsim binary at {CARDSIM}: build first (make build)")
        return 1
    RESULTS.mkdir(parents=True, exist_ok=True)
    CODE = code_version()
    t0 = time.time()
    log(f"mode {'QUICK' if QUICK else 'full'}: {SETTINGS}; code {CODE}")
    keys = []
    base = SCEN / "baseline.yaml"
    r = str(SETTINGS["base_replicates"])
    keys.append(run_cached("baseline", RESULTS / "baseline.h5", scenario_files(base),
                           ["run", base, "-r", r, "-t", THREADS, "-q", "--out", RESULTS / "baseline.h5"] + SETS))
    policies = sorted(p for p in (SCEN / "policies").glob("*.yaml")
                      if p.name != SCHEDULED and p.name not in OWN_HORIZON and not is_bank_policy(p))
    inputs = [f for p in [base] + policies for f in scenario_files(p)]
    rc = str(SETTINGS["compare_replicates"])
    keys.append(run_cached("policies", RESULTS / "policies.h5", inputs,
                           ["compare", base] + policies + ["-r", rc, "-t", THREADS, "-q", "--out",
                                                           RESULTS / "policies.h5"] + SETS))
    # The bank policies against the baseline, in a table of their own (two
    # cards: docs/model.md 19).
    bank_policies = sorted(p for p in (SCEN / "policies").glob("*.yaml") if is_bank_policy(p))
    keys.append(run_cached("two_cards", RESULTS / "two_cards.h5",
                           [f for p in [base] + bank_policies for f in scenario_files(p)],
                           ["compare", base] + bank_policies + ["-r", rc, "-t", THREADS, "-q", "--out",
                                                                     RESULTS / "two_cards.h5"] + SETS))
    sched = SCEN / "policies" / SCHEDULED
    from_day = re.search(r"day:\s*(\d+)", sched.read_text()).group(1)
    keys.append(run_cached("timing", RESULTS / "timing.h5", scenario_files(base) + scenario_files(sched),
                           ["compare", base, sched, "-r", rc, "-t", THREADS, "-q", "--from-day", from_day,
                            "--out", RESULTS / "timing.h5"] + SETS))
    sweeps(keys)
    (RESULTS / "pipeline.json").write_text(json.dumps({"quick": QUICK, **SETTINGS, "code": CODE}, indent=1) + "\n")

    # Analysis, cached on the run keys and the analysis source.
    h = hashlib.sha256("\0".join(keys + [str(QUICK)]).encode())
    for f in sorted((ROOT / "analysis").rglob("*.py")):
        h.update(f.read_bytes())
    key = h.hexdigest()
    stamp = GENERATED / "analysis.stamp"
    if stamp.exists() and stamp.read_text().strip() == key and (GENERATED / "numbers.tex").exists():
        log("analysis: cached")
    else:
        log("analysis: figures, tables, numbers")
        env = dict(os.environ, PYTHONPATH=str(ROOT), MPLBACKEND="Agg")
        subprocess.run(["/usr/bin/python3", "-m", "analysis.cardsim_analysis", "--figures", str(FIGURES),
                        "--tables", str(TABLES), "paper", "--results", str(RESULTS), "--generated", str(GENERATED)],
                       check=True, env=env, cwd=ROOT)
        stamp.write_text(key + "\n")
    log(f"runs and analysis took {time.time() - t0:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
