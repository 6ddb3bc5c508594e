"""Territorial indicators of a placement: counts and densities per commune, département, région, NUTS unit
and country; location quotients; concentration; distance from each département to the nearest support
organisation."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from essnum.config import decision
from essnum.data import reference
from essnum.paths import package_file

from .communes import projected_crs
from .placement import NUTS_TO_ISO, Placement, commune_table

EARTH_RADIUS_KM = 6371.0088  # mean Earth radius (IUGG), for great-circle distances


def _family_column(frame: pd.DataFrame) -> pd.Series:
    if "family" not in frame.columns:
        return pd.Series("family_missing", index=frame.index, dtype="string")
    return frame["family"].astype("string").fillna("family_missing")


def families_of(placement: Placement) -> list[str]:
    """Family codes present among the placed organisations, sorted (``family_missing`` for empty cells)."""
    return sorted(set(_family_column(placement.organisations)))


def _count_by(frame: pd.DataFrame, key: str, families: list[str]) -> pd.DataFrame:
    table = pd.crosstab(frame[key], _family_column(frame)).reindex(columns=families, fill_value=0)
    table.insert(0, "organisations", table.sum(axis=1))
    table.index.name = None
    table.columns.name = None
    return table


def _with_density(units: pd.DataFrame, counts: pd.DataFrame, families: list[str], per: int) -> pd.DataFrame:
    table = units.merge(counts, left_on="code", right_index=True, how="left")
    table[["organisations", *families]] = table[["organisations", *families]].fillna(0).astype("int64")
    table[f"per_{per}"] = table["organisations"] / table["population"] * per
    national = table["organisations"].sum() / table["population"].sum() * per
    table["density_index"] = table[f"per_{per}"] / national if national > 0 else np.nan
    return table


_POPULATION_SOURCES = ["insee-communes", "insee-communes-mayotte"]


def _sourced(table: pd.DataFrame, names: list[str]) -> pd.DataFrame:
    """Record in ``attrs["sources"]`` the declared sources a table's figures come from (maps print them)."""
    table.attrs["sources"] = list(names)
    return table


def departement_counts(placement: Placement) -> pd.DataFrame:
    """Per département (all 101): population, organisations, one column per family, per 100 000
    inhabitants (``per_100000``), density_index (density / national density)."""
    per = decision("territory.per_inhabitants")
    families = families_of(placement)
    units = reference.departement_populations()[["code", "name", "region", "population", "older_estimate"]]
    table = _with_density(units, _count_by(placement.france, "departement", families), families, per)
    return _sourced(table, [*_POPULATION_SOURCES, "insee-cog-departements"])


def region_counts(placement: Placement) -> pd.DataFrame:
    """Per région (all 18): same columns as ``departement_counts``."""
    per = decision("territory.per_inhabitants")
    families = families_of(placement)
    units = reference.region_populations()[["code", "name", "population", "older_estimate"]]
    table = _with_density(units, _count_by(placement.france, "region", families), families, per)
    return _sourced(table, [*_POPULATION_SOURCES, "insee-cog-regions"])


def commune_counts(placement: Placement) -> pd.DataFrame:
    """Per commune holding at least one organisation (placed by code or name): code, name, departement,
    region, population, organisations, families, per 100 000."""
    per = decision("territory.per_inhabitants")
    families = families_of(placement)
    located = placement.france[placement.france["commune"].notna()]
    counts = _count_by(located, "commune", families)
    units = commune_table().loc[counts.index, ["code", "name", "departement", "region", "pmun", "older_estimate"]]
    table = units.rename(columns={"pmun": "population"}).reset_index(drop=True).merge(counts, left_on="code", right_index=True)
    table[f"per_{per}"] = table["organisations"] / table["population"] * per
    return _sourced(table.sort_values("code", ignore_index=True), _POPULATION_SOURCES)


def nuts_counts(placement: Placement, level: int) -> pd.DataFrame:
    """Per NUTS region of ``level`` 1–3 holding organisations (France and abroad), with the French
    population (INSEE) and density where the region is French; NA elsewhere (no NUTS populations in the
    reference data)."""
    per = decision("territory.per_inhabitants")
    families = families_of(placement)
    key = f"nuts{level}"
    located = placement.organisations[placement.organisations[key].notna()]
    counts = _count_by(located, key, families)
    shapes = reference.nuts(level)
    units = shapes.loc[shapes["nuts_id"].isin(counts.index), ["nuts_id", "country", "name"]].rename(columns={"nuts_id": "code"})
    pops = reference.departement_populations().merge(reference.departement_nuts(), left_on="code", right_on="departement")
    french = pops.groupby(key)["population"].sum()
    table = units.merge(counts, left_on="code", right_index=True, how="right")
    table["population"] = table["code"].map(french).astype("Int64")
    table[f"per_{per}"] = table["organisations"] / table["population"] * per
    return _sourced(table.sort_values("code", ignore_index=True), [*_POPULATION_SOURCES, f"nuts-2021-20m-level-{level}"])


def europe_scope() -> list[str]:
    """ISO alpha-2 codes of the countries shown in European tables (``territory.europe_scope``)."""
    scope = decision("territory.europe_scope")
    if scope != "nuts2021":
        raise ValueError(f"territory.europe_scope {scope!r} is not known (only 'nuts2021'); fix {package_file('decisions.toml')}")
    codes = reference.nuts(0)["country"]
    return sorted({NUTS_TO_ISO.get(code, code) for code in codes})


def country_counts(placement: Placement) -> pd.DataFrame:
    """Organisations per country (ISO alpha-2, overseas départements counted under FR) and per million
    inhabitants (Natural Earth pop_est, ``pop_year`` ≈2019). Every organisation whose country is known
    counts, whether or not it could be placed further (a French organisation with no commune still
    counts under FR). Rows: every country with organisations, plus every country of the European scope
    (``territory.europe_scope``: the 37 countries of the NUTS 2021 classification) with zero.
    ``in_natural_earth`` is False for countries absent from the 1:110m layer (small states such as MT):
    no density for them."""
    per = decision("territory.per_inhabitants_countries")
    families = families_of(placement)
    known = placement.organisations[placement.organisations["country_iso"].notna()]
    counts = _count_by(known, "country_iso", families)
    countries = reference.countries()
    countries = countries[countries["iso_a2"].notna()]
    scope = set(europe_scope()) | set(counts.index)
    table = pd.DataFrame({"code": sorted(scope)})
    table = table.merge(countries[["iso_a2", "iso_a3", "name", "continent", "pop_est", "pop_year"]],
                        left_on="code", right_on="iso_a2", how="left").drop(columns="iso_a2")
    table["in_natural_earth"] = table["iso_a3"].notna()
    table = table.merge(counts, left_on="code", right_index=True, how="left")
    table[["organisations", *families]] = table[["organisations", *families]].fillna(0).astype("int64")
    table["pop_est"] = table["pop_est"].astype("Int64")
    table["pop_year"] = table["pop_year"].astype("Int64")
    table[f"per_{per}"] = table["organisations"] / table["pop_est"] * per
    return _sourced(table, ["naturalearth-countries"])


def location_quotients(counts: pd.DataFrame, families: list[str]) -> pd.DataFrame:
    """Long table code, family, count, share_in_unit, lq: the family's share of a unit's organisations
    divided by its share of all organisations (lq > 1: over-represented). NA for units with none."""
    totals = counts[families].sum()
    national = totals / totals.sum() if totals.sum() else totals * np.nan
    rows = []
    for _, unit in counts.iterrows():
        for family in families:
            share = unit[family] / unit["organisations"] if unit["organisations"] else np.nan
            lq = share / national[family] if national[family] else np.nan
            rows.append({"code": unit["code"], "family": family, "count": int(unit[family]),
                         "share_in_unit": share, "lq": lq})
    return pd.DataFrame(rows)


def concentration(counts: pd.DataFrame) -> dict[str, object]:
    """Concentration across units (régions): top unit and its share, Herfindahl–Hirschman index of the
    organisations' shares (1/n = even, 1 = all in one) next to the same index for population, and the
    population-weighted Gini of density (0 = organisations proportional to population, → 1 = all in the
    least populated unit)."""
    n = counts["organisations"].to_numpy(dtype="float64")
    pop = counts["population"].to_numpy(dtype="float64")
    total = n.sum()
    if total == 0:
        return {"units": len(counts), "organisations": 0, "top_code": None, "top_name": None, "top_share": np.nan,
                "herfindahl": np.nan, "herfindahl_population": float(((pop / pop.sum()) ** 2).sum()), "gini": np.nan}
    top = int(np.argmax(n))
    density = n / pop
    weights = pop / pop.sum()
    mean = (weights * density).sum()
    gini = (weights[:, None] * weights[None, :] * np.abs(density[:, None] - density[None, :])).sum() / (2 * mean)
    return {"units": len(counts), "organisations": int(total), "top_code": counts["code"].iloc[top],
            "top_name": counts["name"].iloc[top], "top_share": float(n[top] / total),
            "herfindahl": float(((n / total) ** 2).sum()), "herfindahl_population": float((weights ** 2).sum()),
            "gini": float(gini)}


# --- distance to support ---------------------------------------------------------------------------

def _project(lon, lat, crs: str):
    from pyproj import Transformer

    return Transformer.from_crs("EPSG:4326", crs, always_xy=True).transform(lon, lat)


def _unproject(x, y, crs: str):
    from pyproj import Transformer

    return Transformer.from_crs(crs, "EPSG:4326", always_xy=True).transform(x, y)


def departement_centres(commune_points: pd.DataFrame | None = None) -> pd.DataFrame:
    """Centre of each département: code, lon, lat, centre_method, centre_population_share.

    With ``commune_points`` (columns code, longitude, latitude: one point per commune) the centre is the
    population-weighted mean of its communes' points, computed in the département's projected CRS
    (``territory.metropole_crs``/``overseas_crs``); ``centre_population_share`` is the share of the
    population whose commune had a point. Otherwise — or for a département without any commune point —
    it is the centroid of the département's polygon in the same CRS ("polygon centroid").
    """
    departements = reference.departements(overseas=True)
    rows = []
    points = None
    if commune_points is not None:
        points = commune_points[["code", "longitude", "latitude"]].merge(
            commune_table()[["code", "departement", "pmun"]].reset_index(drop=True), on="code", how="inner")
    populations = reference.departement_populations().set_index("code")["population"]
    for code, shape in zip(departements["code"], departements.geometry):
        crs = projected_crs(code)
        subset = points[points["departement"] == code] if points is not None else None
        if subset is not None and len(subset) and subset["pmun"].sum() > 0:
            x, y = _project(subset["longitude"].to_numpy(float), subset["latitude"].to_numpy(float), crs)
            w = subset["pmun"].to_numpy(float)
            lon, lat = _unproject((x * w).sum() / w.sum(), (y * w).sum() / w.sum(), crs)
            rows.append({"code": code, "lon": lon, "lat": lat, "centre_method": "population-weighted centre of communes",
                         "centre_population_share": float(w.sum() / populations[code])})
        else:
            centroid = gpd.GeoSeries([shape], crs="EPSG:4326").to_crs(crs).centroid.to_crs("EPSG:4326").iloc[0]
            rows.append({"code": code, "lon": centroid.x, "lat": centroid.y, "centre_method": "polygon centroid",
                         "centre_population_share": np.nan})
    return pd.DataFrame(rows)


def _haversine_km(lon1, lat1, lon2, lat2):
    lon1, lat1, lon2, lat2 = map(np.radians, (lon1, lat1, lon2, lat2))
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(a))


def support_locations(placement: Placement, commune_points: pd.DataFrame | None = None,
                      centres: pd.DataFrame | None = None) -> pd.DataFrame:
    """Located support organisations (families ``territory.support_families``): id, name, family,
    departement, lon, lat, location_precision — their coordinates, else their commune's point (when
    ``commune_points`` is given), else their département's centre."""
    o = placement.organisations
    support = o[o["status"].eq("placed") & _family_column(o).isin(decision("territory.support_families"))].copy()
    centres = departement_centres(commune_points) if centres is None else centres
    lon, lat = support["location_lon"].copy(), support["location_lat"].copy()
    precision = support["location_precision"].copy()
    if commune_points is not None:
        pts = commune_points.set_index("code")
        use = lon.isna() & support["commune"].isin(pts.index)
        lon[use] = support.loc[use, "commune"].map(pts["longitude"])
        lat[use] = support.loc[use, "commune"].map(pts["latitude"])
        precision[use] = "commune point"
    by_dep = centres.set_index("code")
    use = lon.isna() & support["departement"].notna()
    lon[use] = support.loc[use, "departement"].map(by_dep["lon"])
    lat[use] = support.loc[use, "departement"].map(by_dep["lat"])
    precision[use] = "département centre"
    frame = pd.DataFrame({"id": support["id"], "name": support.get("name"), "family": support.get("family"),
                          "departement": support["departement"], "lon": lon.astype(float), "lat": lat.astype(float),
                          "location_precision": precision})
    return frame.dropna(subset=["lon", "lat"]).reset_index(drop=True)


def distance_to_support(placement: Placement, commune_points: pd.DataFrame | None = None) -> pd.DataFrame:
    """For each département: great-circle distance (km) from its centre (see ``departement_centres``)
    to the nearest located support organisation, which one, how precisely it is located, and
    ``centre_method``. Sorted farthest first. Distances are NA when no support organisation is located."""
    centres = departement_centres(commune_points)
    support = support_locations(placement, commune_points, centres)
    table = centres.copy()
    if support.empty:
        for column in ("distance_km", "nearest_support_id", "nearest_support_name", "nearest_support_precision"):
            table[column] = pd.NA
        return table.sort_values("code", ignore_index=True)
    distances = _haversine_km(table["lon"].to_numpy()[:, None], table["lat"].to_numpy()[:, None],
                              support["lon"].to_numpy()[None, :], support["lat"].to_numpy()[None, :])
    best = distances.argmin(axis=1)
    table["distance_km"] = distances[np.arange(len(table)), best]
    table["nearest_support_id"] = support["id"].to_numpy()[best]
    table["nearest_support_name"] = support["name"].to_numpy()[best]
    table["nearest_support_precision"] = support["location_precision"].to_numpy()[best]
    return table.sort_values(["distance_km", "code"], ascending=[False, True], ignore_index=True)
