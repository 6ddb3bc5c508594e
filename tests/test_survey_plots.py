"""Charts draw what they are given: one interval bar per estimate, no interval where none exists, no invented trend."""

import matplotlib

matplotlib.use("Agg")

import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.collections import LineCollection  # noqa: E402

from essnum import survey  # noqa: E402
from essnum.funding import scenarios  # noqa: E402
from essnum.funding.plots import reconditioning_plot  # noqa: E402
from essnum.survey import plots  # noqa: E402


def _segments(ax):
    return [seg for coll in ax.collections if isinstance(coll, LineCollection) for seg in coll.get_segments()]


def test_dot_plot_draws_each_interval_and_leaves_subpopulations_without_one():
    table = survey.published_intervals(["rs2022"])
    table = table[table["group"].isin(["usage"])]
    ax = plots.dot_plot(table, "test").axes[0]
    segments = _segments(ax)
    with_interval = table[table["method"] == "wilson"]
    assert len(segments) == len(with_interval)
    assert sorted(round(s[0][0], 6) for s in segments) == sorted(round(v, 6) for v in with_interval["low"])
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert sum("sans intervalle" in label for label in labels) == (table["method"] == "subpopulation").sum()
    assert ax.get_xlim() == (0, 100)


def test_wave_plot_draws_no_arrow_between_incomparable_waves():
    ax = plots.wave_plot(survey.wave_comparisons(), "test", ("2019", "2022")).axes[0]
    assert not [t for t in ax.texts if getattr(t, "arrow_patch", None) is not None]


def test_reconditioning_plot_ends_at_the_target():
    result = scenarios.reconditioning_gap()
    ax = reconditioning_plot(result).axes[0]
    x, y = ax.lines[0].get_data()
    assert list(x) == list(result["path"]["year"])
    assert y[-1] == pd.Series(y).max() == pytest.approx(result["target"])
