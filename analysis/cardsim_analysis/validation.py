"""Validation: the baseline against facts that no parameter was set from and
that were not looked at while choosing any (F23, F24, F25 of docs/sources.md;
F26 calibrates the bank module's prices and left this list).

Uses the calibration's Target rows and table (calibration.py), so the two
reports read the same; the difference is what the facts were used for. The
accepted bands were fixed from the facts before the model was compared with
them, and a row outside its band is a finding about the model, not a reason
to tune it (docs/validation.md).
"""
from __future__ import annotations

import numpy as np
from scipy import stats

from .calibration import Target, _tot, calibration_table
from .readers import RunFile, scenario_value

SIM_BANK_CARDS = 5767                       # F24: cards in one seized SIM bank
DORMANT_SHARE = 15.36e6 / 1.6e9             # F25: dormant cards re-verified / all subscriptions
UNREGISTERED_SHARE = 130e6 / 1.6e9         # F23: unregistered cards of 2015 / F25's 1.6 billion subscriptions


def _fleet_per_ring(run: RunFile) -> np.ndarray:
    """Mean cards in fraud use per working ring over the run (daily mean
    levels). Files with `rings_active` (rings enter and leave by profit, so
    fewer rings may work than there are places) divide by it; older files by
    the places the densities give."""
    if "rings_active" in run.totals.columns:
        return _tot(run, "cards_in_fraud_use") / np.maximum(_tot(run, "rings_active"), 1e-9)
    pop = float(scenario_value(run.scenario_yaml, "population"))
    density = float(scenario_value(run.scenario_yaml, "density.rings_caught_per_million"))
    caught = float(scenario_value(run.scenario_yaml, "density.caught_share"))
    rings = round(pop / 1e6 * density / caught)  # as the model counts them (sim/scenario/populations.cpp)
    return _tot(run, "cards_in_fraud_use") / max(rings, 1.0)


def _honest_cards(run: RunFile) -> float:
    """Honest cards at the start: population x E[min(Poisson(mean), per-ID cap)]
    (docs/model.md, Initialisation; the model keeps the same expectation)."""
    pop = float(scenario_value(run.scenario_yaml, "population"))
    mean = float(scenario_value(run.scenario_yaml, "citizens.cards_initial_mean"))
    cap = int(float(scenario_value(run.scenario_yaml, "controls.per_id_cap.max_cards")))
    expected = float(sum(stats.poisson.sf(k, mean) for k in range(cap)))
    return pop * expected


def _criminal_share(run: RunFile) -> np.ndarray:
    """Cards in fraud use as a share of all live cards, in percent."""
    fraud = _tot(run, "cards_in_fraud_use")
    return 100.0 * fraud / (fraud + _honest_cards(run))


def _not_in_user_name_share(run: RunFile) -> np.ndarray:
    """Cards used by someone other than their registered holder (in fraud use
    and in SIM banks, where files have it) as a share of all live cards, in
    percent."""
    misused = _tot(run, "cards_in_fraud_use")
    if "cards_in_sim_banks" in run.totals.columns:
        misused = misused + _tot(run, "cards_in_sim_banks")
    return 100.0 * misused / (misused + _honest_cards(run))


TARGETS = [
    Target("F23", "cards not used by their holder", "percent of live cards",
           "about 130 million unregistered cards in 2015, before full real-name registration (8.1% of F25's 1.6 billion)",
           0.0, 100 * UNREGISTERED_SHARE, 0.0, 100 * UNREGISTERED_SHARE,
           "at most the unregistered share before real-name registration",
           _not_in_user_name_share),
    Target("F24", "cards held by one ring", "cards in fraud use per ring",
           "one seized SIM bank held 5,767 cards", SIM_BANK_CARDS, SIM_BANK_CARDS,
           SIM_BANK_CARDS / 10, SIM_BANK_CARDS * 10, "factor 10 (one seizure, one device)",
           _fleet_per_ring),
    Target("F25", "criminal share of live cards", "percent of live cards",
           "15.36 million dormant cards re-verified of 1.6 billion subscriptions (0.96%)",
           0.0, 100 * DORMANT_SHARE, 0.0, 100 * DORMANT_SHARE,
           "at most the dormant share: most dormant cards are honest",
           _criminal_share),
]


def validation_table(run: RunFile):
    """One row per validation fact: model mean and 90% interval, band, verdict."""
    return calibration_table(run, TARGETS)
