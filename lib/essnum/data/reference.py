"""Loaders of the reference data (boundaries, populations, COG communes, postal codes) with stable string codes.

Every loader reads through ``essnum.data.sources.fetch`` (mirror → cache → download, hash verified), is
cached in-process (each call returns a fresh copy, safe to modify) and records in ``frame.attrs``
the sources it read (``"sources"``) and the attribution line to print under a map (``"attribution"``).

Codes are strings everywhere: région "11", "94", "01"; département "01", "2A", "971";
commune "01001", "2A004", "97411"; NUTS "FR10", "FRK26".

=========================== ============================================================ ===========
function                    rows / columns                                               CRS
=========================== ============================================================ ===========
``regions(overseas)``       18 (or 13 metropolitan): code, name, geometry                EPSG:4326
``departements(overseas)``  101 (or 96): code, name, region, geometry                    EPSG:4326
``communes()``              34 917: code, name, departement, region, pmun, pcap, ptot,   —
                            arrondissement_of, older_estimate
``region_populations()``    18: code, name, population, communes, older_estimate         —
``departement_populations`` 101: code, name, region, population, communes, older_estimate —
``nuts(level, crs, scale)`` NUTS 2021: nuts_id, level, country, name, name_native, …      as asked
``departement_nuts()``      101: departement, nuts3, nuts2, nuts1                        —
``countries()``             177: iso_a3, iso_a2, name, continent, pop_est, pop_year, …    EPSG:4326
``cog_communes()``          37 496 (34 875 COM): code, kind, name, departement, region,   —
                            parent
``commune_changes()``       4 250 old codes: code, current, current_name, date, split    —
``postal_codes()``          35 684: postal_code, commune, commune_name                   —
``commune_points()``        34 875: code, name, departement, region, longitude,          EPSG:4326
                            latitude, population, method, polygons, parent_polygon       (points)
=========================== ============================================================ ===========
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from .sources import ReferenceDataError, attribution, fetch, source

if TYPE_CHECKING:  # geopandas is imported by the loaders that read boundaries: the COG lists and populations
    import geopandas as gpd  # do not pay for it (seconds in a fresh process)

#: Communes whose legal population INSEE publishes by arrondissement municipal (COG): the commune
#: code, its name and the prefix shared by its arrondissements' codes.
ARRONDISSEMENT_COMMUNES = {"75056": ("Paris", "751"), "13055": ("Marseille", "132"), "69123": ("Lyon", "6938")}

_ARTICLES = re.compile(r"^(l|le|la|les)\s+")
_ABBREVIATIONS = {"st": "saint", "ste": "sainte", "sts": "saints", "stes": "saintes"}


def normalise_name(name: str) -> str:
    """Comparable form of a place name: no accents, case, punctuation, leading article or "St"/"Ste".

    ``"L'Abergement-Clémenciat"`` → ``"abergement clemenciat"``; ``"St-Denis"`` → ``"saint denis"``;
    ``"Val-d’Oise"`` → ``"val d oise"``.
    """
    from unidecode import unidecode

    text = unidecode(str(name)).lower()
    text = re.sub(r"[^a-z0-9]+", " ", text).strip()
    text = _ARTICLES.sub("", text)
    return " ".join(_ABBREVIATIONS.get(word, word) for word in text.split())


def _stamp(frame, *names: str):
    frame.attrs["sources"] = list(names)
    frame.attrs["attribution"] = attribution(*names)
    return frame


def _read_csv(name: str, sep: str) -> pd.DataFrame:
    return pd.read_csv(fetch(name), sep=sep, dtype=str, keep_default_na=False, encoding="utf-8")


def _integers(frame: pd.DataFrame, column: str, source_name: str) -> pd.Series:
    """Integer column from text like "15 934" (spaces stripped); a bad cell names file, row and field."""
    cleaned = frame[column].str.replace(r"\s", "", regex=True)
    values = pd.to_numeric(cleaned, errors="coerce")
    bad = values.isna()
    if bad.any():
        rows = ", ".join(f"row {i + 2} ({frame[column].iloc[i]!r})" for i in bad.to_numpy().nonzero()[0][:20])
        raise ReferenceDataError(f"{fetch(source_name)}: field {column} is not an integer at {rows}")
    return values.astype("int64")


# --- COG lists -------------------------------------------------------------------------------------

@lru_cache(maxsize=1)
def _cog_regions() -> pd.DataFrame:
    raw = _read_csv("insee-cog-regions", ",")
    return pd.DataFrame({"code": raw["REG"], "name": raw["LIBELLE"], "chef_lieu": raw["CHEFLIEU"]})


@lru_cache(maxsize=1)
def _cog_departements() -> pd.DataFrame:
    raw = _read_csv("insee-cog-departements", ",")
    frame = pd.DataFrame({"code": raw["DEP"], "name": raw["LIBELLE"], "region": raw["REG"], "chef_lieu": raw["CHEFLIEU"]})
    unknown = sorted(set(frame["region"]) - set(_cog_regions()["code"]))
    if unknown:
        raise ReferenceDataError(f"{fetch('insee-cog-departements')}: REG values not in the COG régions: {unknown}")
    return frame


def cog_regions() -> pd.DataFrame:
    """The 18 régions of the COG: code, name, chef_lieu (commune code)."""
    return _stamp(_cog_regions().copy(), "insee-cog-regions")


def cog_departements() -> pd.DataFrame:
    """The 101 départements of the COG: code, name, region, chef_lieu. Each lies in exactly one région."""
    return _stamp(_cog_departements().copy(), "insee-cog-departements")


# --- boundaries ------------------------------------------------------------------------------------

def _boundaries(source_name: str) -> gpd.GeoDataFrame:
    import geopandas as gpd

    frame = gpd.read_file(fetch(source_name))
    frame = frame.rename(columns={"nom": "name"})[["code", "name", "geometry"]]
    return frame.sort_values("code", ignore_index=True)


@lru_cache(maxsize=2)
def _regions(overseas: bool) -> gpd.GeoDataFrame:
    return _boundaries("france-regions-overseas" if overseas else "france-regions-simplified")


@lru_cache(maxsize=2)
def _departements(overseas: bool) -> gpd.GeoDataFrame:
    name = "france-departements-overseas" if overseas else "france-departements-simplified"
    frame = _boundaries(name)
    cog = _cog_departements().set_index("code")
    unknown = sorted(set(frame["code"]) - set(cog.index))
    if unknown:
        raise ReferenceDataError(f"{fetch(name)}: département codes not in the COG ({fetch('insee-cog-departements')}): {unknown}")
    frame.insert(2, "region", frame["code"].map(cog["region"]))
    return frame


def regions(overseas: bool = True) -> gpd.GeoDataFrame:
    """Régions (IGN Admin Express 2018): 18 with the five DROM at their true position, or 13 metropolitan
    (more simplified outline) with ``overseas=False``. Columns code, name, geometry; EPSG:4326."""
    name = "france-regions-overseas" if overseas else "france-regions-simplified"
    return _stamp(_regions(overseas).copy(), name)


def departements(overseas: bool = True) -> gpd.GeoDataFrame:
    """Départements: 101 including 971–974 and 976, or the 96 metropolitan ones (more simplified) with
    ``overseas=False``. Columns code, name, region (COG), geometry; EPSG:4326."""
    name = "france-departements-overseas" if overseas else "france-departements-simplified"
    return _stamp(_departements(overseas).copy(), name, "insee-cog-departements")


# --- populations -----------------------------------------------------------------------------------

@lru_cache(maxsize=1)
def _communes() -> pd.DataFrame:
    main = _read_csv("insee-communes", ";")
    metro = pd.DataFrame({
        "code": main["COM"], "name": main["Commune"], "departement": main["DEP"], "region": main["REG"],
        "pmun": _integers(main, "PMUN", "insee-communes"), "pcap": _integers(main, "PCAP", "insee-communes"),
        "ptot": _integers(main, "PTOT", "insee-communes"), "older_estimate": False,
    })
    rule = main["DEP"].str[:2] + main["CODCOM"]
    if not (rule == main["COM"]).all():
        raise ReferenceDataError(f"{fetch('insee-communes')}: COM is not DEP[:2] + CODCOM at rows "
                                 f"{(rule != main['COM']).to_numpy().nonzero()[0][:20] + 2}")
    mayotte_raw = _read_csv("insee-communes-mayotte", ";")
    mayotte = pd.DataFrame({  # COM is blank: the code follows the rule checked above ("97" + "601")
        "code": mayotte_raw["DEP"].str[:2] + mayotte_raw["CODCOM"], "name": pd.Series(pd.NA, index=mayotte_raw.index, dtype="string"),
        "departement": mayotte_raw["DEP"], "region": mayotte_raw["CODREG"],
        "pmun": _integers(mayotte_raw, "PMUN", "insee-communes-mayotte"),
        "pcap": _integers(mayotte_raw, "PCAP", "insee-communes-mayotte"),
        "ptot": _integers(mayotte_raw, "PTOT", "insee-communes-mayotte"), "older_estimate": True,
    })
    frame = pd.concat([metro, mayotte], ignore_index=True)
    frame["arrondissement_of"] = pd.Series(pd.NA, index=frame.index, dtype="string")
    for commune, (city, prefix) in ARRONDISSEMENT_COMMUNES.items():
        part = frame["code"].str.startswith(prefix) & frame["name"].str.contains("Arrondissement", na=False)
        if not part.any() or not frame.loc[part, "name"].str.startswith(city).all():
            raise ReferenceDataError(f"{fetch('insee-communes')}: arrondissements of {city} ({prefix}…) not found as expected")
        frame.loc[part, "arrondissement_of"] = commune
    duplicated = frame["code"][frame["code"].duplicated()]
    if len(duplicated):
        raise ReferenceDataError(f"commune codes repeated across {fetch('insee-communes')} and Mayotte: {sorted(duplicated)}")
    unknown = sorted(set(frame["departement"]) - set(_cog_departements()["code"]))
    if unknown:
        raise ReferenceDataError(f"{fetch('insee-communes')}: DEP values not in the COG: {unknown}")
    return frame


def communes() -> pd.DataFrame:
    """INSEE legal populations 2023 per commune (Paris, Lyon, Marseille by arrondissement municipal).

    Columns: code (5 characters), name, departement, region, pmun (population municipale, int),
    pcap (comptée à part), ptot (totale), arrondissement_of (commune code of Paris 75056, Marseille
    13055 or Lyon 69123 for their arrondissements, else NA), older_estimate (True for Mayotte's 17
    communes 97601–97617, an older INSEE estimate published without commune names; their code is
    DEP[:2] + CODCOM, the rule every other row of the file follows, e.g. "97" + "611" = Mamoudzou).
    """
    return _stamp(_communes().copy(), "insee-communes", "insee-communes-mayotte")


def _populations(by: str, names: pd.DataFrame, extra: list[str]) -> pd.DataFrame:
    grouped = _communes().groupby(by, sort=True).agg(population=("pmun", "sum"), communes=("code", "size"),
                                                      older_estimate=("older_estimate", "any"))
    frame = names[["code", "name", *extra]].merge(grouped, left_on="code", right_index=True, how="left", validate="1:1")
    if frame["population"].isna().any():
        raise ReferenceDataError(f"no commune population for {by} {sorted(frame.loc[frame['population'].isna(), 'code'])}")
    return frame.astype({"population": "int64", "communes": "int64"}).sort_values("code", ignore_index=True)


def region_populations() -> pd.DataFrame:
    """Population municipale 2023 per région (18): code, name, population, communes, older_estimate."""
    frame = _populations("region", _cog_regions(), [])
    return _stamp(frame, "insee-communes", "insee-communes-mayotte", "insee-cog-regions")


def departement_populations() -> pd.DataFrame:
    """Population municipale 2023 per département (101): code, name, region, population, communes,
    older_estimate (Mayotte)."""
    frame = _populations("departement", _cog_departements(), ["region"])
    return _stamp(frame, "insee-communes", "insee-communes-mayotte", "insee-cog-departements")


# --- Europe ----------------------------------------------------------------------------------------

_NUTS_COLUMNS = {"NUTS_ID": "nuts_id", "LEVL_CODE": "level", "CNTR_CODE": "country", "NAME_LATN": "name",
                 "NUTS_NAME": "name_native", "MOUNT_TYPE": "mount_type", "URBN_TYPE": "urbn_type",
                 "COAST_TYPE": "coast_type"}


def _nuts_source(level: int, scale: str) -> str:
    name = f"nuts-2021-{scale.lower()}-level-{level}"
    source(name)  # unknown combination → KeyError listing the declared sources
    return name


@lru_cache(maxsize=16)
def _nuts(level: int, scale: str) -> gpd.GeoDataFrame:
    import geopandas as gpd

    frame = gpd.read_file(fetch(_nuts_source(level, scale)))
    frame = frame.rename(columns=_NUTS_COLUMNS)[[*_NUTS_COLUMNS.values(), "geometry"]]
    return frame.sort_values("nuts_id", ignore_index=True)


def nuts(level: int, crs: str | int = "EPSG:4326", scale: str = "20M") -> gpd.GeoDataFrame:
    """Eurostat NUTS 2021 regions of ``level`` 0–3 (37 countries; "EL" is Greece, "UK" present).

    ``scale="20M"`` (levels 0–3, stored in EPSG:4326) or ``"60M"`` (levels 0–2, stored in EPSG:3035,
    coarser, for small Europe maps); reprojected to ``crs``. Columns nuts_id, level, country, name
    (Latin script), name_native, mount_type, urbn_type, coast_type, geometry.
    """
    name = _nuts_source(level, scale)
    frame = _nuts(level, scale).to_crs(crs)
    return _stamp(frame, name)


@lru_cache(maxsize=1)
def _departement_nuts() -> pd.DataFrame:
    fr = _nuts(3, "20M")
    fr = fr[fr["country"] == "FR"]
    by_name = dict(zip(fr["name"].map(normalise_name), fr["nuts_id"]))
    cog = _cog_departements()
    nuts3 = cog["name"].map(normalise_name).map(by_name)
    unmatched = cog.loc[nuts3.isna(), "name"].tolist()
    if unmatched or nuts3.duplicated().any():
        raise ReferenceDataError(f"départements without exactly one NUTS-3 region of the same name in "
                                 f"{fetch(_nuts_source(3, '20M'))}: {unmatched or sorted(nuts3[nuts3.duplicated()])}")
    return pd.DataFrame({"departement": cog["code"], "nuts3": nuts3, "nuts2": nuts3.str[:4], "nuts1": nuts3.str[:3]})


def departement_nuts() -> pd.DataFrame:
    """Correspondence département → NUTS 2021 (NUTS-3 = département, matched by name and checked
    one-to-one): departement, nuts3 ("FR101"), nuts2 ("FR10"), nuts1 ("FR1")."""
    return _stamp(_departement_nuts().copy(), "insee-cog-departements", _nuts_source(3, "20M"))


@lru_cache(maxsize=1)
def _countries() -> gpd.GeoDataFrame:
    import geopandas as gpd
    from babel.core import get_global

    frame = gpd.read_file(fetch("naturalearth-countries"))
    aliases = get_global("territory_aliases")  # CLDR: alpha-3 → [alpha-2]
    frame.insert(1, "iso_a2", frame["iso_a3"].map(lambda code: aliases.get(code, [None])[0]).astype("string"))
    frame["pop_est"] = frame["pop_est"].round().astype("int64")
    frame["pop_year"] = source("naturalearth-countries").dataset.population_year
    columns = ["iso_a3", "iso_a2", "name", "continent", "pop_est", "pop_year", "gdp_md_est", "geometry"]
    return frame[columns].sort_values(["iso_a3", "name"], ignore_index=True)


def countries() -> gpd.GeoDataFrame:
    """Natural Earth 1:110m countries (177): iso_a3, iso_a2 (from CLDR; NA where Natural Earth has no
    ISO code, "-99": e.g. Kosovo, N. Cyprus, Somaliland), name, continent, pop_est (int), pop_year
    (the year of pop_est, ≈2019: say it next to any per-capita figure), gdp_md_est, geometry (EPSG:4326)."""
    return _stamp(_countries().copy(), "naturalearth-countries")


# --- COG communes, changes of communes, postal codes ------------------------------------------------

#: A commune code as written since 1976: two digits (or 2A/2B for Corsica) then three; overseas 97xxx.
#: Codes older than 1976 (Corsica "20xxx") match too: ``commune_changes()`` maps them.
COMMUNE_CODE = re.compile(r"^(?:\d{2}|2[AB])\d{3}$")
POSTAL_CODE = re.compile(r"^\d{5}$")
_COG_KINDS = {"COM": "commune", "COMD": "commune déléguée", "COMA": "commune associée",
              "ARM": "arrondissement municipal"}


def _bad_codes(values: pd.Series, pattern: re.Pattern) -> list[str]:
    """File rows (header = row 1) of values that do not match ``pattern``; ``values`` keeps the file's index."""
    bad = values[~values.str.match(pattern)]
    return [f"row {index + 2} ({value!r})" for index, value in bad.head(20).items()]


@lru_cache(maxsize=1)
def _cog_communes() -> pd.DataFrame:
    raw = _read_csv("insee-cog-communes", ",")
    bad = _bad_codes(raw["COM"], COMMUNE_CODE)
    unknown_kinds = sorted(set(raw["TYPECOM"]) - set(_COG_KINDS))
    if bad or unknown_kinds:
        raise ReferenceDataError(f"{fetch('insee-cog-communes')}: malformed COM at {', '.join(bad)}" if bad else
                                 f"{fetch('insee-cog-communes')}: unknown TYPECOM values {unknown_kinds}")
    parent = raw["COMPARENT"].where(raw["COMPARENT"] != "")
    frame = pd.DataFrame({"code": raw["COM"], "kind": raw["TYPECOM"], "name": raw["LIBELLE"],
                          "departement": raw["DEP"].where(raw["DEP"] != ""),
                          "region": raw["REG"].where(raw["REG"] != ""), "parent": parent}).astype("string")
    current = frame[frame["kind"] == "COM"].set_index("code")
    if not current.index.is_unique:
        raise ReferenceDataError(f"{fetch('insee-cog-communes')}: commune codes (TYPECOM COM) repeated: "
                                 f"{sorted(current.index[current.index.duplicated()])[:20]}")
    orphans = sorted(set(frame["parent"].dropna()) - set(current.index))
    if orphans:
        raise ReferenceDataError(f"{fetch('insee-cog-communes')}: COMPARENT not a commune of the COG: {orphans[:20]}")
    # communes déléguées / associées and arrondissements carry no DEP/REG: those of their parent commune
    inherit = frame["kind"] != "COM"
    frame.loc[inherit, "departement"] = frame.loc[inherit, "parent"].map(current["departement"])
    frame.loc[inherit, "region"] = frame.loc[inherit, "parent"].map(current["region"])
    unknown = sorted(set(frame["departement"].dropna()) - set(_cog_departements()["code"]))
    if unknown or frame["departement"].isna().any():
        raise ReferenceDataError(f"{fetch('insee-cog-communes')}: DEP missing or not in the COG départements: "
                                 f"{unknown}")
    return frame


def cog_communes() -> pd.DataFrame:
    """The communes of the COG in force on 1 January 2026 (37 496 rows): code, kind ("COM" for the 34 875
    communes, "COMD" déléguée, "COMA" associée, "ARM" arrondissement municipal of Paris, Lyon, Marseille),
    name, departement, region, parent (the commune of a COMD/COMA/ARM, else NA; their département and
    région are the parent's). A code can appear twice: as a commune and as its own commune déléguée."""
    return _stamp(_cog_communes().copy(), "insee-cog-communes")


@lru_cache(maxsize=1)
def _change_events() -> tuple[dict[str, list[tuple[str, tuple[str, ...]]]], pd.DataFrame]:
    """Per old code, its terminations as a commune: [(date, successor codes)] in date order.

    For each (code, date) of mouvements-communes.csv, the successors are the communes (TYPECOM_AP COM)
    the code's rows point to. A code among its own successors continues (chef-lieu of a commune nouvelle,
    parent of a re-established commune, renaming): that is not a termination.
    """
    raw = _read_csv("insee-cog-mouvements", ",")
    for column in ("COM_AV", "COM_AP"):
        filled = raw[column][raw[column] != ""]
        bad = _bad_codes(filled, COMMUNE_CODE)
        if bad:
            raise ReferenceDataError(f"{fetch('insee-cog-mouvements')}: malformed {column} at {', '.join(bad)}")
    bad_dates = raw.index[~raw["DATE_EFF"].str.match(r"^\d{4}-\d\d-\d\d$")]
    if len(bad_dates):
        raise ReferenceDataError(f"{fetch('insee-cog-mouvements')}: DATE_EFF not a date at rows "
                                 f"{list(bad_dates[:20] + 2)}")
    edges = raw[(raw["COM_AV"] != "") & (raw["TYPECOM_AP"] == "COM") & (raw["COM_AP"] != "")]
    targets: dict[tuple[str, str], set[str]] = {}
    for code, date, successor in zip(edges["COM_AV"], edges["DATE_EFF"], edges["COM_AP"]):
        targets.setdefault((code, date), set()).add(successor)
    terminations: dict[str, list[tuple[str, tuple[str, ...]]]] = {}
    for (code, date), successors in sorted(targets.items()):
        if code not in successors:
            terminations.setdefault(code, []).append((date, tuple(sorted(successors))))
    return terminations, raw


def _resolve(code: str, after: str | None, current: frozenset[str], parents: dict[str, str], terminations,
             depth: int = 0) -> tuple[set[str], str | None]:
    """Commune code(s) in force holding the territory of ``code``, and the date of the last change followed.

    A code in force is its own; a commune déléguée or associée is in its parent commune (COG, exact);
    otherwise the code's termination is followed: its last one (``after`` None), or, for a successor
    reached on date ``after``, its first one from that day.
    """
    if code in current:
        return {code}, None
    if code in parents:
        return {parents[code]}, None
    events = terminations.get(code, [])
    if after is not None:
        events = [e for e in events if e[0] >= after]
    if not events or depth > 50:
        return set(), None
    date, successors = events[-1] if after is None else events[0]
    found: set[str] = set()
    last = date
    for successor in successors:
        codes, when = _resolve(successor, date, current, parents, terminations, depth + 1)
        found |= codes
        last = max(last, when) if when else last
    return found, last


@lru_cache(maxsize=1)
def _commune_changes() -> pd.DataFrame:
    terminations, raw = _change_events()
    cog = _cog_communes()
    current = frozenset(cog.loc[cog["kind"] == "COM", "code"])
    attached = cog[cog["kind"].isin(["COMD", "COMA"]) & ~cog["code"].isin(current)]
    parents = dict(zip(attached["code"], attached["parent"]))
    in_force = current | set(cog.loc[cog["kind"] == "ARM", "code"])  # arrondissements municipaux are in force too
    mentioned = set(raw.loc[raw["COM_AV"] != "", "COM_AV"]) | set(raw.loc[raw["COM_AP"] != "", "COM_AP"])
    codes = sorted(mentioned - in_force)
    rows = []
    for code in codes:
        found, date = _resolve(code, None, current, parents, terminations)
        if code in parents:  # the date the code became déléguée/associée: its last termination
            date = terminations[code][-1][0] if code in terminations else None
        for target in sorted(found) or [None]:
            rows.append((code, target, date, len(found) > 1))
    frame = pd.DataFrame(rows, columns=["code", "current", "date", "split"])
    frame = frame.astype({"code": "string", "current": "string", "date": "string", "split": bool})
    names = cog[cog["kind"] == "COM"].set_index("code")["name"]
    frame.insert(2, "current_name", frame["current"].map(names).astype("string"))
    return frame


def commune_changes() -> pd.DataFrame:
    """Old commune code → commune code in force (COG 2026) holding its territory, from mouvements-communes.csv.

    One row per code that is neither a commune nor an arrondissement municipal in force: code, current,
    current_name, date (of the last change followed), split (True when the old commune's territory is now
    in several communes: one row each). A commune déléguée or associée maps to its parent commune (COG,
    exact); any other code follows its chain of changes (merged into a commune nouvelle that later merged
    again or changed code; départements renumbered: Corsica 20xxx → 2A/2B in 1976, Seine and Seine-et-Oise
    in 1968). ``current`` is NA for a commune that left the COG (Saint-Barthélemy 97123, Saint-Martin 97127
    in 2007). A code in force is absent: it is its own (codes are reused within a commune nouvelle: 12218
    was Saint-Cyprien-sur-Dourdou, now Conques-en-Rouergue, which contains it). Before 1968 the Seine
    communes had 75xxx codes (75001 = Alfortville, now 94002): a Paris postal code given as a commune code
    would map to the wrong commune, so check such values before mapping them.
    """
    return _stamp(_commune_changes().copy(), "insee-cog-mouvements", "insee-cog-communes")


@lru_cache(maxsize=1)
def _postal_codes() -> pd.DataFrame:
    import json

    path = fetch("codes-postaux")
    raw = pd.DataFrame(json.loads(path.read_text(encoding="utf-8")), dtype="string")
    missing = {"codePostal", "codeCommune", "nomCommune"} - set(raw.columns)
    if missing:
        raise ReferenceDataError(f"{path}: fields {sorted(missing)} absent")
    frame = pd.DataFrame({"postal_code": raw["codePostal"], "commune": raw["codeCommune"],
                          "commune_name": raw["nomCommune"]})
    for column, pattern in (("postal_code", POSTAL_CODE), ("commune", COMMUNE_CODE)):
        bad = (~frame[column].fillna("").str.match(pattern)).to_numpy().nonzero()[0]
        if len(bad):
            raise ReferenceDataError(f"{path}: field {column} malformed at element(s) {list(bad[:20])} (0-based)")
    if frame.duplicated(["postal_code", "commune"]).any():
        raise ReferenceDataError(f"{path}: repeated (postal code, commune) pairs")
    return frame


def postal_codes() -> pd.DataFrame:
    """(postal code, commune) pairs of La Poste / DGFiP as packaged by the Base Adresse Nationale (35 684):
    postal_code, commune (INSEE code), commune_name. A postal code can serve several communes and a commune
    have several postal codes. Paris, Lyon and Marseille are by arrondissement municipal (75001 → 75101).
    The pairs date from 2023 or earlier: a few codes are of communes merged since (map them with
    ``commune_changes()``), and 97501/97502 (Saint-Pierre-et-Miquelon) are outside the COG."""
    return _stamp(_postal_codes().copy(), "codes-postaux")


# --- commune points --------------------------------------------------------------------------------

#: Date of the COG of the commune polygons (IGN Admin Express COG 2018 = communes on 1 January 2018).
COMMUNE_POLYGONS_COG = "2018-01-01"


def _source_paths(name: str) -> list[Path]:
    """Every file of a multi-file source, fetched and verified (they sit beside the main file)."""
    main = fetch(name)
    files = source(name).files
    root = main.parents[len(files[0].path.split("/")) - 1]
    return [root / f.path for f in files]


@lru_cache(maxsize=1)
def _commune_polygons() -> gpd.GeoDataFrame:
    import geopandas as gpd
    import pyogrio

    frames = [pyogrio.read_dataframe(path, columns=["code", "nom"], use_arrow=True)
              for path in _source_paths("france-communes")]
    frame = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs=frames[0].crs)
    frame["code"] = frame["code"].astype("string")
    bad = frame.index[~frame["code"].str.match(COMMUNE_CODE)]
    if len(bad) or not frame["code"].is_unique:
        wrong = sorted(frame.loc[bad, "code"])[:10] or sorted(frame.loc[frame["code"].duplicated(), "code"])[:10]
        raise ReferenceDataError(f"france-communes ({fetch('france-communes').parent}): malformed or repeated "
                                 f"commune codes {wrong}")
    return frame


@lru_cache(maxsize=1)
def _polygons_in_force() -> gpd.GeoDataFrame:
    """The 2018 commune polygons with ``current``, the commune in force that holds each now."""
    cog = _cog_communes()
    current = cog[cog["kind"] == "COM"].set_index("code")
    polygons = _commune_polygons()
    changes = _commune_changes()
    moved = changes.dropna(subset=["current"]).groupby("code")["current"].agg(list)
    target = polygons["code"].map(lambda code: [code] if code in current.index else moved.get(code, []))
    lost = polygons.loc[target.map(len) != 1, "code"]
    if len(lost):  # a 2018 commune lost, or split between several communes since: its polygon cannot be placed
        raise ReferenceDataError(f"commune polygons (COG 2018) without exactly one commune in force: "
                                 f"{sorted(lost)[:20]}")
    return polygons.assign(current=target.map(lambda codes: codes[0]).astype("string"))


def commune_shapes() -> gpd.GeoDataFrame:
    """The IGN 2018 commune outlines (simplified, EPSG:4326), each with the commune in force that holds it:
    code (in force), code_2018, name_2018, geometry. A commune formed by a merger since 2018 has one row per
    former commune; the 7 communes re-established since 2018 have none of their own (their territory lies
    in their parent's outline)."""
    polygons = _polygons_in_force()
    frame = polygons.rename(columns={"code": "code_2018", "nom": "name_2018"}).rename(columns={"current": "code"})
    return _stamp(frame[["code", "code_2018", "name_2018", "geometry"]].copy(), "france-communes",
                  "insee-cog-communes", "insee-cog-mouvements")


@lru_cache(maxsize=1)
def _commune_points() -> pd.DataFrame:
    import numpy as np
    import shapely

    from essnum.config import decision

    cog = _cog_communes()
    current = cog[cog["kind"] == "COM"].set_index("code")
    polygons = _polygons_in_force()
    # centroid and area of each 2018 polygon in the projected CRS of its (current) département; the centroid
    # of several merged polygons is their area-weighted mean (exact: communes do not overlap)
    overseas, metropole = decision("territory.overseas_crs"), decision("territory.metropole_crs")
    crs = polygons["current"].map(current["departement"]).map(lambda dep: overseas.get(dep, metropole))
    parts = []
    for name, group in polygons.groupby(crs):
        projected = group.geometry.to_crs(name)
        geometry = shapely.make_valid(projected.values)  # one polygon of the simplified files self-intersects
        centre = shapely.centroid(geometry)
        parts.append(pd.DataFrame({"current": group["current"].to_numpy(), "crs": name, "area": shapely.area(geometry),
                                   "x": shapely.get_x(centre), "y": shapely.get_y(centre)}, index=group.index))
    parts = pd.concat(parts)
    parts["wx"], parts["wy"] = parts["x"] * parts["area"], parts["y"] * parts["area"]
    sums = parts.groupby("current").agg(crs=("crs", "first"), area=("area", "sum"), wx=("wx", "sum"), wy=("wy", "sum"),
                                        polygons=("area", "size"))
    lon = pd.Series(np.nan, index=sums.index)
    lat = pd.Series(np.nan, index=sums.index)
    from pyproj import Transformer

    for name, group in sums.groupby("crs"):
        back = Transformer.from_crs(name, "EPSG:4326", always_xy=True)
        x, y = back.transform((group["wx"] / group["area"]).to_numpy(), (group["wy"] / group["area"]).to_numpy())
        lon.loc[group.index], lat.loc[group.index] = x, y
    frame = pd.DataFrame({"code": current.index, "name": current["name"].to_numpy(),
                          "departement": current["departement"].to_numpy(), "region": current["region"].to_numpy()})
    frame["polygons"] = frame["code"].map(sums["polygons"]).fillna(0).astype("int64")
    method = np.where(frame["polygons"] == 1, "polygon", np.where(frame["polygons"] > 1, "dissolved", "none"))
    frame["method"] = pd.Series(method, dtype="string")
    # communes re-established (or created) since 2018 have no polygon of their own: the point of the commune
    # they were carved out of (its 2018 polygon holds their territory)
    _, raw = _change_events()
    carved = raw[(raw["DATE_EFF"] > COMMUNE_POLYGONS_COG) & raw["MOD"].isin(["20", "21"]) & (raw["TYPECOM_AP"] == "COM")
                 & (raw["COM_AV"] != raw["COM_AP"]) & (raw["COM_AV"] != "")].sort_values("DATE_EFF")
    parent_of = carved.drop_duplicates("COM_AP", keep="last").set_index("COM_AP")["COM_AV"]
    orphan = (frame["polygons"] == 0) & frame["code"].isin(parent_of.index)
    frame["parent_polygon"] = frame["code"].where(orphan).map(parent_of).astype("string")
    frame.loc[orphan & frame["parent_polygon"].isin(sums.index), "method"] = "parent polygon"
    point_of = frame["code"].where(frame["polygons"] > 0, frame["parent_polygon"])
    frame["longitude"] = point_of.map(lon).astype("float64")
    frame["latitude"] = point_of.map(lat).astype("float64")
    populations = _communes()
    by_city = populations.dropna(subset=["arrondissement_of"]).groupby("arrondissement_of")["pmun"].sum()
    pmun = pd.concat([populations.set_index("code")["pmun"], by_city])
    frame["population"] = frame["code"].map(pmun).astype("Int64")
    return frame[["code", "name", "departement", "region", "longitude", "latitude", "population", "method",
                  "polygons", "parent_polygon"]].sort_values("code", ignore_index=True)


def commune_points() -> pd.DataFrame:
    """One point per commune in force (COG 2026, 34 875): code, name, departement, region, longitude,
    latitude (EPSG:4326), population (PMUN 2023, Int64; Paris, Lyon, Marseille = sum of their
    arrondissements; Mayotte: the older INSEE estimate), method, polygons, parent_polygon.

    The point is the centroid of the commune's polygon(s) in IGN Admin Express COG 2018 (simplified),
    computed in Lambert-93 for the metropole and in the local CRS of each overseas département
    (``territory.metropole_crs``, ``territory.overseas_crs``); a centroid can fall outside a crescent-shaped
    commune. The 35 357 polygons of 2018 are mapped to the communes in force with ``commune_changes()`` (a
    commune merged since lies in the commune that absorbed it) and merged: the area-weighted mean of the
    parts' centroids, which is the centroid of their union. ``method`` says how the point was obtained:

    - "polygon": one 2018 polygon (34 551 communes);
    - "dissolved": ``polygons`` 2018 communes merged since (317);
    - "parent polygon": re-established or created since 2018, so no polygon of its own (7: Sannerville,
      the four communes split from Neussargues en Pinatelle in 2025, L'Oie and Sainte-Florence): the point
      of the commune it was carved out of (``parent_polygon``), whose 2018 polygon holds its territory, a
      few km off;
    - "none": no polygon at all, longitude/latitude NaN (no commune of the 2026 COG: Mayotte has polygons).

    Four communes whose code changed since 2018 (12218, 14581, 49126, 69114) get the polygons of their
    former codes. Computed once per process: 6–10 s cold on 2 cores (reading the 101 files and importing geopandas).
    """
    names = ("france-communes", "insee-cog-communes", "insee-cog-mouvements", "insee-communes",
             "insee-communes-mayotte")
    return _stamp(_commune_points().copy(), *names)
