"""Regional barometers (issues 7 and 11): what ``briefs/barometre-regional.qmd`` prints for one région.

A barometer is built around the real support offer of digital inclusion (:func:`essnum.territory.offer.support_offer`,
read from its build cache ``build/support-offer/``, computed and cached when missing): the France Services sites
of the région (2024, change since 2022), its mediation places (data·inclusion), the hosts and posts of the
conseillers numériques France Services and the State's funding, and the distance from every commune to the
nearest site and place of its own territory. The embedded atlas of the observatory keeps a section of its own,
with its caveat (it locates few of its organisations): it is placed once per process (:func:`national`).

* :func:`region_code` validates a région code (``84``, ``"84"``, ``"1"`` → ``"01"``), else raises
  :class:`UnknownRegion` listing the valid codes;
* facts ``barometre.<code>.…`` (one set per région) and ``barometre.france.…`` (national context the ``support.``
  facts of :mod:`essnum.publish.facts` do not give) are registered with :func:`essnum.publish.facts.provider`; a
  région gets no number it does not have (no rank without a value, no change without a 2022 count, no ZRR/QPV share
  without CnFS posts);
* :func:`key_points`, :func:`offer_text`, :func:`distance_text`, :func:`presence_text` write the sentences whose
  wording depends on the région (every number in them is a fact); :func:`comparison_table`,
  :func:`departements_table`, :func:`distance_table`, :func:`families_table` and :func:`survey_table` are the
  brief's tables; :func:`region_map` its map.

Survey figures are national: no regional breakdown of the surveys is published. Regional survey cells
would need microdata and go through :mod:`essnum.survey.disclosure`; none are used here.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from essnum.config import decision
from essnum.french import french_decimal, french_number
from essnum.paths import atlas_dir, build_dir, data_dir, package_file

from .facts import Fact, data_hashes, fact, get, provider

if TYPE_CHECKING:  # pandas is imported where it is used: validating a région code (batch, CLI) must not pay
    import pandas as pd  # for it before the kernel even starts

PREFIX = "barometre."
NATIONAL = "france"
#: The two offers whose distance is measured (prefix of the ``support_offer`` columns → what the text calls them).
OFFERS = {"fs": "un site France Services", "mediation": "un lieu de médiation numérique"}
#: How the distance paragraphs open, per offer.
NEAREST = {"fs": "Site France Services le plus proche", "mediation": "Lieu de médiation numérique le plus proche"}
#: Source declaration of the France Services sites drawn on the map (the 2024 list).
FS_SOURCE = "anct-france-services-2024-08-01"


class UnknownRegion(ValueError):
    """A région code that is not one of the 18 régions of the COG (the message lists the valid codes)."""


# --------------------------------------------------------------------------- régions


@lru_cache(maxsize=1)
def _regions() -> pd.DataFrame:
    from essnum.data import reference

    regions = reference.cog_regions()[["code", "name"]]
    departements = reference.cog_departements()
    overseas = set(decision("territory.overseas_crs"))
    counts = departements.groupby("region")["code"].agg(["size", lambda codes: bool(set(codes) & overseas)])
    counts.columns = ["departements", "overseas"]
    table = regions.merge(counts, left_on="code", right_index=True, how="left", validate="1:1")
    return table.sort_values("code", ignore_index=True)


def regions() -> pd.DataFrame:
    """The 18 régions (COG): code, name, departements (count), overseas (bool), by code."""
    return _regions().copy()


@lru_cache(maxsize=1)
def _region_names() -> dict[str, str]:
    """Code → name of the 18 régions, from the COG file itself (csv module: no pandas, no geopandas)."""
    import csv

    from essnum.data.sources import fetch

    with open(fetch("insee-cog-regions"), encoding="utf-8", newline="") as handle:
        return {row["REG"]: row["LIBELLE"] for row in sorted(csv.DictReader(handle), key=lambda r: r["REG"])}


def region_code(value) -> str:
    """The COG code of a région given as ``84``, ``"84"`` or ``"1"`` (→ ``"01"``); an unknown code raises
    :class:`UnknownRegion` listing every valid code with its name."""
    text = str(value).strip()
    code = text.zfill(2) if text.isdigit() else text
    names = _region_names()
    if code not in names:
        listing = ", ".join(f"{c} ({n})" for c, n in names.items())
        raise UnknownRegion(f"unknown région code {value!r}; valid codes: {listing}")
    return code


def region_codes() -> list[str]:
    """The 18 région codes, in order."""
    return list(_region_names())


def region_name(code) -> str:
    return _region_names()[region_code(code)]


def is_overseas(code) -> bool:
    return bool(_regions().set_index("code").loc[region_code(code), "overseas"])


def folder_name(code) -> str:
    """Output folder of a région's barometer: ``84-auvergne-rhone-alpes``."""
    from unidecode import unidecode

    code = region_code(code)
    slug = "-".join(unidecode(region_name(code)).lower().replace("'", " ").split())
    return f"{code}-{slug}"


# --------------------------------------------------------------------------- the support offer


def offer():
    """The support offer (``essnum.territory.offer.SupportOffer``), from its build cache (once per process)."""
    from essnum.territory.offer import support_offer

    return support_offer()


def thresholds() -> list[int]:
    """Distances (km) beyond which the population is counted (``territory.access_thresholds_km``)."""
    return list(decision("territory.access_thresholds_km"))


def _per() -> int:
    return decision("territory.per_inhabitants")


def offer_row(code) -> pd.Series:
    """The région's row of the support offer's région table (columns: see ``essnum.territory.offer``)."""
    return offer().regions.set_index("code").loc[region_code(code)]


def region_departements(code) -> pd.DataFrame:
    """The région's départements in the support offer's département table, by code."""
    table = offer().departements
    codes = _departement_regions()
    return table[table["code"].map(codes) == region_code(code)].sort_values("code", ignore_index=True)


@lru_cache(maxsize=1)
def _departement_regions() -> dict[str, str]:
    from essnum.data import reference

    return reference.cog_departements().set_index("code")["region"].to_dict()


def region_communes(code) -> pd.DataFrame:
    """The région's communes with their population and distances (``fs_distance_km``, ``mediation_distance_km``)."""
    communes = offer().communes
    return communes[communes["region"] == region_code(code)]


def _bands(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    """Population by distance band (``barometer.distance_bands_km``: up to the first edge, between two, beyond the
    last; a band includes its upper edge, as "beyond" means strictly farther) per région: index région code,
    columns band number 0…n, values inhabitants (communes without a distance are left out)."""
    import numpy as np

    edges = decision("barometer.distance_bands_km")
    known = frame[frame[column].notna()]
    band = np.searchsorted(np.asarray(edges, dtype=float), known[column].to_numpy(), side="left")
    table = (known.assign(band=band).groupby(["region", "band"])["population"].sum().unstack("band")
             .reindex(columns=range(len(edges) + 1)).fillna(0).astype("int64"))
    return table.reindex(sorted(frame["region"].dropna().unique())).fillna(0).astype("int64").rename_axis(None)


def band_labels() -> list[str]:
    """French labels of the distance bands: "jusqu'à 5 km", "de 5 à 10 km", …, "plus de 20 km"."""
    edges = [french_number(edge) for edge in decision("barometer.distance_bands_km")]
    return ([f"jusqu'à {edges[0]} km"] + [f"de {low} à {high} km" for low, high in zip(edges, edges[1:], strict=False)]
            + [f"plus de {edges[-1]} km"])


@dataclass(frozen=True)
class Distances:
    """Per région: population by distance band of each offer, population-weighted median distance of each offer;
    and the national medians (18 régions)."""

    bands: dict[str, pd.DataFrame]
    medians: dict[str, pd.Series]
    national_medians: dict[str, float]


@lru_cache(maxsize=1)
def distances() -> Distances:
    from essnum.territory.offer import weighted_median

    communes, regions = offer().communes, offer().regions.set_index("code")
    bands, medians, national = {}, {}, {}
    for name in OFFERS:
        column = f"{name}_distance_km"
        bands[name] = _bands(communes, column)
        medians[name] = regions[f"{name}_median_km"]
        national[name] = weighted_median(communes[column], communes["population"])
    return Distances(bands=bands, medians=medians, national_medians=national)


def _priority(code) -> pd.DataFrame:
    """CnFS posts of the région in ZRR and QPV (``support_offer().priority`` rows), indexed by area."""
    table = offer().priority
    return table[(table["level"] == "region") & (table["code"] == region_code(code))].set_index("area")


# --------------------------------------------------------------------------- the atlas (a section of its own)


@dataclass(frozen=True)
class National:
    """The embedded atlas placed once for every région: ``regions`` is the ``essnum.territory`` région table
    (with ``rank`` by density), ``counts`` the placement reconciliation, ``families`` the families counted."""

    regions: pd.DataFrame
    counts: dict[str, int]
    families: list[str]


def data_files() -> list[Path]:
    """Data files the atlas facts are computed from (hashed into each fact's source)."""
    return [atlas_dir() / "organisations.csv", data_dir() / "reference" / "sources.toml"]


def offer_files() -> list[Path]:
    """The declarations pinning the support-offer data (sha256 of every file: ANCT lists, data·inclusion,
    communes, populations), hashed into the source of each support-offer fact."""
    return [data_dir() / "reference" / "sources.toml"]


ATLAS_CACHE_VERSION = 1


def atlas_cache_dir() -> Path:
    """``build/barometer-atlas/``: the atlas tables of the last placement and the key of its inputs (safe to delete)."""
    return build_dir() / "barometer-atlas"


def atlas_inputs() -> list[Path]:
    """What the atlas placement depends on: the atlas, the declared reference data, the decisions and the code."""
    from essnum.build import code_files

    return [*sorted(p for p in atlas_dir().glob("*") if p.is_file()), data_dir() / "reference" / "sources.toml",
            package_file("decisions.toml"), *code_files("territory", "data", "config", "paths")]


@lru_cache(maxsize=1)
def national() -> National:
    """The embedded atlas placed for every région's barometer: read from :func:`atlas_cache_dir` when its key
    matches the inputs, else placed (``territory.place`` reads every commune outline: seconds) and stored there;
    once per process either way."""
    import hashlib
    import json

    from essnum.build import cached_tables, hash_files

    payload = {"version": ATLAS_CACHE_VERSION, "files": hash_files(atlas_inputs())}
    key = hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()
    return cached_tables(
        atlas_cache_dir(), key, ["regions"], _place_atlas,
        store=lambda data: ({"regions": data.regions},
                            {"counts": {k: int(v) for k, v in data.counts.items()}, "families": data.families}),
        load=lambda tables, meta: National(regions=tables["regions"], counts=meta["counts"], families=meta["families"]))


def _place_atlas() -> National:
    """The embedded atlas placed (the harmonisation gate applied) and tabulated."""
    from essnum import territory
    from essnum.data.atlas import load_atlas

    atlas = load_atlas()
    placement = territory.place(atlas.organisations, Path(atlas.directory) / "organisations.csv")
    placement.check()
    return from_placement(placement)


def from_placement(placement) -> National:
    """The national atlas tables of a ``territory.Placement`` (any atlas; tests use a synthetic one)."""
    from essnum import territory

    regions = territory.region_counts(placement)
    regions["rank"] = regions[f"per_{_per()}"].rank(ascending=False, method="min").astype("int64")
    return National(regions=regions, counts=placement.counts(), families=territory.families_of(placement))


def region_row(code) -> pd.Series:
    """The région's row of the atlas table (organisations, density, rank, families)."""
    return national().regions.set_index("code").loc[region_code(code)]


# --------------------------------------------------------------------------- facts


def _key(code: str, name: str) -> str:
    return f"{PREFIX}{code}.{name}"


class _Maker:
    """Facts sharing the same data files, hashed once (a barometer holds about forty facts per région)."""

    def __init__(self, files: list[Path]):
        self.hashes = data_hashes(files)
        self.source = "data: " + ", ".join(self.hashes) if self.hashes else "computed"

    def __call__(self, key: str, value, unit: str, label: str, method: str, comparator: str = "=",
                 decimals: int | None = None) -> Fact:
        value = int(value) if isinstance(value, float) and value.is_integer() else value
        return Fact(key=key, value=value, unit=unit, label=label, source=self.source, method=method,
                    comparator=comparator, data=self.hashes, decimals=decimals)


def _percent(share: float) -> tuple[float, str]:
    """A share as a percentage with one decimal, "<" 0,1 when it is positive but rounds to zero."""
    pct = round(100 * float(share), 1)
    return (0.1, "<") if pct == 0 and share > 0 else (pct, "=")


def _present(value) -> bool:
    import pandas as pd

    return value is not None and not pd.isna(value)


# Methods, short: the appendix prints one per fact; the "Sources et méthodes" section explains them in full.
FS_METHOD = f"liste ANCT du 1er août 2024 ({FS_SOURCE}), sites placés par commune"
FS_2022_METHOD = "liste ANCT du 1er décembre 2022 (anct-france-services-2022-12-01), sites placés par commune"
MEDIATION_METHOD = "export data·inclusion du début de 2023 (data-inclusion), lieux placés par commune"
CNFS_METHOD = "structures d'accueil retenues en 2021 (anct-conseillers-numeriques), placées par commune"
DISTANCE_METHOD = "à vol d'oiseau, de chaque commune au lieu le plus proche de son territoire ; population 2023"
MEDIAN_METHOD = "médiane des distances à vol d'oiseau des communes, pondérée par leur population"
RANK_METHOD = "rang décroissant parmi les régions (1 = la plus dotée), ex aequo au meilleur rang"


def _national_facts() -> Iterator[Fact]:
    atlas, data = _Maker(data_files()), national()
    counts, table = data.counts, data.regions
    placed = f"{atlas_label()}, placé par essnum.territory"
    yield atlas(_key(NATIONAL, "atlas_organisations"), counts["read"], "organisations",
                f"Organisations de {atlas_label()}", "lignes lues dans organisations.csv")
    yield atlas(_key(NATIONAL, "located"), counts["placed in France"], "organisations",
                "Organisations de l'atlas localisées dans un département français", placed)
    yield atlas(_key(NATIONAL, "regions"), len(table), "régions", "Régions françaises (COG)",
                "liste des régions du code officiel géographique (Insee)")
    yield atlas(_key(NATIONAL, "regions_with_organisations"), int((table["organisations"] > 0).sum()), "régions",
                "Régions où au moins une organisation de l'atlas est localisée", placed)
    yield atlas(_key(NATIONAL, "per_inhabitants"), _per(), "habitants", "Population de référence des densités",
                "décision territory.per_inhabitants")
    yield atlas(_key(NATIONAL, "survey_confidence"), 100 * decision("survey.confidence"), "percent",
                "Niveau de confiance des intervalles des enquêtes", "décision survey.confidence")
    make, per = _Maker(offer_files()), _per()
    for threshold in thresholds():
        yield make(_key(NATIONAL, f"threshold_{threshold}km"), threshold, "km",
                   "Seuil de distance à vol d'oiseau du baromètre", "décision territory.access_thresholds_km")
    regions = offer().regions
    population = regions["population"].sum()
    yield make(_key(NATIONAL, "mediation_density"),
               round(float(regions["mediation_places"].sum() / population * per), 1),
               "lieux", f"Lieux de médiation numérique pour {french_number(per)} habitants, France entière",
               "lieux des 18 régions / population municipale 2023 × " + french_number(per), decimals=1)
    yield make(_key(NATIONAL, "cnfs_posts_density"), round(float(regions["cnfs_posts"].sum() / population * per), 1),
               "postes", f"Postes de conseillers numériques pour {french_number(per)} habitants, France entière",
               "postes des 18 régions / population municipale 2023 × " + french_number(per), decimals=1)
    for name, label in OFFERS.items():
        median = distances().national_medians[name]
        if _present(median):
            yield make(_key(NATIONAL, f"{name}_median_km"), round(float(median), 1), "km",
                       f"Distance médiane des habitants à {label}, France entière",
                       MEDIAN_METHOD, decimals=1)


def _offer_facts(code: str, make: _Maker) -> Iterator[Fact]:
    """The support-offer facts of one région (only those it has)."""
    row, name, per = offer_row(code), region_name(code), french_number(_per())
    deps = region_departements(code)
    yield make(_key(code, "population"), int(row["population"]), "persons", f"Population municipale 2023 : {name}",
               "somme des populations municipales des communes (Insee, populations légales 2023)")
    yield make(_key(code, "departements"), len(deps), "départements", f"Départements de la région {name}",
               "code officiel géographique (Insee)")
    yield make(_key(code, "fs_sites"), int(row["fs_sites"]), "sites",
               f"Sites France Services au 1er août 2024 : {name}", FS_METHOD)
    yield make(_key(code, "fs_sites_2022"), int(row["fs_sites_2022"]), "sites",
               f"Sites France Services au 1er décembre 2022 : {name}", FS_2022_METHOD)
    change = int(row["fs_change"])
    if change:
        word = "de plus" if change > 0 else "de moins"
        yield make(_key(code, "fs_change"), abs(change), "sites",
                   f"Sites France Services {word} en août 2024 qu'en décembre 2022 : {name}",
                   "sites 2024 − sites 2022, en valeur absolue (le texte dit le sens)")
        if _present(row["fs_change_pct"]):
            yield make(_key(code, "fs_change_pct"), round(abs(float(row["fs_change_pct"])), 1), "%",
                       f"{'Hausse' if change > 0 else 'Baisse'} du nombre de sites France Services, décembre 2022 → "
                       f"août 2024 : {name}", "|sites 2024 − sites 2022| / sites 2022")
    yield make(_key(code, "mediation_places"), int(row["mediation_places"]), "lieux",
               f"Lieux de médiation numérique recensés par data·inclusion (début 2023) : {name}", MEDIATION_METHOD)
    yield make(_key(code, "cnfs_hosts"), int(row["cnfs_hosts"]), "structures",
               f"Structures d'accueil de conseillers numériques (2021) : {name}", CNFS_METHOD)
    yield make(_key(code, "cnfs_posts"), int(row["cnfs_posts"]), "postes",
               f"Postes de conseillers numériques (2021) : {name}", CNFS_METHOD)
    for prefix, what, method in (("fs", "Sites France Services", FS_METHOD),
                                 ("mediation", "Lieux de médiation numérique", MEDIATION_METHOD),
                                 ("cnfs_posts", "Postes de conseillers numériques", CNFS_METHOD)):
        density = row[f"{prefix}_per_{_per()}"]  # a density, then its rank, only where the value exists
        if not _present(density):
            continue
        yield make(_key(code, f"{prefix}_density"), round(float(density), 1), "",
                   f"{what} pour {per} habitants : {name}", f"nombre / population municipale 2023 × {per}",
                   decimals=1)
        rank = row[f"{prefix}_rank"]
        if _present(rank):
            yield make(_key(code, f"{prefix}_rank"), int(rank), "rang",
                       f"Rang de la région {name} parmi les régions : {what.lower()} pour {per} habitants",
                       RANK_METHOD)
    yield make(_key(code, "cnfs_funding_eur"), int(row["cnfs_funding_eur"]), "eur",
               f"Financement estimatif de l'État des postes de conseillers numériques : {name}", CNFS_METHOD)
    if _present(row["cnfs_funding_per_inhabitant"]):
        yield make(_key(code, "cnfs_funding_per_inhabitant_eur"), round(float(row["cnfs_funding_per_inhabitant"]), 2),
                   "eur", f"Financement de l'État des conseillers numériques par habitant : {name}",
                   "financement / population municipale 2023", decimals=2)
    priority = _priority(code)
    for area, label in (("zrr", "en zone de revitalisation rurale (ZRR)"),
                        ("qpv", "dans un quartier prioritaire de la politique de la ville (QPV)")):
        if area not in priority.index:
            continue
        known = priority.loc[area, "posts"] - priority.loc[area, "posts_unknown"]
        if known > 0:  # a share of posts whose area is known, else nothing to say
            value, comparator = _percent(priority.loc[area, "posts_in_area"] / known)
            yield make(_key(code, f"cnfs_{area}_posts_pct"), value, "%",
                       f"Part des postes de conseillers numériques dont la structure d'accueil est {label} : {name}",
                       "indicateurs ZRR et QPV de la liste 2021, postes dont la zone est connue",
                       comparator=comparator)
    for prefix, label in OFFERS.items():
        for threshold in thresholds():
            share = row[f"{prefix}_beyond_{threshold}km"]
            if not _present(share):
                continue
            value, comparator = _percent(share)
            yield make(_key(code, f"{prefix}_beyond_{threshold}km_pct"), value, "%",
                       f"Part de la population à plus de {threshold} km à vol d'oiseau de {label} : {name}",
                       DISTANCE_METHOD, comparator=comparator)
            yield make(_key(code, f"{prefix}_beyond_{threshold}km_inhabitants"),
                       int(distances().bands[prefix].loc[code, _band_after(threshold):].sum()), "persons",
                       f"Habitants à plus de {threshold} km à vol d'oiseau de {label} : {name}", DISTANCE_METHOD)
        median = distances().medians[prefix].get(code)
        if _present(median):
            yield make(_key(code, f"{prefix}_median_km"), round(float(median), 1), "km",
                       f"Distance médiane des habitants à {label} : {name}",
                       MEDIAN_METHOD, decimals=1)


def _band_after(threshold: int) -> int:
    """The first distance band beyond ``threshold`` km (a threshold must be a band edge)."""
    edges = decision("barometer.distance_bands_km")
    if threshold not in edges:
        raise ValueError(f"access threshold {threshold} km is not an edge of barometer.distance_bands_km {edges}")
    return edges.index(threshold) + 1


def _atlas_facts(code: str, make: _Maker) -> Iterator[Fact]:
    row, name, per = region_row(code), region_name(code), french_number(_per())
    placed = f"{atlas_label()}, placé par essnum.territory"
    yield make(_key(code, "organisations"), int(row["organisations"]), "organisations",
               f"Organisations de l'atlas localisées : {name}", placed)
    yield make(_key(code, "density"), round(float(row[f"per_{_per()}"]), 3), "organisations",
               f"Organisations de l'atlas localisées pour {per} habitants : {name}",
               f"organisations localisées / population municipale 2023 × {per}")
    if row["organisations"] > 0:
        yield make(_key(code, "rank"), int(row["rank"]), "rang",
                   f"Rang de la région {name} parmi les régions, par organisations de l'atlas localisées pour "
                   f"{per} habitants", "rang décroissant, ex aequo au meilleur rang")


@lru_cache(maxsize=1)
def _facts_by_region() -> dict[str, tuple[Fact, ...]]:
    make, atlas = _Maker(offer_files()), _Maker(data_files())
    return {code: (*_offer_facts(code, make), *_atlas_facts(code, atlas)) for code in region_codes()}


@provider(PREFIX)
def barometer_facts() -> Iterator[Fact]:
    """Facts of every région's barometer and their national context."""
    _facts_by_region.cache_clear()  # recomputed with the registry (facts.refresh)
    yield from _national_facts()
    for items in _facts_by_region().values():
        yield from items


def region_fact(code, name: str):
    """French text of the région's fact ``name`` (``population``, ``fs_sites``, ``fs_density``…), recorded
    as used by the brief like :func:`essnum.publish.facts.fact`."""
    return fact(_key(region_code(code), name))


def national_fact(name: str):
    return fact(_key(NATIONAL, name))


def fact_names(code) -> list[str]:
    """The facts the région has, in the order they are computed (no rank without a value, …)."""
    code = region_code(code)
    return [item.key.removeprefix(_key(code, "")) for item in _facts_by_region()[code]]


def has_fact(code, name: str) -> bool:
    return name in fact_names(code)


def _value(code, name: str):
    return get(_key(region_code(code), name)).value


# --------------------------------------------------------------------------- sentences


def _plural(code, name: str, word: str) -> str:
    """``word`` in the plural from 2 on, the French rule ("1,9 poste", "2 postes", "1 département")."""
    return word if abs(_value(code, name)) < 2 else word + "s"


def _persons(text: str) -> str:
    """"593 408 personnes", "1,2 million de personnes"."""
    large = text.endswith(("million", "millions", "milliard", "milliards"))
    return f"{text} de personnes" if large else f"{text} personnes"


def _national_change() -> str:
    """"hausse de 7,1 %" (or "baisse de …"): the national change of France Services sites since December 2022."""
    return f"{'hausse' if get('support.fs.change_pct').value >= 0 else 'baisse'} de {fact('support.fs.change_pct')}"


def _threshold(threshold: int) -> str:
    return f"{national_fact(f'threshold_{threshold}km')} km"


def _rank(code, name: str) -> str:
    """", rang 3 des 18 régions" when the région has that rank, else nothing."""
    if not has_fact(code, name):
        return ""
    return f" : rang {region_fact(code, name)} des {national_fact('regions')} régions"


def fs_change_text(code) -> str:
    """How the number of France Services sites moved since December 2022 (up, down or unchanged)."""
    code = region_code(code)
    before = region_fact(code, "fs_sites_2022")
    if not has_fact(code, "fs_change"):
        return f"autant qu'en décembre 2022 ({before}) ; France : {_national_change()}"
    up = int(offer_row(code)["fs_change"]) > 0
    sites = "site" if _value(code, "fs_change") == 1 else "sites"
    text = f"{region_fact(code, 'fs_change')} {sites} de {'plus' if up else 'moins'} qu'en décembre 2022 ({before})"
    if has_fact(code, "fs_change_pct"):
        text += (f", une {'hausse' if up else 'baisse'} de {region_fact(code, 'fs_change_pct')} "
                 f"(France : {_national_change()})")
    return text


def offer_text(code) -> str:
    """The support offer of the région: France Services sites, mediation places, conseillers numériques (markdown,
    three paragraphs)."""
    code = region_code(code)
    per = national_fact("per_inhabitants")
    fs = (f"Au 1er août 2024, la région compte {region_fact(code, 'fs_sites')} sites France Services sur les "
          f"{fact('support.fs.sites')} du pays, soit {region_fact(code, 'fs_density')} pour {per} habitants "
          f"(France : {fact('support.fs.per_inhabitants')}){_rank(code, 'fs_rank')}. C'est {fs_change_text(code)}. "
          "Chaque site accueille le public, avec des agents formés, pour ses démarches administratives, numériques "
          "comprises.")
    mediation = (f"data·inclusion recense au début de 2023 {region_fact(code, 'mediation_places')} lieux de médiation "
                 f"numérique dans la région, soit {region_fact(code, 'mediation_density')} pour {per} habitants "
                 f"(France : {national_fact('mediation_density')}){_rank(code, 'mediation_rank')}. Ce recensement "
                 "repose sur les déclarations des lieux et des réseaux : un lieu qui n'y figure pas peut exister, et "
                 "un écart entre régions peut tenir à la façon dont elles se sont déclarées.")
    cnfs = (f"Le programme des conseillers numériques France Services a retenu en 2021 "
            f"{region_fact(code, 'cnfs_hosts')} structures d'accueil dans la région pour "
            f"{region_fact(code, 'cnfs_posts')} postes, soit {region_fact(code, 'cnfs_posts_density')} "
            f"{_plural(code, 'cnfs_posts_density', 'poste')} pour "
            f"{per} habitants (France : {national_fact('cnfs_posts_density')}){_rank(code, 'cnfs_posts_rank')}. "
            f"Le financement estimatif de l'État y atteint {region_fact(code, 'cnfs_funding_eur')}")
    if has_fact(code, "cnfs_funding_per_inhabitant_eur"):
        cnfs += (f", {region_fact(code, 'cnfs_funding_per_inhabitant_eur')} par habitant contre "
                 f"{fact('support.cnfs.funding_per_inhabitant_eur')} pour la France entière")
    cnfs += "."
    areas = []
    for area, where in (("zrr", "en zone de revitalisation rurale (ZRR)"),
                        ("qpv", "dans un quartier prioritaire de la politique de la ville (QPV)")):
        if not has_fact(code, f"cnfs_{area}_posts_pct"):
            continue
        national = fact(f"support.cnfs.{area}_posts_pct")
        if _value(code, f"cnfs_{area}_posts_pct") == 0:
            areas.append(f"aucun n'est accueilli {where} (France : {national} des postes)")
        else:
            areas.append(f"{region_fact(code, f'cnfs_{area}_posts_pct')} sont accueillis {where} (France : {national})")
    if areas:
        cnfs += " Parmi ces postes, " + " ; ".join(areas) + "."
    return "\n\n".join([fs, mediation, cnfs]) + "\n"


def _beyond_clause(code, prefix: str, threshold: int) -> str:
    national = fact(f"support.{prefix}.beyond_{threshold}km_pct")
    if _value(code, f"{prefix}_beyond_{threshold}km_inhabitants") == 0:
        return f"aucun habitant n'est à plus de {_threshold(threshold)} (France : {national} des habitants)"
    persons = _persons(region_fact(code, f"{prefix}_beyond_{threshold}km_inhabitants"))
    return (f"{region_fact(code, f'{prefix}_beyond_{threshold}km_pct')} des habitants, soit {persons}, sont à plus "
            f"de {_threshold(threshold)} (France : {national})")


def distance_method_text() -> str:
    """How the distances are measured, with the thresholds as facts (markdown; the same for every région)."""
    limits = [_threshold(threshold) for threshold in thresholds()]
    listed = limits[0] if len(limits) == 1 else ", ".join(limits[:-1]) + " et " + limits[-1]
    return ("La distance à l'accompagnement est mesurée à vol d'oiseau, du point de chaque commune (le centre de son "
            "contour) au site France Services et au lieu de médiation numérique les plus proches de son territoire "
            "— la métropole, ou le département d'outre-mer lui-même — ; chaque commune compte pour sa population "
            f"municipale. Les seuils de {listed} sont des repères de lecture, non une norme : le programme France "
            "Services vise un temps de trajet, et la route est toujours plus longue que la ligne droite. Une "
            "distance décrit l'accès physique à un lieu ; elle ne dit rien des horaires, de l'attente ni de "
            "l'accompagnement proposé.\n")


def distance_text(code) -> str:
    """How far the région's inhabitants are from a France Services site and from a mediation place (markdown)."""
    code = region_code(code)
    paragraphs = []
    for prefix, label in OFFERS.items():
        clauses = [_beyond_clause(code, prefix, threshold) for threshold in thresholds()
                   if has_fact(code, f"{prefix}_beyond_{threshold}km_pct")]
        if not clauses:
            paragraphs.append(f"La distance à {label} ne peut pas être calculée pour la région.")
            continue
        text = f"{NEAREST[prefix]}, à vol d'oiseau : " + " ; ".join(clauses) + "."
        if has_fact(code, f"{prefix}_median_km"):
            text += (f" La moitié des habitants vit à moins de {region_fact(code, f'{prefix}_median_km')} km "
                     f"d'{label} (France : {national_fact(f'{prefix}_median_km')} km).")
        paragraphs.append(text)
    if is_overseas(code):
        paragraphs.append(f"Les distances sont mesurées vers les sites et les lieux de {region_name(code)} même, "
                          "jamais "
                          "vers la métropole ; d'une île ou d'une rive à l'autre, elles restent à vol d'oiseau, et "
                          "la mer, le relief ou le fleuve allongent les trajets bien davantage qu'en métropole.")
    return "\n\n".join(paragraphs) + "\n"


def atlas_label() -> str:
    """How the sentences name the atlas: the embedded one, or the user's folder (``--atlas``, ``essnum.toml``)."""
    from essnum.paths import dataset

    folder = dataset("atlas")
    return "l'atlas embarqué (data/atlas)" if folder is None else f"l'atlas fourni ({folder.name})"


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def presence_text(code) -> str:
    """Whether atlas organisations are located in the région, with density and rank, or that none is."""
    code = region_code(code)
    if region_row(code)["organisations"] == 0:
        return (f"Aucune des {national_fact('atlas_organisations')} organisations de {atlas_label()} n'est "
                f"localisée dans la région : l'atlas ne localise en France que {national_fact('located')} "
                f"organisation(s), dans {national_fact('regions_with_organisations')} des {national_fact('regions')} "
                "régions. La région "
                "n'a donc ni densité à comparer ni rang parmi les régions ; l'absence d'organisation localisée "
                "ne dit pas qu'il n'en existe pas, mais que l'atlas n'en documente pas l'adresse.")
    return (f"{region_fact(code, 'organisations')} organisation(s) de l'atlas sont localisées dans la région, soit "
            f"{region_fact(code, 'density')} pour {national_fact('per_inhabitants')} habitants : la région se "
            f"classe au rang {region_fact(code, 'rank')} des {national_fact('regions')} régions. {_capital(atlas_label())} "
            f"ne localise que {national_fact('located')} de ses {national_fact('atlas_organisations')} organisations "
            "en France : ce rang décrit l'atlas, pas l'écosystème régional.")


def key_points(code) -> str:
    """The « L'essentiel » bullet list of the région (markdown)."""
    code = region_code(code)
    per = national_fact("per_inhabitants")
    first = thresholds()[0]
    points = [f"Population municipale 2023 : {region_fact(code, 'population')} ; "
              f"{region_fact(code, 'departements')} {_plural(code, 'departements', 'département')}.",
              f"{region_fact(code, 'fs_sites')} sites France Services en août 2024, {region_fact(code, 'fs_density')} "
              f"pour {per} habitants (France : {fact('support.fs.per_inhabitants')}){_rank(code, 'fs_rank')} ; "
              f"{fs_change_text(code)}."]
    if has_fact(code, f"fs_beyond_{first}km_pct"):
        who = ("Aucun habitant ne vit" if _value(code, f"fs_beyond_{first}km_inhabitants") == 0
               else f"{region_fact(code, f'fs_beyond_{first}km_pct')} des habitants vivent")
        point = (f"{who} à plus de {_threshold(first)} à vol d'oiseau d'un site France Services "
                 f"(France : {fact(f'support.fs.beyond_{first}km_pct')})")
        if has_fact(code, "fs_median_km"):
            point += f" ; la moitié à moins de {region_fact(code, 'fs_median_km')} km"
        points.append(point + ".")
    point = (f"{region_fact(code, 'mediation_places')} lieux de médiation numérique recensés par data·inclusion, "
             f"{region_fact(code, 'mediation_density')} pour {per} habitants{_rank(code, 'mediation_rank')}")
    if has_fact(code, f"mediation_beyond_{first}km_pct"):
        who = ("aucun habitant" if _value(code, f"mediation_beyond_{first}km_inhabitants") == 0
               else f"{region_fact(code, f'mediation_beyond_{first}km_pct')} des habitants")
        point += (f" ; {who} à plus de {_threshold(first)} de l'un d'eux "
                  f"(France : {fact(f'support.mediation.beyond_{first}km_pct')})")
    points.append(point + ".")
    point = (f"{region_fact(code, 'cnfs_posts')} postes de conseillers numériques retenus en 2021, "
             f"{region_fact(code, 'cnfs_posts_density')} pour {per} habitants{_rank(code, 'cnfs_posts_rank')}")
    if has_fact(code, "cnfs_funding_per_inhabitant_eur"):
        point += (f" ; financement de l'État : {region_fact(code, 'cnfs_funding_per_inhabitant_eur')} par habitant "
                  f"(France : {fact('support.cnfs.funding_per_inhabitant_eur')})")
    points.append(point + ".")
    if region_row(code)["organisations"]:
        points.append(f"L'atlas de l'observatoire localise {region_fact(code, 'organisations')} de ses organisations "
                      f"dans la région (rang {region_fact(code, 'rank')}), mais seulement "
                      f"{national_fact('located')} de ses {national_fact('atlas_organisations')} organisations en "
                      "France : un repère sur l'atlas, pas sur l'écosystème.")
    else:
        points.append(f"L'atlas de l'observatoire ne localise aucune organisation dans la région (il n'en localise "
                      f"que {national_fact('located')} sur {national_fact('atlas_organisations')}) : pas de densité, "
                      "pas de rang.")
    points.append("Les chiffres d'enquête rappelés plus bas sont nationaux : aucune ventilation régionale n'est publiée.")
    return "\n".join(f"- {point}" for point in points) + "\n"


# --------------------------------------------------------------------------- tables


def _integer(value) -> str:
    """An integer in full, the French way ("1 258 722": tables print exact counts, not "1,3 million")."""
    import pandas as pd

    return "—" if pd.isna(value) else french_decimal(round(float(value)), 0)


def _decimal(value, decimals: int = 1) -> str:
    import pandas as pd

    return "—" if pd.isna(value) else french_decimal(round(float(value), decimals), decimals)


def _signed(value) -> str:
    """A change with its sign: "+16", "−1", "0"."""
    import pandas as pd

    if pd.isna(value):
        return "—"
    value = int(value)
    return ("+" if value > 0 else "\u2212" if value < 0 else "") + french_decimal(abs(value), 0)


def _share(value) -> str:
    """A share of the population as a percentage, one decimal; "< 0,1 %" when positive but rounding to zero."""
    import pandas as pd

    if pd.isna(value):
        return "—"
    pct, comparator = _percent(value)
    return ("< " if comparator == "<" else "") + french_number(pct, "%", 1)


def _departement_columns() -> list[str]:
    per, first = _per(), thresholds()[0]
    return ["code", "name", "population", "fs_sites", f"fs_per_{per}", "fs_change", f"fs_beyond_{first}km",
            "fs_median_km"]


def departements_data(code) -> pd.DataFrame:
    """The figures of :func:`departements_table`, unformatted (shares as fractions, distances in km)."""
    return region_departements(code)[_departement_columns()].reset_index(drop=True)


def departements_table(code) -> pd.DataFrame:
    """One row per département of the région: population, France Services sites, sites per 100 000 inhabitants,
    change since December 2022, share of the population beyond the first threshold, median distance (French)."""
    import pandas as pd

    per, first = _per(), thresholds()[0]
    deps = departements_data(code)
    return pd.DataFrame({
        "Département": deps["name"] + " (" + deps["code"] + ")",
        "Population": deps["population"].map(_integer),
        "Sites France Services": deps["fs_sites"].map(_integer),
        f"Pour {french_number(per)} hab.": deps[f"fs_per_{per}"].map(_decimal),
        "Depuis déc. 2022": deps["fs_change"].map(_signed),
        f"Habitants à plus de {french_number(first)} km": deps[f"fs_beyond_{first}km"].map(_share),
        "Distance médiane (km)": deps["fs_median_km"].map(_decimal),
    })


def distance_data(code) -> pd.DataFrame:
    """Inhabitants of the région per distance band (``barometer.distance_bands_km``) to the nearest France
    Services site and mediation place, with the shares as fractions, unformatted."""
    import pandas as pd

    code = region_code(code)
    columns = {"band": band_labels()}
    for prefix in ("fs", "mediation"):
        counts = distances().bands[prefix].loc[code]
        total = counts.sum()
        columns[f"{prefix}_inhabitants"] = counts.to_numpy()
        columns[f"{prefix}_share"] = (counts / total).to_numpy() if total else [float("nan")] * len(counts)
    return pd.DataFrame(columns)


def distance_table(code) -> pd.DataFrame:
    """Population of the région by straight-line distance band to the nearest France Services site and mediation
    place (``barometer.distance_bands_km``): inhabitants and share, French."""
    import pandas as pd

    data = distance_data(code)
    columns = {"Distance à vol d'oiseau": data["band"]}
    for prefix, header in (("fs", "site France Services"), ("mediation", "lieu de médiation")):
        columns[f"Habitants ({header})"] = data[f"{prefix}_inhabitants"].map(_integer)
        columns[f"Part ({header})"] = data[f"{prefix}_share"].map(_share)
    return pd.DataFrame(columns)


def comparison_table(code) -> pd.DataFrame:
    """The région next to France: each indicator with the région's fact, the national fact and the rank when
    the région has one."""
    import pandas as pd

    code = region_code(code)
    per = french_number(_per())

    def region(name):
        return region_fact(code, name) if has_fact(code, name) else "—"

    def rank(name):
        return f"{region_fact(code, name)} / {national_fact('regions')}" if has_fact(code, name) else "—"

    change_pct = region("fs_change_pct")
    if has_fact(code, "fs_change_pct"):
        change_pct = ("+" if int(offer_row(code)["fs_change"]) > 0 else "\u2212") + change_pct
    rows = [
        (f"Sites France Services pour {per} habitants (2024)", region("fs_density"),
         fact("support.fs.per_inhabitants"), rank("fs_rank")),
        ("Évolution du nombre de sites depuis décembre 2022", change_pct,
         ("+" if get("support.fs.change_pct").value > 0 else "") + fact("support.fs.change_pct"), "—"),
    ]
    for prefix, label in (("fs", "d'un site France Services"), ("mediation", "d'un lieu de médiation")):
        if prefix == "mediation":
            rows.append((f"Lieux de médiation numérique pour {per} habitants", region("mediation_density"),
                         national_fact("mediation_density"), rank("mediation_rank")))
        for threshold in thresholds():
            rows.append((f"Habitants à plus de {french_number(threshold)} km {label}",
                         region(f"{prefix}_beyond_{threshold}km_pct"),
                         fact(f"support.{prefix}.beyond_{threshold}km_pct"),
                         "—"))
        median = f"{region(f'{prefix}_median_km')} km" if has_fact(code, f"{prefix}_median_km") else "—"
        rows.append((f"Distance médiane {label}", median, f"{national_fact(f'{prefix}_median_km')} km", "—"))
    rows += [
        (f"Postes de conseillers numériques pour {per} habitants", region("cnfs_posts_density"),
         national_fact("cnfs_posts_density"), rank("cnfs_posts_rank")),
        ("Financement de l'État des conseillers numériques par habitant", region("cnfs_funding_per_inhabitant_eur"),
         fact("support.cnfs.funding_per_inhabitant_eur"), "—"),
        ("Postes de conseillers numériques en ZRR", region("cnfs_zrr_posts_pct"), fact("support.cnfs.zrr_posts_pct"),
         "—"),
        ("Postes de conseillers numériques en QPV", region("cnfs_qpv_posts_pct"), fact("support.cnfs.qpv_posts_pct"),
         "—"),
    ]
    return pd.DataFrame(rows, columns=["Indicateur", "Région", "France entière", "Rang de la région"])


def families_table(code) -> pd.DataFrame:
    """Located atlas organisations of the région by family (label from ``data/atlas/families.csv``); empty when none."""
    import pandas as pd

    from essnum.data.atlas import family_labels

    row = region_row(code)
    labels = family_labels()
    rows = [{"Famille": labels.get(family, family), "Organisations": _integer(row[family])}
            for family in national().families if family in row.index and row[family] > 0]
    return pd.DataFrame(rows, columns=["Famille", "Organisations"])


def survey_table() -> pd.DataFrame:
    """National survey figures (``barometer.survey_figures``) with their confidence interval, as facts."""
    import pandas as pd

    rows = []
    for figure_id in decision("barometer.survey_figures"):
        item = get(figure_id)
        rows.append({"Indicateur (France entière)": item.label, "Valeur publiée": fact(figure_id),
                     "Intervalle de confiance": fact(f"survey.{figure_id}.ci")})
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- map


def _map_column() -> str:
    """The mapped value, as its CSV names it: the share of the population beyond the first threshold, in %."""
    return f"fs_beyond_{thresholds()[0]}km_pct"


@lru_cache(maxsize=1)
def _map_inputs():
    """Shared by every région's map: the département table (share beyond the first threshold in %), its sources,
    the national classes (the same for every barometer, so that colours compare), the département outlines and
    the France Services sites as points."""
    import geopandas as gpd

    from essnum.data import reference
    from essnum.territory import maps

    first = thresholds()[0]
    table = offer().departements[["code", "name", "population"]].copy()
    table[_map_column()] = 100 * offer().departements[f"fs_beyond_{first}km"]
    table.attrs["sources"] = [*reference.departement_populations().attrs.get("sources", []), "france-communes"]
    classification = maps.classify(table[_map_column()], zero_label=f"Aucun habitant à plus de {french_number(first)} km")
    sites = offer().of_kind("france_services")
    points = gpd.GeoDataFrame(sites[["id", "name", "region"]],
                              geometry=gpd.points_from_xy(sites["longitude"], sites["latitude"]), crs="EPSG:4326")
    points.attrs["sources"] = sorted(set(sites["source"].dropna()))
    return table, classification, reference.departements(), points


def region_map(code):
    """Map of the région: the France Services sites (points) over its départements, coloured by the share of the
    population beyond the first threshold from a site (national classes; ``MapFigure``)."""
    from essnum.territory import maps

    code = region_code(code)
    table, classification, geometry, points = _map_inputs()
    first = french_number(thresholds()[0])
    mine = points[points["region"] == code]
    mine.attrs = points.attrs
    return maps.region_map(
        table, _map_column(), geometry, code,
        title=f"{region_name(code)} : sites France Services et distance à un site",
        unit=(f"Part de la population à plus de {first} km à vol d'oiseau d'un site, par département "
              "(classes nationales)"),
        legend_title=f"Habitants à plus de {first} km\nd'un site (%)",
        zero_label=classification.zero_label, classification=classification,
        points=mine, points_label="Site France Services (août 2024)",
    )
