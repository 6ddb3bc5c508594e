"""Regional barometers (issue 7): what ``briefs/barometre-regional.qmd`` prints for one région.

One national computation — the embedded atlas placed in communes, départements and régions, counts
and densities per région and département, distance from each département to the nearest located
support organisation — is made once per process (:func:`national`) and shared by every région, so a
batch of barometers rendered in one kernel pays for it once.

* :func:`region_code` validates a région code (``84``, ``"84"``, ``"1"`` → ``"01"``), else raises
  :class:`UnknownRegion` listing the valid codes;
* facts ``barometre.<code>.…`` (one set per région) and ``barometre.france.…`` (national context) are
  registered with :func:`essnum.publish.facts.provider`; a région without located organisation gets no density
  rank and no distance it does not have (no fake numbers);
* :func:`key_points`, :func:`presence_text`, :func:`support_text` write the sentences whose wording
  depends on the région (every number in them is a fact); :func:`families_table`,
  :func:`departements_table`, :func:`survey_table` and :func:`facts_table` are the brief's tables;
  :func:`region_map` its map.

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
from essnum.paths import atlas_dir, data_dir

from .facts import Fact, computed, fact, get, provider

if TYPE_CHECKING:  # pandas is imported where it is used: validating a région code (batch, CLI) must not pay
    import pandas as pd  # for it before the kernel even starts

PREFIX = "barometre."
NATIONAL = "france"
#: Facts each région may have, in the order of its facts table (rank and distances only when they exist).
REGION_FACTS = ("population", "departements", "organisations", "density", "rank", "support", "distance_min_km",
                "distance_max_km")


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


# --------------------------------------------------------------------------- national computation


@dataclass(frozen=True)
class National:
    """The atlas placed once for every région: ``regions`` and ``departements`` are the
    ``essnum.territory`` tables (départements with their distance to support), ``counts`` the placement
    reconciliation, ``support`` the located support organisations."""

    regions: pd.DataFrame
    departements: pd.DataFrame
    counts: dict[str, int]
    support: pd.DataFrame
    families: list[str]


def data_files() -> list[Path]:
    """Data files the barometers are computed from (hashed into each fact's source)."""
    return [atlas_dir() / "organisations.csv", data_dir() / "reference" / "sources.toml"]


@lru_cache(maxsize=1)
def national() -> National:
    """The embedded atlas placed for every région's barometer (computed once per process)."""
    from essnum import territory
    from essnum.data.atlas import load_atlas

    atlas = load_atlas()
    placement = territory.place(atlas.organisations, Path(atlas.directory) / "organisations.csv")
    placement.check()
    return from_placement(placement)


def from_placement(placement) -> National:
    """The national tables of a ``territory.Placement`` (any atlas; tests use a synthetic one)."""
    from essnum import territory

    counts = territory.departement_counts(placement)
    distance = territory.distance_to_support(placement)
    departements = counts.merge(distance.drop(columns=["lon", "lat"]), on="code", how="left", validate="1:1")
    departements.attrs = counts.attrs  # the declared sources the map prints
    regions = territory.region_counts(placement)
    regions["rank"] = regions[_per()].rank(ascending=False, method="min").astype("int64")
    return National(regions=regions, departements=departements, counts=placement.counts(),
                    support=territory.support_locations(placement), families=territory.families_of(placement))


def _per() -> str:
    """Column of the density per ``territory.per_inhabitants`` inhabitants in the territory tables."""
    return f"per_{decision('territory.per_inhabitants')}"


def region_row(code) -> pd.Series:
    return national().regions.set_index("code").loc[region_code(code)]


def region_departements(code) -> pd.DataFrame:
    """The région's départements (``territory.departement_counts`` columns plus distance to support)."""
    table = national().departements
    return table[table["region"] == region_code(code)].sort_values("code", ignore_index=True)


# --------------------------------------------------------------------------- facts


def _key(code: str, name: str) -> str:
    return f"{PREFIX}{code}.{name}"


def _national_facts(files: list[Path]) -> Iterator[Fact]:
    data = national()
    counts, table = data.counts, data.regions
    atlas = "atlas embarqué (data/atlas), placé par essnum.territory"
    yield computed(_key(NATIONAL, "atlas_organisations"), counts["read"], "organisations",
                   "Organisations de l'atlas embarqué", "lignes lues dans organisations.csv", files)
    yield computed(_key(NATIONAL, "located"), counts["placed in France"], "organisations",
                   "Organisations de l'atlas localisées dans un département français", atlas, files)
    yield computed(_key(NATIONAL, "support_located"), len(data.support), "organisations",
                   "Structures d'accompagnement de l'atlas localisées en France "
                   f"(familles {', '.join(decision('territory.support_families'))})", atlas, files)
    yield computed(_key(NATIONAL, "regions"), len(table), "régions", "Régions françaises (COG)",
                   "liste des régions du code officiel géographique (Insee)", files)
    yield computed(_key(NATIONAL, "regions_with_organisations"), int((table["organisations"] > 0).sum()), "régions",
                   "Régions où au moins une organisation de l'atlas est localisée", atlas, files)
    yield computed(_key(NATIONAL, "per_inhabitants"), decision("territory.per_inhabitants"), "habitants",
                   "Population de référence des densités", "décision territory.per_inhabitants", files)
    yield computed(_key(NATIONAL, "survey_confidence"), 100 * decision("survey.confidence"), "percent",
                   "Niveau de confiance des intervalles des enquêtes", "décision survey.confidence", files)


def _region_facts(code: str, files: list[Path]) -> Iterator[Fact]:
    import pandas as pd

    row = region_row(code)
    name = region_name(code)
    per = decision("territory.per_inhabitants")
    deps = region_departements(code)
    atlas = "atlas embarqué placé par essnum.territory"
    yield computed(_key(code, "population"), int(row["population"]), "persons", f"Population municipale 2023 : {name}",
                   "somme des populations municipales des communes (Insee, populations légales 2023)", files)
    yield computed(_key(code, "departements"), len(deps), "départements", f"Départements de la région {name}",
                   "code officiel géographique (Insee)", files)
    yield computed(_key(code, "organisations"), int(row["organisations"]), "organisations",
                   f"Organisations de l'atlas localisées : {name}", atlas, files)
    yield computed(_key(code, "density"), round(float(row[_per()]), 3), "organisations",
                   f"Organisations de l'atlas localisées pour {french_number(per)} habitants : {name}",
                   f"organisations localisées / population municipale 2023 × {french_number(per)}", files)
    support = national().support
    yield computed(_key(code, "support"), int(support["departement"].isin(deps["code"]).sum()), "organisations",
                   f"Structures d'accompagnement de l'atlas localisées : {name}", atlas, files)
    if row["organisations"] > 0:
        yield computed(_key(code, "rank"), int(row["rank"]), "rang",
                       f"Rang de la région {name} parmi les régions, par organisations localisées pour "
                       f"{french_number(per)} habitants", "rang décroissant, ex aequo au meilleur rang", files)
    distances = pd.to_numeric(deps["distance_km"], errors="coerce").dropna()
    if len(distances):
        method = ("distance à vol d'oiseau du centre de chaque département (centroïde du contour) à la structure "
                  "d'accompagnement localisée la plus proche")
        yield computed(_key(code, "distance_min_km"), round(float(distances.min())), "km",
                       f"Distance la plus courte d'un département de la région {name} à une structure "
                       "d'accompagnement localisée", method, files)
        yield computed(_key(code, "distance_max_km"), round(float(distances.max())), "km",
                       f"Distance la plus longue d'un département de la région {name} à une structure "
                       "d'accompagnement localisée", method, files)


@provider(PREFIX)
def barometer_facts() -> Iterator[Fact]:
    """Facts of every région's barometer and their national context."""
    files = data_files()
    yield from _national_facts(files)
    for code in region_codes():
        yield from _region_facts(code, files)


def region_fact(code, name: str):
    """French text of the région's fact ``name`` (``population``, ``organisations``, ``density``…), recorded
    as used by the brief like :func:`essnum.publish.facts.fact`."""
    return fact(_key(region_code(code), name))


def national_fact(name: str):
    return fact(_key(NATIONAL, name))


def fact_names(code) -> list[str]:
    """The facts the région has, in :data:`REGION_FACTS` order (no rank without organisation, no distance
    without support)."""
    code = region_code(code)
    keys = {item.key for item in _region_facts(code, [])}
    return [name for name in REGION_FACTS if _key(code, name) in keys]


def has_fact(code, name: str) -> bool:
    return name in fact_names(code)


# --------------------------------------------------------------------------- sentences


def presence_text(code) -> str:
    """Whether atlas organisations are located in the région, with density and rank, or that none is."""
    code = region_code(code)
    if region_row(code)["organisations"] == 0:
        return (f"Aucune des {national_fact('atlas_organisations')} organisations de l'atlas embarqué n'est "
                f"localisée dans la région : l'atlas ne localise en France que {national_fact('located')} "
                f"organisation(s), dans {national_fact('regions_with_organisations')} des {national_fact('regions')} "
                "régions. La région "
                "n'a donc ni densité à comparer ni rang parmi les régions ; l'absence d'organisation localisée "
                "ne dit pas qu'il n'en existe pas, mais que l'atlas n'en documente pas l'adresse.")
    return (f"{region_fact(code, 'organisations')} organisation(s) de l'atlas sont localisées dans la région, soit "
            f"{region_fact(code, 'density')} pour {national_fact('per_inhabitants')} habitants : la région se "
            f"classe au rang {region_fact(code, 'rank')} des {national_fact('regions')} régions. L'atlas embarqué "
            f"ne localise que {national_fact('located')} de ses {national_fact('atlas_organisations')} organisations "
            "en France : ce rang décrit l'atlas, pas l'écosystème régional.")


def support_text(code) -> str:
    """How far the région's départements are from the nearest located support organisation, honestly."""
    code = region_code(code)
    if not has_fact(code, "distance_min_km"):
        return ("Aucune structure d'accompagnement de l'atlas n'est localisée en France : la distance des "
                "départements à l'accompagnement ne peut pas être calculée.")
    nearest = region_departements(code)["nearest_support_name"].dropna().drop_duplicates().sort_values()
    lead = (f"L'atlas localise {national_fact('support_located')} structure(s) d'accompagnement en France, dont "
            f"{region_fact(code, 'support')} dans la région ; la plus proche des départements de la région : "
            f"{', '.join(nearest)}. ")
    if is_overseas(code):
        return lead + (f"Elle est à {region_fact(code, 'distance_min_km')} km à "
                       "vol d'oiseau, en métropole : cette distance dit l'absence d'accompagnement documenté sur place, "
                       "pas un trajet réaliste.")
    return lead + (f"Selon le département, elle est à {region_fact(code, 'distance_min_km')} à "
                   f"{region_fact(code, 'distance_max_km')} km à vol d'oiseau du centre du département.")


def key_points(code) -> str:
    """The « L'essentiel » bullet list of the région (markdown)."""
    code = region_code(code)
    organisations = region_row(code)["organisations"]
    points = [f"Population municipale 2023 : {region_fact(code, 'population')} ; "
              f"{region_fact(code, 'departements')} département(s)."]
    if organisations:
        points.append(f"{region_fact(code, 'organisations')} organisation(s) de l'atlas localisées, "
                      f"{region_fact(code, 'density')} pour {national_fact('per_inhabitants')} habitants : "
                      f"rang {region_fact(code, 'rank')} sur {national_fact('regions')} régions.")
    else:
        points.append("Aucune organisation de l'atlas embarqué n'est localisée dans la région : pas de densité, "
                      "pas de rang.")
    if has_fact(code, "distance_min_km"):
        points.append(f"Structure d'accompagnement localisée la plus proche : à {region_fact(code, 'distance_min_km')} km "
                      "à vol d'oiseau du département le mieux placé.")
    points.append("Les chiffres d'enquête rappelés plus bas sont nationaux : aucune ventilation régionale n'est publiée.")
    return "\n".join(f"- {point}" for point in points) + "\n"


# --------------------------------------------------------------------------- tables


def _integer(value) -> str:
    """An integer in full, the French way ("1 258 722": tables print exact counts, not "1,3 million")."""
    import pandas as pd

    return "—" if pd.isna(value) else french_decimal(round(float(value)), 0)


def departements_table(code) -> pd.DataFrame:
    """One row per département of the région: population, located organisations, density and distance to
    the nearest located support organisation (formatted in French, for printing; which organisation is
    nearest is named by :func:`support_text`)."""
    import pandas as pd

    per = decision("territory.per_inhabitants")
    deps = region_departements(code)
    return pd.DataFrame({
        "Département": deps["name"] + " (" + deps["code"] + ")",
        "Population": deps["population"].map(_integer),
        "Organisations localisées": deps["organisations"].map(_integer),
        f"Pour {french_number(per)} hab.": deps[_per()].round(3).map(french_number),
        "Distance à l'accompagnement (km)": deps["distance_km"].map(_integer),
    })


def families_table(code) -> pd.DataFrame:
    """Located organisations of the région by family (label from ``data/atlas/families.csv``); empty when none."""
    import pandas as pd

    row = region_row(code)
    labels = pd.read_csv(atlas_dir() / "families.csv", dtype=str).set_index("code")["label_fr"]
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


def facts_table(code) -> pd.DataFrame:
    """Every ``barometre.<code>.…`` fact the région has (:data:`REGION_FACTS`): its French text and meaning."""
    import pandas as pd

    keys = [_key(region_code(code), name) for name in fact_names(code)]
    return pd.DataFrame({"Chiffre": [fact(key) for key in keys], "Signification": [get(key).label for key in keys]})


def region_map(code):
    """Map of the région's départements: located organisations per 100 000 inhabitants (``MapFigure``)."""
    from essnum.data import reference
    from essnum.territory import maps

    code = region_code(code)
    per = french_number(decision("territory.per_inhabitants"))
    return maps.region_map(
        national().departements, _per(), reference.departements(), code,
        title=f"{region_name(code)} : organisations de l'atlas localisées",
        unit=f"Organisations pour {per} habitants (population municipale 2023), par département",
        legend_title=f"Organisations\npour {per} habitants", zero_label="Aucune organisation localisée",
        sources=["Données : atlas ESS numérique embarqué (data/atlas), organisations localisées"],
    )
