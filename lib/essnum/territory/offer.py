"""The support offer of digital inclusion, nationally: what briefs, barometers and notebooks print about it.

One computation per process (:func:`support_offer`) reads the three real lists through their getters
(France Services sites on 2024-08-01 and 2022-12-01, the data·inclusion mediation places of early 2023,
the 2021 hosts of the conseillers numériques France Services), places every place in its commune
(:mod:`.places`), measures the straight-line distance from every commune to the nearest France Services
site and to the nearest mediation place of its own territory (:mod:`.access`), and classifies the CnFS
hosts for the ESS share of the programme (:mod:`essnum.funding.programme`).

Tables per département and per région (:attr:`SupportOffer.departements`, :attr:`SupportOffer.regions`):
code, name, population; ``fs_sites``, ``fs_sites_2022``, ``fs_change``, ``fs_change_pct``,
``fs_per_100000``, ``fs_rank``; ``mediation_places``, ``mediation_per_100000``, ``mediation_rank``;
``cnfs_hosts``, ``cnfs_posts``, ``cnfs_posts_per_100000``, ``cnfs_posts_rank``, ``cnfs_funding_eur``,
``cnfs_funding_per_inhabitant``; ``fs_beyond_<t>km`` and ``mediation_beyond_<t>km`` (share of the
population whose commune is farther than t km, ``territory.access_thresholds_km``), ``fs_median_km``
and ``mediation_median_km`` (population-weighted median distances). Ranks: 1 = densest. A place counts in a unit when its unit is known
(placed, or a code/point conflict whose two communes lie in that unit).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from essnum.config import decision
from essnum.data import reference, support
from essnum.paths import atomic_write, build_dir, data_dir

from . import access
from .places import place_places

#: The kinds of place, their getter and their date (what the tables call them).
KINDS = {
    "france_services": "sites France Services (ANCT, 1er août 2024)",
    "france_services_2022": "sites France Services (ANCT, 1er décembre 2022)",
    "mediation": "lieux de médiation numérique (data·inclusion, début 2023)",
    "cnfs_host": "structures d'accueil des conseillers numériques France Services (2021)",
}
PLACE_COLUMNS = ["id", "name", "kind", "services", "source", "date", "commune", "commune_name", "departement",
                 "region", "method", "status", "reason", "longitude", "latitude"]
HOST_COLUMNS = ["siret", "siren", "host_type", "posts", "state_funding_eur", "zrr", "qpv"]


@dataclass(frozen=True)
class SupportOffer:
    """Every place placed (``places``), every commune's distances (``communes``), the unit tables, the
    population beyond each threshold (``beyond``: long table with ``offer``), CnFS posts in ZRR and QPV
    (``priority``), the CnFS hosts classified (``hosts``) and the ESS share of the programme as bounds
    (``bounds``). ``counts``: placement counts per kind (read = rejected + placed + unplaced + conflict)."""

    places: pd.DataFrame
    counts: dict[str, dict[str, int]]
    communes: pd.DataFrame
    departements: pd.DataFrame
    regions: pd.DataFrame
    beyond: pd.DataFrame
    priority: pd.DataFrame
    hosts: pd.DataFrame
    bounds: pd.DataFrame
    sources: list[str]

    def of_kind(self, kind: str) -> pd.DataFrame:
        return self.places[self.places["kind"] == kind]


def _placed(frame: pd.DataFrame, kind: str, shapes) -> tuple[pd.DataFrame, dict[str, int]]:
    frame = frame.copy()
    frame["kind"] = kind
    services = frame["services"] if "services" in frame.columns else pd.Series(pd.NA, index=frame.index)
    frame["services"] = services.map(lambda v: "; ".join(v) if isinstance(v, list | tuple) else v).astype("string")
    placed = place_places(frame, frame.attrs.get("sources", [kind])[0], shapes)
    columns = PLACE_COLUMNS + [c for c in HOST_COLUMNS if c in placed.places.columns]
    return placed.places[columns], placed.counts()


def _located(places: pd.DataFrame, points: pd.DataFrame) -> pd.DataFrame:
    """Places with coordinates: their own, else their commune's point (``position``: which one)."""
    by_code = points.set_index("code")
    own = places["longitude"].notna() & places["latitude"].notna()
    out = places.assign(position=np.where(own, "coordinates", "commune point"))
    use = ~own & places["commune"].isin(by_code.index)
    if use.any():
        out.loc[use, "longitude"] = places.loc[use, "commune"].map(by_code["longitude"]).astype(float).to_numpy()
        out.loc[use, "latitude"] = places.loc[use, "commune"].map(by_code["latitude"]).astype(float).to_numpy()
    return out[out["longitude"].notna() & out["departement"].notna()]


def weighted_median(values: pd.Series, weights: pd.Series) -> float:
    """The population-weighted median of ``values`` (NaN when nothing is weighted)."""
    ok = values.notna() & weights.notna() & (weights > 0)
    if not ok.any():
        return float("nan")
    order = np.argsort(values[ok].to_numpy())
    v, w = values[ok].to_numpy()[order], weights[ok].to_numpy(dtype=float)[order]
    return float(v[np.searchsorted(np.cumsum(w), w.sum() / 2)])


def _unit_table(level: str, offer: dict, communes: pd.DataFrame, beyond: pd.DataFrame) -> pd.DataFrame:
    per = decision("territory.per_inhabitants")
    units = (reference.departement_populations() if level == "departement" else reference.region_populations())
    table = units[["code", "name", "population"]].copy()
    fs = access.density(units, offer["france_services"], level)
    table["fs_sites"] = fs["places"].to_numpy()
    change = access.site_change(offer["france_services_2022"], offer["france_services"], level).set_index("code")
    table["fs_sites_2022"] = table["code"].map(change["sites_before"]).fillna(0).astype("int64")
    table["fs_change"] = table["fs_sites"] - table["fs_sites_2022"]
    table["fs_change_pct"] = (table["fs_change"] / table["fs_sites_2022"].where(table["fs_sites_2022"] > 0) * 100)
    table[f"fs_per_{per}"] = fs[f"per_{per}"].to_numpy()
    table["fs_rank"] = fs["rank"].to_numpy()
    mediation = access.density(units, offer["mediation"], level)
    table["mediation_places"] = mediation["places"].to_numpy()
    table[f"mediation_per_{per}"] = mediation[f"per_{per}"].to_numpy()
    table["mediation_rank"] = mediation["rank"].to_numpy()
    hosts = access.density(units, offer["cnfs_host"], level)
    table["cnfs_hosts"] = hosts["places"].to_numpy()
    table["cnfs_posts"] = hosts["posts"].to_numpy()
    table[f"cnfs_posts_per_{per}"] = hosts[f"posts_per_{per}"].to_numpy()
    table["cnfs_posts_rank"] = hosts["posts_rank"].to_numpy()
    funding = offer["cnfs_host"].groupby(level)["state_funding_eur"].sum()
    table["cnfs_funding_eur"] = table["code"].map(funding).fillna(0).astype("int64")
    table["cnfs_funding_per_inhabitant"] = table["cnfs_funding_eur"] / table["population"]
    for name, part in beyond.groupby("offer"):
        rows = part[part["level"] == level]
        for t, share in rows.groupby("threshold_km"):
            table[f"{name}_beyond_{t}km"] = table["code"].map(share.set_index("code")["share_beyond"]).astype(float)
    for prefix in ("fs", "mediation"):
        medians = communes.groupby(level).apply(
            lambda g, c=f"{prefix}_distance_km": weighted_median(g[c], g["population"]), include_groups=False)
        table[f"{prefix}_median_km"] = table["code"].map(medians).astype(float)
    table.attrs["sources"] = sorted({*units.attrs.get("sources", []), *offer_sources(offer)})
    return table


def offer_sources(offer: dict) -> list[str]:
    found: set[str] = set()
    for frame in offer.values():
        found.update(frame.attrs.get("sources", []))
    return sorted(found)


#: The tables of a :class:`SupportOffer`, as stored in the cache folder.
TABLES = ("places", "communes", "departements", "regions", "beyond", "priority", "hosts", "bounds")
CACHE_VERSION = 2


def inputs() -> list[Path]:
    """Files the support offer is computed from: the source declarations (their sha256 pin the data), the
    curated funding tables and the code that reads, places and measures."""
    from essnum.build import code_files
    from essnum.paths import dataset

    places = dataset("mediation_places")
    return [data_dir() / "reference" / "sources.toml", *sorted((data_dir() / "funding").glob("*")),
            *code_files("data", "territory", "funding", "config", "paths"), *([places] if places else [])]


def cache_dir() -> Path:
    """``build/support-offer/``: the tables of the last computation and the key of its inputs (safe to delete)."""
    return build_dir() / "support-offer"


def _key() -> str:
    from essnum.build import hash_files
    from essnum.paths import dataset

    places = dataset("mediation_places")
    payload = {"version": CACHE_VERSION, "files": hash_files(inputs()), "places": str(places) if places else None}
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


@lru_cache(maxsize=1)
def support_offer() -> SupportOffer:
    """The support offer placed and measured: read from :func:`cache_dir` when its key matches the inputs,
    else computed (about 20 s) and stored there (computed once per process either way)."""
    from essnum.build import cached_tables

    return cached_tables(cache_dir(), _key(), TABLES, compute_support_offer, store=_stored, load=_restored)


def _stored(offer: SupportOffer) -> tuple[dict[str, pd.DataFrame], dict]:
    """The cache's tables (``bounds`` with its ``measure`` column) and meta (counts, sources of each table)."""
    tables = {name: getattr(offer, name) for name in TABLES}
    table_sources = {name: list(frame.attrs.get("sources", [])) for name, frame in tables.items()}
    return ({**tables, "bounds": offer.bounds.reset_index()},
            {"counts": offer.counts, "sources": offer.sources, "table_sources": table_sources})


def _restored(tables: dict[str, pd.DataFrame], meta: dict) -> SupportOffer:
    tables["bounds"] = tables["bounds"].set_index("measure")
    for name, frame in tables.items():
        frame.attrs["sources"] = meta.get("table_sources", {}).get(name, [])
    return SupportOffer(**tables, counts=meta["counts"], sources=meta["sources"])


def compute_support_offer() -> SupportOffer:
    """The computation behind :func:`support_offer`, without the cache (the mediation places: the user's file
    when one is named, ``--places`` / ``$ESSNUM_PLACES`` / ``essnum.toml``, else data·inclusion's)."""
    from essnum.funding.programme import classify_hosts, ess_share_bounds
    from essnum.paths import dataset

    shapes = reference.commune_shapes()
    frames = {"france_services": support.france_services("2024-08-01"),
              "france_services_2022": support.france_services("2022-12-01"),
              "mediation": support.mediation_places(dataset("mediation_places")), "cnfs_host": support.cnfs_hosts()}
    sources = sorted({s for f in frames.values() for s in f.attrs.get("sources", [])})
    placed, counts = {}, {}
    for kind, frame in frames.items():
        placed[kind], counts[kind] = _placed(frame, kind, shapes)
        placed[kind].attrs["sources"] = list(frame.attrs.get("sources", []))
    points = reference.commune_points()
    communes = points[["code", "name", "departement", "region", "longitude", "latitude", "population"]].copy()
    beyond = []
    for kind, prefix in (("france_services", "fs"), ("mediation", "mediation")):
        distances = access.nearest_distances(communes, _located(placed[kind], points))
        communes[f"{prefix}_distance_km"] = distances["distance_km"].to_numpy()
        communes[f"{prefix}_nearest_id"] = distances["nearest_id"].to_numpy()
        beyond.append(access.population_beyond(distances).assign(offer=prefix))
    beyond = pd.concat(beyond, ignore_index=True)
    hosts = frames["cnfs_host"]
    classified = classify_hosts(hosts, support.ess_register())
    classified["region"] = placed["cnfs_host"]["region"].to_numpy()
    places = pd.concat(placed.values(), ignore_index=True)
    places.attrs["sources"] = sources
    return SupportOffer(
        places=places, counts=counts, communes=communes,
        departements=_unit_table("departement", placed, communes, beyond),
        regions=_unit_table("region", placed, communes, beyond),
        beyond=beyond, priority=access.posts_in_priority_areas(placed["cnfs_host"]),
        hosts=classified, bounds=ess_share_bounds(classified),
        sources=sorted({*sources, "france-communes", "insee-cog-communes", "insee-cog-mouvements", "codes-postaux",
                        "ess-numerique-candidates", "insee-communes"}))


def write_tables(offer: SupportOffer | None = None, folder: Path | None = None) -> list[Path]:
    """The readable copies of the support offer beside the cache: ``places.csv`` (every place read and kept,
    with its placement; no contact column exists in the frame), ``departements.csv``, ``regions.csv``,
    ``communes.csv`` (distances), ``beyond.csv``, ``priority.csv``, ``cnfs_hosts.csv`` (classified),
    ``cnfs_bounds.csv``; returns them with the cache files."""
    offer = offer or support_offer()
    folder = folder or cache_dir()
    written = []
    for name, frame in (("places", offer.places), ("departements", offer.departements), ("regions", offer.regions),
                        ("communes", offer.communes), ("beyond", offer.beyond), ("priority", offer.priority),
                        ("cnfs_hosts", offer.hosts), ("cnfs_bounds", offer.bounds.reset_index())):
        with atomic_write(folder / f"{name}.csv", "w") as handle:
            frame.to_csv(handle, index=False, lineterminator="\n")
        written.append(folder / f"{name}.csv")
    return sorted([*written, folder / "meta.json", *(folder / f"{name}.parquet" for name in TABLES)])


def extremes(column: str, level: str = "region", highest: bool = True, n: int = 1) -> str:
    """The names of the ``n`` units of ``level`` with the highest (or lowest) ``column`` of the support offer's
    table, in that order, joined the French way ("Guyane", "Guyane et Corse", "Guyane, Corse et Bretagne"):
    for a sentence of a brief that names the units at the ends of an indicator (ties: alphabetical)."""
    table = support_offer().regions if level == "region" else support_offer().departements
    ranked = table.dropna(subset=[column]).sort_values([column, "name"], ascending=[not highest, True])
    names = ranked["name"].head(n).tolist()
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " et " + names[-1]
