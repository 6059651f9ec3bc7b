#!/usr/bin/env python3
"""Figures that docs/model.md quotes from measurements, measured again.

    python3 scripts/docs_figures.py CARDSIM MEASUREMENT [WORKDIR]

CARDSIM is the binary (build/release/cardsim); MEASUREMENT one of

  recruitment-doubling  docs/model.md 4.1.3, "Doubled recruitment": each
                        setting run twice with the same seed (common random
                        numbers), farmer.contacts_per_recruiter 4 and 8; the
                        mean over replicates of the paired difference of the
                        settled days' mean level, with its 90% confidence
                        interval (about a minute on two cores).
  regimes               docs/model.md 7.1, "The regimes": the supply control
                        of tests/test_demand.cpp (harvested and white cards
                        off) at three cash-out shares, with the unlimited and
                        the finite farmer pool; 20 paired replicates, seed 42
                        (about a minute).

Run files go to WORKDIR (a new temporary folder when not given). It needs
python3-h5py and python3-numpy (scripts/install-deps.sh --test). The model's
figures move when the model does: rerun a measurement after a change that
alters results and update the paragraph that quotes it.
"""
import os
import subprocess
import sys
import tempfile

import h5py
import numpy as np

# ---- recruitment-doubling ----
# (name, --set options, replicates, days, first settled day[, seed]; 7 unless given)
# Every setting but the first meets the willing at random
# (farmer.pool.eagerness 0), the rule before eager sellers.
RANDOM = ["farmer.pool.enabled=true", "farmer.pool.eagerness=0"]
DOUBLING_SETTINGS = [
    ("baseline pool, eager sellers met first (the default)", ["farmer.pool.enabled=true"], 100, 1460, 1000),
    ("baseline pool, eager sellers met first, seed 11", ["farmer.pool.enabled=true"], 100, 1460, 1000, 11),
    ("baseline pool, eager sellers met first, fixed reach (contact cost 0)",
     ["farmer.pool.enabled=true", "farmer.contact_cost_yuan=0"], 40, 1460, 1000),
    ("baseline pool, the willing met at random", RANDOM, 100, 1460, 1000),
    ("baseline pool, met at random, fixed reach (contact cost 0)", RANDOM + ["farmer.contact_cost_yuan=0"], 40,
     1460, 1000),
]
# The area as one province of a national market (docs/model.md 7.4), set by
# the rule of scenarios/commission_ring.yaml: the national price is the
# closed area's own (the first setting's settled ring price at k0 = 4, 474
# yuan), and the nation buys up to the area's cards sold to rings a day
# (18.8 per million) times the other 1,408.8 million holders.
NATIONAL = RANDOM + ["market.outside.price_yuan=474", "market.outside.cards_per_day=26500"]
DOUBLING_SETTINGS += [
    ("baseline pool, the area a price taker in a national market", NATIONAL, 100, 1460, 1000),
    ("baseline pool, price taker, fixed reach (contact cost 0)", NATIONAL + ["farmer.contact_cost_yuan=0"], 40, 1460,
     1000),
]
FAST_TURNOVER = RANDOM + ["sanctions.enabled=true", "farmer.pool.exit_rate=0.01",
                 "bank.enabled=false"]
for inflow in ("36.5", "18.25", "9"):
    DOUBLING_SETTINGS.append((f"fast-turnover pool, free accounts, inflow {inflow} per million a day",
                     FAST_TURNOVER + [f"farmer.pool.inflow_per_million={inflow}"], 12, 500, 250))
for inflow in ("36.5", "18.25", "9"):
    DOUBLING_SETTINGS.append((f"fast-turnover pool, free accounts, eager sellers met first, inflow {inflow} per million a day",
                     FAST_TURNOVER + [f"farmer.pool.inflow_per_million={inflow}", "farmer.pool.eagerness=1"], 12,
                     500, 250))

DOUBLING_METRICS = [
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


def run(cardsim, sets, replicates, days, out, seed=7):
    args = [cardsim, "run", "--replicates", str(replicates), "--seed", str(seed), "--out", out,
            "--set", "population=1000000", "--set", f"days={days}"]
    for s in sets:
        args += ["--set", s]
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL)


def settled(path, metric, start):
    with h5py.File(path, "r") as f:
        return f["timeseries"][metric][:, start:].mean(axis=1)


def ci90(d):
    """Mean of paired differences and the half-width of its 90% interval."""
    return d.mean(), 1.645 * d.std(ddof=1) / np.sqrt(len(d))


def recruitment_doubling(cardsim, work):
    for i, (name, sets, reps, days, start, *seed) in enumerate(DOUBLING_SETTINGS):
        seed = seed[0] if seed else 7
        base, doubled = os.path.join(work, f"{i}_k4.h5"), os.path.join(work, f"{i}_k8.h5")
        run(cardsim, sets, reps, days, base, seed)
        run(cardsim, sets + ["farmer.contacts_per_recruiter=8"], reps, days, doubled, seed)
        print(f"\n{name}: {reps} paired replicates, seed {seed}, days {start}-{days - 1}")
        print(f"  {'metric':38s} {'k0 = 4':>10s} {'k0 = 8':>10s} {'change':>9s}  90% CI")
        for metric, unit in DOUBLING_METRICS:
            x, y = settled(base, metric, start), settled(doubled, metric, start)
            mean, half = ci90(y - x)
            print(f"  {metric:38s} {x.mean():10.2f} {y.mean():10.2f} {mean:+9.2f}  "
                  f"[{mean - half:+.2f}, {mean + half:+.2f}] {unit}")
        offers = settled(base, "farmers_reached", start) / settled(base, "farmer_pool", start)
        print(f"  offers per willing holder a day at k0 = 4: {offers.mean():.5f} "
              f"(one every {1 / offers.mean():.0f} days)")


# ---- regimes ----
SUPPLY_CONTROL = ["channels.white_card.enabled=false", "channels.harvested.enabled=false"]


def totals(path, metric):
    with h5py.File(path, "r") as f:
        return f["timeseries"][metric][:].sum(axis=1)


def run_means(path, metric):
    with h5py.File(path, "r") as f:
        return f["timeseries"][metric][:].mean(axis=1)


def relative(x, y):
    """Paired relative change of y against x, in percent of x's mean, with its 90% interval."""
    mean, half = ci90(y - x)
    scale = 100.0 / x.mean()
    return f"{mean * scale:+.1f}% [{(mean - half) * scale:+.1f}%, {(mean + half) * scale:+.1f}%]"


def regimes(cardsim, work):
    for pool in ("false", "true"):
        print(f"\nfarmer.pool.enabled={pool}: supply control (harvested and white cards off), "
              "20 paired replicates, seed 42, 365 days, 1,000,000 holders")
        for cash_out in ("0.15", "0.3", "1"):
            sets = [f"farmer.pool.enabled={pool}", f"scammers.cash_out_share={cash_out}"]
            base = os.path.join(work, f"regimes_{pool}_{cash_out}.h5")
            control = os.path.join(work, f"regimes_{pool}_{cash_out}_control.h5")
            run(cardsim, sets, 20, 365, base, seed=42)
            run(cardsim, sets + SUPPLY_CONTROL, 20, 365, control, seed=42)
            cases_a, cases_b = totals(base, "fraud_cases"), totals(control, "fraud_cases")
            price_a, price_b = run_means(base, "price_scammer_yuan"), run_means(control, "price_scammer_yuan")
            fleet_a, fleet_b = run_means(base, "cards_in_fraud_use"), run_means(control, "cards_in_fraud_use")
            farmer_a, farmer_b = totals(base, "cards_activated_farmer"), totals(control, "cards_activated_farmer")
            pay_a, pay_b = run_means(base, "price_farmer_yuan"), run_means(control, "price_farmer_yuan")
            print(f"  cash-out {cash_out:4s}: fraud cases {cases_a.mean():.0f} a year, change {relative(cases_a, cases_b)}; "
                  f"ring price {price_a.mean():.0f} -> {price_b.mean():.0f} yuan ({relative(price_a, price_b)}); "
                  f"cards in fraud use {relative(fleet_a, fleet_b)}; farmer cards {farmer_a.mean():,.0f} -> "
                  f"{farmer_b.mean():,.0f} a year; farmers' pay {pay_a.mean():.0f} -> {pay_b.mean():.0f} yuan")


MEASUREMENTS = {"recruitment-doubling": recruitment_doubling, "regimes": regimes}


def main():
    if len(sys.argv) < 3 or sys.argv[2] not in MEASUREMENTS:
        sys.exit(__doc__)
    cardsim, measurement = sys.argv[1], sys.argv[2]
    work = sys.argv[3] if len(sys.argv) > 3 else tempfile.mkdtemp(prefix="docs_figures.")
    os.makedirs(work, exist_ok=True)
    MEASUREMENTS[measurement](cardsim, work)
    print(f"\nrun files in {work}")


if __name__ == "__main__":
    main()
