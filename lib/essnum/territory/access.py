"""Access to the support offer of digital inclusion: France Services sites, mediation places, conseillers
numériques posts.

- :func:`nearest_distances` — straight-line distance from each commune to the nearest place of its own
  territory (the metropole, Corsica included, or the same overseas département): the nearest place is found
  with one k-d tree per territory on projected coordinates (``territory.metropole_crs`` /
  ``territory.overseas_crs``, conformal: scale within 0.4 % of true), the distance to it is then the
  geodesic on the WGS84 ellipsoid;
- :func:`population_beyond` — inhabitants farther than each threshold (``territory.access_thresholds_km``),
  per département, per région and nationally (metropole, overseas, all);
- :func:`density` — places and posts per ``territory.per_inhabitants`` inhabitants per unit, with ranks;
- :func:`site_change` — sites per unit at two snapshots and the change;
- :func:`posts_in_priority_areas` — share of conseiller numérique posts and funding in ZRR and in QPV.

Every function takes DataFrames (from :mod:`essnum.data` or the caller), never files. Communes have code,
departement, region, longitude, latitude, population; places have id, longitude, latitude and optionally
name, kind, commune, departement, region, posts. Every returned table has in ``attrs["sources"]`` the union,
in order, of its inputs' ``attrs["sources"]`` (when at least one input has them), and no other attrs of
theirs; diagnostics a function adds (rows left out, national totals) are named in its docstring.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd
from pyproj import Geod, Transformer
from scipy.spatial import cKDTree

from essnum.config import decision
from essnum.paths import package_file

from .communes import projected_crs

METROPOLE = "metropole"
OVERSEAS = "overseas"
ALL = "all"

_GEOD = Geod(ellps="WGS84")
_TRUE = {"true", "vrai", "oui", "yes", "y", "o", "1", "1.0"}
_FALSE = {"false", "faux", "non", "no", "n", "0", "0.0"}


# --- shared helpers --------------------------------------------------------------------------------

def _sourced(table: pd.DataFrame, *inputs: pd.DataFrame | None, **notes) -> pd.DataFrame:
    """Replace the table's attrs (pandas may have carried an input's over) by ``notes`` and ``sources``: the
    union (first seen first) of the inputs' ``attrs["sources"]``, when at least one input has them."""
    names: list[str] = []
    present = False
    for frame in inputs:
        if frame is not None and "sources" in frame.attrs:
            present = True
            names += [name for name in frame.attrs["sources"] if name not in names]
    table.attrs = dict(notes)
    if present:
        table.attrs["sources"] = names
    return table


def _codes(values: pd.Series) -> pd.Series:
    """Codes as stripped upper-case strings, empty → NA (no other repair: "1" is not silently "01")."""
    codes = values.astype("string").str.strip().str.upper()
    return codes.mask(codes == "")


def territory_of(departement: pd.Series) -> pd.Series:
    """Territory of each département code: ``"metropole"`` (Corsica included) or, overseas (97x, 98x), the
    département's own code; NA where the code is missing."""
    codes = _codes(departement)
    overseas = codes.str.match(r"9[78]").fillna(False).astype(bool)
    return codes.where(overseas, METROPOLE).where(codes.notna()).astype("string")


def _territory_crs(territory: str) -> str:
    if territory != METROPOLE and territory not in decision("territory.overseas_crs"):
        raise ValueError(f"no projected CRS for territory {territory!r}: add it to territory.overseas_crs in "
                         f"{package_file('decisions.toml')}")
    return projected_crs(territory)  # "metropole" is no overseas key: Lambert-93 (territory.metropole_crs)


@lru_cache(maxsize=16)
def _transformer(crs: str) -> Transformer:
    return Transformer.from_crs("EPSG:4326", crs, always_xy=True)


def _lonlat(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Longitude and latitude as floats; NaN where missing, not a number or out of range."""
    lon = pd.to_numeric(frame["longitude"], errors="coerce").astype("float64").to_numpy(na_value=np.nan)
    lat = pd.to_numeric(frame["latitude"], errors="coerce").astype("float64").to_numpy(na_value=np.nan)
    bad = ~((np.abs(lon) <= 180) & (np.abs(lat) <= 90))
    return np.where(bad, np.nan, lon), np.where(bad, np.nan, lat)


def _unit_sphere(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    lon, lat = np.radians(lon), np.radians(lat)
    return np.column_stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)])


def _place_territories(places: pd.DataFrame, communes: pd.DataFrame) -> pd.Series:
    """Territory of each place: from its ``departement``, else its ``commune``'s département, else (with
    coordinates only) the territory of the nearest commune point (chord distance on the unit sphere)."""
    territory = pd.Series(pd.NA, index=places.index, dtype="string")
    if "departement" in places.columns:
        territory = territory_of(places["departement"])
    if "commune" in places.columns and territory.isna().any():
        by_code = pd.Series(territory_of(communes["departement"]).to_numpy(), index=_codes(communes["code"]).to_numpy())
        by_code = by_code[~by_code.index.duplicated()]
        territory = territory.fillna(_codes(places["commune"]).map(by_code).astype("string"))
    lon, lat = _lonlat(places)
    guess = territory.isna().to_numpy() & np.isfinite(lon) & np.isfinite(lat)
    if guess.any():
        c_lon, c_lat = _lonlat(communes)
        c_territory = territory_of(communes["departement"])
        usable = np.isfinite(c_lon) & np.isfinite(c_lat) & c_territory.notna().to_numpy()
        if usable.any():
            _, nearest = cKDTree(_unit_sphere(c_lon[usable], c_lat[usable])).query(_unit_sphere(lon[guess], lat[guess]))
            territory[guess] = c_territory[usable].to_numpy()[nearest]
    return territory


def _unit_codes(frame: pd.DataFrame, level: str, communes: pd.DataFrame | None, what: str) -> pd.Series:
    """The ``level`` code (e.g. departement, region) of each row: its own ``level`` column, else through its
    ``commune`` or, for coarser levels, its ``departement`` in ``communes`` (code, departement, ``level``)."""
    codes = _codes(frame[level]) if level in frame.columns else pd.Series(pd.NA, index=frame.index, dtype="string")
    keys = [key for key in ("commune", "departement") if key in frame.columns and key != level]
    usable = communes is not None and level in communes.columns
    if level not in frame.columns and not (usable and keys):
        raise ValueError(f"{what} have no {level!r} column: give them one, or a commune or departement column "
                         f"and a commune table (code, departement, {level}) to map it to a {level}")
    for key in keys:
        if not codes.isna().any() or not usable:
            break
        ref = communes if key == "commune" else communes[communes["departement"].notna()]
        source = _codes(ref["code" if key == "commune" else "departement"])
        mapping = pd.Series(_codes(ref[level]).to_numpy(), index=source.to_numpy())
        mapping = mapping[~mapping.index.duplicated()]
        codes = codes.fillna(_codes(frame[key]).map(mapping).astype("string"))
    return codes


def _unit_table(units: pd.DataFrame, level: str, population: bool = True) -> pd.DataFrame:
    """code (name when given) and population per unit: ``units`` itself, or summed from communes when
    ``units`` has a ``level`` column (a commune table)."""
    if level in units.columns:
        codes = _codes(units[level])
        if not population:
            return pd.DataFrame({"code": pd.array(sorted(codes.dropna().unique()), dtype="string")})
        sums = pd.to_numeric(units["population"]).groupby(codes).sum()
        return pd.DataFrame({"code": sums.index.astype("string"), "population": sums.to_numpy()})
    wanted = ["code", "name", "population"] if population else ["code", "name"]
    table = units[[c for c in wanted if c in units.columns]].copy()
    table["code"] = _codes(table["code"])
    if table["code"].duplicated().any():
        raise ValueError(f"units repeat codes: {sorted(table.loc[table['code'].duplicated(), 'code'].unique())}")
    if population:
        table["population"] = pd.to_numeric(table["population"])
    return table.reset_index(drop=True)


def _flag(values: pd.Series, name: str) -> pd.Series:
    """A ZRR/QPV indicator as nullable booleans (bool, 0/1, oui/non, true/false; empty = unknown)."""
    if pd.api.types.is_bool_dtype(values):
        return values.astype("boolean")
    text = values.astype("string").str.strip().str.lower()
    text = text.mask(text == "")
    unknown = sorted(set(text.dropna()) - _TRUE - _FALSE)
    if unknown:
        raise ValueError(f"column {name!r}: values {unknown} are neither true nor false (oui/non, 1/0, true/false)")
    flags = pd.Series(pd.NA, index=values.index, dtype="boolean")
    return flags.mask(text.isin(_TRUE), True).mask(text.isin(_FALSE), False)


def _ratio(numerator: pd.Series, denominator: pd.Series, scale: float = 1.0) -> pd.Series:
    numerator = numerator.astype("float64")
    denominator = denominator.astype("float64")
    return (numerator / denominator.where(denominator > 0) * scale).astype("Float64")


# --- 1. distance to the nearest place --------------------------------------------------------------

def nearest_distances(communes: pd.DataFrame, places: pd.DataFrame) -> pd.DataFrame:
    """Per commune (the input's rows and columns, same order): ``territory``, ``places_in_territory``,
    ``distance_km`` (straight line: geodesic on the WGS84 ellipsoid) to the nearest place of the same
    territory, chosen in the territory's projected CRS, and its ``nearest_id`` (plus ``nearest_name`` /
    ``nearest_kind`` when places have name / kind).

    A place's territory is its département's, else its commune's, else the nearest commune point's. NA
    (never a distance to another territory) where the territory has no located place or the commune no
    point. ``attrs["places_unlocated"]``: ids of the places left out for want of coordinates."""
    lon, lat = _lonlat(communes)
    territory = territory_of(communes["departement"])
    p_lon, p_lat = _lonlat(places)
    # Territories as integer codes shared by communes and places (-1: unknown); arrays, not Series, so that
    # the inputs' attrs are never compared (pandas compares them on concat, and fails on frames in attrs).
    p_names = _place_territories(places, communes).to_numpy(dtype=object, na_value=None)
    both, names = pd.factorize(np.concatenate([territory.to_numpy(dtype=object, na_value=None), p_names]))
    c_territory, p_territory = both[:len(communes)], both[len(communes):]
    p_ok = np.isfinite(p_lon) & np.isfinite(p_lat) & (p_territory >= 0)
    c_ok = np.isfinite(lon) & np.isfinite(lat) & (c_territory >= 0)

    distance = np.full(len(communes), np.nan)
    nearest = np.full(len(communes), -1, dtype="int64")
    pools = np.bincount(p_territory[p_ok], minlength=len(names))
    for index in np.unique(c_territory[c_ok]):  # one tree per territory (a handful), never one per commune
        if pools[index] == 0:
            continue
        pool = np.flatnonzero(p_ok & (p_territory == index))
        rows = np.flatnonzero(c_ok & (c_territory == index))
        transform = _transformer(_territory_crs(names[index]))
        px, py = transform.transform(p_lon[pool], p_lat[pool])
        cx, cy = transform.transform(lon[rows], lat[rows])
        _, j = cKDTree(np.column_stack([px, py])).query(np.column_stack([cx, cy]), k=1)
        nearest[rows] = pool[j]
    found = nearest >= 0
    if found.any():  # projected lengths are off by the CRS scale (up to 0.4 %): measure on the ellipsoid instead
        _, _, metres = _GEOD.inv(lon[found], lat[found], p_lon[nearest[found]], p_lat[nearest[found]])
        distance[found] = metres / 1000

    table = communes.copy()
    table["territory"] = territory.array  # positional: the input index may repeat
    table["places_in_territory"] = np.where(c_territory >= 0, pools[np.maximum(c_territory, 0)], 0).astype("int64")
    table["distance_km"] = distance
    for column, out in (("id", "nearest_id"), ("name", "nearest_name"), ("kind", "nearest_kind")):
        if column in places.columns:
            picked = np.full(len(table), pd.NA, dtype=object)
            picked[found] = places[column].astype("string").to_numpy(dtype=object)[nearest[found]]
            table[out] = pd.array(picked, dtype="string")
    unlocated = ~(np.isfinite(p_lon) & np.isfinite(p_lat))
    return _sourced(table, communes, places, places_unlocated=places.loc[unlocated, "id"].astype("string").tolist())


# --- 2. population beyond thresholds ---------------------------------------------------------------

def population_beyond(distances: pd.DataFrame, thresholds=None) -> pd.DataFrame:
    """Long table (level, code, threshold_km): communes, population, communes/population_with_distance,
    communes_beyond, population_beyond (distance strictly above the threshold) and share_beyond =
    population_beyond / population_with_distance, per département, per région and nationally (codes
    metropole, overseas, all). Communes without a distance (no place in their territory, no point) are
    counted in population but left out of the share. Thresholds: ``territory.access_thresholds_km``."""
    thresholds = list(decision("territory.access_thresholds_km") if thresholds is None else thresholds)
    population = pd.to_numeric(distances["population"]).fillna(0)
    integral = pd.api.types.is_integer_dtype(population)
    population = population.to_numpy(dtype="int64" if integral else "float64")
    km = pd.to_numeric(distances["distance_km"]).astype("float64").to_numpy(na_value=np.nan)
    measured = np.isfinite(km)
    territory = distances["territory"] if "territory" in distances.columns else territory_of(distances["departement"])
    scope = pd.Series(np.where(territory.fillna("") == METROPOLE, METROPOLE, OVERSEAS), index=distances.index)
    scope = scope.where(territory.notna().to_numpy())

    values = pd.DataFrame({"communes": 1, "population": population,
                           "communes_with_distance": measured.astype("int64"),
                           "population_with_distance": np.where(measured, population, 0)}, index=distances.index)
    for t in thresholds:
        beyond = measured & (km > t)
        values[f"communes_beyond|{t}"] = beyond.astype("int64")
        values[f"population_beyond|{t}"] = np.where(beyond, population, 0)
    if integral:
        values = values.astype("int64")

    keys = [("departement", _codes(distances["departement"])), ("region", _codes(distances["region"])),
            ("national", scope), ("national", pd.Series(ALL, index=distances.index))]
    base = ["communes", "population", "communes_with_distance", "population_with_distance"]
    parts = []
    for level, key in keys:
        sums = values.groupby(key.to_numpy(), dropna=True).sum()
        for t in thresholds:
            part = sums[base].copy()
            part["communes_beyond"] = sums[f"communes_beyond|{t}"]
            part["population_beyond"] = sums[f"population_beyond|{t}"]
            part.insert(0, "threshold_km", t)
            part.insert(0, "code", sums.index.astype(str))
            part.insert(0, "level", level)
            parts.append(part.reset_index(drop=True))
    table = pd.concat(parts, ignore_index=True)
    table["share_beyond"] = _ratio(table["population_beyond"], table["population_with_distance"])
    table = _ordered(table, ["threshold_km"])
    return _sourced(table, distances)


def _ordered(table: pd.DataFrame, then: list[str]) -> pd.DataFrame:
    """Rows by level (departement, region, national), code (national: metropole, overseas, all), then ``then``."""
    level = table["level"].map({"departement": 0, "region": 1, "national": 2})
    national = table["code"].map({METROPOLE: "0", OVERSEAS: "1", ALL: "2"})
    code = national.where(table["level"] == "national", table["code"])
    keys = pd.DataFrame({"_level": level, "_code": code.astype(str)})
    return (pd.concat([table, keys], axis=1).sort_values(["_level", "_code", *then], kind="stable")
            .drop(columns=["_level", "_code"]).reset_index(drop=True))


# --- 3. density per unit ---------------------------------------------------------------------------

def density(units: pd.DataFrame, places: pd.DataFrame, level: str = "departement", per: int | None = None,
            communes: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per unit of ``level`` (departement, region…): code (and name), population, places, per_<per> and
    rank (1 = densest; ties share the best rank), and, when places have ``posts``, posts, posts_per_<per>,
    posts_rank. ``units`` is one row per unit (code, population[, name]) or a commune table holding a
    ``level`` column, whose populations are summed. Places are matched by their ``level`` column, else by
    their commune or département in ``communes`` (default: ``units`` when it is a commune table).
    ``per`` defaults to ``territory.per_inhabitants``; ``attrs["places_outside_units"]`` counts the places
    matching no unit."""
    per = decision("territory.per_inhabitants") if per is None else per
    if communes is None and level in units.columns:
        communes = units
    table = _unit_table(units, level)
    codes = _unit_codes(places, level, communes, "places")
    table["places"] = table["code"].map(codes.value_counts()).fillna(0).astype("int64")
    table[f"per_{per}"] = _ratio(table["places"], table["population"], per)
    table["rank"] = table[f"per_{per}"].rank(ascending=False, method="min").astype("Int64")
    if "posts" in places.columns:
        posts = pd.to_numeric(places["posts"]).groupby(codes).sum()
        table["posts"] = table["code"].map(posts).fillna(0)
        if pd.api.types.is_integer_dtype(posts) or (table["posts"] % 1 == 0).all():
            table["posts"] = table["posts"].astype("int64")
        table[f"posts_per_{per}"] = _ratio(table["posts"], table["population"], per)
        table["posts_rank"] = table[f"posts_per_{per}"].rank(ascending=False, method="min").astype("Int64")
    outside = int((~codes.isin(set(table["code"]))).sum())
    return _sourced(table, units, places, communes, places_outside_units=outside)


# --- 4. change of sites between two snapshots ------------------------------------------------------

def _site_counts(sites: pd.DataFrame, level: str, communes: pd.DataFrame | None,
                 what: str) -> tuple[pd.Series, int, int]:
    """(sites per unit code, all sites, sites without a unit code)."""
    codes = _unit_codes(sites, level, communes, what)
    if "id" in sites.columns:  # a site listed twice in a snapshot counts once
        ids = sites["id"].astype("string")
        codes = codes[ids.isna() | ~ids.duplicated()]
    return codes.value_counts(), len(codes), int(codes.isna().sum())


def site_change(before: pd.DataFrame, after: pd.DataFrame, level: str = "departement",
                units: pd.DataFrame | None = None, communes: pd.DataFrame | None = None) -> pd.DataFrame:
    """Sites per unit of ``level`` at two snapshots, matched by unit code: code (and name), sites_before,
    sites_after, change, change_pct (NA where there was none before). Rows: every code of either snapshot,
    plus every unit of ``units`` (unit table or commune table) with zero. A site id repeated within a
    snapshot counts once. ``attrs["national"]``: the same four figures for all sites, those without a unit
    code included (counted in ``attrs["sites_without_unit"]``)."""
    if communes is None and units is not None and level in units.columns:
        communes = units
    by_before, before_total, before_unplaced = _site_counts(before, level, communes, "before sites")
    by_after, after_total, after_unplaced = _site_counts(after, level, communes, "after sites")
    counts = pd.DataFrame({"sites_before": by_before, "sites_after": by_after})
    table = counts.rename_axis("code").reset_index()
    table["code"] = table["code"].astype("string")
    if units is not None:
        unit_table = _unit_table(units, level, population=False)
        table = unit_table.merge(table, on="code", how="outer")
    table[["sites_before", "sites_after"]] = table[["sites_before", "sites_after"]].fillna(0).astype("int64")
    table["change"] = table["sites_after"] - table["sites_before"]
    table["change_pct"] = _ratio(table["change"], table["sites_before"], 100)
    table = table.sort_values("code", ignore_index=True)
    change = after_total - before_total
    national = {"sites_before": before_total, "sites_after": after_total, "change": change,
                "change_pct": change / before_total * 100 if before_total else None}
    return _sourced(table, before, after, units, communes, national=national,
                    sites_without_unit={"before": before_unplaced, "after": after_unplaced})


# --- 5. conseillers numériques posts in priority areas ----------------------------------------------

def posts_in_priority_areas(hosts: pd.DataFrame, communes: pd.DataFrame | None = None) -> pd.DataFrame:
    """Long table (level national/region, code, area zrr/qpv): hosts, posts and funding_eur (from
    ``state_funding_eur``), the same *_in_area and *_unknown (area flag missing), share_posts and
    share_funding (in area / known). National codes: metropole, overseas, all. Régions come from the
    hosts' ``region`` column, else from their commune or département in ``communes``;
    ``attrs["hosts_without_region"]`` counts hosts left out of the régions."""
    posts = pd.to_numeric(hosts["posts"]).fillna(0)
    funding = pd.to_numeric(hosts["state_funding_eur"]).astype("float64").fillna(0)
    region = _unit_codes(hosts, "region", communes, "hosts")
    territory = territory_of(hosts["departement"])
    scope = pd.Series(np.where(territory.fillna("") == METROPOLE, METROPOLE, OVERSEAS), index=hosts.index)
    scope = scope.where(territory.notna())
    keys = [("national", scope), ("national", pd.Series(ALL, index=hosts.index)), ("region", region)]
    parts = []
    for area in ("zrr", "qpv"):
        flag = _flag(hosts[area], area)
        inside = flag.fillna(False).to_numpy(dtype=bool)
        unknown = flag.isna().to_numpy()
        values = pd.DataFrame({"hosts": 1, "hosts_in_area": inside.astype("int64"),
                               "hosts_unknown": unknown.astype("int64"),
                               "posts": posts.to_numpy(), "posts_in_area": np.where(inside, posts, 0),
                               "posts_unknown": np.where(unknown, posts, 0), "funding_eur": funding.to_numpy(),
                               "funding_in_area_eur": np.where(inside, funding, 0),
                               "funding_unknown_eur": np.where(unknown, funding, 0)}, index=hosts.index)
        for level, key in keys:
            sums = values.groupby(key.to_numpy(), dropna=True).sum()
            sums.insert(0, "area", area)
            sums.insert(0, "code", sums.index.astype(str))
            sums.insert(0, "level", level)
            parts.append(sums.reset_index(drop=True))
    table = pd.concat(parts, ignore_index=True)
    table["share_posts"] = _ratio(table["posts_in_area"], table["posts"] - table["posts_unknown"])
    table["share_funding"] = _ratio(table["funding_in_area_eur"], table["funding_eur"] - table["funding_unknown_eur"])
    table = _ordered(table, ["area"])
    return _sourced(table, hosts, communes, hosts_without_region=int(region.isna().sum()))
