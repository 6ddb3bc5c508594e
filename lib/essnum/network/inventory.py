"""What an atlas holds, as tables a notebook shows: organisations per family (with French labels),
links per kind of collective, and the bar chart of families.

Counts only: validation and loading are :mod:`essnum.data.atlas`'s (``load_atlas``); per-column counts of
organisations (country, legal form) are ``essnum.data.atlas.summary``.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.figure import Figure

from essnum.config import decision
from essnum.data.atlas import Atlas
from essnum.figure_data import with_data

CM = 1 / 2.54
UNCLASSIFIED = "(non classée)"


def organisations_by_family(atlas: Atlas) -> pd.DataFrame:
    """Organisations per family: ``family`` (code), ``label_fr``, ``organisations``.

    Every family of the atlas's ``families`` table appears, with 0 when it has no organisation;
    organisations without a family are counted on a last row ``(non classée)``. Sorted by count
    (descending) then code, the unclassified row last.
    """
    families = atlas.families[["code", "label_fr"]].rename(columns={"code": "family"})
    family = atlas.organisations["family"].astype("string")
    counts = family.dropna().value_counts()
    table = families.assign(organisations=[int(counts.get(code, 0)) for code in families["family"]])
    table = table.sort_values(["organisations", "family"], ascending=[False, True], kind="stable")
    unclassified = int(family.isna().sum())
    if unclassified:
        table = pd.concat([table, pd.DataFrame({"family": [UNCLASSIFIED], "label_fr": ["Famille non renseignée"],
                                                "organisations": [unclassified]})])
    return table.reset_index(drop=True).astype({"family": "string", "label_fr": "string", "organisations": "int64"})


def links_by_kind(atlas: Atlas) -> pd.DataFrame:
    """Links per kind of collective: ``collective_kind``, ``links``, ``collectives`` (distinct),
    ``organisations`` (distinct); sorted by number of links (descending) then kind."""
    links = atlas.links
    table = links.groupby("collective_kind").agg(links=("organisation_id", "size"),
                                                 collectives=("collective_id", "nunique"),
                                                 organisations=("organisation_id", "nunique"))
    table = table.reset_index().astype({"collective_kind": "string", "links": "int64", "collectives": "int64",
                                        "organisations": "int64"})
    return table.sort_values(["links", "collective_kind"], ascending=[False, True], kind="stable").reset_index(drop=True)


def families_chart(table: pd.DataFrame) -> Figure:
    """Horizontal bars of :func:`organisations_by_family`, largest at the top, coloured as in the network
    (``network.family_colours``), each bar labelled with its count; size as the survey charts."""
    plt.rcParams.update({"font.size": decision("survey.chart_font_size"), "svg.hashsalt": "essnum"})
    colours = decision("network.family_colours")
    rows = table.iloc[::-1]
    height_cm = 1.2 + 0.55 * len(rows)
    fig, ax = plt.subplots(figsize=(decision("survey.chart_width_cm") * CM, height_cm * CM), layout="constrained")
    ax.barh(rows["label_fr"], rows["organisations"],
            color=[colours.get(code, colours[""]) for code in rows["family"]],
            edgecolor=decision("maps.edge_colour"), linewidth=0.5)
    for position, count in enumerate(rows["organisations"]):
        ax.annotate(str(count), (count, position), xytext=(3, 0), textcoords="offset points", va="center")
    ax.set_xlabel("Organisations de l'atlas")
    ax.spines[["top", "right"]].set_visible(False)
    ax.xaxis.get_major_locator().set_params(integer=True)
    return with_data(fig, table)
