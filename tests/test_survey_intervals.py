"""Wilson and Newcombe intervals against independent formulas and published known answers."""

import math

import pytest

from essnum.survey import minimum_equal_group_size, newcombe, subgroup_sensitivity, wilson

Z95 = 1.959963984540054  # qnorm(0.975)


def wilson_by_quadratic(p_hat, n, z=Z95):
    """Wilson bounds as the roots of (p_hat - p)^2 = z^2 p (1 - p) / n — a different route to the same interval."""
    a = 1 + z * z / n
    b = -(2 * p_hat + z * z / n)
    c = p_hat * p_hat
    root = math.sqrt(b * b - 4 * a * c)
    return (-b - root) / (2 * a), (-b + root) / (2 * a)


def test_wilson_22_percent_of_2776_matches_independent_formula_to_4_decimals():
    interval = wilson(0.22, 2776)
    low, high = wilson_by_quadratic(0.22, 2776)
    assert round(interval.low, 4) == round(low, 4) == 0.2050
    assert round(interval.high, 4) == round(high, 4) == 0.2358


@pytest.mark.parametrize("p, n", [(0.0, 10), (1.0, 10), (0.5, 1), (0.87, 2776), (0.39, 218)])
def test_wilson_agrees_with_quadratic_roots_everywhere(p, n):
    interval = wilson(p, n)
    low, high = wilson_by_quadratic(p, n)
    assert interval.low == pytest.approx(max(0.0, low), abs=1e-12)
    assert interval.high == pytest.approx(min(1.0, high), abs=1e-12)


def test_wilson_rejects_percentages_and_empty_samples():
    with pytest.raises(ValueError, match="divide percentages"):
        wilson(22, 2776)
    with pytest.raises(ValueError, match="positive"):
        wilson(0.2, 0)


def test_newcombe_matches_published_worked_example():
    # Newcombe (1998), Statistics in Medicine 17:873, Table II example (a): 56/70 vs 48/80 → 0.0524 to 0.3339.
    interval = newcombe(56 / 70, 70, 48 / 80, 80)
    assert round(interval.low, 4) == 0.0524
    assert round(interval.high, 4) == 0.3339


def test_subgroup_sensitivity_covers_the_grid_and_sizes_add_up():
    table = subgroup_sensitivity(0.49, 0.33, 2776, shares=[0.1, 0.5, 0.9])
    assert list(table["n_group1"] + table["n_group2"]) == [2776] * 3
    assert table["excludes_zero"].all()
    # the most balanced split gives the narrowest interval
    widths = table["high"] - table["low"]
    assert widths.idxmin() == 1


def test_minimum_equal_group_size_is_the_threshold_of_significance():
    m = minimum_equal_group_size(0.49, 0.33)
    assert newcombe(0.49, m, 0.33, m).excludes_zero()
    assert not newcombe(0.49, m - 1, 0.33, m - 1).excludes_zero()
