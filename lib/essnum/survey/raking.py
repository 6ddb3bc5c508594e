"""Raking (iterative proportional fitting) of survey weights to known margins, with a convergence report."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from essnum.config import decision


@dataclass
class RakingResult:
    """Calibrated weights and how the fit went.

    ``history``: largest absolute margin error (as a share of the total) after each full pass.
    ``margins``: per variable and category, the target share, the achieved share and the sample count.
    """

    weights: pd.Series
    converged: bool
    iterations: int
    max_error: float
    history: list[float] = field(default_factory=list)
    margins: pd.DataFrame | None = None

    def report(self) -> str:
        state = "converged" if self.converged else "did NOT converge"
        return (f"raking {state} after {self.iterations} passes; largest margin error {self.max_error:.2e}; "
                f"weights from {self.weights.min():.3f} to {self.weights.max():.3f}")


def _shares(targets: dict) -> dict:
    total = float(sum(targets.values()))
    if total <= 0 or any(v < 0 for v in targets.values()):
        raise ValueError(f"margin targets must be non-negative with a positive total, got {targets}")
    return {k: v / total for k, v in targets.items()}


def rake(data: pd.DataFrame, margins: dict[str, dict], base_weights: pd.Series | None = None,
         tolerance: float | None = None, max_iterations: int | None = None) -> RakingResult:
    """Adjust weights so that the weighted distribution of each variable matches its target margin.

    ``margins`` maps a column of ``data`` to ``{category: target}`` (counts or shares; normalised to
    shares). Weights keep the base weights' total (default: one per row, i.e. the sample size).
    Raises naming the variable and category when a target category has no respondent or a respondent
    falls in a category without target (raking cannot reach such margins).
    """
    tolerance = decision("survey.raking_tolerance") if tolerance is None else tolerance
    max_iterations = decision("survey.raking_max_iterations") if max_iterations is None else max_iterations
    weights = pd.Series(1.0, index=data.index) if base_weights is None else base_weights.astype(float).copy()
    total = weights.sum()
    targets = {var: _shares(t) for var, t in margins.items()}
    for var, shares in targets.items():
        if var not in data.columns:
            raise KeyError(f"raking variable {var!r} is not a column (columns: {list(data.columns)})")
        present = set(data[var].dropna().unique())
        empty = [c for c, s in shares.items() if s > 0 and c not in present]
        if empty:
            raise ValueError(f"raking on {var!r}: target categories {empty} have no respondent")
        extra = sorted(map(str, present - set(shares)))
        if extra:
            raise ValueError(f"raking on {var!r}: categories {extra} have respondents but no target")
        if data[var].isna().any():
            raise ValueError(f"raking on {var!r}: {int(data[var].isna().sum())} respondents have no value")

    history: list[float] = []
    converged = False
    for iteration in range(1, max_iterations + 1):
        for var, shares in targets.items():
            current = weights.groupby(data[var]).sum() / total
            factor = data[var].map({c: (shares[c] / current[c]) if current.get(c, 0) > 0 else 0.0 for c in shares})
            weights = weights * factor.astype(float)
        error = max(float((weights.groupby(data[var]).sum() / total - pd.Series(shares)).abs().max())
                    for var, shares in targets.items())
        history.append(error)
        if error <= tolerance:
            converged = True
            break

    rows = []
    for var, shares in targets.items():
        achieved = weights.groupby(data[var]).sum() / total
        counts = data[var].value_counts()
        rows += [{"variable": var, "category": c, "target": s, "achieved": float(achieved.get(c, 0.0)),
                  "respondents": int(counts.get(c, 0))} for c, s in shares.items()]
    return RakingResult(weights, converged, len(history), history[-1] if history else float("nan"),
                        history, pd.DataFrame(rows))


def rake_microdata(micro, margins: dict[str, dict], **options) -> RakingResult:
    """Rake a :class:`~essnum.survey.microdata.Microdata`'s weights on its questions (by answer label)."""
    return rake(micro.responses, margins, micro.weights, **options)
