"""Intervals and comparisons for the survey percentages of the evidence base (``data/evidence/figures.csv``).

Every number comes from :mod:`essnum.data.evidence` (percentages and sample sizes as transcribed from the
seeds) and is turned into an interval here; the functions return plain DataFrames that notebooks show
and the facts registry wraps. Percentages are returned in percent (0–100), like the evidence base.
"""

from __future__ import annotations

import math

import pandas as pd

from essnum.config import decision
from essnum.data.tables import read_table
from essnum.paths import data_dir

from .intervals import minimum_equal_group_size, newcombe, subgroup_sensitivity, wilson
from .synthetic import NO, YES, SyntheticSurvey, synthetic_survey

PERCENT = "percent"
_USABLE_COMPARATORS = ("=", "~")


def _evidence():
    from essnum.data import evidence  # the evidence base owns loading and validation

    return evidence


def _figure_ids() -> list[str]:
    frame = _evidence().figures()
    ids = frame["id"] if "id" in frame.columns else frame.index.to_series()
    return sorted(str(i) for i in ids)


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA


def _label(fig) -> str:
    return str(getattr(fig, "label", None) or getattr(fig, "label_fr", ""))


def sample_size(wave: str) -> int:
    """Number of respondents of a survey wave (``<wave>.sample_size`` in the evidence base)."""
    return int(_evidence().figure(f"{wave}.sample_size").value)


def published_intervals(waves: list[str] | None = None, confidence: float | None = None) -> pd.DataFrame:
    """Wilson interval of every published survey percentage, keyed by figure id.

    Columns: ``wave``, ``group`` (``maturity``, ``barrier``, ``usage`` or the topic), ``label``, ``value``
    (percent), ``value_max`` (ranges such as 15–20 %), ``n``, ``low``, ``high`` (percent), ``quality`` (as
    flagged in the evidence base) and ``method``:
    ``wilson``; ``wilson_range`` (low bound of the lower end to high bound of the upper end);
    ``subpopulation`` for figures about a sub-population of unpublished size (``survey.subpopulation_figures``:
    no interval, see :func:`urban_rural_sensitivity`); ``bound`` for figures published only as a bound (< 5 %).
    """
    waves = decision("survey.waves") if waves is None else waves
    subpopulations = set(decision("survey.subpopulation_figures"))
    rows = []
    for wave in waves:
        n = sample_size(wave)
        for fid in _figure_ids():
            if not fid.startswith(f"{wave}.") or fid == f"{wave}.sample_size":
                continue
            fig = _evidence().figure(fid)
            if fig.unit != PERCENT:
                continue
            parts = fid.split(".")
            row = {"id": fid, "wave": wave, "group": parts[1], "label": _label(fig), "value": float(fig.value),
                   "value_max": None if _missing(fig.value_max) else float(fig.value_max), "n": n,
                   "low": float("nan"), "high": float("nan"), "quality": fig.quality}
            if fid in subpopulations:
                row.update(n=pd.NA, method="subpopulation")
            elif fig.comparator not in _USABLE_COMPARATORS:
                row.update(method="bound")
            elif row["value_max"] is not None:
                row.update(low=100 * wilson(row["value"] / 100, n, confidence).low,
                           high=100 * wilson(row["value_max"] / 100, n, confidence).high, method="wilson_range")
            else:
                interval = wilson(row["value"] / 100, n, confidence)
                row.update(low=100 * interval.low, high=100 * interval.high, method="wilson")
            rows.append(row)
    frame = pd.DataFrame(rows).set_index("id")
    frame["n"] = frame["n"].astype("Int64")
    return frame


def maturity_split(confidence: float | None = None) -> pd.DataFrame:
    """The 2022 maturity split (experienced / in progress / little initiated) with intervals, plus the
    undescribed remainder (the three published shares add up to 97 %, not 100 %)."""
    table = published_intervals(["rs2022"], confidence)
    table = table[table["group"] == "maturity"].copy()
    remainder = 100 - table["value"].sum()
    extra = pd.DataFrame([{"wave": "rs2022", "group": "maturity", "label": "Non décrit dans la source",
                           "value": remainder, "value_max": None, "n": pd.NA, "low": float("nan"),
                           "high": float("nan"), "quality": "derived", "method": "remainder"}], index=pd.Index(["rs2022.maturity.remainder"], name="id"))
    return pd.concat([table, extra.astype({"n": "Int64"})])


def urban_rural_sensitivity(shares=None, confidence: float | None = None) -> dict:
    """Urban (49 %) vs rural (33 %) positive effects in the 2022 survey, whose subgroup sizes are unpublished.

    Returns ``table`` (the Newcombe interval of the difference for each plausible urban share of the
    2 776 respondents), ``holds_everywhere`` (the difference excludes zero on the whole grid) and
    ``minimum_group_size`` (the difference is significant whenever both groups have at least that many
    respondents, whatever the split).
    """
    urban = _evidence().figure("rs2022.positive_effects.urban").value / 100
    rural = _evidence().figure("rs2022.positive_effects.rural").value / 100
    table = subgroup_sensitivity(urban, rural, sample_size("rs2022"), shares, confidence)
    for column in ("difference", "low", "high"):
        table[column] = 100 * table[column]
    return {"table": table, "holds_everywhere": bool(table["excludes_zero"].all()),
            "minimum_group_size": minimum_equal_group_size(urban, rural, confidence),
            "urban": 100 * urban, "rural": 100 * rural}


def wave_comparisons(path=None, confidence: float | None = None) -> pd.DataFrame:
    """2019 vs 2022 pairs of figures from ``data/survey/wave_comparisons.csv`` (or ``path``) with their verdict.

    ``verdict``: ``difference`` (same question and population: Newcombe interval of the change computed),
    ``side_by_side`` (each shown with its own interval, no change claimed) or ``not_comparable``
    (reason given; no number computed). Intervals in percentage points.
    """
    schema = data_dir() / "survey" / "wave_comparisons.schema.json"
    result = read_table(path or schema.with_name("wave_comparisons.csv"), schema)
    if not result.ok:
        raise ValueError("invalid wave comparison table:\n" + "\n".join(map(str, result.problems)))
    intervals = published_intervals(sorted({i.split(".")[0] for i in
                                            [*result.data["figure_a"], *result.data["figure_b"]]}), confidence)
    rows = []
    for _, pair in result.data.iterrows():
        a, b = intervals.loc[pair["figure_a"]], intervals.loc[pair["figure_b"]]
        row = {"topic": pair["topic"], "figure_a": pair["figure_a"], "value_a": a["value"],
               "value_max_a": a["value_max"], "low_a": a["low"], "high_a": a["high"], "figure_b": pair["figure_b"],
               "value_b": b["value"], "value_max_b": b["value_max"], "low_b": b["low"], "high_b": b["high"], "verdict": pair["verdict"], "reason": pair["reason"],
               "difference": float("nan"), "difference_low": float("nan"), "difference_high": float("nan")}
        if pair["verdict"] == "difference":
            diff = newcombe(b["value"] / 100, int(b["n"]), a["value"] / 100, int(a["n"]), confidence)
            row.update(difference=100 * diff.estimate, difference_low=100 * diff.low, difference_high=100 * diff.high)
        rows.append(row)
    return pd.DataFrame(rows)


def synthetic_rs2022(seed: int | None = None) -> SyntheticSurvey:
    """SYNTHETIC microdata of n = 2 776 reproducing the published 2022 margins (tests and benchmarks only).

    Maturity is one question (three answers, the undescribed 3 % as no answer); every other whole-sample
    percentage of the 2022 wave becomes a yes/no question. Sub-population figures are left out.
    """
    table = published_intervals(["rs2022"])
    table = table[table["method"] == "wilson"]
    margins = {"maturity": {fid.rsplit(".", 1)[1]: row["value"] / 100
                            for fid, row in table[table["group"] == "maturity"].iterrows()}}
    for fid, row in table[table["group"] != "maturity"].iterrows():
        margins[fid.removeprefix("rs2022.")] = {YES: row["value"] / 100, NO: 1 - row["value"] / 100}
    return synthetic_survey(sample_size("rs2022"), margins, seed)
