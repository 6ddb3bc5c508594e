"""essnum.territory: placement, harmonisation gate, aggregation, distances (real reference data, small
hand-made organisation tables; the organisations are invented test rows, not atlas content)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from essnum import territory
from essnum.data import reference
from essnum.data.sources import mirror_dir

pytestmark = pytest.mark.skipif(not (mirror_dir() / "insee-population" / "donnees_communes.csv").is_file(),
                                reason="no local mirror of the reference data")


def orgs(*rows: dict) -> pd.DataFrame:
    base = {"id": None, "name": None, "country": None, "city": None, "commune": None, "latitude": None,
            "longitude": None, "family": None}
    frame = pd.DataFrame([{**base, "id": f"t{i}", "name": f"TEST {i}", **row} for i, row in enumerate(rows)])
    return frame.astype("string")


def placed(rows, **kwargs) -> pd.DataFrame:
    return territory.place(orgs(*rows), **kwargs).organisations.set_index("id")


def test_known_cities_fall_in_their_departement():
    table = placed([
        {"country": "FR", "city": "Lille"},
        {"country": "FR", "commune": "2a004"},  # Ajaccio, lower-case
        {"country": "FR", "city": "Ajaccio"},
        {"country": "FR", "city": "Saint-Denis (93)"},
        {"country": "FR", "city": "Saint-Denis (974)"},
        {"country": "RE", "city": "Saint-Denis"},
        {"country": "FR", "city": "St Denis", "latitude": "-20.88", "longitude": "55.45"},
        {"country": "FR", "city": "LILLE"},
    ])
    assert table["status"].eq("placed").all(), table["reason"].dropna().tolist()
    assert table["departement"].tolist() == ["59", "2A", "2A", "93", "974", "974", "974", "59"]
    assert table.loc["t3", "commune"] == "93066" and table.loc["t4", "commune"] == "97411"
    assert table.loc["t0", "region"] == "32" and table.loc["t1", "region"] == "94"
    assert table.loc["t0", "nuts3"] == "FRE11" and table.loc["t4", "nuts2"] == "FRY4"
    assert table.loc["t5", "country_iso"] == "FR"


def test_accents_and_articles_are_normalised():
    table = placed([{"country": "FR", "city": "Abergement-Clemenciat"},  # L'Abergement-Clémenciat
                    {"country": "FR", "city": "le havre"}, {"country": "FR", "city": "Besancon"}])
    assert table["commune"].tolist() == ["01001", "76351", "25056"]


def test_homonyms_without_departement_are_reported_as_ambiguous():
    table = placed([{"country": "FR", "city": "Saint-Denis"}])
    assert table.loc["t0", "status"] == "ambiguous"
    assert "93066 (93)" in table.loc["t0", "reason"] and "97411 (974)" in table.loc["t0", "reason"]


def test_paris_lyon_marseille_arrondissements_roll_up():
    table = placed([{"country": "FR", "commune": "75111"}, {"country": "FR", "city": "Paris"},
                    {"country": "FR", "city": "Marseille"}, {"country": "FR", "commune": "69381"}])
    assert table["commune"].tolist() == ["75056", "75056", "13055", "69123"]
    assert table.loc["t0", "arrondissement"] == "75111" and pd.isna(table.loc["t1", "arrondissement"])


def test_coordinates_are_joined_to_departements_and_nuts():
    table = placed([{"country": "FR", "latitude": "45.764", "longitude": "4.8357"},  # Lyon
                    {"country": "BE", "latitude": "50.85", "longitude": "4.35"},  # Brussels
                    {"country": "DE"}, {"country": "BE", "city": "Bruxelles"}])
    assert table.loc["t0", "departement"] == "69" and table.loc["t0", "method"] == "coordinates"
    assert table.loc["t0", "commune"] == "69123"  # the commune outline that holds the point
    assert table.loc["t1", "nuts2"] == "BE10" and table.loc["t1", "status"] == "placed"
    assert table.loc["t2", "status"] == "country only"
    assert table.loc["t3", "status"] == "country only" and "only French commune names" in table.loc["t3", "reason"]


def test_unmatched_values_fail_loudly_listing_every_one_with_the_file():
    placement = territory.place(orgs(
        {"country": "FR", "commune": "20999"},  # Corsica written with 20, and no such former code
        {"country": "FR", "commune": "9999"},  # leading zero lost, and no such commune
        {"country": "FR", "city": "Lille", "region": "31"},  # old région code (Nord-Pas-de-Calais)
        {"country": "FR", "city": "Lille", "departement": "20"},
        {"country": "FR", "city": "Atlantis-sur-Mer"},
        {"country": "FR", "latitude": "2.35", "longitude": "48.85"},  # swapped
        {"country": "UK"},
        {"country": "FR", "city": "Paris"},  # fine
        {"country": "FR"},  # nothing to locate with: unplaced, not a harmonisation error
    ), source_file="atlas/organisations.csv")
    with pytest.raises(territory.HarmonisationError) as caught:
        placement.check()
    message = str(caught.value)
    assert "atlas/organisations.csv" in message
    for expected in ["'20999'", "2A", "'9999'", "region '31'", "since 2016 it is 32", "departement '20'",
                     "Atlantis-sur-Mer", "swapped", "country 'UK'", "GB"]:
        assert expected in message, expected
    assert message.count("  id t") == 7
    counts = placement.counts()
    assert counts == {"read": 9, "placed": 1, "country only": 0, "no location": 1, "unmatched": 7, "ambiguous": 0,
                      "conflict": 0, "placed in France": 1}
    assert len(placement.unplaced) == 8 and placement.unplaced["reason"].notna().all()


def test_given_departement_must_agree_with_the_commune():
    table = placed([{"country": "FR", "commune": "59350", "departement": "62"}])
    assert table.loc["t0", "status"] == "unmatched" and "59" in table.loc["t0", "reason"]
    assert table.loc["t0", "departement_given"] == "62"  # the given value is kept


@pytest.fixture(scope="module")
def sample():
    rows = [{"country": "FR", "city": "Lille", "family": "accompagnement"},
            {"country": "FR", "city": "Lille", "family": "tech"},
            {"country": "FR", "commune": "75056", "family": "tech"},
            {"country": "FR", "commune": "75111", "family": "tech"},
            {"country": "FR", "city": "Marseille", "family": "reseau"},
            {"country": "BE", "latitude": "50.85", "longitude": "4.35", "family": "accompagnement"},
            {"country": "DE", "family": "tech"}]
    return territory.place(orgs(*rows))


def test_counts_and_densities(sample):
    deps = territory.departement_counts(sample).set_index("code")
    assert len(deps) == 101 and deps["organisations"].sum() == 5
    assert deps.loc["59", "organisations"] == 2 and deps.loc["75", "tech"] == 2
    assert deps.loc["59", "per_100000"] == pytest.approx(2 / deps.loc["59", "population"] * 100_000)
    regions = territory.region_counts(sample).set_index("code")
    assert regions.loc["11", "population"] == 12_463_067 and regions.loc["11", "organisations"] == 2
    national = 5 / regions["population"].sum() * 100_000
    assert regions.loc["32", "density_index"] == pytest.approx(regions.loc["32", "per_100000"] / national)
    communes = territory.commune_counts(sample).set_index("code")
    assert communes.loc["75056", "organisations"] == 2 and communes.loc["59350", "population"] == 238_246


def test_nuts_and_country_counts(sample):
    nuts2 = territory.nuts_counts(sample, 2).set_index("code")
    assert nuts2.loc["FR10", "organisations"] == 2 and nuts2.loc["BE10", "organisations"] == 1
    assert nuts2.loc["FR10", "population"] == 12_463_067 and pd.isna(nuts2.loc["BE10", "population"])
    countries = territory.country_counts(sample).set_index("code")
    assert countries.loc["FR", "organisations"] == 5 and countries.loc["DE", "organisations"] == 1
    assert countries.loc["FR", "per_1000000"] == pytest.approx(5 / countries.loc["FR", "pop_est"] * 1e6)
    assert (countries.loc[countries["in_natural_earth"], "pop_year"] == 2019).all()
    assert countries.loc["AT", "organisations"] == 0  # European countries listed with zero
    assert "RU" not in countries.index and {"NO", "CH", "TR", "GB", "GR"} <= set(countries.index)


def test_country_counts_include_organisations_known_only_by_country():
    frame = pd.DataFrame({"id": ["a", "b", "c"], "name": ["A", "B", "C"], "country": ["FR", "FR", "BE"]})
    placement = territory.place(frame)
    assert placement.organisations["status"].tolist() == ["no location", "no location", "country only"]
    countries = territory.country_counts(placement).set_index("code")
    assert countries.loc["FR", "organisations"] == 2 and countries.loc["BE", "organisations"] == 1


def test_location_quotients(sample):
    regions = territory.region_counts(sample)
    lq = territory.location_quotients(regions, territory.families_of(sample)).set_index(["code", "family"])
    # Hauts-de-France: 1 accompagnement of 2 organisations; nationally 1 of 5 → LQ = 0.5 / 0.2
    assert lq.loc[("32", "accompagnement"), "lq"] == pytest.approx(2.5)
    assert np.isnan(lq.loc[("24", "tech"), "lq"])  # no organisation in Centre-Val de Loire


def test_concentration_measures():
    counts = pd.DataFrame({"code": ["a", "b", "c"], "name": ["A", "B", "C"], "organisations": [6, 3, 1],
                           "population": [100, 100, 100]})
    result = territory.concentration(counts)
    assert result["top_code"] == "a" and result["top_share"] == pytest.approx(0.6)
    assert result["herfindahl"] == pytest.approx(0.36 + 0.09 + 0.01)
    assert result["herfindahl_population"] == pytest.approx(1 / 3)
    # equal weights: Gini = sum|xi-xj| / (2 n^2 mean) = 2*(3+5+2) / (2*9*(10/3))
    assert result["gini"] == pytest.approx(20 / 60)
    proportional = counts.assign(organisations=[1, 1, 1])
    assert territory.concentration(proportional)["gini"] == pytest.approx(0.0)


def test_points_in_polygons_matches_geopandas_sjoin():
    import geopandas as gpd

    deps = reference.departements(overseas=False)
    rng = np.random.default_rng(0)
    minx, miny, maxx, maxy = deps.total_bounds
    x, y = rng.uniform(minx, maxx, 5000), rng.uniform(miny, maxy, 5000)
    fast = territory.points_in_polygons(x, y, deps.geometry.values)
    points = gpd.GeoDataFrame(geometry=gpd.points_from_xy(x, y), crs=deps.crs)
    joined = points.sjoin(deps[["geometry"]], predicate="within", how="left")
    expected = joined["index_right"].fillna(-1).astype(int).groupby(level=0).first().to_numpy()
    assert (fast == expected).all() and (fast >= 0).sum() > 2000


def test_distance_to_support_uses_centroids_without_commune_points(sample):
    table = territory.distance_to_support(sample).set_index("code")
    assert len(table) == 101 and set(table["centre_method"]) == {"polygon centroid"}
    assert table.loc["59", "distance_km"] == pytest.approx(0.0)  # support placed by city: its département centre
    assert table.loc["59", "nearest_support_precision"] == "département centre"
    assert table.loc["62", "nearest_support_id"] == "t0" and 20 < table.loc["62", "distance_km"] < 150
    assert table["distance_km"].idxmax() in {"971", "972", "973", "974", "976"}


def test_population_weighted_centre_when_commune_points_are_given(sample):
    # two invented points for Nord's two largest communes only (test input, not reference data)
    points = pd.DataFrame({"code": ["59350", "59512"], "longitude": [3.06, 3.18], "latitude": [50.63, 50.69]})
    centres = territory.departement_centres(points).set_index("code")
    assert centres.loc["59", "centre_method"] == "population-weighted centre of communes"
    pops = territory.commune_table().loc[["59350", "59512"], "pmun"].to_numpy()
    assert 3.06 < centres.loc["59", "lon"] < 3.18
    assert centres.loc["59", "lon"] == pytest.approx((3.06 * pops[0] + 3.18 * pops[1]) / pops.sum(), abs=0.01)
    assert centres.loc["62", "centre_method"] == "polygon centroid"


def test_write_outputs(sample, tmp_path):
    import pyogrio

    written = territory.write_outputs(sample, tmp_path, progress=False)
    names = {p.name for p in written}
    assert {"organisations.csv", "unplaced.csv", "communes.csv", "departements.csv", "regions.csv", "nuts1.csv",
            "nuts2.csv", "nuts3.csv", "countries.csv", "concentration.csv", "summary.json", "territory.gpkg"} <= names
    layers = {name for name, _ in pyogrio.list_layers(tmp_path / "territory.gpkg")}
    assert layers == {"departements", "regions", "nuts1", "nuts2", "nuts3", "countries"}
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["counts"]["read"] == 7 and summary["centre_method"] == ["polygon centroid"]
    deps = pd.read_csv(tmp_path / "departements.csv", dtype={"code": str})
    assert deps.loc[deps["code"] == "2A", "organisations"].item() == 0


def test_write_outputs_stops_at_the_gate_only_when_strict(tmp_path):
    placement = territory.place(orgs({"country": "FR", "commune": "99999"}))
    with pytest.raises(territory.HarmonisationError):
        territory.write_outputs(placement, tmp_path / "strict", strict=True, progress=False)
    unplaced = pd.read_csv(tmp_path / "strict" / "unplaced.csv", dtype=str)
    assert unplaced["commune_given"].tolist() == ["99999"] and not (tmp_path / "strict" / "departements.csv").exists()
    territory.write_outputs(placement, tmp_path / "default", progress=False)
    assert (tmp_path / "default" / "departements.csv").is_file()


def _atlas_folder(path, rows: list[str]):
    path.mkdir()
    (path / "organisations.csv").write_text("id,name,family,country,city,commune,latitude,longitude,location_source\n"
                                            + "\n".join(rows) + "\n", encoding="utf-8")
    (path / "links.csv").write_text("organisation_id,collective_id,collective_label,collective_kind,role,source\n"
                                    "t1,c1,TEST collective,network,,test\n", encoding="utf-8")
    return path


def test_cli_writes_tables_for_an_atlas_folder(tmp_path):
    from click.testing import CliRunner

    from essnum.cli import main

    atlas = _atlas_folder(tmp_path / "atlas", [
        "t1,TEST one,accompagnement,FR,Lille,,,,test source",
        "t2,TEST two,tech,FR,,2A004,,,test source",
        "t3,TEST three,reseau,BE,,,50.85,4.35,test source",
    ])
    result = CliRunner().invoke(main, ["territory", "--atlas", str(atlas), "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert "read 3, placed 3" in result.output
    regions = pd.read_csv(tmp_path / "out" / "regions.csv", dtype={"code": str}).set_index("code")
    assert regions.loc["94", "organisations"] == 1 and regions.loc["32", "organisations"] == 1


def test_cli_warns_by_default_and_fails_with_strict(tmp_path):
    from click.testing import CliRunner

    from essnum.cli import main

    atlas = _atlas_folder(tmp_path / "atlas", ["t1,TEST one,reseau,FR,Saint-Denis,,,,test source",
                                                "t2,TEST two,tech,FR,,20999,,,test source",
                                                "t3,TEST three,tech,FR,Lille,,,,test source"])
    result = CliRunner().invoke(main, ["territory", "--atlas", str(atlas), "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert "warning:" in result.output and "Saint-Denis" in result.output and "'20999'" in result.output
    assert str(atlas / "organisations.csv") in result.output
    regions = pd.read_csv(tmp_path / "out" / "regions.csv", dtype={"code": str}).set_index("code")
    assert regions["organisations"].sum() == 1  # Lille; the two others in unplaced.csv only
    strict = CliRunner().invoke(main, ["territory", "--atlas", str(atlas), "--out", str(tmp_path / "strict"), "--strict"])
    assert strict.exit_code != 0 and "Traceback" not in strict.output and "'20999'" in strict.output
    assert (tmp_path / "strict" / "unplaced.csv").is_file() and not (tmp_path / "strict" / "regions.csv").exists()


#: A messy export as real ones come (synthetic rows): the evidence each carries, and what must come out.
MESSY = [
    # id, city, commune, postal_code, lon, lat, expected status, commune, method contains
    ("postal-city", "75002 Paris", None, None, None, None, "placed", "75056", "postal code in the city text"),
    ("postal-only", "13013", None, None, None, None, "placed", "13055", "postal code in the city text"),
    ("marseille-13", "Marseille 13", None, None, None, None, "placed", "13055", "arrondissement"),
    ("paris-2e", "Paris 2e", None, None, None, None, "placed", "75056", "arrondissement"),
    ("lyon-3", "Lyon 3", None, None, None, None, "placed", "69123", "arrondissement"),
    ("locality", "La Plaine Saint-Denis", None, None, 2.3560, 48.9185, "placed", "93066", "coordinates"),
    ("departement-name", "Seine-Saint-Denis", None, None, 2.4485, 48.8638, "placed", "93048", "coordinates"),
    ("region-name", "Brittany", None, None, -1.6778, 48.1173, "placed", "35238", "coordinates"),
    ("technopole", "Valbonne Sophia-Antipolis", None, None, 7.0550, 43.6170, "placed", "06152", "coordinates"),
    ("overseas-locality", "La Riviere", None, None, 55.4400, -21.2500, "placed", "97414", "coordinates"),
    ("former-code", None, "20004", None, None, None, "placed", "2A004", "former commune code"),
    ("lost-zero", None, "1053", None, None, None, "placed", "01053", "leading zero restored"),
    ("postal-column", None, None, "25000", None, None, "placed", "25056", "postal code"),
    ("near-point", None, "92012", None, 2.2650, 48.8440, "placed", "92012", "commune code"),
    ("homonym-by-point", "Saint-Denis", None, None, 55.4504, -20.8789, "placed", "97411", "homonym chosen"),
    # conflicts: reported, never guessed
    ("code-vs-point", None, "75056", None, 5.3698, 43.2965, "conflict", None, None),
    ("postal-vs-point", "93100 Montreuil", None, None, 1.7640, 50.4640, "conflict", None, None),
    ("point-abroad", "75011 Paris", None, None, -58.4, -34.6, "conflict", None, None),
    ("code-vs-city", "Lille", "75056", None, None, None, "conflict", None, None),
]


def test_a_messy_export_is_placed_with_all_its_evidence():
    frame = pd.DataFrame([{"id": r[0], "country": "FR", "city": r[1], "commune": r[2], "postal_code": r[3],
                           "longitude": r[4], "latitude": r[5]} for r in MESSY])
    placement = territory.place(frame, source_file="export/organisations.csv")
    table = placement.organisations.set_index("id")
    for row_id, *_, status, commune, method in MESSY:
        row = table.loc[row_id]
        assert row["status"] == status, (row_id, row["reason"])
        if status == "placed":
            assert row["commune"] == commune and method in row["method"], (row_id, row["commune"], row["method"])
        else:
            assert pd.isna(row["commune"]) and "which is right?" in row["reason"], (row_id, row["reason"])
    assert "93048" in table.loc["postal-vs-point", "reason"] and "62588" in table.loc["postal-vs-point", "reason"]
    assert "no French commune" in table.loc["point-abroad", "reason"]
    assert "La Plaine Saint-Denis" in table.loc["locality", "reason"]  # why the coordinates decided
    assert table.loc["marseille-13", "arrondissement"] == "13213" and table.loc["paris-2e", "arrondissement"] == "75102"
    counts = placement.counts()
    assert counts["read"] == len(MESSY) == counts["placed"] + counts["conflict"] and counts["conflict"] == 4
    with pytest.raises(territory.HarmonisationError, match="export/organisations.csv"):
        placement.check()


def test_a_foreign_point_outside_its_country_is_reported():
    table = placed([{"country": "IE", "city": "Galway", "latitude": "54.597", "longitude": "-5.930"}])  # Belfast
    assert table.loc["t0", "status"] == "unmatched" and "GB" in table.loc["t0", "reason"]


def test_an_atlas_without_rows_gives_empty_but_complete_tables(tmp_path):
    empty = pd.DataFrame({c: pd.Series([], dtype="string") for c in ["id", "name", "country"]})
    placement = territory.place(empty)
    assert placement.counts()["read"] == 0
    territory.write_outputs(placement, tmp_path, progress=False)
    assert len(pd.read_csv(tmp_path / "departements.csv")) == 101
    assert pd.read_csv(tmp_path / "concentration.csv")["organisations"].tolist() == [0, 0]


def test_summary_counts_the_rows_of_the_file_including_those_the_atlas_check_rejected(tmp_path):
    from click.testing import CliRunner

    from essnum.cli import main

    atlas = _atlas_folder(tmp_path / "atlas", ["t1,TEST one,accompagnement,FR,Lille,,,,test source",
                                                "t2,TEST two,tech,ZZ,,,,,test source"])  # ZZ: no such country
    result = CliRunner().invoke(main, ["territory", "--atlas", str(atlas), "--out", str(tmp_path / "out"),
                                       "--allow-rejected"])
    assert result.exit_code == 0, result.output
    counts = json.loads((tmp_path / "out" / "summary.json").read_text())["counts"]
    assert counts["read"] == 2 and counts["rejected by the atlas check"] == 1 and counts["placed"] == 1
