"""Quantified policy scenarios for the proposals of seed 002, every input read from the evidence base.

Each function names the figure ids it uses (``inputs``) so a brief can cite them; years come from
``decisions.toml`` (``scenarios.reference_year`` is "now", a decision rather than the clock, so results
are reproducible). Amounts in euros, devices per year, posts.
"""

from __future__ import annotations

import pandas as pd

from essnum.config import decision
from essnum.data import evidence

PROCUREMENT_RATES = ("proposal.procurement_reservation_low", "proposal.procurement_reservation_high")
RECOND_CURRENT = "recond.solidarity_computers_per_year"
RECOND_TARGET = "recond.solidarity_computers_target"
RECOND_DEVICES = "recond.devices_per_year"
HYBRID_POSTS = "proposal.hybrid_posts_2030"


def _years(target_year: int | None = None) -> tuple[int, int]:
    reference = int(decision("scenarios.reference_year"))
    target = int(decision("scenarios.target_year") if target_year is None else target_year)
    if target <= reference:
        raise ValueError(f"target year {target} must be after the reference year {reference} (scenarios.reference_year)")
    return reference, target


def procurement_reservation(envelopes_eur=None, rate_ids=PROCUREMENT_RATES) -> pd.DataFrame:
    """Amount a reservation of public digital procurement would direct to ESS providers (proposal 7).

    One row per envelope × rate: ``envelope_eur``, ``figure_id``, ``comparator``, ``rate`` (percent), ``reserved_eur``.
    ``envelopes_eur`` defaults to the illustrative envelopes of ``scenarios.illustrative_envelopes_eur``;
    pass the real envelope of a buyer to get its figure. Rates are minimums in the proposal (≥), so the
    amounts are floors.
    """
    envelopes = decision("scenarios.illustrative_envelopes_eur") if envelopes_eur is None else envelopes_eur
    rows = []
    for envelope in envelopes:
        if envelope < 0:
            raise ValueError(f"envelope must be non-negative, got {envelope!r}")
        for fid in rate_ids:
            fig = evidence.figure(fid)
            rows.append({"envelope_eur": float(envelope), "figure_id": fid, "comparator": fig.comparator, "rate": fig.value,
                         "reserved_eur": float(envelope) * fig.value / 100})
    return pd.DataFrame(rows)


def reconditioning_gap(target_year: int | None = None) -> dict:
    """From about 250 000 solidarity computers a year to 2 000 000 (proposal 6).

    Returns the compound annual growth required between ``scenarios.reference_year`` and the target
    year, the year-by-year path, and what the current and target volumes represent out of the
    4.3 million devices reconditioned each year (assuming that volume stays constant, which the seed does
    not say: ``share_of_reconditioned_target`` above 100 % would mean the target needs more devices than
    the whole sector reconditions today).
    """
    reference, target = _years(target_year)
    current = evidence.figure(RECOND_CURRENT).value
    goal = evidence.figure(RECOND_TARGET).value
    devices = evidence.figure(RECOND_DEVICES).value
    years = target - reference
    growth = (goal / current) ** (1 / years) - 1
    path = pd.DataFrame({"year": range(reference, target + 1)})
    path["computers"] = current * (1 + growth) ** (path["year"] - reference)
    path["share_of_reconditioned"] = 100 * path["computers"] / devices
    return {"inputs": [RECOND_CURRENT, RECOND_TARGET, RECOND_DEVICES], "reference_year": reference,
            "target_year": target, "years": years, "current": current, "target": goal,
            "multiplier": goal / current, "annual_growth": 100 * growth,
            "reconditioned_per_year": devices, "share_of_reconditioned_now": 100 * current / devices,
            "share_of_reconditioned_target": 100 * goal / devices, "additional_computers": goal - current,
            "path": path}


def hybrid_posts(target_year: int | None = None) -> dict:
    """5 000 hybrid posts by 2030 (proposal 2c): posts to create each year from the reference year.

    The target year defaults to the date of the figure (2030), else ``scenarios.target_year``.
    """
    fig = evidence.figure(HYBRID_POSTS)
    if target_year is None and fig.date:
        target_year = int(fig.date[:4])
    reference, target = _years(target_year)
    years = target - reference
    per_year = fig.value / years
    path = pd.DataFrame({"year": range(reference, target + 1)})
    path["cumulative_posts"] = per_year * (path["year"] - reference)
    return {"inputs": [HYBRID_POSTS], "reference_year": reference, "target_year": target, "years": years,
            "target": fig.value, "posts_per_year": per_year, "path": path}


def scenarios(envelopes_eur=None) -> dict:
    """All scenarios, keyed ``procurement``, ``reconditioning``, ``hybrid_posts`` (stable names for briefs)."""
    return {"procurement": procurement_reservation(envelopes_eur), "reconditioning": reconditioning_gap(),
            "hybrid_posts": hybrid_posts()}
