"""Cell suppression: small cells hidden, and no hidden cell recoverable from what is published."""

import numpy as np
import pandas as pd
import pytest

from essnum.survey.disclosure import PUBLISHED, feasible_ranges, suppress, with_margins


def _table(rows):
    return pd.DataFrame(rows, index=[f"r{i}" for i in range(len(rows))],
                        columns=[f"c{j}" for j in range(len(rows[0]))])


def _attacker_cannot_solve(result):
    """Independent audit: recompute every hidden cell's range from the published numbers alone."""
    published = result.published
    hidden = published.isna().to_numpy()
    # hidden cells are free variables of the LP: only the published numbers constrain them
    ranges = feasible_ranges(result.counts, hidden)
    assert (ranges["width"] > 0).all(), ranges
    # and the true value always lies inside the attacker's range
    assert ((ranges["low"] <= ranges["value"]) & (ranges["value"] <= ranges["high"])).all()
    return ranges


def test_primary_cells_are_those_below_threshold():
    result = suppress(_table([[50, 3, 40], [30, 25, 60], [45, 35, 20]]), threshold=11)
    assert result.status.loc["r0", "c1"] == "primary"
    assert result.published.isna().loc["r0", "c1"]
    assert result.suppressed_count["primary"] == 1


def test_single_small_cell_gets_complements_in_its_row_and_column():
    result = suppress(_table([[50, 3, 40], [30, 25, 60], [45, 35, 20]]), threshold=11)
    status = result.status
    assert (status.loc["r0"] != PUBLISHED).sum() >= 2
    assert (status["c1"] != PUBLISHED).sum() >= 2
    _attacker_cannot_solve(result)


@pytest.mark.parametrize("seed", range(12))
def test_secondary_suppression_is_never_recoverable_on_random_tables(seed):
    rng = np.random.default_rng(seed)
    rows, cols = rng.integers(2, 6), rng.integers(2, 6)
    values = rng.choice([0, 1, 2, 5, 8, 12, 20, 40, 90], size=(rows, cols))
    result = suppress(_table(values.tolist()), threshold=11)
    ranges = _attacker_cannot_solve(result)
    # every primary cell of the inner table is hidden
    inner = result.counts.iloc[:-1, :-1].to_numpy()
    hidden = result.published.isna().iloc[:-1, :-1].to_numpy()
    assert hidden[(inner > 0) & (inner < 11)].all()
    assert len(ranges) == hidden.sum() + result.published.isna().iloc[-1].sum() + result.published.isna().iloc[:-1, -1].sum()


def test_a_lone_hidden_cell_would_be_recoverable_and_the_audit_says_so():
    counts = with_margins(_table([[50, 3], [30, 25]]))
    hidden = np.zeros(counts.shape, dtype=bool)
    hidden[0, 1] = True
    ranges = feasible_ranges(counts, hidden)
    assert ranges.loc[0, "width"] == 0 and ranges.loc[0, "low"] == 3


def test_small_margins_are_suppressed_too():
    result = suppress(_table([[4, 3], [30, 25]]), threshold=11)
    assert result.status.loc["r0", "Total"] != PUBLISHED
    _attacker_cannot_solve(result)


def test_threshold_default_comes_from_decisions():
    result = suppress(_table([[10, 30], [30, 25]]))
    assert result.threshold == 11 and result.status.loc["r0", "c0"] == "primary"


def test_rejects_non_count_tables():
    with pytest.raises(ValueError, match="non-negative integers"):
        suppress(_table([[1.5, 2], [3, 4]]))


def test_feasible_bounds_are_integers_so_non_zero_width_means_at_least_two_counts():
    rng = np.random.default_rng(99)
    result = suppress(_table(rng.choice([1, 2, 4, 7, 13, 25, 60], size=(5, 4)).tolist()), threshold=11)
    audit = result.audit
    assert np.allclose(audit[["low", "high"]], np.round(audit[["low", "high"]]))
    assert (audit["width"] >= 1).all()
