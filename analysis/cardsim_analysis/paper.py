"""Everything the paper needs, from the files `make paper` ran into results/paper/:
figures (results/figures), tables (results/tables), the number macros
(paper/generated/numbers.tex) and the sweep section (paper/generated/sweeps.tex).
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from scipy import stats

from . import figures as F
from .calibration import calibration_table, print_table
from .numbers import Macros, camel, interval_text, num, pct
from .readers import load_compare, load_run, load_sweep, scenario_value, share_series
from .tables import TWO_CARDS_TABLE_COLUMNS, compare_table, tex_escape, write_calibration
from .validation import validation_table

HARM = ("honest_refused", "shutdowns_honest")
# Days of start-up transient (prices and the card fleet settling from their
# initial values) left out of every plotted daily series; run totals keep them.
BURN_IN_DAYS = 30
# Q2 asks how much of the supply removed from the other channels card farmers replace.
DISPLACED_TO = "farmer"


def ci(values) -> tuple[float, float, float]:
    v = np.asarray(values, float)
    v = v[np.isfinite(v)]
    if v.size == 0:
        return float("nan"), float("nan"), float("nan")
    return float(v.mean()), float(np.percentile(v, 5)), float(np.percentile(v, 95))


def build(results: Path, figures: Path, tables: Path, generated: Path, quiet: bool = False) -> dict:
    results, figures, tables, generated = map(Path, (results, figures, tables, generated))
    M = Macros()
    made = []
    meta = json.loads((results / "pipeline.json").read_text()) if (results / "pipeline.json").exists() else {}
    M.add("PaperMode", "quick (CI)" if meta.get("quick") else "full", "pipeline mode")
    M.add("IntervalLevel", "90", "interval level, percent (5th to 95th percentile over replicates)")
    M.add("QuickModeNote", (r"\fbox{\parbox{0.95\linewidth}{\textbf{Quick mode (PAPER\_QUICK=1):} smaller "
                            r"population, fewer days and replicates than the paper's settings. The numbers check the "
                            r"pipeline; they are not the paper's results and are not calibrated.}}")
          if meta.get("quick") else "", "banner shown in quick mode")

    # ---- baseline run: calibration, daily series --------------------------------
    base = load_run(results / "baseline.h5")
    pop = base.population
    M.add("CardsimVersion", tex_escape(base.attrs.get("cardsim_version", "")), "cardsim version")
    M.add("GitCommit", tex_escape(base.attrs.get("git_commit", "")), "git commit of the baseline run")
    M.add("Population", num(pop), "identity holders")
    M.add("Days", num(base.days), "days per run")
    M.add("BaseReplicates", num(base.replicates), "replicates of the baseline run")
    M.add("Seed", num(int(base.attrs.get("seed", 0))), "seed")
    caught_share = float(scenario_value(base.scenario_yaml, "density.caught_share"))
    for kind, name in (("rings", "Rings"), ("merchants", "Merchants")):
        density = float(scenario_value(base.scenario_yaml, f"density.{kind}_caught_per_million"))
        M.add(name, num(round(pop / 1e6 * density / caught_share)),
              f"baseline {kind}: population x density.{kind}_caught_per_million / density.caught_share")
    for key, name in (("regions", "Regions"), ("controls.per_id_cap.max_cards", "PerIdCap"), ("scammers.loss_mean_yuan", "LossMeanInput"),
                      ("commission.amount_yuan", "CommissionAmount"), ("commission.delay_days", "CommissionDelay")):
        M.add(name, num(float(scenario_value(base.scenario_yaml, key))), f"baseline input {key}")
    t = base.totals
    for metric, name in (("fraud_cases", "BaseCases"), ("fraud_losses_yuan", "BaseLosses"),
                         ("cards_sold_to_scammers", "BaseCardsSold"), ("price_white_yuan", "BasePriceWhite"),
                         ("price_farmer_yuan", "BasePriceFarmer"), ("price_record_yuan", "BasePriceRecord"),
                         ("price_scammer_yuan", "BasePriceScammer"), ("honest_refused", "BaseHonestRefused"),
                         ("shutdowns_honest", "BaseHonestShut"), ("shutdowns_fraud", "BaseFraudShut"),
                         ("identities_misused", "BaseIdentitiesMisused"), ("cards_raised", "BaseCardsRaised"),
                         ("arrests_insider", "BaseArrestsInsider"), ("days_to_shutdown_mean", "BaseDaysToShutdown"),
                         # the market's structure as the paper describes it: rings at work (of the places the
                         # densities give), cards mailed between regions, SIM banks' purchases (F24), dormant cards
                         ("rings_active", "BaseRingsActive"), ("cards_mailed", "BaseCardsMailed"),
                         ("cards_sold_to_sim_banks", "BaseCardsSoldSimBanks"), ("cards_dormant", "BaseCardsDormant")):
        M.interval(name, *ci(t[metric]), comment=f"baseline total {metric} ({base.units(metric)})")
    for metric, _, _ in share_series(base.channels):
        M.interval(camel("Base", metric), *ci(t[metric]), comment=f"baseline {metric}", fmt=pct)
    com_f, com_h = t["commissions_fraudulent_yuan"].to_numpy(), t["commissions_honest_yuan"].to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        M.interval("BaseCommissionFraudShare", *ci(com_f / (com_f + com_h)),
                   comment="share of dealer commissions paid on criminal activations", fmt=pct)
    M.interval("BaseCommissionFraud", *ci(com_f), comment="commissions paid on criminal activations, yuan")

    cal = calibration_table(base)
    made += write_calibration(cal, tables)
    text = print_table(cal)
    (tables / "calibration.txt").write_text(text + "\n", encoding="utf-8")
    if not quiet:
        print(text)
    M.add("CalInside", num(int(cal["inside"].sum())), "calibration rows inside their band")
    M.add("CalTotal", num(len(cal)), "calibration rows")
    outside = [f"{r.fact} {r.quantity}" for r in cal.itertuples() if not r.inside]
    M.add("CalOutside", tex_escape(", ".join(outside)) if outside else "none", "calibration rows outside")
    for r in cal.itertuples():
        nm = camel("Cal", r.fact.split(",")[0], r.quantity)
        M.interval(nm, r.model_mean, r.model_p05, r.model_p95, comment=f"calibration {r.fact} {r.quantity}")

    _validation(M, base, tables)
    burn_in = min(BURN_IN_DAYS, max(0, base.days // 4))
    M.add("BurnInDays", num(burn_in), "days of start-up transient left out of plotted daily series")
    made += F.daily_series(base, ["fraud_cases", "fraud_losses_yuan", "cards_in_fraud_use", "price_scammer_yuan",
                                  "price_farmer_yuan", "price_white_yuan"], figures, "baseline_series",
                           title="Baseline market, day by day", smooth=7, burn_in=burn_in)

    # ---- policy comparison ------------------------------------------------------
    cmp = load_compare(results / "policies.h5")
    M.add("CompareReplicates", num(cmp.base.replicates), "replicates per scenario in the comparison")
    M.add("NumPolicies", num(len(cmp.policies)), "policies compared")
    made += F.policy_comparison(cmp, figures)
    made += F.frontier(cmp, figures)
    made += compare_table(cmp, tables)
    ce = cmp.cost_effectiveness
    for p in cmp.policies:
        P = camel(p)
        M.interval(f"Avoided{P}", ce.loc[p, "losses_avoided_yuan"], ce.loc[p, "losses_avoided_p05"],
                   ce.loc[p, "losses_avoided_p95"], comment=f"{p}: losses avoided, yuan")
        M.interval(f"Harmed{P}", ce.loc[p, "honest_harmed"], ce.loc[p, "honest_harmed_p05"],
                   ce.loc[p, "honest_harmed_p95"], comment=f"{p}: extra honest customers harmed")
        M.add(f"Ratio{P}", num(ce.loc[p, "avoided_per_harmed"]), f"{p}: yuan avoided per honest customer harmed")
        M.add(f"Rank{P}", num(int(ce.loc[p, "rank"])), f"{p}: rank")
        for metric in ["fraud_cases", "cards_sold_to_scammers", "price_scammer_yuan",
                       "commissions_fraudulent_yuan"] + [c.activation_metric for c in cmp.channels]:
            M.interval(camel("D", p, metric), *cmp.interval(p, metric), comment=f"{p}: change in {metric}")
        base_losses = float(cmp.base.totals["fraud_losses_yuan"].mean())
        M.add(f"AvoidedPct{P}", pct(ce.loc[p, "losses_avoided_yuan"] / base_losses), f"{p}: losses avoided, share")
    ranked = ce.sort_values("rank")
    best = ranked.index[0]
    M.add("BestPolicy", tex_escape(best), "rank 1 by losses avoided per honest customer harmed")
    M.add("BestRatio", num(ranked.iloc[0]["avoided_per_harmed"]), "its ratio")
    best_ratio = float(ranked.iloc[0]["avoided_per_harmed"])
    M.add("BestRatioSentence", f"it avoids {num(ranked.iloc[0]['losses_avoided_yuan'])} yuan of losses "
          + (f"with no extra honest harm on average" if np.isinf(best_ratio) else
             f"at {num(best_ratio)} yuan per honest customer harmed"), "Q1 the best policy's benefit and ratio")
    most = ce["losses_avoided_yuan"].idxmax()
    M.add("MostAvoidingPolicy", tex_escape(most), "policy avoiding the most losses")
    M.add("MostAvoided", num(ce.loc[most, "losses_avoided_yuan"]), "its losses avoided")
    M.add("MostAvoidedPct", pct(ce.loc[most, "losses_avoided_yuan"] / float(cmp.base.totals["fraud_losses_yuan"].mean())),
          "its losses avoided as a share of baseline losses")
    M.add("FrontierList", tex_escape(", ".join(cmp.frontier)) if cmp.frontier else "none", "frontier policies")
    M.add("FrontierCount", num(len(cmp.frontier)), "number of frontier policies")
    raising = [p for p in ce.index if cmp.p05.loc[p, "fraud_losses_yuan"] > 0]
    M.add("PoliciesRaisingLosses", tex_escape(", ".join(raising)) if raising else "none",
          "policies whose whole 90% interval of the loss change is above zero")
    sig = [p for p in ce.index if cmp.p95.loc[p, "fraud_losses_yuan"] < 0]
    M.add("PoliciesCuttingLossesCount", num(len(sig)), "policies whose whole loss-change interval is below zero")

    # ---- two cards: the bank policies against the baseline, in their own table --
    made += _two_cards(M, results, tables)

    # Q2 displacement
    shares = {"baseline": cmp.base}
    for p in ("remote_block", "dealer_cap", "location_edit_protection"):
        if p in cmp.policies:
            shares[p] = cmp.policies[p]
    made += F.supply_shares(shares, figures, "supply_shares",
                            title="Displacement: where the cards sold to fraud rings come from")
    farmers = next(c for c in cmp.channels if c.key == DISPLACED_TO)
    others = [c for c in cmp.channels if c != farmers]
    other_labels = ", ".join(c.label for c in others)
    for p in ("remote_block", "dealer_cap"):
        if p not in cmp.policies:
            continue
        d = cmp.differences[p]
        removed = -sum(d[c.activation_metric] for c in others)
        gain = d[farmers.activation_metric]
        with np.errstate(invalid="ignore", divide="ignore"):
            disp = np.where(removed > 0, gain / removed, np.nan)
        M.interval(camel("Displaced", p), *ci(disp),
                   comment=f"{p}: {farmers.label}' cards gained per card removed from {other_labels}", fmt=pct)
        M.interval(camel("Removed", p), *ci(removed), comment=f"{p}: activations removed from {other_labels}")
        M.interval(camel("Removed", p, "change"), *ci(-removed),
                   comment=f"{p}: change in activations of {other_labels}")
        sold_base = cmp.base.totals["cards_sold_to_scammers"].to_numpy()
        M.interval(camel("SoldPct", p), *ci(d["cards_sold_to_scammers"].to_numpy() / sold_base),
                   comment=f"{p}: relative change in cards sold to rings", fmt=pct)
        for s, _, _ in share_series(cmp.channels):
            M.interval(camel("D", p, s), *cmp.interval(p, s), comment=f"{p}: change in {s}", fmt=pct)

    # Q3 insiders: survival of each channel's supply (the paper quotes harvested, white and farmer)
    for p in ("location_edit_protection", "insider_audits", "package_insiders", "awareness_campaign",
              "police_capacity_x2"):
        if p not in cmp.policies:
            continue
        pol, bt = cmp.policies[p].totals, cmp.base.totals
        for c in cmp.channels:
            metric = c.activation_metric
            with np.errstate(invalid="ignore", divide="ignore"):
                ratio = pol[metric].to_numpy() / bt[metric].to_numpy()
            M.interval(camel("Survive", p, c.key), *ci(ratio), comment=f"{p}: {metric} as share of baseline", fmt=pct)

    _commission_sentences(M, cmp)

    # Q5 price signal across policies
    dp = cmp.mean["price_scammer_yuan"].to_numpy()
    dl = cmp.mean["fraud_losses_yuan"].to_numpy()
    dsold = cmp.mean["cards_sold_to_scammers"].to_numpy()
    if len(dp) >= 3 and np.std(dp) > 0 and np.std(dl) > 0:
        r_pl = num(float(np.corrcoef(dp, dl)[0, 1]), 2)
        rho_pl = num(float(stats.spearmanr(dp, dl).statistic), 2)
        rho_ps = num(float(stats.spearmanr(dp, dsold).statistic), 2)
        M.add("PriceSignalSentence", f"Across the {num(len(dp))} policies, the change in the scammer card price and "
              f"the change in fraud losses have rank correlation {rho_pl} (Pearson {r_pl}); price and cards sold, "
              f"{rho_ps}", "Q5 correlations across policies")
    else:
        M.add("PriceSignalSentence", "The policies do not vary enough in price or losses for a correlation to be "
              "computed", "Q5: too few policies or no variation")
    made += F.scatter_effects(cmp, "price_scammer_yuan", "fraud_losses_yuan", figures, "price_signal",
                              title="Prices as a signal: scammer card price against fraud losses",
                              caption_extra="A policy that cuts supply should raise the price and cut losses "
                                            "(upper-left to lower-right pattern).")

    # Q6 enforcement returns
    police = [p for p in ("police_capacity_x2", "police_capacity_x4") if p in cmp.policies]
    made += F.effect_bars(cmp, police + [p for p in ("insider_audits", "monitoring_strong") if p in cmp.policies],
                          "fraud_losses_yuan", figures, "enforcement",
                          title="Enforcement returns: change in fraud losses",
                          caption_extra="Police capacity doubled (x2) and quadrupled (x4) against the baseline; "
                                        "carrier audits and monitoring for comparison.")
    M.add("PoliceReturnsSentence", _police_returns(cmp, police), "Q6 returns to police capacity")

    # ---- Q8 timing --------------------------------------------------------------
    timing_path = results / "timing.h5"
    tm = load_compare(timing_path)
    pname = tm.policy_names[0]
    day0 = tm.from_day
    M.add("TimingDay", num(day0), "day the scheduled control starts")
    M.add("TimingPolicy", tex_escape(pname), "scheduled policy")
    made += F.daily_series({"baseline": tm.base, pname: tm.policies[pname]},
                           ["fraud_cases", "cards_in_fraud_use", "price_scammer_yuan", "honest_refused"], figures,
                           "timing", title="A control introduced on a settled market", smooth=14, mark_day=day0,
                           burn_in=min(BURN_IN_DAYS, day0))
    d_cases = tm.policies[pname].timeseries("fraud_cases").to_numpy() - tm.base.timeseries("fraud_cases").to_numpy()
    d_fleet = (tm.policies[pname].timeseries("cards_in_fraud_use").to_numpy()
               - tm.base.timeseries("cards_in_fraud_use").to_numpy())
    after = d_fleet[:, day0:]
    n_after = after.shape[1]
    half = max(1, n_after // 2)
    M.interval("TimingCasesEarly", *ci(d_cases[:, day0:day0 + half].sum(axis=1)),
               comment="change in fraud cases, first half of the treated window")
    M.interval("TimingCasesLate", *ci(d_cases[:, day0 + half:].sum(axis=1)),
               comment="change in fraud cases, second half of the treated window")
    M.add("TimingHalfDays", num(half), "days in each half of the treated window")
    mean_fleet = after.mean(axis=0)
    final = mean_fleet[-min(30, n_after):].mean()
    if final < 0:
        reach = int(np.argmax(mean_fleet <= 0.5 * final))
        text = (f"The change in cards in fraud use reaches half its final level after {num(reach)} days, and its "
                f"final level (mean of the last days) is ")
    else:
        text = ("Cards in fraud use do not fall on average after the switch: their change over the last days, the "
                "final level, is ")
    lo_f, hi_f = ci(after[:, -min(30, n_after):].mean(axis=1))[1:]
    M.add("TimingHalfEffectSentence", text + interval_text(final, lo_f, hi_f) + ".", "Q8 response of the fleet")
    M.interval("TimingFleetFinal", final, lo_f, hi_f, comment="change in cards in fraud use, mean of the last 30 days")

    # ---- sweeps (issue 5), only if the pipeline ran them --------------------------
    sweep_tex = []
    status = (results / "sweeps.status").read_text().strip() if (results / "sweeps.status").exists() else \
        "the pipeline did not record a sweep status"
    grid, sens_files = results / "sweep_grid.h5", [results / "sweep_sobol.h5", results / "sweep_morris.h5"]
    have_sweep = False
    if grid.exists():
        sw = load_sweep(grid)
        made += F.sweep_heatmap(sw, "fraud_losses_yuan", figures, "sweep_grid_losses",
                                title="Fraud losses over the dealer cap and remote-activation grid")
        made += F.sweep_heatmap(sw, "honest_refused", figures, "sweep_grid_refused",
                                title="Honest customers refused over the same grid")
        sweep_tex += [_figure("sweep_grid_losses", figures), _figure("sweep_grid_refused", figures)]
        have_sweep = True
    for path in sens_files:
        if not path.exists():
            continue
        sw = load_sweep(path)
        for metric in ("fraud_losses_yuan", "honest_refused"):
            if metric in sw.sensitivity:
                nm = f"sensitivity_{sw.kind or path.stem}_{metric}"
                made += F.sensitivity_bars(sw, metric, figures, nm)
                sweep_tex.append(_figure(nm, figures))
                have_sweep = True
    if not have_sweep:
        sweep_tex = [r"\begin{center}\fbox{\parbox{0.9\linewidth}{\textbf{Not run:} the sweep sections "
                     r"(research question 7 and the dealer-cap $\times$ remote-activation grid) are missing from this "
                     r"build because " + tex_escape(status) + r".}}\end{center}"]
    generated.mkdir(parents=True, exist_ok=True)
    (generated / "sweeps.tex").write_text("\n".join(sweep_tex) + "\n", encoding="utf-8")
    M.add("SweepStatus", tex_escape(status), "sweep status")
    M.add("SweepSentence", _sweep_sentence(results), "Q7 most influential parameters")

    # ---- figure list for the paper and the CI check --------------------------------
    fig_names = sorted({p.stem for p in made if p.suffix == ".pdf" and p.parent == figures})
    for nm in fig_names:
        (generated / f"fig_{nm}.tex").write_text(_figure(nm, figures) + "\n", encoding="utf-8")
    (generated / "figures.txt").write_text("\n".join(fig_names) + "\n", encoding="utf-8")
    # Layout problems of each figure (overlapping labels, axis offsets, text outside
    # the figure); scripts/check_paper.py fails `make paper` when any is listed.
    (generated / "figure_layout.txt").write_text(
        "".join(f"{nm}: {problem}\n" for nm in fig_names for problem in F.LAYOUT.get(nm, [])), encoding="utf-8")
    M.write(generated / "numbers.tex")
    return {"figures": fig_names, "macros": len(M.values)}


def _figure(name: str, figures: Path) -> str:
    cap = (figures / f"{name}.caption.txt").read_text(encoding="utf-8").strip()
    return (r"\begin{figure}[htbp]\centering" "\n"
            rf"\includegraphics[width=\linewidth]{{{name}.pdf}}" "\n"
            rf"\caption{{{tex_escape(cap)}}}\label{{fig:{name}}}" "\n" r"\end{figure}")


def figure_include(name: str, figures: Path) -> str:
    return _figure(name, figures)


def _two_cards(M: Macros, results: Path, tables: Path) -> list[Path]:
    """The bank policies' table and the baseline's account prices (F26)."""
    tc = load_compare(results / "two_cards.h5")
    bt = tc.base.totals
    M.interval("TwoCardsKitPrice", *ci(bt["bank_price_account_kit_yuan"].to_numpy()),
               comment="baseline: run-mean kit price, yuan per kit")
    M.interval("TwoCardsSellerPay", *ci(bt["bank_price_account_seller_yuan"].to_numpy()),
               comment="baseline: run-mean pay of an account's seller, yuan per account")
    M.interval("TwoCardsCases", *ci(bt["fraud_cases"].to_numpy()), comment="baseline: fraud cases per run")
    M.add("TwoCardsPolicies", num(len(tc.policies)), "bank policies compared against the baseline")
    cutting = [p for p in tc.policies if tc.p95.loc[p, "fraud_losses_yuan"] < 0]
    M.add("TwoCardsCutting", tex_escape(", ".join(cutting)) if cutting else "none",
          "bank policies whose whole 90% interval of the loss change is below zero")
    freezing = [p for p in tc.policies if tc.p05.loc[p, "bank_accounts_frozen_honest"] > 0]
    M.add("TwoCardsFreezing", tex_escape(", ".join(freezing)) if freezing else "none",
          "bank policies whose whole 90% interval of honest accounts frozen is above zero")
    for p in tc.policies:
        M.interval(camel("TwoCardsD", p, "fraud_cases"), *tc.interval(p, "fraud_cases"),
                   comment=f"{p}: change in fraud cases against the baseline")
    return compare_table(tc, tables, name="two_cards_effects", columns=TWO_CARDS_TABLE_COLUMNS)


def _validation(M: Macros, base, tables: Path) -> None:
    """Validation rows (facts kept out of calibration): table and macros."""
    val = validation_table(base)
    write_calibration(val, tables, name="validation")
    M.add("ValInside", num(int(val["inside"].sum())), "validation checks inside their band")
    M.add("ValTotal", num(len(val)), "validation checks")
    outside = [f"{r.fact} ({r.quantity})" for r in val.itertuples() if not r.inside]
    M.add("ValOutside", tex_escape(", ".join(outside)) if outside else "none", "validation checks outside")
    for r in val.itertuples():
        M.interval(camel("Val", r.fact, r.quantity), r.model_mean, r.model_p05, r.model_p95,
                   comment=f"validation {r.fact} {r.quantity}")


def _commission_sentences(M: Macros, cmp) -> None:
    """Q4: what clawback, delay and the dealer cap do to card raising."""
    def effect(policy: str, what: str) -> str:
        if policy not in cmp.policies:
            return f"The policy library has no {policy} scenario."
        d_raised = interval_text(*cmp.interval(policy, "cards_raised"))
        harm = interval_text(*_harm_interval(cmp, policy))
        return f"{what} changes raised cards by {d_raised} at an honest harm of {harm}."
    M.add("ClawbackSentence", effect("commission_clawback", "Clawing back commissions on cards shut for fraud"),
          "Q4 clawback")
    M.add("DelaySentence", effect("commission_delay", "A longer commission delay"), "Q4 delay")
    M.add("DealerCapRaisingSentence", effect("dealer_cap", "The dealer cap"), "Q4 dealer cap")


def _harm_interval(cmp, policy: str):
    ce = cmp.cost_effectiveness
    return ce.loc[policy, "honest_harmed"], ce.loc[policy, "honest_harmed_p05"], ce.loc[policy, "honest_harmed_p95"]


def _police_returns(cmp, police: list[str]) -> str:
    """Q6: the second doubling's gain against the first, in words."""
    if len(police) < 2:
        return "The policy library lacks one of the two police-capacity scenarios."
    ce = cmp.cost_effectiveness
    a2 = ce.loc["police_capacity_x2", "losses_avoided_yuan"]
    a4 = ce.loc["police_capacity_x4", "losses_avoided_yuan"]
    second = num(a4 - a2)
    if a2 <= 0:
        return (f"The first doubling avoids no losses on average, so the second doubling's {second} yuan cannot be "
                f"set against it.")
    share = pct((a4 - a2) / a2)
    kind = "diminishing" if a4 - a2 < a2 else "not diminishing"
    return (f"The second doubling adds {second} yuan, {share} of the first doubling's gain: returns are {kind} "
            f"at the mean.")


def _sweep_sentence(results: Path) -> str:
    """Q7: the parameter with the largest index for losses, per method, if a sweep ran."""
    parts = []
    for kind, column, label in (("sobol", "ST", "total Sobol' index"), ("morris", "mu_star", "Morris mu*")):
        path = results / f"sweep_{kind}.h5"
        if not path.exists():
            continue
        sens = load_sweep(path).sensitivity.get("fraud_losses_yuan")
        if sens is None or column not in sens.columns or sens[column].isna().all():
            continue
        top = sens[column].astype(float).idxmax()
        parts.append(f"by the {label}, the parameter that moves fraud losses most is {tex_escape(top)}")
    if not parts:
        return "No sensitivity index was computed in this build."
    text = "; ".join(parts)
    return text[:1].upper() + text[1:] + "."
