#!/usr/bin/env python3
"""Doubled recruitment against the finite pool of farmers, measured.

Reproduces the figures of docs/model.md 4.1.3 ("Doubled recruitment"): each
setting is run twice with the same seed (common random numbers), once with
farmer.contacts_per_recruiter = 4 and once with 8, and the script prints,
for each metric, the mean over replicates of the paired difference of the
settled days' mean level, with its 90% confidence interval.

    python3 scripts/recruitment_doubling.py build/release/cardsim [WORKDIR]

It needs python3-h5py and python3-numpy (scripts/install-deps.sh --test) and
takes about a minute on two cores.
"""
import os
import subprocess
import sys
import tempfile

import h5py
import numpy as np

# (name, --set options, replicates, days, first settled day)
SETTINGS = [
    ("baseline pool, reach by profit", ["farmer.pool.enabled=true"], 100, 1460, 1000),
    ("baseline pool, fixed reach (contact cost 0)",
     ["farmer.pool.enabled=true", "farmer.contact_cost_yuan=0"], 40, 1460, 1000),
]
FAST_TURNOVER = ["farmer.pool.enabled=true", "sanctions.enabled=true", "farmer.pool.exit_rate=0.01",
                 "bank.enabled=false"]
for inflow in ("36.5", "18.25", "9"):
    SETTINGS.append((f"fast-turnover pool, free accounts, inflow {inflow} per million a day",
                     FAST_TURNOVER + [f"farmer.pool.inflow_per_million={inflow}"], 12, 500, 250))

METRICS = [
    ("farmer_pool", "persons"),
    ("farmer_pool_median_reservation_yuan", "yuan"),
    ("farmers_reached", "persons a day"),
    ("farmers_recruited", "persons a day"),
    ("farmers_left_id_cap", "persons a day"),
    ("farmers_left_exit", "persons a day"),
    ("price_scammer_yuan", "yuan"),
    ("merchant_farmer_ceiling_yuan", "yuan"),
    ("price_farmer_yuan", "yuan"),
]


def run(cardsim, sets, replicates, days, out):
    args = [cardsim, "run", "--replicates", str(replicates), "--seed", "7", "--out", out,
            "--set", "population=1000000", "--set", f"days={days}"]
    for s in sets:
        args += ["--set", s]
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL)


def settled(path, metric, start):
    with h5py.File(path, "r") as f:
        return f["timeseries"][metric][:, start:].mean(axis=1)


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    cardsim = sys.argv[1]
    work = sys.argv[2] if len(sys.argv) > 2 else tempfile.mkdtemp(prefix="recruitment_doubling.")
    os.makedirs(work, exist_ok=True)
    for i, (name, sets, reps, days, start) in enumerate(SETTINGS):
        base, doubled = os.path.join(work, f"{i}_k4.h5"), os.path.join(work, f"{i}_k8.h5")
        run(cardsim, sets, reps, days, base)
        run(cardsim, sets + ["farmer.contacts_per_recruiter=8"], reps, days, doubled)
        print(f"\n{name}: {reps} paired replicates, seed 7, days {start}-{days - 1}")
        print(f"  {'metric':38s} {'k0 = 4':>10s} {'k0 = 8':>10s} {'change':>9s}  90% CI")
        for metric, unit in METRICS:
            x, y = settled(base, metric, start), settled(doubled, metric, start)
            d = y - x
            half = 1.645 * d.std(ddof=1) / np.sqrt(len(d))
            print(f"  {metric:38s} {x.mean():10.2f} {y.mean():10.2f} {d.mean():+9.2f}  "
                  f"[{d.mean() - half:+.2f}, {d.mean() + half:+.2f}] {unit}")
        offers = settled(base, "farmers_reached", start) / settled(base, "farmer_pool", start)
        print(f"  offers per willing holder a day at k0 = 4: {offers.mean():.5f} "
              f"(one every {1 / offers.mean():.0f} days)")
    print(f"\nrun files in {work}")


if __name__ == "__main__":
    main()
