"""Territorial analysis of an atlas: placement in communes, départements, régions, NUTS and countries;
densities, location quotients, concentration, distance to the nearest support organisation.

Placement (``place``) takes the organisations table of the atlas import format and locates each row,
in this order of evidence:

1. ``commune`` — an INSEE commune code (COG 2023; Paris/Lyon/Marseille arrondissements roll up to
   their commune 75056/69123/13055);
2. ``city`` — a name matched against the INSEE commune list after ``reference.normalise_name``
   (accents, case, punctuation, leading article, "St"/"Ste"). Homonyms are resolved by the
   département when one is given (an optional ``departement`` column, a "(93)" suffix in the city,
   an overseas country code such as RE, or the coordinates); otherwise the row is *ambiguous*;
3. ``latitude``/``longitude`` — point in the département polygons (France) or NUTS-3 polygons
   (elsewhere); the commune stays unknown (the reference data have no commune boundaries).

Organisations outside France without coordinates are placed at country level. Every row ends with a
``status``: ``placed``, ``country only``, ``no location`` (France, nothing to locate with),
``unmatched`` or ``ambiguous`` (a value that matches nothing, or several things), with a ``reason``.
The harmonisation gate (``Placement.check``) raises ``HarmonisationError`` listing every unmatched or
ambiguous value and the file to fix; nothing is dropped: read = placed + country only + unplaced.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from . import reference
from .config import decision
from .paths import package_file

EARTH_RADIUS_KM = 6371.0088  # mean Earth radius (IUGG), for great-circle distances

#: Pre-2016 région codes (INSEE, loi NOTRe merger of 1 January 2016) → current code. Used only to say
#: what to write instead in the harmonisation listing; never applied silently.
OLD_REGION_CODES = {
    "42": "44", "21": "44", "41": "44",  # Alsace, Champagne-Ardenne, Lorraine → Grand Est
    "72": "75", "54": "75", "74": "75",  # Aquitaine, Poitou-Charentes, Limousin → Nouvelle-Aquitaine
    "83": "84", "82": "84",  # Auvergne, Rhône-Alpes → Auvergne-Rhône-Alpes
    "26": "27", "43": "27",  # Bourgogne, Franche-Comté → Bourgogne-Franche-Comté
    "25": "28", "23": "28",  # Basse- and Haute-Normandie → Normandie
    "91": "76", "73": "76",  # Languedoc-Roussillon, Midi-Pyrénées → Occitanie
    "31": "32", "22": "32",  # Nord-Pas-de-Calais, Picardie → Hauts-de-France
}
#: NUTS country codes that differ from ISO 3166-1 alpha-2.
NUTS_TO_ISO = {"EL": "GR", "UK": "GB"}

PLACEMENT_COLUMNS = ["status", "reason", "method", "country_iso", "commune", "arrondissement", "commune_name",
                     "departement", "region", "nuts3", "nuts2", "nuts1", "location_lon", "location_lat",
                     "location_precision"]


class HarmonisationError(ValueError):
    """Atlas values that match no reference unit (or several): the message lists every one of them."""


# --- reference lookups -----------------------------------------------------------------------------

@lru_cache(maxsize=1)
def commune_table() -> pd.DataFrame:
    """INSEE communes plus Paris, Lyon and Marseille as communes (population = sum of their
    arrondissements), indexed by code; column ``kind`` says which rows are arrondissements."""
    communes = reference.communes()
    communes["kind"] = np.where(communes["arrondissement_of"].notna(), "arrondissement municipal", "commune")
    whole = []
    for code, (city, _) in reference.ARRONDISSEMENT_COMMUNES.items():
        parts = communes[communes["arrondissement_of"] == code]
        whole.append({"code": code, "name": city, "departement": parts["departement"].iloc[0],
                      "region": parts["region"].iloc[0], "pmun": int(parts["pmun"].sum()),
                      "pcap": int(parts["pcap"].sum()), "ptot": int(parts["ptot"].sum()),
                      "older_estimate": False, "arrondissement_of": pd.NA, "kind": "commune (sum of arrondissements)"})
    table = pd.concat([communes, pd.DataFrame(whole)], ignore_index=True)
    table["arrondissement_of"] = table["arrondissement_of"].astype("string")
    table["key"] = table["name"].map(lambda n: reference.normalise_name(n) if isinstance(n, str) else pd.NA)
    return table.set_index("code", drop=False)


@lru_cache(maxsize=1)
def _names_index() -> dict[str, list[str]]:
    """Normalised commune name → commune codes (arrondissements excluded: they are named "Paris 1er …")."""
    table = commune_table()
    table = table[(table["kind"] != "arrondissement municipal") & table["key"].notna()]
    index: dict[str, list[str]] = {}
    for key, code in zip(table["key"], table["code"]):
        index.setdefault(key, []).append(code)
    return index


@lru_cache(maxsize=1)
def _iso_alpha2() -> frozenset[str]:
    from babel.core import get_global

    aliases = get_global("territory_aliases")
    return frozenset(v[0] for k, v in aliases.items() if len(k) == 3 and k.isalpha() and len(v[0]) == 2)


def _projected_crs(departement: str) -> str:
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


def _nearest_within(lon: np.ndarray, lat: np.ndarray, units: gpd.GeoDataFrame, max_km: float):
    """For points outside every unit: index of the nearest unit and its distance (km, approximate)."""
    points = gpd.GeoSeries(gpd.points_from_xy(lon, lat), crs="EPSG:4326").to_crs("EPSG:3857")
    shapes = units.geometry.to_crs("EPSG:3857")
    tree = shapely.STRtree(np.asarray(shapes.values))
    nearest, distance = tree.query_nearest(np.asarray(points.values), return_distance=True, all_matches=False)
    km = np.full(len(lon), np.inf)
    best = np.full(len(lon), -1, dtype="int64")
    km[nearest[0]] = distance * np.cos(np.radians(lat[nearest[0]])) / 1000  # Mercator scale factor
    best[nearest[0]] = nearest[1]
    return np.where(km <= max_km, best, -1), best, km


def _locate(lon: np.ndarray, lat: np.ndarray, units: gpd.GeoDataFrame):
    """(unit index or -1, nearest unit index, km to it) for WGS84 points, snapping near misses."""
    found = points_in_polygons(lon, lat, units.geometry.values)
    nearest = np.full(len(lon), -1, dtype="int64")
    km = np.zeros(len(lon))
    outside = np.nonzero(found < 0)[0]
    if len(outside):
        snapped, near, dist = _nearest_within(lon[outside], lat[outside], units, decision("territory.coordinate_snap_km"))
        found[outside] = snapped
        nearest[outside], km[outside] = near, dist
    return found, nearest, km


# --- placement -------------------------------------------------------------------------------------

@dataclass
class Placement:
    """Every organisation read, with its placement columns (``PLACEMENT_COLUMNS``) and status."""

    organisations: pd.DataFrame
    source_file: str
    problems: list[str] = field(default_factory=list)

    @property
    def france(self) -> pd.DataFrame:
        """Organisations placed in a French département."""
        o = self.organisations
        return o[(o["status"] == "placed") & o["departement"].notna()]

    @property
    def unplaced(self) -> pd.DataFrame:
        """Rows that could not be placed, with their reason (``no location``, ``unmatched``, ``ambiguous``)."""
        o = self.organisations
        return o[~o["status"].isin(["placed", "country only"])]

    @property
    def unmatched(self) -> pd.DataFrame:
        o = self.organisations
        return o[o["status"].isin(["unmatched", "ambiguous"])]

    def counts(self) -> dict[str, int]:
        """Reconciliation: read = placed + country only + no location + unmatched + ambiguous."""
        status = self.organisations["status"].value_counts()
        counts = {"read": len(self.organisations)}
        counts.update({s: int(status.get(s, 0)) for s in ["placed", "country only", "no location", "unmatched", "ambiguous"]})
        counts["placed in France"] = len(self.france)
        return counts

    def check(self) -> None:
        """The harmonisation gate: raise listing every unmatched or ambiguous value and the file to fix."""
        bad = self.unmatched
        if bad.empty:
            return
        lines = [f"{len(bad)} organisation(s) of {self.source_file} match no reference unit, or several; fix these "
                 f"values in {self.source_file} (nothing was placed for them):"]
        for _, row in bad.iterrows():
            lines.append(f"  id {row['id']} ({row.get('name', '')}): {row['status']}: {row['reason']}")
        raise HarmonisationError("\n".join(lines))


def _text(frame: pd.DataFrame, column: str) -> pd.Series:
    if column not in frame.columns:
        return pd.Series(pd.NA, index=frame.index, dtype="string")
    values = frame[column].astype("string").str.strip()
    return values.mask(values == "")


def _coordinates(frame: pd.DataFrame) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Numeric lon, lat and a problem text per row (non-numeric, out of range, only one of the two)."""
    raw_lat, raw_lon = _text(frame, "latitude"), _text(frame, "longitude")
    lat = pd.to_numeric(raw_lat, errors="coerce")
    lon = pd.to_numeric(raw_lon, errors="coerce")
    problem = pd.Series(pd.NA, index=frame.index, dtype="string")
    bad_number = (raw_lat.notna() & lat.isna()) | (raw_lon.notna() & lon.isna())
    half = lat.isna() ^ lon.isna()
    out_of_range = (lat.abs() > 90) | (lon.abs() > 180)
    problem[half & ~bad_number] = "only one of latitude/longitude given"
    problem[out_of_range.fillna(False)] = "latitude/longitude out of range"
    problem[bad_number] = "latitude/longitude not numbers: " + raw_lat.fillna("") + ", " + raw_lon.fillna("")
    invalid = problem.notna()
    return lon.mask(invalid), lat.mask(invalid), problem


def _commune_code_problem(code: str) -> str:
    """Why a commune code is not in the COG 2023 list, with what to write instead."""
    hint = "not an INSEE commune code of the COG 2023"
    if re.fullmatch(r"\d{4}", code):
        hint += f" (4 digits: leading zero lost by a spreadsheet? 0{code} is the code if the commune is in 0{code[0]})"
    elif re.fullmatch(r"20\d{3}", code):
        hint += " (Corsican communes are coded 2A… or 2B…, e.g. 2A004 Ajaccio, 2B033 Bastia, not 20…)"
    elif re.fullmatch(r"(750(0[1-9]|1\d|20)|130(0[1-9]|1[0-6])|6900[1-9])", code):
        hint += " (a postal code: Paris, Marseille and Lyon arrondissements are 751xx, 132xx, 6938x, or 75056, 13055, 69123)"
    elif re.fullmatch(r"97[578]\d\d|98\d{3}", code):
        hint += " (an overseas collectivity not covered by the INSEE legal-population files: place it by country)"
    else:
        hint += " (a merged or renamed commune? use its current code from the COG)"
    return f"commune {code!r}: {hint}"


def _departement_problem(code: str) -> str | None:
    if code in set(reference.cog_departements()["code"]):
        return None
    if code == "20" or reference.normalise_name(code) == "corse":
        return f"departement {code!r}: Corsica is two départements, 2A (Corse-du-Sud) and 2B (Haute-Corse)"
    if re.fullmatch(r"\d", code):
        return f"departement {code!r}: département codes have two characters (0{code})"
    if code in {"97", "975", "977", "978"} or code.startswith("98"):
        return f"departement {code!r}: overseas départements are 971, 972, 973, 974, 976; collectivities are not covered"
    return f"departement {code!r}: not a département code of the COG (codes such as 01, 2A, 971)"


def _region_problem(code: str) -> str | None:
    cog = reference.cog_regions().set_index("code")["name"]
    if code in cog.index:
        return None
    if code in OLD_REGION_CODES:
        new = OLD_REGION_CODES[code]
        return f"region {code!r}: a pre-2016 région code; since 2016 it is {new} ({cog[new]})"
    if code in {"971", "972", "973", "974", "976"}:
        return f"region {code!r}: a département code; the overseas régions are 01, 02, 03, 04, 06"
    return f"region {code!r}: not a région code of the COG (codes such as 11, 84, 94, 01)"


def _country_problem(code: str) -> str:
    hint = {"UK": "use GB (NUTS writes UK)", "EL": "use GR (NUTS writes EL)"}.get(code)
    if hint is None and re.fullmatch(r"[A-Z]{3}", code):
        from babel.core import get_global

        alias = get_global("territory_aliases").get(code)
        hint = f"an ISO alpha-3 code: use {alias[0]}" if alias else "not an ISO 3166-1 alpha-2 code"
    return f"country {code!r}: {hint or 'not an ISO 3166-1 alpha-2 code'}"


def place(organisations: pd.DataFrame, source_file: str | Path = "organisations.csv") -> Placement:
    """Locate every organisation (see the module docstring); ``source_file`` is named in the listing."""
    frame = organisations.copy()
    n = len(frame)
    out = pd.DataFrame({c: pd.Series(pd.NA, index=frame.index, dtype="string") for c in PLACEMENT_COLUMNS})
    out["location_lon"] = np.nan
    out["location_lat"] = np.nan
    communes = commune_table()
    overseas_codes = decision("territory.overseas_country_codes")

    country = _text(frame, "country").str.upper()
    commune, city = _text(frame, "commune").str.upper(), _text(frame, "city")  # "2a004" → "2A004"
    dep_given, reg_given = _text(frame, "departement").str.upper(), _text(frame, "region")
    suffix = city.str.extract(r"\(\s*(\d[\dAB]|\d{3}|2[AB])\s*\)\s*$", expand=False).astype("string")
    city = city.str.replace(r"\s*\(\s*(\d[\dAB]|\d{3}|2[AB])\s*\)\s*$", "", regex=True)
    dep_hint = dep_given.fillna(suffix).fillna(country.map(overseas_codes).astype("string"))
    lon, lat, coord_problem = _coordinates(frame)

    is_france = country.isin(["FR", *overseas_codes]) | (country.isna() & (commune.notna() | city.notna()))
    out["country_iso"] = country.where(~country.isin(list(overseas_codes)), "FR")

    def fail(mask: pd.Series, status: str, reason: pd.Series | str) -> None:
        target = mask & out["status"].isna()
        out.loc[target, "status"] = status
        out.loc[target, "reason"] = reason[target] if isinstance(reason, pd.Series) else reason

    # values that cannot be right whatever else is given
    fail(coord_problem.notna(), "unmatched", coord_problem)
    for column, values, check in (("departement", dep_given, _departement_problem), ("region", reg_given, _region_problem)):
        problems = values.dropna().map(check).dropna()
        fail(pd.Series(frame.index.isin(problems.index), index=frame.index), "unmatched", problems.reindex(frame.index))
    valid_iso = _iso_alpha2()
    bad_country = country.notna() & ~country.isin(list(valid_iso) + list(overseas_codes))
    fail(bad_country, "unmatched", country.where(bad_country).dropna().map(_country_problem).reindex(frame.index))
    fail(country.isna() & ~is_france & lon.notna(), "unmatched", "coordinates without a country: give the ISO code")
    fail(~is_france & commune.notna(), "unmatched",
         "commune code given for an organisation outside France (country " + country.fillna("missing") + ")")

    # 1. commune code
    by_code = is_france & commune.notna() & out["status"].isna()
    known = by_code & commune.isin(communes.index)
    fail(by_code & ~known, "unmatched", commune.where(by_code & ~known).dropna().map(_commune_code_problem).reindex(frame.index))
    out.loc[known, "commune"] = commune[known]
    out.loc[known, "method"] = "commune code"

    # 2. city name
    by_name = is_france & commune.isna() & city.notna() & out["status"].isna()
    index = _names_index()
    dep_of_point = pd.Series(pd.NA, index=frame.index, dtype="string")
    has_point = lon.notna() & lat.notna()
    if (by_name & has_point).any():
        departements = reference.departements(overseas=True)
        rows = np.nonzero((by_name & has_point).to_numpy())[0]
        found, _, _ = _locate(lon.iloc[rows].to_numpy(), lat.iloc[rows].to_numpy(), departements)
        codes = np.where(found >= 0, departements["code"].to_numpy()[np.maximum(found, 0)], None)
        dep_of_point.iloc[rows] = pd.array(codes, dtype="string")
    for i in np.nonzero(by_name.to_numpy())[0]:
        label = frame.index[i]
        name = city.iloc[i]
        candidates = index.get(reference.normalise_name(name), [])
        hint = dep_hint.iloc[i] if pd.notna(dep_hint.iloc[i]) else dep_of_point.iloc[i]
        if pd.notna(hint) and len(candidates) > 1:
            chosen = [c for c in candidates if communes.at[c, "departement"] == hint]
        elif pd.notna(hint) and len(candidates) == 1 and communes.at[candidates[0], "departement"] != hint:
            chosen = []
        else:
            chosen = candidates
        if len(chosen) == 1:
            out.at[label, "commune"] = chosen[0]
            out.at[label, "method"] = "city name"
        elif not candidates:
            out.at[label, "status"] = "unmatched"
            out.at[label, "reason"] = f"city {name!r}: no INSEE commune of that name (normalised {reference.normalise_name(name)!r})"
        else:
            listed = ", ".join(f"{c} ({communes.at[c, 'departement']})" for c in candidates)
            out.at[label, "status"] = "ambiguous" if len(chosen) != 0 or pd.isna(hint) else "unmatched"
            out.at[label, "reason"] = (f"city {name!r}: {len(candidates)} communes of that name: {listed}; "
                                       + (f"none in département {hint}" if pd.notna(hint) else
                                          "give the commune code or the département, e.g. 'Saint-Denis (93)'"))

    # the commune decides département and région; a given département/région must agree with it
    located = out["commune"].notna()
    out.loc[located, "arrondissement"] = out.loc[located, "commune"].where(
        communes["kind"].reindex(out.loc[located, "commune"]).to_numpy() == "arrondissement municipal")
    whole = out["commune"].map(communes["arrondissement_of"]).fillna(out["commune"])
    out.loc[located, "commune"] = whole[located]
    out.loc[located, "commune_name"] = out.loc[located, "commune"].map(communes["name"])
    out.loc[located, "departement"] = out.loc[located, "commune"].map(communes["departement"])
    disagree = located & dep_given.notna() & (dep_given != out["departement"])
    fail(disagree, "unmatched", "departement " + dep_given.fillna("") + " given but commune " + out["commune"].fillna("")
         + " is in département " + out["departement"].fillna(""))

    # 3. coordinates
    by_point = has_point & out["status"].isna() & ~located
    if by_point.any():
        rows = np.nonzero(by_point.to_numpy())[0]
        fr_rows = rows[is_france.iloc[rows].to_numpy()]
        abroad_rows = rows[~is_france.iloc[rows].to_numpy()]
        if len(fr_rows):
            _place_points_france(out, fr_rows, lon.iloc[fr_rows].to_numpy(), lat.iloc[fr_rows].to_numpy())
        if len(abroad_rows):
            _place_points_abroad(out, abroad_rows, lon.iloc[abroad_rows].to_numpy(), lat.iloc[abroad_rows].to_numpy(),
                                 country.iloc[abroad_rows].to_numpy())

    # départements → régions and NUTS; a given région must agree
    cog = reference.cog_departements().set_index("code")
    nuts = reference.departement_nuts().set_index("departement")
    in_france = out["departement"].notna()
    out.loc[in_france, "region"] = out.loc[in_france, "departement"].map(cog["region"])
    for level in ("nuts3", "nuts2", "nuts1"):
        out.loc[in_france, level] = out.loc[in_france, "departement"].map(nuts[level])
    fail(in_france & reg_given.notna() & (reg_given != out["region"]), "unmatched",
         "region " + reg_given.fillna("") + " given but the organisation is in région " + out["region"].fillna(""))

    # status of what is left
    ok = out["status"].isna()
    out.loc[ok & in_france, "status"] = "placed"
    out.loc[ok & ~is_france & out["nuts3"].notna(), "status"] = "placed"
    country_only = ok & ~is_france & out["nuts3"].isna() & country.notna()
    out.loc[country_only, "status"] = "country only"
    out.loc[country_only, "method"] = "country"
    out.loc[country_only & city.notna(), "reason"] = "city not used: only French commune names are in the reference data"
    out.loc[country_only & has_point, "reason"] = "coordinates outside the NUTS 2021 coverage: placed by country"
    fail(ok & ~is_france & country.isna(), "no location", "no country, commune, city or coordinates")
    fail(ok & is_france, "no location", "no commune, city or coordinates")
    placed = out["status"].isin(["placed", "country only"])
    out.loc[~placed, ["commune", "arrondissement", "commune_name", "departement", "region", "nuts3", "nuts2", "nuts1"]] = pd.NA
    out.loc[placed & has_point, "location_lon"] = lon[placed & has_point]
    out.loc[placed & has_point, "location_lat"] = lat[placed & has_point]
    out.loc[placed & has_point, "location_precision"] = "coordinates"
    given = frame.rename(columns={c: f"{c}_given" for c in frame.columns if c in PLACEMENT_COLUMNS})
    result = pd.concat([given, out], axis=1)
    assert len(result) == n
    return Placement(result.reset_index(drop=True), str(source_file))


def _place_points_france(out: pd.DataFrame, rows: np.ndarray, lon: np.ndarray, lat: np.ndarray) -> None:
    departements = reference.departements(overseas=True)
    found, nearest, km = _locate(lon, lat, departements)
    codes = departements["code"].to_numpy()
    labels = out.index[rows]
    for label, f, near, dist, x, y in zip(labels, found, nearest, km, lon, lat):
        if f >= 0:
            out.at[label, "departement"] = codes[f]
            out.at[label, "method"] = "coordinates"
            continue
        swapped = points_in_polygons(np.array([y]), np.array([x]), departements.geometry.values)[0]
        hint = (f"; latitude and longitude swapped? ({x}, {y}) read the other way falls in département {codes[swapped]}"
                if swapped >= 0 else "")
        out.at[label, "status"] = "unmatched"
        out.at[label, "reason"] = (f"coordinates ({y}, {x}) fall outside every French département "
                                   f"(nearest {codes[near]} at {dist:.0f} km){hint}")


def _place_points_abroad(out: pd.DataFrame, rows: np.ndarray, lon: np.ndarray, lat: np.ndarray, country: np.ndarray) -> None:
    nuts3 = reference.nuts(3)
    found, _, _ = _locate(lon, lat, nuts3)
    ids = nuts3["nuts_id"].to_numpy()
    nuts_country = np.array([NUTS_TO_ISO.get(c, c) for c in nuts3["country"]])
    for label, f, c, x, y in zip(out.index[rows], found, country, lon, lat):
        if f < 0:
            continue  # outside NUTS coverage: placed at country level below
        if nuts_country[f] != c:
            out.at[label, "status"] = "unmatched"
            out.at[label, "reason"] = f"coordinates ({y}, {x}) are in {nuts_country[f]} ({ids[f]}) but country is {c}"
            continue
        out.at[label, "nuts3"], out.at[label, "nuts2"], out.at[label, "nuts1"] = ids[f], ids[f][:4], ids[f][:3]
        out.at[label, "method"] = "coordinates"


# --- aggregation -----------------------------------------------------------------------------------

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
        crs = _projected_crs(code)
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


# --- outputs ---------------------------------------------------------------------------------------

def read_commune_points(path: str | Path) -> pd.DataFrame:
    """A commune-points table (CSV with code, longitude, latitude; codes kept as strings)."""
    frame = pd.read_csv(path, dtype={"code": "string"})
    missing = {"code", "longitude", "latitude"} - set(frame.columns)
    if missing:
        raise ValueError(f"{path}: commune points need columns code, longitude, latitude; missing {sorted(missing)}")
    unknown = sorted(set(frame["code"]) - set(commune_table().index))
    if unknown:
        raise HarmonisationError(f"{path}: {len(unknown)} commune code(s) not in the INSEE list: {', '.join(unknown)}")
    return frame


def write_outputs(placement: Placement, out_dir: str | Path, commune_points: pd.DataFrame | None = None,
                  allow_unmatched: bool = False, progress: bool = True, notes: dict | None = None) -> list[Path]:
    """Write the placement and every territorial table of ``placement`` into ``out_dir``.

    Always: ``organisations.csv`` (every row read, with its placement) and ``unplaced.csv`` (rows not
    placed, with status and reason). Then the harmonisation gate runs (``HarmonisationError`` unless
    ``allow_unmatched``), and the tables follow: ``communes.csv``; ``departements.csv`` (with the
    distance to support), ``regions.csv``, ``nuts1/2/3.csv``, ``countries.csv``, each also a layer of
    ``territory.gpkg`` (France in EPSG:4326, Europe in ``territory.europe_crs``);
    ``location_quotients_{departements,regions}.csv``, ``concentration.csv``, ``summary.json`` (counts,
    centre method, attribution lines, plus ``notes``).
    """
    import json

    from tqdm import tqdm

    from .paths import atomic_write
    from .sources import attribution

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []

    def csv(frame: pd.DataFrame, name: str) -> None:
        with atomic_write(out / name, "w") as handle:
            frame.to_csv(handle, index=False, lineterminator="\n")
        written.append(out / name)

    csv(placement.organisations, "organisations.csv")
    csv(placement.unplaced, "unplaced.csv")
    if not allow_unmatched:
        placement.check()

    gpkg = out / "territory.gpkg"
    gpkg.unlink(missing_ok=True)
    europe_crs = decision("territory.europe_crs")
    families = families_of(placement)
    steps = ["communes", "departements", "regions", "nuts", "countries", "summary"]
    tables: dict[str, pd.DataFrame] = {}
    for step in tqdm(steps, desc="territory tables", unit="table", disable=not progress, leave=False):
        if step == "communes":
            csv(commune_counts(placement), "communes.csv")
        elif step == "departements":
            table = departement_counts(placement).merge(
                distance_to_support(placement, commune_points).drop(columns=["lon", "lat"]), on="code", how="left")
            tables["departements"] = table
            csv(table, "departements.csv")
            csv(location_quotients(table, families), "location_quotients_departements.csv")
            _layer(reference.departements(overseas=True)[["code", "geometry"]], table, gpkg, "departements")
        elif step == "regions":
            table = region_counts(placement)
            tables["regions"] = table
            csv(table, "regions.csv")
            csv(location_quotients(table, families), "location_quotients_regions.csv")
            _layer(reference.regions(overseas=True)[["code", "geometry"]], table, gpkg, "regions")
        elif step == "nuts":
            for level in (1, 2, 3):
                table = nuts_counts(placement, level)
                csv(table, f"nuts{level}.csv")
                shapes = reference.nuts(level, crs=europe_crs)[["nuts_id", "geometry"]].rename(columns={"nuts_id": "code"})
                _layer(shapes, table, gpkg, f"nuts{level}")
        elif step == "countries":
            table = country_counts(placement)
            csv(table, "countries.csv")
            shapes = reference.countries().to_crs(europe_crs)
            _layer(shapes[shapes["iso_a2"].notna()][["iso_a2", "geometry"]].rename(columns={"iso_a2": "code"}),
                   table, gpkg, "countries")
        else:
            rows = [{"units": name, **concentration(tables[name])} for name in ("regions", "departements")]
            csv(pd.DataFrame(rows), "concentration.csv")
            summary = {
                "source_file": placement.source_file, "counts": placement.counts(),
                "centre_method": sorted(set(tables["departements"]["centre_method"])),
                "attribution_france": attribution("france-departements-overseas", "insee-communes"),
                "attribution_europe": attribution("nuts-2021-20m-level-3", "naturalearth-countries"),
                "country_population_year": int(reference.countries()["pop_year"].iloc[0]),
                "support_families": decision("territory.support_families"),
                **(notes or {}),
            }
            with atomic_write(out / "summary.json", "w") as handle:
                json.dump(summary, handle, indent=1, ensure_ascii=False, sort_keys=True)
            written.append(out / "summary.json")
    written.append(gpkg)
    return written


def _layer(shapes: gpd.GeoDataFrame, table: pd.DataFrame, gpkg: Path, layer: str) -> None:
    """Write ``table`` joined to its unit geometries as one GeoPackage layer."""
    frame = shapes.merge(table, on="code", how="inner").sort_values("code")
    frame.to_file(gpkg, layer=layer, driver="GPKG")


def build_territory(atlas_directory: str | Path | None, out_dir: str | Path,
                    commune_points: str | Path | None = None, allow_unmatched: bool = False,
                    progress: bool = True) -> tuple[Placement, list[Path]]:
    """``essnum territory``: load an atlas folder (the embedded one by default), place, write outputs."""
    from .atlas import load_atlas

    atlas = load_atlas(atlas_directory)
    source_file = Path(atlas.directory) / "organisations.csv"
    placement = place(atlas.organisations, source_file)
    points = read_commune_points(commune_points) if commune_points else None
    rejected = atlas.rejected.get("organisations")
    notes = {"atlas_rows_rejected_by_validation": 0 if rejected is None else len(rejected),
             "commune_points": str(commune_points) if commune_points else None}
    return placement, write_outputs(placement, out_dir, points, allow_unmatched, progress, notes)
