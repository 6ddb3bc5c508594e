"""Charts of survey estimates with their uncertainty: dot plots with interval bars, sensitivity bands.

Every function returns a matplotlib ``Figure`` and draws only what it is given (tables from
:mod:`essnum.survey.published`); colours and sizes come from ``decisions.toml [survey]``.
"""

from __future__ import annotations

import textwrap

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from essnum.config import decision
from essnum.figure_data import with_data
from essnum.french import french_number

CM = 1 / 2.54


def chart_figure(height_cm: float) -> tuple[Figure, plt.Axes]:
    """A figure at the chart width of ``decisions.toml [survey]``, ``height_cm`` high, top/right spines off."""
    plt.rcParams.update({"font.size": decision("survey.chart_font_size"), "svg.hashsalt": "essnum"})
    fig, ax = plt.subplots(figsize=(decision("survey.chart_width_cm") * CM, height_cm * CM), layout="constrained")
    ax.spines[["top", "right"]].set_visible(False)
    return fig, ax


def percent_axis(axis) -> None:
    """French percentage tick labels ("20 %") on ``axis``."""
    axis.set_major_formatter(FuncFormatter(lambda v, _: french_number(round(v, 1), "percent")))


def dot_plot(table: pd.DataFrame, title: str, xlabel: str = "Part des répondants", wrap: int = 48) -> Figure:
    """Horizontal dot plot: one row per figure, its value as a point and its interval as a bar.

    ``table``: rows of :func:`~essnum.survey.published_intervals` (``label``, ``value``, ``value_max``,
    ``low``, ``high``, ``method``). Published ranges are drawn as a thick segment; figures without an
    interval (sub-populations of unknown size) as hollow grey points, flagged in the label.
    """
    table = table.sort_values("value")
    fig, ax = chart_figure(1.6 + 0.75 * len(table))
    y = np.arange(len(table))
    labels = []
    for i, (_, row) in enumerate(table.iterrows()):
        label = row["label"]
        if row["method"] in ("subpopulation", "remainder", "bound"):
            ax.plot(row["value"], i, "o", mfc="white", mec=decision("survey.no_interval_colour"), ms=5)
            label += " (sans intervalle)"
        else:
            ax.hlines(i, row["low"], row["high"], color=decision("survey.point_colour"), lw=1.2)
            if row["method"] == "wilson_range":
                ax.hlines(i, row["value"], row["value_max"], color=decision("survey.point_colour"), lw=4)
            else:
                ax.plot(row["value"], i, "o", color=decision("survey.point_colour"), ms=5)
        labels.append(textwrap.fill(label, wrap))
    ax.set_yticks(y, labels)
    ax.set_xlim(0, 100)
    percent_axis(ax.xaxis)
    ax.set_xlabel(xlabel)
    ax.set_title(title, loc="left")
    ax.grid(axis="x", lw=0.3, color="#d0d0d0")
    return with_data(fig, _plotted(table.iloc[::-1], ["label", "value", "value_max", "low", "high", "n", "method"]))


def _plotted(table: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """The ``columns`` of ``table`` a chart drew (those present), with the figure id when it is the index."""
    frame = table.reset_index() if table.index.name else table
    return frame[[c for c in [table.index.name, *columns] if c in frame.columns]].reset_index(drop=True)


def sensitivity_plot(table: pd.DataFrame, title: str, group1: str, group2: str) -> Figure:
    """Difference between two groups (percentage points) with its interval, across plausible group splits."""
    fig, ax = chart_figure(7)
    x = 100 * table["share_group1"]
    ax.fill_between(x, table["low"], table["high"], color=decision("survey.point_colour"), alpha=0.2, lw=0,
                    label="Intervalle de confiance à 95 %")
    ax.plot(x, table["difference"], color=decision("survey.point_colour"), lw=1.2, label=f"Écart {group1} − {group2}")
    ax.axhline(0, color="black", lw=0.6)
    percent_axis(ax.xaxis)
    ax.set_xlabel(f"Part supposée des « {group1} » parmi les répondants (non publiée)")
    ax.set_ylabel("Écart (points de pourcentage)")
    ax.set_ylim(min(0, table["low"].min()) - 2, table["high"].max() + 2)
    fig.legend(frameon=False, loc="outside upper right", ncols=2)
    ax.set_title(title, loc="left")
    return with_data(fig, _plotted(table, ["share_group1", "difference", "low", "high"]))


def wave_plot(comparisons: pd.DataFrame, title: str, wave_labels: tuple[str, str], wrap: int = 40) -> Figure:
    """Figures of two survey waves side by side, each with its own interval, one row per topic.

    No line joins the two points: a change is only drawn when the comparison's verdict is ``difference``.
    """
    fig, ax = chart_figure(2 + 1.6 * len(comparisons))
    colours = (decision("survey.second_colour"), decision("survey.point_colour"))
    for i, (_, row) in enumerate(comparisons.iterrows()):
        for offset, suffix, colour, wave in ((-0.15, "a", colours[0], wave_labels[0]), (0.15, "b", colours[1], wave_labels[1])):
            ax.hlines(i + offset, row[f"low_{suffix}"], row[f"high_{suffix}"], color=colour, lw=1.2)
            if pd.notna(row[f"value_max_{suffix}"]):  # a published range: a thick segment, no single point
                ax.hlines(i + offset, row[f"value_{suffix}"], row[f"value_max_{suffix}"], color=colour, lw=4,
                          label=wave if i == 0 else None)
                continue
            ax.plot(row[f"value_{suffix}"], i + offset, "o" if suffix == "b" else "s", color=colour, ms=5,
                    label=wave if i == 0 else None)
        if row["verdict"] == "difference":
            ax.annotate("", (row["value_b"], i + 0.15), (row["value_a"], i - 0.15),
                        arrowprops={"arrowstyle": "->", "color": "black", "lw": 0.6})
    verdicts = {"difference": "évolution mesurable", "side_by_side": "à lire côte à côte, pas d'évolution",
                "not_comparable": "non comparables"}
    ax.set_yticks(range(len(comparisons)), [textwrap.fill(f"{t} ({verdicts[v]})", wrap)
                                            for t, v in zip(comparisons["topic"], comparisons["verdict"])])
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    percent_axis(ax.xaxis)
    ax.set_xlabel("Part des répondants de chaque enquête (intervalle de confiance à 95 %)")
    fig.legend(frameon=False, loc="outside upper right", ncols=2)
    ax.set_title(title, loc="left")
    ax.grid(axis="x", lw=0.3, color="#d0d0d0")
    return with_data(fig, comparisons.reset_index(drop=comparisons.index.name is None))
