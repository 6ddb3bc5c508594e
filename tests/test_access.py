"""essnum.territory.access: access to the support offer (distances, population beyond thresholds, densities,
site change, conseiller numérique posts in ZRR/QPV), on small SYNTHETIC frames built here (invented communes,
places and hosts; no reference data needed)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from essnum.config import decision
from essnum.territory import access

# WGS84 ellipsoid, for the hand computation of meridian arcs.
A_KM, E2 = 6378.137, 0.00669437999014
SPHERE_KM = 6371.0088


def meridian_km(lat1: float, lat2: float) -> float:
    """Arc along a meridian by hand: radius of curvature M(φ) = a(1 − e²)/(1 − e² sin²φ)^1.5 at the mid
    latitude times Δφ (exact to better than a millimetre over a few tenths of a degree)."""
    mid = math.radians((lat1 + lat2) / 2)
    radius = A_KM * (1 - E2) / (1 - E2 * math.sin(mid) ** 2) ** 1.5
    return radius * math.radians(abs(lat2 - lat1))


def haversine_km(lon1, lat1, lon2, lat2):
    lon1, lat1, lon2, lat2 = map(np.radians, (lon1, lat1, lon2, lat2))
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * SPHERE_KM * np.arcsin(np.sqrt(a))


def communes(*rows) -> pd.DataFrame:
    """SYNTHETIC communes: (code, departement, region, longitude, latitude, population)."""
    return pd.DataFrame(rows, columns=["code", "departement", "region", "longitude", "latitude", "population"])


def places(*rows, **columns) -> pd.DataFrame:
    """SYNTHETIC places: (id, longitude, latitude) plus optional columns."""
    frame = pd.DataFrame(rows, columns=["id", "longitude", "latitude"])
    for name, values in columns.items():
        frame[name] = values
    return frame


# --- nearest_distances -----------------------------------------------------------------------------

def test_three_communes_two_places_known_distances():
    # Along the 2.35° E meridian: places at 48.85° and 49.20°; communes at 48.80°, 48.90°, 49.10°.
    towns = communes(("75001", "75", "11", 2.35, 48.80, 1000), ("75002", "75", "11", 2.35, 48.90, 2000),
                     ("95001", "95", "11", 2.35, 49.10, 3000))
    sites = places(("A", 2.35, 48.85), ("B", 2.35, 49.20), name=["Site A", "Site B"], kind=["france_services"] * 2)
    table = access.nearest_distances(towns, sites)
    assert table["code"].tolist() == ["75001", "75002", "95001"]  # input rows, in order
    assert table["nearest_id"].tolist() == ["A", "A", "B"]  # 49.10 is 0.10° from B, 0.25° from A
    assert table["nearest_name"].tolist() == ["Site A", "Site A", "Site B"]
    assert table["nearest_kind"].tolist() == ["france_services"] * 3
    expected = [meridian_km(48.80, 48.85), meridian_km(48.90, 48.85), meridian_km(49.10, 49.20)]
    assert expected[0] == pytest.approx(5.560, abs=0.001) and expected[2] == pytest.approx(11.121, abs=0.001)
    assert np.abs(table["distance_km"].to_numpy() - expected).max() < 1e-6  # < 1 mm
    assert table["territory"].tolist() == ["metropole"] * 3
    assert table["places_in_territory"].tolist() == [2, 2, 2]


def test_overseas_communes_only_look_at_their_own_departement():
    towns = communes(("97101", "971", "01", -61.53, 16.24, 100),  # Guadeloupe
                     ("97209", "972", "02", -61.07, 14.60, 100),  # Martinique
                     ("97411", "974", "04", 55.45, -20.88, 100),  # La Réunion
                     ("13055", "13", "93", 5.37, 43.30, 100))  # Marseille
    sites = places(("mq", -61.00, 14.62), ("re", 55.50, -21.00), ("re-far", 55.70, -21.30), ("mrs", 5.40, 43.30),
                   departement=["972", "974", "974", "13"])
    table = access.nearest_distances(towns, sites).set_index("code")
    # Guadeloupe has no place: NA, never the ~180 km to Martinique (nor the metropole).
    assert pd.isna(table.loc["97101", "distance_km"]) and pd.isna(table.loc["97101", "nearest_id"])
    assert table.loc["97101", "places_in_territory"] == 0
    assert table.loc["97209", "nearest_id"] == "mq" and table.loc["97209", "distance_km"] < 10
    assert table.loc["97411", "nearest_id"] == "re" and table.loc["97411", "places_in_territory"] == 2
    assert table.loc["13055", "nearest_id"] == "mrs" and table.loc["13055", "places_in_territory"] == 1
    assert table["territory"].tolist() == ["971", "972", "974", "metropole"]


def test_reunion_commune_never_gets_a_metropole_site():
    towns = communes(("97411", "974", "04", 55.45, -20.88, 100), ("97611", "976", "06", 45.23, -12.78, 50))
    sites = places(("paris", 2.35, 48.85), departement=["75"])
    table = access.nearest_distances(towns, sites)
    assert table["distance_km"].isna().all() and table["nearest_id"].isna().all()
    assert table["places_in_territory"].tolist() == [0, 0]


def test_place_territory_from_commune_or_coordinates():
    towns = communes(("97411", "974", "04", 55.45, -20.88, 100), ("97209", "972", "02", -61.07, 14.60, 100),
                     ("75056", "75", "11", 2.35, 48.86, 100))
    # No departement column: "x" is placed by its commune code, "y" by the nearest commune point (Réunion).
    sites = places(("x", -61.05, 14.61), ("y", 55.46, -20.90), ("z", 2.30, 48.85), commune=["97209", None, None])
    table = access.nearest_distances(towns, sites).set_index("code")
    assert table.loc["97411", "nearest_id"] == "y"
    assert table.loc["97209", "nearest_id"] == "x"
    assert table.loc["75056", "nearest_id"] == "z"
    assert table["places_in_territory"].tolist() == [1, 1, 1]


def test_missing_coordinates_and_unknown_overseas_crs():
    towns = communes(("01001", "01", "84", None, None, 10), ("01002", "01", "84", 5.0, 46.0, 20))
    sites = places(("a", 5.0, 46.1), ("b", None, None), departement=["01", "01"])
    table = access.nearest_distances(towns, sites)
    assert pd.isna(table["distance_km"].iloc[0]) and table["nearest_id"].iloc[1] == "a"
    assert table.attrs["places_unlocated"] == ["b"]
    # Saint-Pierre-et-Miquelon (975) has no CRS in territory.overseas_crs: said, not measured in Lambert-93.
    with pytest.raises(ValueError, match="975.*overseas_crs"):
        access.nearest_distances(communes(("97502", "975", "05", -56.17, 46.78, 10)),
                                 places(("spm", -56.18, 46.77), departement=["975"]))


def test_sources_are_the_union_of_the_inputs():
    towns = communes(("01001", "01", "84", 5.0, 46.0, 10))
    towns.attrs["sources"] = ["insee-communes", "ign-points"]
    sites = places(("a", 5.0, 46.1), departement=["01"])
    sites.attrs["sources"] = ["france-services", "insee-communes"]
    table = access.nearest_distances(towns, sites)
    assert table.attrs["sources"] == ["insee-communes", "ign-points", "france-services"]
    assert access.population_beyond(table, [10]).attrs["sources"] == ["insee-communes", "ign-points", "france-services"]
    # Frames in attrs (e.g. a loader's rejected rows) must not break anything (pandas compares attrs on concat).
    towns.attrs["rejected"], sites.attrs["rejected"] = pd.DataFrame({"row": [1]}), pd.DataFrame({"row": [2, 3]})
    with_frames = access.nearest_distances(towns, sites)
    assert with_frames["nearest_id"].tolist() == ["a"]
    assert set(with_frames.attrs) == {"sources", "places_unlocated"}  # the inputs' other attrs are not carried
    bare = access.nearest_distances(communes(("01001", "01", "84", 5.0, 46.0, 10)), places(("a", 5.0, 46.1)))
    assert "sources" not in bare.attrs


def test_accuracy_against_haversine_and_brute_force():
    """Nearest place and distance versus brute-force searches over every commune × place pair of each territory.

    Found on this seed (3 000 + 5 × 300 communes, 400 + 5 × 40 places, every nearest within 100 km): the
    k-d tree on projected coordinates picks the ellipsoidal-geodesic nearest place for every commune, and
    distance_km equals that geodesic to < 1e-6 km. Against haversine (sphere of mean radius) distance_km
    differs by at most 0.31 % in the metropole and 0.56 % overseas, near the equator: the sphere's error, not
    ours (a haversine search even picks another place than the true nearest for 5 communes of 4 800: 3 in the
    metropole, 1 in Guyane, 1 in Mayotte). The projected lengths the tree ranks by are within 0.28 % of the
    geodesic on these pairs (Lambert-93 scale; 0.12 % in Guyane, UTM)."""
    from pyproj import Geod

    geod = Geod(ellps="WGS84")
    rng = np.random.default_rng(2026)
    boxes = {"01": (-4.5, 8.0, 42.5, 51.0), "2A": (8.6, 9.4, 41.5, 42.9), "971": (-61.75, -61.2, 15.95, 16.45),
             "973": (-54.3, -51.7, 2.3, 5.7), "974": (55.25, 55.8, -21.35, -20.9),
             "976": (45.05, 45.28, -12.98, -12.65)}
    towns, sites = [], []
    for dep, (x0, x1, y0, y1) in boxes.items():
        n, m = (3000, 400) if dep == "01" else (300, 40)
        towns.append(pd.DataFrame({"code": [f"{dep}{i:04d}" for i in range(n)], "departement": dep, "region": "00",
                                   "longitude": rng.uniform(x0, x1, n), "latitude": rng.uniform(y0, y1, n),
                                   "population": 1}))
        sites.append(pd.DataFrame({"id": [f"p{dep}-{i}" for i in range(m)], "departement": dep,
                                   "longitude": rng.uniform(x0, x1, m), "latitude": rng.uniform(y0, y1, m)}))
    towns, sites = pd.concat(towns, ignore_index=True), pd.concat(sites, ignore_index=True)
    table = access.nearest_distances(towns, sites)
    worst = {}
    for name, group in table.groupby("territory"):
        pool = sites[access.territory_of(sites["departement"]) == name]
        lon, lat, plon, plat = np.broadcast_arrays(group["longitude"].to_numpy()[:, None],
                                                   group["latitude"].to_numpy()[:, None],
                                                   pool["longitude"].to_numpy()[None, :],
                                                   pool["latitude"].to_numpy()[None, :])
        geodesic = geod.inv(lon.ravel(), lat.ravel(), plon.ravel(), plat.ravel())[2].reshape(lon.shape) / 1000
        best = geodesic.argmin(axis=1)
        assert (pool["id"].to_numpy()[best] == group["nearest_id"].to_numpy()).all()
        assert np.abs(group["distance_km"].to_numpy() - geodesic.min(axis=1)).max() < 1e-6
        assert geodesic.min(axis=1).max() < 100
        spherical = haversine_km(lon[:, 0], lat[:, 0], plon[0, best], plat[0, best])
        worst[name] = np.abs(group["distance_km"].to_numpy() / spherical - 1).max()
    assert worst["metropole"] < 0.0035  # sphere vs ellipsoid at 41–51° N: up to ≈ 0.32 %
    assert max(v for k, v in worst.items() if k != "metropole") < 0.006  # near the equator: up to ≈ 0.57 %
    assert min(worst.values()) > 0.001  # the gap is real (the test would not notice a haversine in disguise)


# --- population_beyond -----------------------------------------------------------------------------

def distance_table() -> pd.DataFrame:
    return pd.DataFrame({
        "code": ["a1", "a2", "b1", "c1", "r1", "y1"],
        "departement": ["01", "01", "02", "2A", "974", "976"],
        "region": ["84", "84", "32", "94", "04", "06"],
        "population": [1000, 3000, 500, 1500, 2000, 800],
        "distance_km": [5.0, 15.0, 25.0, 10.0, 12.0, np.nan],  # 976: no place in its territory
    })


def test_population_beyond_by_hand():
    table = access.population_beyond(distance_table(), thresholds=[10, 20])
    row = table.set_index(["level", "code", "threshold_km"])
    # Département 01: 1 000 at 5 km, 3 000 at 15 km → beyond 10 km: 3 000 of 4 000; beyond 20 km: none.
    assert row.loc[("departement", "01", 10), "population_beyond"] == 3000
    assert row.loc[("departement", "01", 10), "share_beyond"] == pytest.approx(0.75)
    assert row.loc[("departement", "01", 20), "share_beyond"] == 0
    # Exactly 10 km is not beyond 10 km.
    assert row.loc[("departement", "2A", 10), "population_beyond"] == 0
    # Mayotte has no distance: counted in population, left out of the share (NA).
    assert row.loc[("departement", "976", 10), "population"] == 800
    assert row.loc[("departement", "976", 10), "population_with_distance"] == 0
    assert pd.isna(row.loc[("departement", "976", 10), "share_beyond"])
    # Metropole: 01, 02, 2A = 6 000 inhabitants; beyond 10 km: 3 000 + 500; beyond 20 km: 500.
    assert row.loc[("national", "metropole", 10), "share_beyond"] == pytest.approx(3500 / 6000)
    assert row.loc[("national", "metropole", 20), "share_beyond"] == pytest.approx(500 / 6000)
    # Overseas: 974 2 000 at 12 km, 976 unmeasured → 2 000 / 2 000 beyond 10 km, 0 beyond 20 km.
    assert row.loc[("national", "overseas", 10), "share_beyond"] == pytest.approx(1.0)
    assert row.loc[("national", "overseas", 10), "population"] == 2800
    # All: 5 500 beyond 10 km of 8 000 measured (8 800 inhabitants).
    assert row.loc[("national", "all", 10), "population_beyond"] == 5500
    assert row.loc[("national", "all", 10), "share_beyond"] == pytest.approx(5500 / 8000)
    assert row.loc[("national", "all", 10), "communes_beyond"] == 3
    assert row.loc[("national", "all", 10), "population"] == 8800
    assert row.loc[("region", "84", 10), "share_beyond"] == pytest.approx(0.75)
    assert list(table["level"].unique()) == ["departement", "region", "national"]
    assert table.loc[table["level"] == "national", "code"].unique().tolist() == ["metropole", "overseas", "all"]


def test_population_beyond_thresholds_come_from_the_decisions():
    thresholds = decision("territory.access_thresholds_km")
    table = access.population_beyond(distance_table())
    assert sorted(table["threshold_km"].unique()) == sorted(thresholds)


# --- density ---------------------------------------------------------------------------------------

def test_density_and_rank():
    units = pd.DataFrame({"code": ["01", "02", "03", "04"], "name": ["Un", "Deux", "Trois", "Quatre"],
                          "population": [200_000, 100_000, 400_000, 50_000]})
    sites = places(*[(f"s{i}", 0.0, 0.0) for i in range(7)], departement=["01", "01", "02", "03", "03", "03", "99"],
                   posts=[1, 2, 1, 0, 1, 1, 5])
    table = access.density(units, sites, "departement", per=100_000).set_index("code")
    assert table["places"].tolist() == [2, 1, 3, 0]
    assert table["per_100000"].tolist() == pytest.approx([1.0, 1.0, 0.75, 0.0])
    assert table["rank"].tolist() == [1, 1, 3, 4]  # ties share the best rank
    assert table["posts"].tolist() == [3, 1, 2, 0]
    assert table["posts_per_100000"].tolist() == pytest.approx([1.5, 1.0, 0.5, 0.0])
    assert table["posts_rank"].tolist() == [1, 2, 3, 4]
    assert table.loc["02", "name"] == "Deux"
    assert table.attrs["places_outside_units"] == 1  # département 99


def test_density_per_region_from_a_commune_table():
    towns = communes(("01001", "01", "84", 5.0, 46.0, 30_000), ("38001", "38", "84", 5.7, 45.2, 70_000),
                     ("59001", "59", "32", 3.0, 50.6, 50_000))
    sites = places(("a", 5.0, 46.0), ("b", 5.7, 45.2), ("c", 3.0, 50.6), departement=["01", "38", None],
                   commune=[None, None, "59001"])
    table = access.density(towns, sites, "region").set_index("code")
    per = decision("territory.per_inhabitants")
    assert table.loc["84", "population"] == 100_000 and table.loc["84", "places"] == 2
    assert table.loc["84", f"per_{per}"] == pytest.approx(2 / 100_000 * per)
    assert table.loc["32", f"per_{per}"] == pytest.approx(1 / 50_000 * per)
    assert table["rank"].tolist() == [1, 1]  # 1 in 50 000 = 2 in 100 000: a tie, both first
    with pytest.raises(ValueError, match="no 'region' column"):
        access.density(pd.DataFrame({"code": ["84"], "population": [1]}), places(("a", 5.0, 46.0)), "region")


# --- site_change -----------------------------------------------------------------------------------

def test_site_change_between_two_snapshots():
    before = places(("s1", 0, 0), ("s2", 0, 0), ("s3", 0, 0), ("s4", 0, 0), departement=["01", "01", "02", "03"])
    after = places(("s1", 0, 0), ("s2", 0, 0), ("s5", 0, 0), ("s5", 0, 0), ("s6", 0, 0), ("s7", 0, 0),
                   departement=["01", "01", "01", "01", "03", "05"])  # s5 listed twice: one site
    table = access.site_change(before, after, "departement").set_index("code")
    assert table.index.tolist() == ["01", "02", "03", "05"]
    assert table["sites_before"].tolist() == [2, 1, 1, 0]
    assert table["sites_after"].tolist() == [3, 0, 1, 1]
    assert table["change"].tolist() == [1, -1, 0, 1]
    assert table.loc["01", "change_pct"] == pytest.approx(50.0)
    assert table.loc["02", "change_pct"] == pytest.approx(-100.0)
    assert pd.isna(table.loc["05", "change_pct"])
    assert table.attrs["national"] == {"sites_before": 4, "sites_after": 5, "change": 1,
                                       "change_pct": pytest.approx(25.0)}
    assert table.attrs["sites_without_unit"] == {"before": 0, "after": 0}
    unplaced = access.site_change(before, after.assign(departement=["01", "01", "01", "01", "03", None]), "departement")
    assert unplaced.attrs["national"]["sites_after"] == 5 and unplaced.attrs["sites_without_unit"]["after"] == 1
    assert unplaced["sites_after"].sum() == 4
    units = pd.DataFrame({"code": ["01", "02", "03", "04", "05"], "name": list("abcde"), "population": 1})
    full = access.site_change(before, after, "departement", units=units).set_index("code")
    assert full.loc["04", ["sites_before", "sites_after", "change"]].tolist() == [0, 0, 0]
    assert full.loc["04", "name"] == "d"


# --- posts_in_priority_areas -----------------------------------------------------------------------

def test_posts_and_funding_in_zrr_and_qpv():
    hosts = pd.DataFrame({
        "posts": [2, 1, 3, 4, 1],
        "state_funding_eur": [100_000, 50_000, 150_000, 200_000, 50_000],
        "host_type": ["commune", "association", "association", "département", "commune"],
        "commune": ["01001", "01002", "59001", "59002", "97411"],
        "departement": ["01", "01", "59", "59", "974"],
        "zrr": ["oui", "non", "non", "non", ""],
        "qpv": [False, False, True, True, True],
    })
    towns = communes(("01001", "01", "84", 5.0, 46.0, 1), ("01002", "01", "84", 5.1, 46.1, 1),
                     ("59001", "59", "32", 3.0, 50.6, 1), ("59002", "59", "32", 3.1, 50.6, 1),
                     ("97411", "974", "04", 55.45, -20.88, 1))
    table = access.posts_in_priority_areas(hosts, towns).set_index(["level", "code", "area"])
    total = table.loc[("national", "all", "zrr")]
    # ZRR: 2 posts in ZRR of 10 with a known flag (the Réunion host's 1 post is unknown).
    assert total["posts"] == 11 and total["posts_unknown"] == 1 and total["posts_in_area"] == 2
    assert total["share_posts"] == pytest.approx(2 / 10)
    assert total["share_funding"] == pytest.approx(100_000 / 500_000)
    assert total["hosts"] == 5 and total["hosts_in_area"] == 1 and total["hosts_unknown"] == 1
    qpv = table.loc[("national", "all", "qpv")]
    assert qpv["share_posts"] == pytest.approx(8 / 11) and qpv["share_funding"] == pytest.approx(400_000 / 550_000)
    assert table.loc[("national", "metropole", "qpv"), "share_posts"] == pytest.approx(7 / 10)
    assert table.loc[("national", "overseas", "qpv"), "share_posts"] == pytest.approx(1.0)
    assert table.loc[("region", "84", "zrr"), "share_posts"] == pytest.approx(2 / 3)
    assert table.loc[("region", "32", "qpv"), "share_posts"] == pytest.approx(1.0)
    assert pd.isna(table.loc[("region", "04", "zrr"), "share_posts"])
    with pytest.raises(ValueError, match="no 'region' column"):
        access.posts_in_priority_areas(hosts)
    with pytest.raises(ValueError, match="neither true nor false"):
        access.posts_in_priority_areas(hosts.assign(zrr=["oui", "peut-être", "non", "non", "non"]), towns)
