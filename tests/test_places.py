"""Support places located in communes: each kind of evidence, each kind of failure, conflicts never guessed,
counts that reconcile; ``essnum places`` on the real data·inclusion export and on broken files."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from essnum.cli import main
from essnum.data import reference
from essnum.data.sources import fetch
from essnum.territory.places import PUBLISHED_COLUMNS, locate_places, place_places, unit_counts

ROWS = [
    # id, commune, postal_code, city, longitude, latitude
    ("code", "75056", None, None, None, None),
    ("arrondissement", "75102", None, None, None, None),
    ("lost-zero", "1053", None, None, None, None),
    ("point", None, None, None, 2.3522, 48.8566),
    ("reunion", None, None, None, 55.4504, -20.8789),
    ("postal", None, "75002", None, None, None),
    ("far", "75056", None, None, 5.3698, 43.2965),  # code Paris, point in Marseille
    ("near", "92012", None, None, 2.2650, 48.8440),  # code Boulogne-Billancourt, point in Paris 16e, 0.9 km off
    ("ocean", None, None, None, -30.0, 40.0),
    ("unknown", "99999", None, None, None, None),
    ("nothing", None, None, None, None, None),
]


@pytest.fixture(scope="module")
def located():
    frame = pd.DataFrame(ROWS, columns=["id", "commune", "postal_code", "city", "longitude", "latitude"])
    return locate_places(frame).set_index("id")


def test_each_kind_of_evidence_places_the_place(located):
    assert located.loc["code", ["commune", "departement", "region", "method"]].tolist() == \
        ["75056", "75", "11", "commune code"]
    assert located.loc["arrondissement", "commune"] == "75056"
    assert "arrondissement municipal" in located.loc["arrondissement", "method"]
    assert located.loc["lost-zero", "commune"] == "01053" and "leading zero restored" in located.loc["lost-zero", "method"]
    assert located.loc["point", ["commune", "method"]].tolist() == ["75056", "coordinates"]
    assert located.loc["reunion", "departement"] == "974" and located.loc["reunion", "region"] == "04"
    assert located.loc["postal", ["commune", "method"]].tolist() == ["75056", "postal code"]


def test_code_and_point_that_disagree_far_apart_are_a_conflict_not_a_guess(located):
    far = located.loc["far"]
    assert far["status"] == "conflict" and pd.isna(far["commune"])
    assert "75056" in far["reason"] and "13055" in far["reason"] and "which is right?" in far["reason"]
    near = located.loc["near"]
    assert near["status"] == "placed" and near["commune"] == "92012" and "the code is kept" in near["reason"]


def test_a_point_against_the_commune_named_is_judged_by_the_conflict_threshold(monkeypatch):
    from essnum.territory import communes

    points = pd.DataFrame({"lon": [5.3698, 2.2650], "lat": [43.2965, 48.8440], "named": ["75056", "92012"]},
                          index=["far", "near"])  # Marseille named Paris; Paris 16e named Boulogne-Billancourt
    shapes = reference.commune_shapes()
    checked = communes.point_against_commune(points["lon"], points["lat"], points["named"], shapes, kept="the city")
    assert list(checked.index) == ["far", "near"] and list(checked.columns) == ["km", "conflict", "verdict"]
    assert checked.at["far", "km"] > 600 and 0 < checked.at["near", "km"] < 5
    assert checked["conflict"].tolist() == [True, False]
    assert checked.at["far", "verdict"] == " (more than 5 km: which is right?)"
    assert checked.at["near", "verdict"] == " (within 5 km: the city is kept)"
    real = communes.decision
    monkeypatch.setattr(communes, "decision", lambda key: 0.5 if key == "territory.evidence_conflict_km" else real(key))
    strict = communes.point_against_commune(points["lon"], points["lat"], points["named"], shapes, kept="the code")
    assert strict["conflict"].tolist() == [True, True] and strict.at["near", "verdict"].startswith(" (more than 0.5 km")


def test_failures_say_why(located):
    assert located.loc["ocean", "status"] == "unplaced" and "in no French commune" in located.loc["ocean", "reason"]
    assert "not an INSEE commune code" in located.loc["unknown", "reason"]
    assert located.loc["nothing", "reason"] == "no commune code, coordinates or postal code"
    assert set(located["status"]) <= {"placed", "unplaced", "conflict"}


def test_a_former_commune_code_goes_to_the_commune_that_holds_it_now():
    changes = reference.commune_changes()
    merged = changes[~changes["split"] & changes["current"].notna()].iloc[0]
    result = locate_places(pd.DataFrame({"id": ["old"], "commune": [merged["code"]]})).iloc[0]
    assert result["commune"] == merged["current"] and "former commune code" in result["method"]


def test_counts_reconcile_and_units_count_every_placed_place(located):
    frame = pd.DataFrame(ROWS, columns=["id", "commune", "postal_code", "city", "longitude", "latitude"])
    frame.attrs["rejected"] = pd.DataFrame([{"file": "x.json", "row": 3, "field": "nom", "reason": "missing"}])
    placed = place_places(frame, "x.json")
    counts = placed.counts()
    assert counts["read"] == len(ROWS) + 1 == counts["placed"] + counts["unplaced"] + counts["conflict"] + 1
    regions = unit_counts(placed.places, "region")
    assert len(regions) == 18 and regions["places"].sum() == counts["placed"]
    assert regions.set_index("code").loc["11", "places"] == 5  # code, arrondissement, point, postal (Paris), near (92)
    assert regions["rank"].min() == 1


def test_essnum_places_on_the_real_export(tmp_path):
    result = CliRunner().invoke(main, ["places", str(fetch("data-inclusion")), "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    summary = json.loads((tmp_path / "summary.json").read_text(encoding="utf-8"))
    counts = summary["counts"]
    assert counts["read"] == 3811
    assert counts["read"] == counts["placed"] + counts["unplaced"] + counts["conflict"] + counts["rejected"]
    places = pd.read_csv(tmp_path / "places.csv", dtype=str)
    assert list(places.columns) == [c for c in PUBLISHED_COLUMNS if c in places.columns]
    assert not any("mail" in c or "telephone" in c or "phone" in c for c in places.columns)
    in_a_region = places["region"].notna()
    assert in_a_region.sum() >= counts["placed"]  # conflicts whose two communes share a région count there
    assert pd.read_csv(tmp_path / "regions.csv")["places"].sum() == in_a_region.sum()
    assert "places: read 3811 = placed" in result.output


FIXTURES = Path(__file__).parent / "fixtures" / "support"


@pytest.mark.parametrize("name, field", [("places-unknown-commune.json", "code_insee"),
                                         ("places-outside-france.json", "latitude/longitude")])
def test_rejected_rows_are_errors_with_file_row_and_field(tmp_path, name, field):
    result = CliRunner().invoke(main, ["places", str(FIXTURES / name), "--out", str(tmp_path)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert f"error: {FIXTURES / name}:" in result.output and field in result.output
    rejected = pd.read_csv(tmp_path / "rejected.csv", dtype=str)
    assert len(rejected) >= 1 and set(rejected["file"]) == {str(FIXTURES / name)}
    counts = json.loads((tmp_path / "summary.json").read_text(encoding="utf-8"))["counts"]
    assert counts["read"] == counts["placed"] + counts["unplaced"] + counts["conflict"] + counts["rejected"]
    again = CliRunner().invoke(main, ["places", str(FIXTURES / name), "--out", str(tmp_path), "--allow-rejected"])
    assert again.exit_code == 0, again.output


def test_a_file_without_a_required_field_stops_with_a_message(tmp_path):
    result = CliRunner().invoke(main, ["places", str(FIXTURES / "places-missing-required.json"), "--out", str(tmp_path)])
    assert result.exit_code != 0 and result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output and "places-missing-required.json" in result.output


def test_a_latin1_semicolon_file_is_read_and_placed(tmp_path):
    result = CliRunner().invoke(main, ["places", str(FIXTURES / "places-latin1-semicolon.csv"), "--out", str(tmp_path)])
    places = pd.read_csv(tmp_path / "places.csv", dtype=str).set_index("id")
    assert places.loc["c1", "commune"] == "69259" and places.loc["c1", "name"] == "Espace numérique de Vénissieux"
    assert places.loc["c3", ["commune", "method"]].tolist() == ["69029", "coordinates"]
    assert set(places["source"]) == {"places-latin1-semicolon.csv"} and set(places["kind"]) == {"mediation"}
    rejected = pd.read_csv(tmp_path / "rejected.csv", dtype=str)
    assert rejected[["row", "field"]].values.tolist() == [["3", "code_postal"]]  # "6900": a digit lost
    assert "telephone" not in places.columns and "+33" not in (tmp_path / "places.csv").read_text(encoding="utf-8")
    assert result.exit_code in (0, 1) and "Traceback" not in result.output
