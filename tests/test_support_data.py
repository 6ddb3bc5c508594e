"""essnum.data.support: the support offer (France Services, conseillers numériques, mediation places) and the
candidate ESS register, from the real files of the local mirror, and broken fixtures of mediation places."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from essnum.data import support
from essnum.data.sources import mirror_dir
from essnum.data.support import SupportDataError

pytestmark = pytest.mark.skipif(not (mirror_dir() / "anct-france-services" / "liste-fs-20240801.csv").is_file(),
                                reason="no local mirror of the support-offer data")

FIXTURES = Path(__file__).parent / "fixtures" / "support"
EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")
PHONE = re.compile(r"(?<!\d)(?:\+33|0)\s?[1-9](?:[\s.-]?\d{2}){4}(?!\d)")


def _assert_no_contacts(frame: pd.DataFrame, forbidden: set[str], names: tuple[str, ...] = ()) -> None:
    """No contact column, and no cell that looks like an e-mail or a phone number (``names``: legal names,
    not scanned: one association's registered name contains "@")."""
    assert not forbidden & set(frame.columns)
    for column in frame.columns.difference(list(names)):
        if frame[column].dtype == object or isinstance(frame[column].dtype, pd.StringDtype):
            text = frame[column].dropna().astype(str)
            assert not text.str.contains(EMAIL).any(), f"an e-mail address in column {column}"
            if column not in ("siret", "siren", "pivot", "head_office_siret", "id"):
                assert not text.str.contains(PHONE).any(), f"a phone number in column {column}"


def _reconciles(frame: pd.DataFrame) -> dict:
    counts = frame.attrs["counts"]
    assert counts["read"] == counts["kept"] + counts["rejected"] and counts["kept"] == len(frame)
    rejected = frame.attrs["rejected"]
    assert list(rejected.columns) == ["file", "row", "field", "reason"]
    assert rejected["row"].nunique() == counts["rejected"]
    return counts


# --- France Services --------------------------------------------------------------------------------

def test_france_services_2024_counts_and_rejections():
    sites = support.france_services()
    assert _reconciles(sites) == {"read": 2845, "kept": 2843, "rejected": 2}
    rejected = sites.attrs["rejected"]
    # the only rejected rows: the two sites of Saint-Martin (978), outside the 101 départements
    assert set(rejected["row"]) == {1316, 1317}
    assert set(rejected["field"]) == {"insee_com", "insee_dep", "latitude/longitude"}
    assert rejected["reason"].str.contains("overseas collectivity|outside France").all()
    assert sites["site_type"].value_counts().to_dict() == {"Principal": 2719, "Antenne": 124}  # 2 721 + 124 read
    assert set(sites["site_format"]) == {"Fixe", "Multisites", "Bus_équivalent", "Fixe_antenne(s)", "Itinérante"}
    assert (sites["kind"] == "france_services").all() and sites["id"].is_unique
    assert sites["commune"].str.match(r"^(\d{2}|2[AB])\d{3}$").all() and sites["latitude"].notna().all()
    assert sites["date"].min() == pd.Timestamp("2020-01-01")
    assert sites.attrs["sources"] == ["anct-france-services-2024-08-01"]
    # a bus of the Eure registered at a Rouen address: kept, with a warning
    assert sites.attrs["warnings"]["reason"].str.contains("département 27 but commune 76540").any()


def test_france_services_2022_keeps_rows_located_otherwise():
    sites = support.france_services("2022-12-01")
    counts = _reconciles(sites)
    assert counts == {"read": 2683, "kept": 2655, "rejected": 28}
    reasons = sites.attrs["rejected"].drop_duplicates("row")["reason"]
    assert reasons.str.startswith("no location").sum() == 26  # no commune code, postal code nor coordinates
    # "0null" is read as an empty code: the site keeps its postal code for the placement step
    assert sites["commune"].isna().sum() == 1 and sites.loc[sites["commune"].isna(), "postal_code"].notna().all()
    assert sites["latitude"].isna().sum() == 4  # 2 683 - 2 653 without coordinates, minus the 26 rejected
    assert sites["site_type"].value_counts().to_dict() == {"Principal": 2538, "Antenne": 117}
    assert set(sites["site_format"].dropna()) == {"Itinérante"}
    assert not sites["name"].str.contains("Ã").any()  # double-encoded UTF-8 repaired


def test_france_services_drop_contacts():
    for snapshot in support.SNAPSHOTS:
        sites = support.france_services(snapshot)
        assert list(sites.columns) == ["id", "name", "kind", "site_type", "site_format", "commune", "postal_code",
                                       "city", "departement", "latitude", "longitude", "date", "source"]
        _assert_no_contacts(sites, {"mail", "telephone", "adresse", "commentaire"})
    with pytest.raises(KeyError, match="2024-08-01"):
        support.france_services("2023-01-01")


# --- conseillers numériques -------------------------------------------------------------------------

def test_cnfs_hosts_totals():
    hosts = support.cnfs_hosts()
    assert _reconciles(hosts) == {"read": 1450, "kept": 1450, "rejected": 0}
    assert hosts["posts"].sum() == 2138 and hosts["posts"].dtype == "int64"
    assert hosts["state_funding_eur"].sum() == 110_520_090
    by_type = hosts.groupby("host_type")["state_funding_eur"].sum()
    assert by_type.to_dict() == {"private": 18_255_280, "public": 92_264_810}
    assert hosts["host_type"].value_counts().to_dict() == {"public": 1029, "private": 421}
    assert hosts["siret"].isna().sum() == 5 and hosts["siret"].dropna().str.match(r"^\d{14}$").all()
    assert (hosts["siren"].dropna() == hosts["siret"].dropna().str[:9]).all()
    assert hosts["commune"].isna().sum() == 7 and hosts["latitude"].isna().sum() == 12
    assert hosts["zrr"].dtype == "boolean" and hosts["qpv"].sum() == 658
    assert hosts["departement"].str.match(r"^(\d{2}|2[AB]|97\d)$").all()  # leading zeros restored
    assert hosts["region"].notna().all()
    _assert_no_contacts(hosts, {"adresse", "result_label", "email", "telephone"})


# --- mediation places -------------------------------------------------------------------------------

def test_mediation_places_default_export():
    places = support.mediation_places()
    assert _reconciles(places) == {"read": 3811, "kept": 3811, "rejected": 0}
    assert places["commune"].notna().sum() == 3768
    assert places["latitude"].notna().sum() == 3372 and places["longitude"].notna().sum() == 3372
    assert list(places.columns) == ["id", "name", "siret", "pivot", "services", "typology", "commune", "postal_code",
                                    "city", "latitude", "longitude", "source", "date"]
    assert not places.duplicated(["source", "id"]).any() and places["id"].duplicated().sum() == 240
    assert places["services"].map(lambda v: isinstance(v, list) and len(v) > 0).all()
    # the 2023 export uses the pre-v1 vocabulary: warned, not rejected
    warned = places.attrs["warnings"]
    assert (warned["field"] == "services").sum() == 3811
    assert places.attrs["sources"] == ["data-inclusion", "lamednum-schema"]
    _assert_no_contacts(places, set(support.MEDIATION_CONTACT_FIELDS))


def test_schema_is_read_from_the_declared_file():
    schema = support.mediation_schema()
    assert schema["version"] == "v1.0.2"
    assert set(schema["required"]) == {"id", "pivot", "nom", "commune", "code_postal", "adresse", "date_maj"}
    assert "Compréhension du monde numérique" in schema["fields"]["services"]["values"]
    assert "Langues étrangères (anglais)" in schema["fields"]["prise_en_charge_specifique"]["values"]


def _one_rejection(name: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    places = support.mediation_places(FIXTURES / name)
    _reconciles(places)
    rejected = places.attrs["rejected"]
    assert (rejected["file"] == str(FIXTURES / name)).all()
    return places, rejected


def test_fixture_missing_required_fields():
    places, rejected = _one_rejection("places-missing-required.json")
    assert places.attrs["counts"] == {"read": 3, "kept": 1, "rejected": 2}
    assert rejected[["row", "field", "reason"]].values.tolist() == [[2, "nom", "required field empty"],
                                                                    [3, "date_maj", "required field empty"]]
    _assert_no_contacts(places, {"telephone", "courriels", "site_web"})


def test_fixture_unknown_commune_code():
    places, rejected = _one_rejection("places-unknown-commune.json")
    assert places.attrs["counts"] == {"read": 3, "kept": 2, "rejected": 1}
    assert rejected[["row", "field"]].values.tolist() == [[2, "code_insee"]]
    assert rejected["reason"].iloc[0].startswith("unknown commune code: 01999")


def test_fixture_coordinates_outside_france():
    places, rejected = _one_rejection("places-outside-france.json")
    assert places.attrs["counts"] == {"read": 3, "kept": 1, "rejected": 2}
    assert rejected[["row", "field"]].values.tolist() == [[2, "latitude/longitude"], [3, "latitude/longitude"]]
    assert "swapped" not in rejected["reason"].iloc[0]  # London
    assert rejected["reason"].iloc[1].endswith("latitude and longitude swapped?")  # Lyon, swapped


def test_fixture_latin1_semicolon_csv():
    places, rejected = _one_rejection("places-latin1-semicolon.csv")
    assert places.attrs["counts"] == {"read": 3, "kept": 2, "rejected": 1}
    assert rejected[["row", "field"]].values.tolist() == [[3, "code_postal"]]  # "6900": header is row 1
    assert places["name"].tolist() == ["Espace numérique de Vénissieux", "Association Élan numérique"]
    assert places["latitude"].tolist() == [45.697, 45.73]  # decimal comma read
    assert places["siret"].isna().tolist() == [False, True]  # an RNA number is a pivot, not a SIRET
    assert places["commune"].isna().tolist() == [False, True] and not places.attrs["warnings"].shape[0]
    assert "telephone" not in places.columns


@pytest.mark.parametrize("name, message", [
    ("places-no-pivot-column.csv", r"places-no-pivot-column\.csv: row 1 \(header\): required field\(s\) pivot"),
    ("places-unknown-layout.txt", r"places-unknown-layout\.txt: row 1 \(header\): unknown column layout"),
    ("places-ragged.csv", r"places-ragged\.csv: row 3: 8 fields where the header \(row 1\) has 7"),
    ("does-not-exist.json", r"does-not-exist\.json: no such file"),
])
def test_bad_files_raise_a_clear_error(name, message):
    with pytest.raises(SupportDataError, match=message):
        support.mediation_places(FIXTURES / name)


def test_json_that_is_not_an_array_of_objects(tmp_path):
    broken = tmp_path / "places.json"
    broken.write_text('[{"id": "a"}, 3]', encoding="utf-8")
    with pytest.raises(SupportDataError, match=r"places\.json: row 2: element is not an object"):
        support.mediation_places(broken)
    broken.write_text('[{"id": "a",}]', encoding="utf-8")
    with pytest.raises(SupportDataError, match=r"places\.json: row 1 \(line\), column \d+: not valid JSON"):
        support.mediation_places(broken)


# --- candidate ESS register -------------------------------------------------------------------------

def test_ess_register_candidates():
    register = support.ess_register()
    assert _reconciles(register) == {"read": 3667, "kept": 3667, "rejected": 0}
    assert register["siren"].is_unique and register["siren"].str.match(r"^\d{9}$").all()
    assert list(register.columns[:7]) == ["siren", "name", "naf", "legal_category", "ess_family", "esus",
                                          "societe_a_mission"]
    assert register["ess_family"].value_counts(dropna=False).to_dict() == {"association": 2492, pd.NA: 1034,
                                                                            "cooperative": 125, "fondation": 16}
    assert register["legal_category"].str.match(r"^\d{4}$").all()
    assert register["esus"].sum() == 78 and register["societe_a_mission"].sum() == 19
    assert register["postal_code"].dropna().str.match(r"^\d{5}$").all()
    assert "CANDIDATE" in support.ess_register.__doc__
    _assert_no_contacts(register, set(support.ESS_CONTACT_FIELDS), names=("name",))


def test_frames_are_copies_and_survive_pandas_operations():
    first = support.france_services()
    first.attrs["rejected"].loc[0, "reason"] = "changed"
    first.loc[0, "name"] = "changed"
    again = support.france_services()
    assert again.loc[0, "name"] != "changed" and again.attrs["rejected"].loc[0, "reason"] != "changed"
    # tables held in attrs must not break concat, merge or astype
    both = pd.concat([again, support.france_services("2022-12-01")], ignore_index=True)
    assert len(both) == 2843 + 2655
    again.astype({"latitude": "float32"}).merge(support.cnfs_hosts()[["commune", "posts"]], on="commune", how="left")
