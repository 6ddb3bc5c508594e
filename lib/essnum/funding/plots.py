"""One chart per policy scenario of :mod:`essnum.funding.scenarios` (French labels, sizes from ``[survey]`` chart decisions)."""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from essnum.config import decision
from essnum.figure_data import with_data
from essnum.french import french_decimal, french_number
from essnum.survey.plots import chart_figure, percent_axis


def _short(value: float, unit: str = "") -> str:
    """Axis label: "100 000", "2,5 M", with " €" for euros (French number format)."""
    suffix = "\u00a0€" if unit == "EUR" else ""
    if abs(value) >= 1_000_000:
        return french_decimal(value / 1_000_000) + "\u00a0M" + suffix
    return french_decimal(round(value)) + suffix


def _plain_axis(axis, unit: str = "") -> None:
    axis.set_major_formatter(FuncFormatter(lambda v, _: _short(v, unit)))


def procurement_plot(table: pd.DataFrame) -> Figure:
    """Amount reserved for ESS providers against the procurement envelope, one point series per rate."""
    fig, ax = chart_figure(7)
    colours = (decision("survey.point_colour"), decision("survey.second_colour"))
    for colour, (rate, part) in zip(colours, table.groupby("rate", sort=True)):
        floor = "d'au moins " if part["comparator"].iloc[0] == ">=" else "de "
        ax.plot(part["envelope_eur"], part["reserved_eur"], "o-", color=colour, ms=4, lw=1,
                label=f"Réservation {floor}{french_number(rate, 'percent')}")
    ax.set_xscale("log")
    ax.set_yscale("log")
    _plain_axis(ax.xaxis, "EUR")
    _plain_axis(ax.yaxis, "EUR")
    ax.set_xlabel("Enveloppe d'achats publics numériques (illustrative)")
    ax.set_ylabel("Montant orienté vers l'ESS")
    ax.legend(frameon=False)
    ax.set_title("Proposition 7 : ce que la réservation orienterait vers l'ESS", loc="left")
    return with_data(fig, table)


def reconditioning_plot(result: dict) -> Figure:
    """Required path of solidarity computers per year, with the share of all reconditioned devices."""
    fig, ax = chart_figure(7)
    path = result["path"]
    ax.plot(path["year"], path["computers"], "o-", color=decision("survey.point_colour"), ms=4, lw=1.2,
            label=f"Trajectoire à {french_number(round(result['annual_growth'], 1), 'percent')} par an")
    ax.axhline(result["reconditioned_per_year"], color=decision("survey.second_colour"), lw=1, ls="--",
               label="Appareils reconditionnés par an (toute la filière)")
    _plain_axis(ax.yaxis)
    ax.set_ylim(0, result["reconditioned_per_year"] * 1.1)
    ax.set_xticks(path["year"])
    ax.set_ylabel("Ordinateurs solidaires par an")
    share = ax.secondary_yaxis("right", functions=(lambda v: 100 * v / result["reconditioned_per_year"],
                                                   lambda p: p * result["reconditioned_per_year"] / 100))
    percent_axis(share.yaxis)
    share.set_ylabel("Part des appareils reconditionnés")
    ax.legend(frameon=False, loc="upper left")
    ax.set_title(f"Proposition 6 : de {_short(result['current'])} à {_short(result['target'])} "
                 f"ordinateurs solidaires par an", loc="left")
    return with_data(fig, path.assign(reconditioned_per_year=result["reconditioned_per_year"]))


def hybrid_posts_plot(result: dict) -> Figure:
    """Cumulative hybrid posts if the target is reached at a constant yearly pace."""
    fig, ax = chart_figure(6)
    path = result["path"]
    ax.step(path["year"], path["cumulative_posts"], where="post", color=decision("survey.point_colour"), lw=1.2)
    ax.plot(path["year"], path["cumulative_posts"], "o", color=decision("survey.point_colour"), ms=4)
    _plain_axis(ax.yaxis)
    ax.set_xticks(path["year"])
    ax.set_ylabel("Postes hybrides cumulés")
    ax.set_title(f"Proposition 2c : {french_number(round(result['posts_per_year']))} postes par an "
                 f"de {result['reference_year']} à {result['target_year']}", loc="left")
    return with_data(fig, path)
