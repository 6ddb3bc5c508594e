"""Disclosure control for published counts: primary and secondary cell suppression, audited by linear programming.

A two-way table of respondent counts is published with its row totals, column totals and grand total.
Cells with fewer respondents than ``survey.suppression_threshold`` are suppressed (primary); further
cells are suppressed (secondary) until no suppressed cell can be solved back from the published numbers:
for each suppressed cell the range of values compatible with every published number (the additive
relations of the table, counts ≥ 0) is computed with ``scipy.optimize.linprog`` and must have non-zero
width. Margins that are themselves below the threshold are suppressed like any other cell.

The constraint matrix of a two-way table with its margins is totally unimodular, so the LP bounds are
integers: a non-zero width means at least two integer counts remain possible for every hidden cell.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import linprog

from essnum.config import decision

PUBLISHED, PRIMARY, SECONDARY = "published", "primary", "secondary"
TOTAL = "Total"


@dataclass
class SuppressedTable:
    """A count table with margins after suppression.

    ``counts``: the full table with a ``Total`` row and column (never published as such).
    ``status``: same shape, each cell ``published``, ``primary`` or ``secondary``.
    ``audit``: one row per suppressed cell with the feasible range an attacker can derive.
    """

    counts: pd.DataFrame
    status: pd.DataFrame
    audit: pd.DataFrame
    threshold: int

    @property
    def published(self) -> pd.DataFrame:
        """The table as it may be published: suppressed cells are missing (``<NA>``)."""
        return self.counts.astype("Int64").mask(self.status != PUBLISHED)

    @property
    def suppressed_count(self) -> dict[str, int]:
        values = self.status.to_numpy().ravel()
        return {PRIMARY: int((values == PRIMARY).sum()), SECONDARY: int((values == SECONDARY).sum())}


def with_margins(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` (non-negative integer counts) with a ``Total`` column and row appended."""
    values = table.to_numpy()
    if table.isna().any().any():
        raise ValueError("count table has missing cells")
    if (values < 0).any() or not np.allclose(values, np.round(values)):
        raise ValueError("count table must hold non-negative integers")
    full = table.astype("int64").copy()
    full[TOTAL] = full.sum(axis=1)
    full.loc[TOTAL] = full.sum(axis=0)
    return full


def _relations(shape: tuple[int, int]) -> np.ndarray:
    """Equality constraints of a table with margins: each row and each column sums to its total."""
    rows, cols = shape
    index = np.arange(rows * cols).reshape(rows, cols)
    relations = []
    for i in range(rows):
        line = np.zeros(rows * cols)
        line[index[i, :-1]] = 1
        line[index[i, -1]] = -1
        relations.append(line)
    for j in range(cols):
        line = np.zeros(rows * cols)
        line[index[:-1, j]] = 1
        line[index[-1, j]] = -1
        relations.append(line)
    return np.array(relations)


def feasible_ranges(counts: pd.DataFrame, suppressed: np.ndarray) -> pd.DataFrame:
    """For each suppressed cell of a table with margins, the min and max value consistent with what is published.

    Published cells are fixed to their value, suppressed cells are free non-negative reals; the table's
    additive relations must hold. This is what an attacker can solve from the published table.
    """
    values = counts.to_numpy(dtype=float).ravel()
    mask = np.asarray(suppressed, dtype=bool).ravel()
    relations = _relations(counts.shape)
    bounds = [(0, None) if hidden else (value, value) for value, hidden in zip(values, mask)]
    rows = []
    for flat in np.flatnonzero(mask):
        objective = np.zeros(values.size)
        extremes = []
        for sign in (1, -1):
            objective[flat] = sign
            result = linprog(objective, A_eq=relations, b_eq=np.zeros(len(relations)), bounds=bounds, method="highs")
            if result.status == 3:  # unbounded
                extremes.append(np.inf if sign < 0 else 0.0)
            elif not result.success:
                raise RuntimeError(f"disclosure audit failed for cell {flat}: {result.message}")
            else:
                extremes.append(sign * result.fun)
        i, j = divmod(int(flat), counts.shape[1])
        low, high = extremes
        rows.append({"row": counts.index[i], "column": counts.columns[j], "value": int(values[flat]),
                     "low": round(low, 6), "high": round(high, 6), "width": round(high - low, 6)})
    return pd.DataFrame(rows, columns=["row", "column", "value", "low", "high", "width"])


def _complement_candidates(status: np.ndarray, values: np.ndarray, cell: tuple[int, int]) -> list[tuple[int, int]]:
    """Published cells sharing a row or column with ``cell``, smallest value first (least information lost)."""
    i, j = cell
    rows, cols = status.shape
    candidates = [(i, c) for c in range(cols) if c != j] + [(r, j) for r in range(rows) if r != i]
    candidates = [(r, c) for r, c in candidates if status[r, c] == PUBLISHED]
    return sorted(candidates, key=lambda rc: (values[rc] == 0, values[rc], rc))


def suppress(table: pd.DataFrame, threshold: int | None = None) -> SuppressedTable:
    """Suppress small cells of a count table and enough complementary cells to protect them.

    Primary: every cell (margins included) with ``0 < count < threshold`` (and zero cells too when
    ``survey.suppress_zeros`` is true). Secondary: first every row/column relation holding exactly one
    suppressed cell gets a second one (the smallest published cell of that relation); then the LP audit
    is run and, while some suppressed cell has a zero-width feasible range, the smallest published cell
    in its row or column is suppressed as well. The result's ``audit`` proves the protection.
    """
    threshold = decision("survey.suppression_threshold") if threshold is None else int(threshold)
    counts = with_margins(table)
    values = counts.to_numpy()
    small = values < threshold
    if not decision("survey.suppress_zeros"):
        small &= values > 0
    status = np.where(small, PRIMARY, PUBLISHED).astype(object)
    rows, cols = status.shape

    changed = True
    while changed:  # no relation may hold exactly one suppressed cell
        changed = False
        lines = [[(i, c) for c in range(cols)] for i in range(rows)] + [[(r, j) for r in range(rows)] for j in range(cols)]
        for line in lines:
            hidden = [rc for rc in line if status[rc] != PUBLISHED]
            if len(hidden) == 1:
                options = sorted((rc for rc in line if status[rc] == PUBLISHED),
                                 key=lambda rc: (values[rc] == 0, values[rc], rc))
                if options:
                    status[options[0]] = SECONDARY
                    changed = True

    while True:
        audit = feasible_ranges(counts, status != PUBLISHED)
        exposed = audit[audit["width"] <= 0]
        if exposed.empty:
            break
        first = exposed.iloc[0]
        cell = (counts.index.get_loc(first["row"]), counts.columns.get_loc(first["column"]))
        options = _complement_candidates(status, values, cell)
        if not options:
            raise RuntimeError(f"cannot protect cell {first['row']!r} × {first['column']!r}: nothing left to suppress")
        status[options[0]] = SECONDARY

    status_frame = pd.DataFrame(status, index=counts.index, columns=counts.columns)
    audit.insert(2, "status", [status_frame.loc[r, c] for r, c in zip(audit["row"], audit["column"])])
    return SuppressedTable(counts, status_frame, audit, threshold)
