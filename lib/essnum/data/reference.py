"""Loaders of the reference data (boundaries, populations) with stable string codes.

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
=========================== ============================================================ ===========
"""

from __future__ import annotations

import re
from functools import lru_cache
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
