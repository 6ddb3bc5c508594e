"""essnum.data.atlas: the embedded atlas, the import contract for external folders, cross-table checks."""

from __future__ import annotations

import re
import shutil

import pandas as pd
import pytest

from essnum.data.atlas import load_atlas, normalised_name
from essnum.data.evidence import seeds_dir
from essnum.data.tables import load_schema
from essnum.paths import atlas_dir

SEED_NAME = re.compile(r"\d{3}_[0-9a-f]{16}\.txt")


@pytest.fixture(scope="module")
def atlas():
    return load_atlas()


def test_embedded_atlas_is_valid_without_warnings(atlas):
    assert atlas.ok, atlas.report.render()
    assert atlas.report.warnings == []
    counts = atlas.report.counts()
    assert all(c["read"] == c["kept"] and c["rejected"] == 0 for c in counts.values())
    assert len(atlas.organisations) >= 90 and len(atlas.links) >= 60
    assert atlas.organisations["id"].is_unique


def test_embedded_atlas_holds_what_the_seeds_name(atlas):
    org = atlas.organisations.set_index("id")
    # SOGA: legal form and address stated in seed 002; FARI's city stated in the members list.
    assert org.at["soga", "legal_form"] == "association loi 1901"
    assert (org.at["soga", "city"], org.at["soga", "commune"]) == ("Paris", "75056")
    assert (org.at["fari", "country"], org.at["fari", "city"]) == ("BE", "Bruxelles")
    assert org.at["les-assembleurs", "legal_form"] == "SCIC"
    assert {"solidatech", "techsoup", "social-ware"} <= set(org.index[org["family"] == "tech"])
    assert org.loc[["les-assembleurs", "solinum"], "family"].tolist() == ["insertion_circulaire"] * 2
    links = atlas.links
    colleges = links[links["collective_id"].str.startswith("soga-college-")]
    assert colleges.groupby("collective_id").size().to_dict() == {
        "soga-college-chercheurs": 2, "soga-college-operateurs": 18, "soga-college-tetes-de-reseaux": 12}
    assert set(links.loc[links["collective_id"] == "cafes-ia", "organisation_id"]) == {"soga", "saw-b", "fari"}
    assert {"social-good-week-2022", "ngi-forum-2025", "social-tech-academy"} <= set(links["collective_id"])
    kinds = atlas.collectives.set_index("collective_id")["kind"]
    assert kinds["cafes-ia"] == "event" and kinds["ngi"] == "programme"


def test_every_row_cites_an_existing_seed(atlas):
    frames = {"organisations": atlas.organisations, "links": atlas.links, "collectives": atlas.collectives}
    seeds = seeds_dir()
    for name, frame in frames.items():
        for source in frame["source"]:
            cited = SEED_NAME.findall(str(source))
            assert cited, f"{name}: {source!r} cites no seed file"
            if seeds.is_dir():
                assert all((seeds / seed).is_file() for seed in cited), source


def test_locations_are_sourced_and_quoted_from_the_seed(atlas):
    org = atlas.organisations
    located = org[org[["city", "commune", "latitude", "longitude"]].notna().any(axis=1)]
    assert len(located) >= 2 and located["location_source"].notna().all()
    seeds = seeds_dir()
    if not seeds.is_dir():
        pytest.skip(f"seed documents not found in {seeds}")
    for source in located["location_source"]:
        seed = SEED_NAME.search(source).group(0)
        quote = re.search(r"« (.+?) »", source.split(":", 1)[1]).group(1)
        text = " ".join((seeds / seed).read_text(encoding="utf-8").split())
        assert quote in text, (seed, quote)


def test_schemas_are_valid_frictionless_and_family_codes_agree(atlas):
    from frictionless import Package

    report = Package(str(atlas_dir() / "datapackage.json")).validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "message"])
    enum = next(f for f in load_schema(atlas_dir() / "organisations.schema.json")["fields"]
                if f["name"] == "family")["constraints"]["enum"]
    assert enum == list(atlas.families["code"])
    countries = next(f for f in load_schema(atlas_dir() / "organisations.schema.json")["fields"]
                     if f["name"] == "country")["constraints"]["enum"]
    # the 249 ISO 3166-1 alpha-2 codes + XK (Kosovo, user-assigned, used by the EU and Eurostat)
    assert len(countries) == 250 and {"FR", "BE", "GB", "GR", "XK"} <= set(countries) and not {"UK", "EL", "EU"} & set(countries)


def write_folder(tmp_path, organisations: str, links: str, collectives: str | None = None):
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "organisations.csv").write_text(organisations, encoding="utf-8")
    (folder / "links.csv").write_text(links, encoding="utf-8")
    if collectives is not None:
        (folder / "collectives.csv").write_text(collectives, encoding="utf-8")
    return folder


def test_minimal_external_export_loads_with_extra_columns(tmp_path):
    folder = write_folder(
        tmp_path,
        "id,name,country,website,commune\n1,Synthetic coop (synthetic),FR,https://example.org,2A004\n"
        "2,Synthetic asbl (synthetic),BE,,\n",
        "organisation_id,collective_id,collective_label,collective_kind\n1,c1,Synthetic network,network\n"
        "2,c1,Synthetic network,network\n2,c2,Synthetic forum,event\n")
    atlas = load_atlas(folder)
    assert atlas.ok, atlas.report.render()
    assert list(atlas.organisations["id"]) == ["1", "2"]  # ids and codes stay strings
    assert atlas.organisations.loc[0, "commune"] == "2A004"
    assert atlas.organisations.loc[0, "website"] == "https://example.org"
    assert pd.isna(atlas.organisations.loc[0, "family"]) and pd.isna(atlas.links.loc[0, "role"])
    assert atlas.collectives.to_dict("records") == [
        {"collective_id": "c1", "label": "Synthetic network", "kind": "network", "derived": True, "label_missing": False},
        {"collective_id": "c2", "label": "Synthetic forum", "kind": "event", "derived": True, "label_missing": False}]
    assert len(atlas.families) == 9  # the project's fixed codes


def test_embedded_atlas_copied_elsewhere_runs_unchanged(tmp_path):
    copy = tmp_path / "atlas"
    shutil.copytree(atlas_dir(), copy)
    atlas = load_atlas(copy)
    assert atlas.ok and len(atlas.organisations) == len(load_atlas().organisations)


def test_cross_table_checks_reject_with_reasons(tmp_path):
    folder = write_folder(
        tmp_path,
        "id,name,country,latitude,longitude,location_source\n"
        "a,Coopaname SCOP (synthetic),FR,48.85,2.35,synthetic source\n"
        "b,coopaname (SYNTHETIC),FR,48.85,,synthetic source\n"
        "c,Other (synthetic),FR,,,\n"
        "d,Unsourced (synthetic),FR,45.0,5.0,\n",
        "organisation_id,collective_id,collective_label,collective_kind,role\n"
        "a,c1,Network one,network,membre\n"
        "c,c1,Network One,network,membre\n"
        "c,c9,Undescribed,event,\n"
        "b,c1,Network one,network,membre\n",
        "collective_id,label,kind,organisation_id\nc1,Network one,network,a\nc2,Orphan,event,zz\n")
    atlas = load_atlas(folder)
    assert not atlas.ok
    counts = atlas.report.counts()
    assert counts["organisations"] == {"read": 4, "kept": 3, "rejected": 1}
    # the link to c9, a collective absent from collectives.csv, is kept (c9 derived from links.csv)
    assert counts["links"] == {"read": 4, "kept": 2, "rejected": 2, "merged": 0}
    assert counts["collectives"] == {"read": 2, "kept": 1, "rejected": 1}
    reasons = {t: dict(zip(r["row"], r["reason"])) for t, r in atlas.rejected.items() if len(r)}
    assert "latitude and longitude must be given together" in reasons["organisations"][3]
    assert "'Network One' differs from 'Network one'" in reasons["links"][3]
    assert 4 not in reasons["links"]
    assert atlas.collectives.set_index("collective_id").loc["c9", ["label", "derived"]].tolist() == ["Undescribed", True]
    assert "'b' was rejected from organisations.csv (row 3)" in reasons["links"][5]
    assert "'zz' is not an id of organisations.csv" in reasons["collectives"][3]
    unsourced = [p for p in atlas.report.errors if p.field == "location_source"]
    assert [(p.row, "'d'" in p.message) for p in unsourced] == [(5, True)]
    # 'Coopaname SCOP' vs 'coopaname': same name modulo case and legal suffix, but b was rejected: no warning
    assert atlas.report.warnings[0].message.startswith("'b' was rejected from organisations.csv")


def test_duplicate_names_are_warnings_and_rows_are_kept(tmp_path):
    folder = write_folder(
        tmp_path,
        "id,name,country\na,Coopaname SCOP,FR\nb,coopaname,FR\nc,La Médnum,FR\nd,MEDNUM (association),FR\ne,Other,FR\n",
        "organisation_id,collective_id,collective_label,collective_kind\na,c1,N,network\n")
    atlas = load_atlas(folder)
    assert atlas.ok and len(atlas.organisations) == 5
    messages = [p.message for p in atlas.report.warnings]
    assert len(messages) == 2
    assert "'a' (row 2), 'b' (row 3)" in messages[0] and "'c' (row 4), 'd' (row 5)" in messages[1]
    assert normalised_name("Fondation Devoteam") != normalised_name("Devoteam SA")


def test_missing_folder_and_missing_links_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="atlas folder not found"):
        load_atlas(tmp_path / "nowhere")
    (tmp_path / "only").mkdir()
    (tmp_path / "only" / "organisations.csv").write_text("id,name,country\na,A,FR\n", encoding="utf-8")
    atlas = load_atlas(tmp_path / "only")
    assert [p.message for p in atlas.report.errors] == ["file not found"]
    assert atlas.report.errors[0].file.endswith("links.csv")


def test_unreadable_collectives_file_gives_one_error_not_a_cascade(tmp_path):
    folder = write_folder(
        tmp_path, "id,name,country\na,A (synthetic),FR\n",
        "organisation_id,collective_id,collective_label,collective_kind\na,c1,N,network\na,c2,M,event\n",
        "collective_id;label;kind\nc1;N;network\nc2;M;event\n")
    atlas = load_atlas(folder)
    assert [p.message for p in atlas.report.errors] == ["delimiter looks like ';', not ','"]
    assert [p.message for p in atlas.report.warnings] == ["all 2 rows set aside: collectives.csv could not be read"]
    assert atlas.report.counts()["links"] == {"read": 2, "kept": 0, "rejected": 2, "merged": 0}


def test_family_labels_are_those_the_atlas_loads():
    from essnum.data.atlas import family_labels

    families = load_atlas().families
    assert family_labels() == dict(zip(families["code"], families["label_fr"], strict=True))
    assert family_labels()["reseau"] == "Réseaux & fédérations"
