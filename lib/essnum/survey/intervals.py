"""Uncertainty of published proportions: Wilson score intervals, Newcombe differences, unknown subgroup sizes."""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np
import pandas as pd

from essnum.config import decision


@dataclass(frozen=True)
class Interval:
    """An estimate with its confidence interval (proportions as fractions, 0–1)."""

    estimate: float
    low: float
    high: float
    confidence: float

    @property
    def width(self) -> float:
        return self.high - self.low

    def excludes_zero(self) -> bool:
        return self.low > 0 or self.high < 0


def z_value(confidence: float | None = None) -> float:
    """Two-sided normal quantile for ``confidence`` (default: ``survey.confidence``)."""
    confidence = decision("survey.confidence") if confidence is None else confidence
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be between 0 and 1, got {confidence!r}")
    return NormalDist().inv_cdf(1 - (1 - confidence) / 2)  # as scipy.stats.norm.ppf (±1e-15), without importing scipy


def _check_proportion(p: float, n: float) -> None:
    if not 0 <= p <= 1:
        raise ValueError(f"proportion must be a fraction between 0 and 1, got {p!r} (divide percentages by 100)")
    if not n > 0:
        raise ValueError(f"sample size must be positive, got {n!r}")


def wilson(p: float, n: float, confidence: float | None = None) -> Interval:
    """Wilson score interval for a proportion ``p`` (fraction) observed on ``n`` respondents.

    ``n`` may be an effective sample size (not an integer) for weighted data.
    """
    _check_proportion(p, n)
    z = z_value(confidence)
    z2 = z * z
    denominator = 1 + z2 / n
    centre = (p + z2 / (2 * n)) / denominator
    half = z / denominator * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    return Interval(p, max(0.0, centre - half), min(1.0, centre + half),
                    decision("survey.confidence") if confidence is None else confidence)


def newcombe(p1: float, n1: float, p2: float, n2: float, confidence: float | None = None) -> Interval:
    """Interval for the difference ``p1 - p2`` of two independent proportions (Newcombe's hybrid score method 10)."""
    a, b = wilson(p1, n1, confidence), wilson(p2, n2, confidence)
    d = p1 - p2
    low = d - math.sqrt((p1 - a.low) ** 2 + (b.high - p2) ** 2)
    high = d + math.sqrt((a.high - p1) ** 2 + (p2 - b.low) ** 2)
    return Interval(d, low, high, a.confidence)


def subgroup_sensitivity(p1: float, p2: float, n_total: int, shares=None,
                         confidence: float | None = None) -> pd.DataFrame:
    """Difference ``p1 - p2`` between two unpublished-size subgroups of one sample, across plausible splits.

    Group 1 gets ``share × n_total`` respondents and group 2 the rest; ``shares`` defaults to the grid of
    ``survey.subgroup_share_grid``. Returns one row per share with both sizes, the interval and whether
    it excludes zero — so a conclusion is stated only if it holds over the whole plausible range.
    """
    if shares is None:
        start, stop, steps = decision("survey.subgroup_share_grid")
        shares = np.linspace(start, stop, steps)
    rows = []
    for share in shares:
        n1 = int(round(share * n_total))
        n2 = n_total - n1
        if n1 < 1 or n2 < 1:
            raise ValueError(f"share {share} leaves an empty subgroup of a sample of {n_total}")
        diff = newcombe(p1, n1, p2, n2, confidence)
        rows.append({"share_group1": round(float(share), 4), "n_group1": n1, "n_group2": n2,
                     "difference": diff.estimate, "low": diff.low, "high": diff.high,
                     "excludes_zero": diff.excludes_zero()})
    return pd.DataFrame(rows)


def minimum_equal_group_size(p1: float, p2: float, confidence: float | None = None, upper: int = 10**7) -> int:
    """Smallest size ``m`` such that two groups of ``m`` respondents each make ``p1 - p2`` significant.

    A conclusion about two subgroups whose sizes are not published holds whenever both groups are at
    least this large (the interval narrows as either group grows). Raises if ``p1 == p2``.
    """
    if p1 == p2:
        raise ValueError("equal proportions are never significantly different")
    if not newcombe(p1, upper, p2, upper, confidence).excludes_zero():
        raise ValueError(f"difference {p1 - p2:+.4f} is not significant even with {upper} respondents per group")
    low, high = 1, upper
    while low < high:
        mid = (low + high) // 2
        if newcombe(p1, mid, p2, mid, confidence).excludes_zero():
            high = mid
        else:
            low = mid + 1
    return low
