"""Atlas inventory tables and the families chart, on a tiny SYNTHETIC atlas and on the embedded one."""

from __future__ import annotations

import pytest

from essnum.data.atlas import load_atlas
from essnum.network.inventory import UNCLASSIFIED, families_chart, links_by_kind, organisations_by_family

# Synthetic atlas (tests only): three made-up organisations, one without a family.
SYNTHETIC_ORGANISATIONS = """id,name,country,family
syn-a,Synthetic network A,FR,reseau
syn-b,Synthetic network B,BE,reseau
syn-c,Synthetic unclassified C,FR,
"""
SYNTHETIC_LINKS = """organisation_id,collective_id,collective_label,collective_kind,source
syn-a,syn-net,Synthetic network,network,synthetic
syn-b,syn-net,Synthetic network,network,synthetic
syn-a,syn-event,Synthetic event,event,synthetic
"""


@pytest.fixture
def synthetic(tmp_path):
    (tmp_path / "organisations.csv").write_text(SYNTHETIC_ORGANISATIONS, encoding="utf-8")
    (tmp_path / "links.csv").write_text(SYNTHETIC_LINKS, encoding="utf-8")
    atlas = load_atlas(tmp_path)
    assert atlas.ok, [str(p) for p in atlas.report.errors]
    return atlas


def test_every_family_listed_with_zero_counts_and_unclassified_last(synthetic):
    table = organisations_by_family(synthetic)
    assert table["family"].tolist()[0] == "reseau" and table["organisations"].tolist()[0] == 2
    assert table["family"].tolist()[-1] == UNCLASSIFIED and table["organisations"].tolist()[-1] == 1
    assert set(table["family"]) == set(synthetic.families["code"]) | {UNCLASSIFIED}
    assert table["organisations"].sum() == 3
    assert (table.loc[~table["family"].isin(["reseau", UNCLASSIFIED]), "organisations"] == 0).all()


def test_links_by_kind_counts_links_collectives_and_organisations(synthetic):
    table = links_by_kind(synthetic).set_index("collective_kind")
    assert table.loc["network"].tolist() == [2, 1, 2]
    assert table.loc["event"].tolist() == [1, 1, 1]
    assert table.index.tolist() == ["network", "event"]


def test_embedded_atlas_counts_reconcile():
    atlas = load_atlas()
    assert organisations_by_family(atlas)["organisations"].sum() == len(atlas.organisations)
    assert links_by_kind(atlas)["links"].sum() == len(atlas.links)


def test_families_chart_draws_one_bar_per_row_with_its_count(synthetic):
    table = organisations_by_family(synthetic)
    figure = families_chart(table)
    [axis] = figure.axes
    widths = [bar.get_width() for bar in axis.patches]
    assert widths == table["organisations"].tolist()[::-1]  # largest at the top
    assert [t.get_text() for t in axis.get_yticklabels()] == table["label_fr"].tolist()[::-1]
    assert sorted(t.get_text() for t in axis.texts) == sorted(str(n) for n in table["organisations"])
