"""Placement of organisations in communes, départements, régions, NUTS units and countries.

``place`` takes the organisations table of the atlas import format and locates each French row with ALL
the evidence it carries, saying in ``method`` which piece decided:

1. ``commune`` — an INSEE commune code: in force (COG 2026), an arrondissement municipal (kept in
   ``arrondissement``, rolled up to 75056/69123/13055), a commune déléguée, a former code (through the
   COG's changes since 1943: "20004" is Ajaccio, 2A004), or a code that lost its leading zero;
2. ``city`` — a text: a postal code in it ("75002 Paris", "13013"), an arrondissement ("Paris 2e",
   "Marseille 13", "Lyon 3"), else a commune name matched after ``reference.normalise_name`` (accents, case,
   punctuation, leading article, "St"/"Ste"); homonyms are resolved by the département (a ``departement``
   column, a "(93)" suffix, an overseas country code such as RE) or by the département of the coordinates;
3. ``postal_code`` — when the export has such a column;
4. ``latitude``/``longitude`` — the commune whose outline holds the point (IGN 2018 outlines of the
   communes in force; near misses off a simplified coast snap within ``territory.coordinate_snap_km``).

The first text evidence that resolves gives the commune, checked against the others and the coordinates:
two texts naming different communes, or a point farther than ``territory.evidence_conflict_km`` from the
commune the text names (or outside France), make a *conflict* — nothing placed, both reasons given. A
text that resolves to nothing (a locality such as "La Plaine Saint-Denis", a region name, a name absent
from the département of the point) falls back to the coordinates, its problem kept in ``reason``.
Organisations outside France are placed by their coordinates in NUTS-3 regions, else at country level.

Every row ends with a ``status``: ``placed``, ``country only``, ``no location`` (nothing to locate with),
``unmatched``, ``ambiguous`` or ``conflict``, with a ``reason``. ``Placement.check`` (the harmonisation
gate, used with ``--strict``) raises ``HarmonisationError`` listing every unmatched, ambiguous or
conflicting row and the file to fix; nothing is dropped: read = placed + country only + the rest.
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

from essnum.config import decision
from essnum.data import reference

from . import communes as communes_module
from .communes import points_in_polygons

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
        return o[o["status"].isin(["unmatched", "ambiguous", "conflict"])]

    def counts(self) -> dict[str, int]:
        """Reconciliation: read = placed + country only + no location + unmatched + ambiguous + conflict."""
        status = self.organisations["status"].value_counts()
        counts = {"read": len(self.organisations)}
        counts.update({s: int(status.get(s, 0)) for s in STATUSES})
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

    # France: every piece of evidence, then one decision per row (see _decide)
    france = is_france & out["status"].isna()
    pointed = france & has_point_of(lon, lat)
    point = (communes_module.by_point(lon.where(pointed), lat, _shapes()) if pointed.any() else
             tuple(pd.Series(pd.NA, index=frame.index, dtype="string") for _ in range(3)))  # outlines read only if needed
    evidence = {
        "code": _code_evidence(commune.where(france)),
        "city": _city_evidence(city.where(france), dep_hint, point[0]),
        "postal code": communes_module.by_postal_code(_text(frame, "postal_code").where(france), city),
        "coordinates": point,
    }
    if point[2].notna().any():
        swapped = communes_module.by_point(lat.where(point[2].notna()), lon, _shapes())[0]
        point[2][swapped.notna()] += (" (latitude and longitude swapped? read the other way the point falls in "
                                      + swapped[swapped.notna()] + ")")
    _decide(out, france, evidence, lon, lat, has_point_of(lon, lat))
    located = out["commune"].notna()
    out.loc[located, "arrondissement"] = out.loc[located, "arrondissement"].fillna(
        out.loc[located, "commune"].where(
            communes["kind"].reindex(out.loc[located, "commune"]).to_numpy() == "arrondissement municipal"))
    whole = out["commune"].map(communes["arrondissement_of"]).fillna(out["commune"])
    out.loc[located, "commune"] = whole[located]
    out.loc[located, "commune_name"] = out.loc[located, "commune"].map(communes["name"])
    out.loc[located, "departement"] = out.loc[located, "commune"].map(communes["departement"])
    disagree = located & dep_given.notna() & (dep_given != out["departement"])
    fail(disagree, "unmatched", "departement " + dep_given.fillna("") + " given but commune " + out["commune"].fillna("")
         + " is in département " + out["departement"].fillna(""))
    has_point = has_point_of(lon, lat)

    # abroad: coordinates in NUTS-3 regions
    by_point = has_point & out["status"].isna() & ~located & ~is_france
    if by_point.any():
        rows = np.nonzero(by_point.to_numpy())[0]
        _place_points_abroad(out, rows, lon.iloc[rows].to_numpy(), lat.iloc[rows].to_numpy(),
                             country.iloc[rows].to_numpy())

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
    fail(ok & is_france, "no location", "no commune, city, postal code or coordinates")
    placed = out["status"].isin(["placed", "country only"])
    out.loc[~placed, ["commune", "arrondissement", "commune_name", "departement", "region", "nuts3", "nuts2", "nuts1"]] = pd.NA
    out.loc[placed & has_point, "location_lon"] = lon[placed & has_point]
    out.loc[placed & has_point, "location_lat"] = lat[placed & has_point]
    out.loc[placed & has_point, "location_precision"] = "coordinates"
    given = frame.rename(columns={c: f"{c}_given" for c in frame.columns if c in PLACEMENT_COLUMNS})
    result = pd.concat([given, out], axis=1)
    assert len(result) == n
    return Placement(result.reset_index(drop=True), str(source_file))


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


# --- the evidence of French rows -------------------------------------------------------------------

STATUSES = ("placed", "country only", "no location", "unmatched", "ambiguous", "conflict")
#: "Paris 2e", "Marseille 13", "Lyon 3ème" (after normalise_name): the commune and its arrondissements.
_ARRONDISSEMENT_TEXT = re.compile(r"^(paris|marseille|lyon)\s+(\d{1,2})\s*(e|er|eme|ieme)?(\s+arrondissement)?$")
_ARRONDISSEMENTS = {"paris": ("75056", "751", 20), "marseille": ("13055", "132", 16), "lyon": ("69123", "6938", 9)}
_POSTAL_IN_TEXT = re.compile(r"^\s*(\d{5})\s*(.*)$|^(.*?)\s*(\d{5})\s*$")


def has_point_of(lon: pd.Series, lat: pd.Series) -> pd.Series:
    return lon.notna() & lat.notna()


@lru_cache(maxsize=1)
def _shapes():
    return reference.commune_shapes()


def _code_evidence(codes: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """A commune code: in force, an arrondissement or commune déléguée, a former code (COG changes), a lost
    leading zero; else the precise hint of :func:`_commune_code_problem`."""
    current, how, problem = communes_module.by_code(codes)
    failed = problem.notna()
    problem[failed] = codes[failed].map(_commune_code_problem)
    table = commune_table()
    arrondissement = codes.isin(table.index[table["kind"] == "arrondissement municipal"])
    current[arrondissement] = codes[arrondissement]  # rolled up to its commune later, the arrondissement kept
    return current, how, problem


def _city_evidence(city: pd.Series, dep_hint: pd.Series, point_commune: pd.Series):
    """A city text: a postal code in it ("75002 Paris", "13013"), an arrondissement ("Marseille 13",
    "Paris 2e"), else a commune name (homonyms resolved by the département hint or by the commune the
    coordinates fall in)."""
    communes = commune_table()
    index = _names_index()
    current = pd.Series(pd.NA, index=city.index, dtype="string")
    how = pd.Series(pd.NA, index=city.index, dtype="string")
    problem = pd.Series(pd.NA, index=city.index, dtype="string")
    ambiguous = pd.Series(False, index=city.index)
    for label in city.dropna().index:
        text = city[label]
        key = reference.normalise_name(text)
        postal = _POSTAL_IN_TEXT.match(text)
        arrondissement = _ARRONDISSEMENT_TEXT.match(key)
        if postal:
            code, rest = (postal.group(1), postal.group(2)) if postal.group(1) else (postal.group(4), postal.group(3))
            found, method, why = communes_module.by_postal_code(pd.Series([code]), pd.Series([rest or pd.NA]))
            if pd.notna(found[0]):
                current[label] = found[0]
                how[label] = "postal code in the city text" + (" and its name" if method[0] != "postal code" else "")
            else:
                problem[label] = f"city {text!r}: {why[0]}"
            continue
        if arrondissement:
            _, prefix, count = _ARRONDISSEMENTS[arrondissement.group(1)]
            number = int(arrondissement.group(2))
            if 1 <= number <= count:
                code = prefix + (str(number) if len(prefix) == 4 else f"{number:02d}")
                current[label], how[label] = code, "arrondissement in the city text"
            else:
                problem[label] = f"city {text!r}: {arrondissement.group(1).title()} has arrondissements 1 to {count}"
            continue
        candidates = index.get(key, [])
        hint = dep_hint.get(label)
        if pd.isna(hint) and pd.notna(point_commune.get(label)):
            hint = communes.at[point_commune[label], "departement"]  # the département the coordinates fall in
        if len(candidates) > 1 and pd.notna(hint):
            chosen = [c for c in candidates if communes.at[c, "departement"] == hint]
        elif len(candidates) == 1 and pd.notna(hint) and communes.at[candidates[0], "departement"] != hint:
            chosen = []
        else:
            chosen = candidates
        if pd.notna(point_commune.get(label)) and point_commune[label] in chosen:
            current[label], how[label] = point_commune[label], "city name" + (
                " (homonym chosen by the coordinates)" if len(candidates) > 1 else "")
        elif len(chosen) == 1:
            current[label], how[label] = chosen[0], "city name"
        elif not candidates:
            problem[label] = (f"city {text!r}: no INSEE commune of that name (normalised {key!r})")
        else:
            listed = ", ".join(f"{c} ({communes.at[c, 'departement']})" for c in candidates)
            ambiguous[label] = bool(chosen) or pd.isna(hint)
            problem[label] = (f"city {text!r}: {len(candidates)} communes of that name: {listed}; "
                              + (f"none in département {hint}" if pd.notna(hint) else
                                 "give the commune code or the département, e.g. 'Saint-Denis (93)'"))
    return current, how, problem, ambiguous


def _whole(commune: str, table: pd.DataFrame) -> str:
    """An arrondissement municipal's commune (75111 → 75056), any other commune itself."""
    parent = table["arrondissement_of"].get(commune)
    return parent if isinstance(parent, str) else commune


def _decide(out: pd.DataFrame, france: pd.Series, evidence: dict, lon: pd.Series, lat: pd.Series,
            has_point: pd.Series) -> None:
    """For each French row: the commune of its first text evidence (code, city, postal code) that resolves,
    checked against the others and against the coordinates; else the commune of its coordinates. Two
    pieces of evidence naming different communes farther apart than ``territory.evidence_conflict_km`` make
    a ``conflict`` (both reasons given, nothing placed)."""
    names = commune_table()["name"]
    table = commune_table()
    point, point_how, point_problem = evidence["coordinates"]
    texts = [(kind, ev) for kind, ev in evidence.items() if kind != "coordinates"]
    for label in france[france].index:
        found = [(kind, ev[0][label], ev[1][label]) for kind, ev in texts if pd.notna(ev[0][label])]
        if len(found) > 1 and found[0][0] == "code":  # a city that fails beside a code does not matter
            found = [found[0], *(f for f in found[1:] if _whole(f[1], table) != _whole(found[0][1], table))]
        problems = [ev[2][label] for _, ev in texts if pd.notna(ev[2][label])]
        ambiguous = bool(evidence["city"][3][label])
        p = point[label]
        if found:
            kind, commune, method = found[0]
            others = [(k, c) for k, c, _ in found[1:] if _whole(c, table) != _whole(commune, table)]
            doubts = []
            for other_kind, other in others:
                doubts.append(f"{kind} says {commune} ({names.get(commune, '?')}) but {other_kind} says {other} "
                              f"({names.get(other, '?')}): which is right?")
            if has_point[label] and pd.isna(p):
                doubts.append(f"{kind} says {commune} ({names.get(commune, '?')}) but {point_problem[label]}: "
                              "which is right?")
            elif has_point[label] and p != _whole(commune, table):
                check = communes_module.point_against_commune(
                    lon[[label]], lat[[label]], pd.Series([_whole(commune, table)], index=[label]), _shapes(),
                    kept=f"the {kind}").loc[label]
                note = (f"{kind} says {commune} ({names.get(commune, '?')}) but the coordinates fall in {p} "
                        f"({names.get(p, '?')}), {check['km']:.1f} km from it")
                if check["conflict"]:
                    doubts.append(note + check["verdict"])
                else:
                    out.at[label, "reason"] = note + check["verdict"]
            if doubts:
                out.at[label, "status"] = "conflict"
                out.at[label, "reason"] = "; ".join(doubts)
                continue
            out.at[label, "commune"], out.at[label, "method"] = commune, method
        elif pd.notna(p):
            out.at[label, "commune"], out.at[label, "method"] = p, point_how[label]
            if problems:
                out.at[label, "reason"] = "; ".join(problems) + ": placed by its coordinates"
        elif problems or pd.notna(point_problem[label]):
            out.at[label, "status"] = "ambiguous" if ambiguous and not pd.notna(point_problem[label]) else "unmatched"
            out.at[label, "reason"] = "; ".join([*problems, *([point_problem[label]] if pd.notna(point_problem[label])
                                                              else [])])
