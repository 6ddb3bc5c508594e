"""Links as exports write them (collectives without a label, repeated pairs with another role), the codes
users write (XK, UK, EL), and counts that reconcile with the files through the network analysis."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from click.testing import CliRunner

from essnum.cli import main
from essnum.data.atlas import load_atlas
from essnum.network.analysis import analyse_atlas

TYPED = Path(__file__).parent / "fixtures" / "atlas-typed-links"


def test_links_to_unlabelled_collectives_are_kept_and_flagged_with_one_warning():
    atlas = load_atlas(TYPED)
    collectives = atlas.collectives.set_index("collective_id")
    assert collectives.loc["proj-1", ["label", "kind", "derived", "label_missing"]].tolist() == \
        ["proj-1", "project", True, True]
    assert collectives.loc["proj-3", ["label", "derived", "label_missing"]].tolist() == \
        ["SYNTHETIC Projet trois", True, False]  # labelled on one of its rows only
    assert collectives.loc["net-1", ["derived", "label_missing"]].tolist() == [False, False]
    unlabelled = [p for p in atlas.report.warnings if p.field == "collective_label"]
    assert len(unlabelled) == 1 and unlabelled[0].message.startswith("2 collective(s) without any label (5 link(s)")
    undescribed = [p for p in atlas.report.warnings if p.field == "collective_id"]
    assert len(undescribed) == 1 and undescribed[0].message.startswith(
        "7 link(s) name 3 collective(s) absent from collectives.csv")
    # the links carry the collective's label, the id when it has none
    proj1 = atlas.links[atlas.links["collective_id"] == "proj-1"]
    assert set(proj1["collective_label"]) == {"proj-1"}


def test_repeated_pairs_are_merged_with_their_roles_joined():
    atlas = load_atlas(TYPED)
    links = atlas.report.tables["links"]
    assert links.counts() == {"read": 13, "kept": 9, "rejected": 1, "merged": 3}
    assert links.merged["row"].tolist() == [3, 8, 12]
    assert links.merged["reason"].str.startswith("merged into row ").all()
    assert links.merged["reason"].str.extract(r"row (\d+)")[0].astype(int).tolist() == [2, 7, 11]
    roles = atlas.links.set_index(["organisation_id", "collective_id"])["role"]
    assert roles[("s1", "proj-1")] == "coordinator;partner"
    assert roles[("s3", "proj-2")] == "coordinator"
    assert roles[("s1", "net-1")] == "financeur;membre"
    sources = atlas.links.set_index(["organisation_id", "collective_id"])["source"]
    assert sources[("s1", "proj-1")] == "synthetic export row 1;synthetic export row 2"
    merges = [p for p in atlas.report.warnings if p.field == "role"]
    assert len(merges) == 1 and merges[0].message.startswith("3 row(s) repeat the (organisation_id, collective_id) pair")
    # only the UK row is an error; everything else is a warning
    assert [(p.row, p.field) for p in atlas.report.errors] == [(5, "country")]
    assert "merged" in atlas.report.render().splitlines()[0]


def test_a_link_to_a_described_collective_may_leave_the_label_empty(tmp_path):
    (tmp_path / "organisations.csv").write_text("id,name\na,A (synthetic)\nb,B (synthetic)\n", encoding="utf-8")
    (tmp_path / "links.csv").write_text("organisation_id,collective_id,collective_label,collective_kind\n"
                                        "a,n1,,network\nb,n1,Wrong label,network\n", encoding="utf-8")
    (tmp_path / "collectives.csv").write_text("collective_id,label,kind\nn1,Net one,network\n", encoding="utf-8")
    atlas = load_atlas(tmp_path)
    assert atlas.links["collective_label"].tolist() == ["Net one"]  # filled from collectives.csv
    assert atlas.rejected["links"]["row"].tolist() == [3]  # a different label is still an error
    assert "'Wrong label' differs from 'Net one' given for collective 'n1' by collectives.csv" in \
        atlas.rejected["links"]["reason"][0]


def test_network_counts_start_from_the_rows_of_the_files(tmp_path):
    analysis = analyse_atlas(TYPED)
    counts = analysis.summary["counts"]
    assert counts["organisations_read"] == 5 == pd.read_csv(TYPED / "organisations.csv").shape[0]
    assert (counts["organisations_kept"], counts["organisations_rejected"],
            counts["organisations_rejected_by_atlas_check"], counts["organisations_merged"]) == (4, 1, 1, 0)
    assert counts["links_read"] == 13 == pd.read_csv(TYPED / "links.csv").shape[0]
    assert counts["links_read"] == counts["links_kept"] + counts["links_rejected"] + counts["links_merged"]
    assert (counts["links_kept"], counts["links_rejected_by_atlas_check"], counts["links_merged"]) == (9, 1, 3)
    assert counts["collectives"] == 4 and counts["collectives_label_missing"] == 2
    nodes = analysis.collective_nodes.set_index("collective_id")
    assert nodes.loc["proj-1", ["label", "label_missing", "members"]].tolist() == ["proj-1", True, 3]
    # rows set aside by the atlas check are in the analysis's rejected tables, with their line in the file
    rejected = analysis.atlas.rejected_organisations
    assert rejected[["row", "id"]].values.tolist() == [[5, "s4"]]
    assert rejected["reason"].iloc[0].startswith("atlas check: country: 'UK'")
    assert analysis.atlas.rejected_links["row"].tolist() == [9]

    result = CliRunner().invoke(main, ["network", "--atlas", str(TYPED), "--out", str(tmp_path), "--no-graphs"])
    assert result.exit_code == 1 and "--allow-rejected" in result.output  # the UK row is an error
    assert "organisations: read 5 = kept 4 + rejected 1 (atlas check 1) + merged 0" in result.output
    assert "links: read 13 = kept 9 + rejected 1 (atlas check 1; rejected_links.csv) + merged 3" in result.output
    summary = json.loads((tmp_path / "summary.json").read_text(encoding="utf-8"))
    assert summary["counts"]["organisations_read"] == 5
    written = pd.read_csv(tmp_path / "collectives_nodes.csv").set_index("collective_id")
    assert bool(written.loc["proj-2", "label_missing"]) and written.loc["proj-2", "label"] == "proj-2"
    allowed = CliRunner().invoke(main, ["network", "--atlas", str(TYPED), "--out", str(tmp_path), "--no-graphs",
                                        "--allow-rejected"])
    assert allowed.exit_code == 0, allowed.output


def test_kosovo_is_accepted_and_eurostat_codes_get_a_precise_hint(tmp_path):
    (tmp_path / "organisations.csv").write_text(
        "id,name,country\nk,Kosovo org (synthetic),XK\nu,UK org (synthetic),UK\ng,Greek org (synthetic),el\n"
        "f,French org (synthetic),FRA\n", encoding="utf-8")
    (tmp_path / "links.csv").write_text("organisation_id,collective_id,collective_kind\n", encoding="utf-8")
    atlas = load_atlas(tmp_path)
    assert atlas.organisations["id"].tolist() == ["k"]
    messages = {p.row: p.message for p in atlas.report.errors}
    assert messages[3] == "'UK' is not an allowed value: use GB: UK is the code Eurostat and NUTS use for the " \
                          "United Kingdom; ISO 3166-1 writes GB"
    assert messages[4].startswith("'el' is not an allowed value: use GR")
    assert "did you mean 'FR'?" in messages[5]


def test_kosovo_is_placed_at_country_level_with_no_nuts_region():
    from essnum.territory.placement import place

    frame = pd.DataFrame({"id": ["k1", "k2"], "name": ["A (synthetic)", "B (synthetic)"], "country": ["XK", "XK"],
                          "latitude": [pd.NA, 42.66], "longitude": [pd.NA, 21.17]})
    placed = place(frame).organisations
    assert placed["status"].tolist() == ["country only", "country only"]
    assert placed["country_iso"].tolist() == ["XK", "XK"] and placed["nuts3"].isna().all()


def test_territory_counts_the_rows_the_atlas_check_rejected_and_exits_1(tmp_path):
    result = CliRunner().invoke(main, ["territory", "--atlas", str(TYPED), "--out", str(tmp_path)])
    assert result.exit_code == 1, result.output
    assert "organisations.csv: read 5 = rejected by the atlas check 1 + placement read 4" in result.output
    assert "organisations.csv:5: error: [country] 'UK'" in result.output and "--allow-rejected" in result.output
    assert (tmp_path / "summary.json").is_file()  # the tables are written, without the rejected row
