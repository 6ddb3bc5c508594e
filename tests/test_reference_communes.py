"""essnum.data.reference: COG communes, changes of communes, postal codes and commune points (real files of the
local mirror)."""

from __future__ import annotations

import pytest

from essnum.data import reference
from essnum.data.sources import mirror_dir

pytestmark = pytest.mark.skipif(not (mirror_dir() / "insee-cog" / "mouvements-communes.csv").is_file(),
                                reason="no local mirror of the reference data")


def test_cog_communes():
    cog = reference.cog_communes()
    assert cog["kind"].value_counts().to_dict() == {"COM": 34875, "COMD": 2105, "COMA": 471, "ARM": 45}
    communes = cog[cog["kind"] == "COM"]
    assert communes["code"].is_unique and communes["code"].str.match(reference.COMMUNE_CODE).all()
    assert cog["departement"].notna().all() and cog["region"].notna().all()
    arrondissements = cog[cog["kind"] == "ARM"].groupby("parent").size().to_dict()
    assert arrondissements == {"13055": 16, "69123": 9, "75056": 20}
    assert cog.attrs["sources"] == ["insee-cog-communes"]


def _changes():
    return reference.commune_changes().set_index("code")


def test_commune_changes_follow_mergers_and_chains():
    changes = _changes()
    assert changes.loc["74011", "current"] == "74010"  # Annecy-le-Vieux, merged into Annecy on 2017-01-01
    assert changes.loc["74011", "current_name"] == "Annecy"
    assert changes.loc["20004", "current"] == "2A004"  # Ajaccio, Corsica split into 2A/2B in 1976
    # Crépieux-la-Pape: moved from Ain to Rhône (69274) in 1967, merged into Rillieux-la-Pape in 1972
    assert changes.loc["01132", ["current", "date"]].tolist() == ["69286", "1972-12-15"]
    # Orée d'Anjou changed code on 2025-01-01 (chef-lieu moved to Drain, 49126)
    assert changes.loc["49069", ["current", "date"]].tolist() == ["49126", "2025-01-01"]
    # Sannerville (14666) was merged into Saline in 2017 and re-established in 2019: its own code again
    assert "14666" not in changes.index


def test_commune_changes_flag_splits_and_communes_outside_the_cog():
    table = reference.commune_changes()
    split = table[table["code"] == "08227"]
    assert split["split"].all() and set(split["current"]) == {"08203", "08454"}
    gone = table[table["current"].isna()]
    assert set(gone["code"]) == {"97123", "97127"}  # Saint-Barthélemy, Saint-Martin: left the COG in 2007
    in_force = set(reference.cog_communes().query("kind in ['COM', 'ARM']")["code"])
    assert not in_force & set(table["code"])
    assert table["current"].dropna().isin(in_force).all()


def test_postal_codes():
    pairs = reference.postal_codes()
    assert len(pairs) == 35684 and not pairs.duplicated(["postal_code", "commune"]).any()
    assert pairs["postal_code"].str.match(r"^\d{5}$").all()
    assert pairs.loc[pairs["postal_code"] == "75001", "commune"].tolist() == ["75101"]  # Paris 1er arrondissement
    assert pairs.attrs["sources"] == ["codes-postaux"]


@pytest.fixture(scope="module")
def points():
    return reference.commune_points()


def test_commune_points_cover_every_commune_in_force(points):
    cog = reference.cog_communes()
    assert len(points) == 34875 and points["code"].is_unique
    assert set(points["code"]) == set(cog.loc[cog["kind"] == "COM", "code"])
    assert points[["longitude", "latitude"]].notna().all().all()
    assert points["method"].value_counts().to_dict() == {"polygon": 34551, "dissolved": 317, "parent polygon": 7}
    # re-established since 2018: the 2018 polygon of the commune they were carved out of
    carved = points[points["method"] == "parent polygon"].set_index("code")["parent_polygon"].to_dict()
    assert carved == {"14666": "14712", "15031": "15141", "15035": "15141", "15047": "15141", "15171": "15141",
                      "85165": "85084", "85212": "85084"}
    assert points["population"].sum() == 68_094_280 + 256_518  # every commune has its population (Mayotte: older)
    by_code = points.set_index("code")
    assert by_code.loc["75056", "population"] == 2_103_778  # Paris = Σ of its 20 arrondissements
    paris = by_code.loc["75056"]
    assert abs(paris["longitude"] - 2.343) < 0.01 and abs(paris["latitude"] - 48.857) < 0.01
    mamoudzou = by_code.loc["97611"]
    assert mamoudzou["departement"] == "976" and mamoudzou["polygons"] == 1  # Mayotte has polygons


def test_commune_points_fall_in_their_departement(points):
    import geopandas as gpd

    geometry = gpd.points_from_xy(points["longitude"], points["latitude"])
    located = gpd.GeoDataFrame(points, geometry=geometry, crs="EPSG:4326")
    departements = reference.departements()[["code", "geometry"]].rename(columns={"code": "in_departement"})
    joined = located.sjoin(departements, how="left", predicate="within")
    joined = joined[~joined.index.duplicated()]
    # the département outlines are more simplified than the commune ones: islands and coasts can fall out
    assert (joined["in_departement"] == joined["departement"]).mean() > 0.998


def test_centroids_are_computed_in_the_projected_crs(points):
    polygons = reference._commune_polygons().set_index("code")
    for code, crs in (("2A004", "EPSG:2154"), ("97411", "EPSG:2975")):
        shape = polygons.loc[[code]].to_crs(crs)
        expected = shape.centroid.to_crs("EPSG:4326").iloc[0]
        row = points.set_index("code").loc[code]
        assert abs(row["longitude"] - expected.x) < 1e-7 and abs(row["latitude"] - expected.y) < 1e-7
    # a commune nouvelle made of two 2018 communes: the centroid of their union
    merged = reference.commune_changes().query("current == '60694'")["code"].tolist() + ["60694"]
    union = polygons.loc[polygons.index.intersection(merged)].to_crs("EPSG:2154").union_all()
    import geopandas as gpd

    expected = gpd.GeoSeries([union.centroid], crs="EPSG:2154").to_crs("EPSG:4326").iloc[0]
    row = points.set_index("code").loc["60694"]
    assert row["polygons"] == 2
    assert abs(row["longitude"] - expected.x) < 1e-4 and abs(row["latitude"] - expected.y) < 1e-4


def test_commune_points_are_fresh_copies(points):
    points.loc[0, "name"] = "changed"
    assert reference.commune_points().loc[0, "name"] != "changed"
    assert "france-communes" in reference.commune_points().attrs["sources"]
