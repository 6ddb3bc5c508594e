"""The commune frame shared by every placement: which commune in force a code, a point or a postal code
designates, and the geometry helpers behind it.

- :func:`by_code` — an INSEE code in force; an arrondissement municipal or a commune déléguée or associée
  rolls up to its commune; a former code goes to the commune that holds it now (COG changes since 1943);
- :func:`by_point` — the commune whose outline (IGN 2018, dissolved to the communes in force) holds a
  point, or the nearest within ``territory.coordinate_snap_km`` of a simplified coast;
- :func:`by_postal_code` — the commune a postal code serves, when it serves one (or one named ``city``);
- :func:`distance_to_commune_km` — how far a point is from the outline of a given commune;
- :func:`point_against_commune` — the rule both placements apply when a point falls in another commune than
  the one a code or a text names: more than ``territory.evidence_conflict_km`` apart is a conflict.

The ``by_…`` functions return (commune in force or NA, method, problem) per row, vectorised where it matters.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd
import shapely

from essnum.config import decision
from essnum.data import reference


def projected_crs(departement: str) -> str:
    return decision("territory.overseas_crs").get(departement, decision("territory.metropole_crs"))


# --- fast point-in-polygon (used by placement and by the benchmark) ---------------------------------

def points_in_polygons(x: np.ndarray, y: np.ndarray, polygons) -> np.ndarray:
    """Index of the polygon containing each point (x, y), -1 where none does.

    Points are sorted by x once; each (prepared) polygon then tests only the points inside its
    bounding box, with ``shapely.contains_xy`` (no Point objects are built). With non-overlapping
    polygons the first match is the only one.
    """
    x = np.asarray(x, dtype="float64")
    y = np.asarray(y, dtype="float64")
    order = np.argsort(x, kind="stable")
    xs, ys = x[order], y[order]
    found = np.full(len(x), -1, dtype="int64")
    for index, polygon in enumerate(np.asarray(polygons)):
        minx, miny, maxx, maxy = polygon.bounds
        lo, hi = np.searchsorted(xs, minx, "left"), np.searchsorted(xs, maxx, "right")
        if lo == hi:
            continue
        window = np.nonzero((ys[lo:hi] >= miny) & (ys[lo:hi] <= maxy))[0] + lo
        if len(window) == 0:
            continue
        shapely.prepare(polygon)
        inside = window[shapely.contains_xy(polygon, xs[window], ys[window])]
        found[order[inside]] = index
    return found


@lru_cache(maxsize=1)
def code_index() -> pd.DataFrame:
    """Every code a place may carry → the commune in force: code, current, how."""
    cog = reference.cog_communes()
    communes = cog[cog["kind"] == "COM"]
    rows = [pd.DataFrame({"code": communes["code"], "current": communes["code"], "how": "commune code"})]
    parts = cog[cog["kind"] != "COM"].dropna(subset=["parent"])
    parts = parts[~parts["code"].isin(communes["code"])]
    kind_words = {"ARM": "arrondissement municipal", "COMD": "commune déléguée", "COMA": "commune associée"}
    rows.append(pd.DataFrame({"code": parts["code"], "current": parts["parent"],
                              "how": "commune code (" + parts["kind"].map(kind_words) + " of its commune)"}))
    changes = reference.commune_changes()
    moved = changes.dropna(subset=["current"])
    single = moved[moved["code"].map(moved["code"].value_counts()) == 1]
    single = single[~single["code"].isin(communes["code"]) & ~single["code"].isin(parts["code"])]
    rows.append(pd.DataFrame({"code": single["code"], "current": single["current"],
                              "how": "former commune code (COG changes, " + single["date"].fillna("") + ")"}))
    return pd.concat(rows, ignore_index=True).drop_duplicates("code").set_index("code")


@lru_cache(maxsize=1)
def split_codes() -> frozenset[str]:
    """Former codes whose territory is now in several communes (a code alone cannot say which)."""
    changes = reference.commune_changes()
    return frozenset(changes.loc[changes["split"], "code"])


@lru_cache(maxsize=1)
def postal_index() -> pd.DataFrame:
    """Postal code → communes in force (arrondissements and former codes rolled up)."""
    pairs = reference.postal_codes()
    index = code_index()
    pairs = pairs.assign(current=pairs["commune"].map(index["current"])).dropna(subset=["current"])
    return pairs.drop_duplicates(["postal_code", "current"])[["postal_code", "current"]]


@lru_cache(maxsize=1)
def communes_in_force() -> pd.DataFrame:
    """Communes in force, indexed by code: name, departement, region."""
    cog = reference.cog_communes()
    return cog[cog["kind"] == "COM"].set_index("code")[["name", "departement", "region"]]


# --- evidence ----------------------------------------------------------------------------------------

def clean_codes(values: pd.Series) -> pd.Series:
    text = values.astype("string").str.strip().str.upper()
    return text.where(text.notna() & (text != ""))


def by_code(codes: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """(commune in force or NA, method, problem) for each code given."""
    index = code_index()
    restored = codes.where(~codes.fillna("").str.fullmatch(r"\d{4}"), "0" + codes)
    current = restored.map(index["current"])
    how = restored.map(index["how"])
    how = how.where(codes == restored, how + ", leading zero restored")
    problem = pd.Series(pd.NA, index=codes.index, dtype="string")
    given = codes.notna() & current.isna()
    split = given & restored.isin(split_codes())
    problem[split] = "commune code " + codes[split] + " is a former commune now divided between several communes"
    problem[given & ~split] = "commune code " + codes[given & ~split] + " is not an INSEE commune code (COG 2026 or earlier)"
    return current.astype("string"), how.astype("string"), problem


def by_point(lon: pd.Series, lat: pd.Series, shapes) -> tuple[pd.Series, pd.Series, pd.Series]:
    """(commune holding the point or NA, method, problem) for rows with coordinates."""
    current = pd.Series(pd.NA, index=lon.index, dtype="string")
    how = pd.Series(pd.NA, index=lon.index, dtype="string")
    problem = pd.Series(pd.NA, index=lon.index, dtype="string")
    has = lon.notna() & lat.notna()
    if not has.any():
        return current, how, problem
    x, y = lon[has].to_numpy(float), lat[has].to_numpy(float)
    found = points_in_polygons(x, y, shapes.geometry.values)
    codes = np.asarray(shapes["code"], dtype=object)
    result = np.where(found >= 0, codes[np.maximum(found, 0)], None)
    method = np.where(found >= 0, "coordinates", None).astype(object)
    outside = np.nonzero(found < 0)[0]
    if len(outside):
        tree = shapely.STRtree(np.asarray(shapes.geometry.to_crs("EPSG:3857").values))
        import geopandas as gpd

        points = gpd.GeoSeries(gpd.points_from_xy(x[outside], y[outside]), crs="EPSG:4326").to_crs("EPSG:3857")
        (which, nearest), distance = tree.query_nearest(np.asarray(points.values), return_distance=True)
        km = np.full(len(outside), np.inf)
        best = np.full(len(outside), -1)
        km[which] = distance * np.cos(np.radians(y[outside][which])) / 1000  # Mercator scale factor
        best[which] = nearest
        near = km <= decision("territory.coordinate_snap_km")
        result[outside[near]] = codes[best[near]]
        method[outside[near]] = [f"coordinates (nearest commune, {k:.1f} km off the simplified outline)" for k in km[near]]
        far = outside[~near]
        rows = lon[has].index[far]
        problem[rows] = [f"coordinates ({a:.5f}, {b:.5f}) are in no French commune" for a, b in zip(x[far], y[far])]
    current[has] = pd.array(result, dtype="string")
    how[has] = pd.array(method, dtype="string")
    return current, how, problem


def by_postal_code(postal: pd.Series, city: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """(commune or NA, method, problem): a postal code serving one commune, or one whose name is ``city``."""
    current = pd.Series(pd.NA, index=postal.index, dtype="string")
    how = pd.Series(pd.NA, index=postal.index, dtype="string")
    problem = pd.Series(pd.NA, index=postal.index, dtype="string")
    if postal.isna().all():
        return current, how, problem
    groups = postal_index().groupby("postal_code")
    keys = city.map(lambda c: reference.normalise_name(c) if isinstance(c, str) and c.strip() else None)
    names = communes_in_force()["name"]
    for row in postal.dropna().index:
        code = postal[row]
        if code not in groups.groups:
            problem[row] = f"postal code {code} is in no La Poste list of communes (a CEDEX or company code?)"
            if code in names.index:
                problem[row] += f"; it is the INSEE code of {names[code]}: a commune code in the postal code field?"
            continue
        candidates = groups.get_group(code)
        if len(candidates) == 1:
            current[row], how[row] = candidates["current"].iloc[0], "postal code"
            continue
        key = keys[row]
        named = candidates["current"].map(names).map(reference.normalise_name)
        match = candidates[named == key] if isinstance(key, str) and key else candidates.iloc[0:0]
        if len(match) == 1:
            current[row], how[row] = match["current"].iloc[0], "postal code and city name"
        else:
            problem[row] = f"postal code {code} serves {len(candidates)} communes and the city does not say which"
    return current, how, problem


def distance_to_commune_km(lon: pd.Series, lat: pd.Series, communes: pd.Series, shapes) -> pd.Series:
    """Straight-line distance (km) from each point to the outline of the commune named for it (the nearest
    of its outlines when a merger gave it several), in the projected CRS of the commune's territory."""
    import geopandas as gpd

    pairs = pd.DataFrame({"row": communes.index, "code": communes.to_numpy()}).merge(
        pd.DataFrame({"code": shapes["code"].to_numpy(), "shape": range(len(shapes))}), on="code")
    pairs["crs"] = pairs["code"].map(communes_in_force()["departement"]).map(projected_crs)
    out = pd.Series(np.nan, index=lon.index)
    for crs, group in pairs.groupby("crs"):
        points = gpd.GeoSeries(gpd.points_from_xy(lon[group["row"]], lat[group["row"]]), crs="EPSG:4326").to_crs(crs)
        outlines = gpd.GeoSeries(shapes.geometry.iloc[group["shape"].to_numpy()].values, crs=shapes.crs).to_crs(crs)
        km = pd.Series(points.distance(outlines, align=False).to_numpy() / 1000, index=group["row"].to_numpy())
        best = km.groupby(level=0).min()
        out[best.index] = best.to_numpy()
    return out


def point_against_commune(lon: pd.Series, lat: pd.Series, named: pd.Series, shapes, kept: str) -> pd.DataFrame:
    """A point that falls in another commune than the one its code (or a text) names, judged: ``km`` from
    each point to the outline of the commune ``named`` for it (:func:`distance_to_commune_km`), ``conflict``
    when that is more than ``territory.evidence_conflict_km`` (reported, never guessed; else the named
    commune wins) and ``verdict``, the words closing the reason (``kept``: what is kept, "the code").
    Indexed like ``lon``."""
    limit = decision("territory.evidence_conflict_km")
    km = distance_to_commune_km(lon, lat, named, shapes)
    conflict = km > limit
    verdict = np.where(conflict, f" (more than {limit} km: which is right?)", f" (within {limit} km: {kept} is kept)")
    return pd.DataFrame({"km": km, "conflict": conflict, "verdict": verdict}, index=km.index)
