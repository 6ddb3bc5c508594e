"""The registry of printable numbers: every number a brief prints is a named *fact*.

A fact has a key (``rs2022.maturity.experienced``), a value (with an optional upper bound and a
comparator for published ranges and bounds), a unit, its French text (Babel ``fr_FR``: "22 %",
"2 776", "1,3 million", narrow no-break spaces), a source (an evidence-base figure id, or data files
with their hashes) and the method that produced it.

Facts come from two places:

* every figure of the evidence base (:func:`essnum.data.evidence.figures`), automatically;
* *providers*: functions decorated with :func:`provider` that yield computed facts (survey
  intervals, funding scenarios, network and territory counts). Analysis modules expose plain
  functions; the providers at the end of this module wrap them.

Briefs call :func:`fact` inline (`` `{python} fact("rs2022.sample_size")` ``); the keys they use are
recorded and listed by :func:`sources_appendix`. ``briefs/facts.lock.json`` pins the facts the briefs
use; :func:`lock_diff` explains, claim by claim, any value that moved.
"""

from __future__ import annotations

import difflib
import json
import math
import re
import subprocess
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path

from essnum.build import file_hash
from essnum.figure_data import with_data
from essnum.french import NumberFormatError, _plain, french_number, french_text
from essnum.paths import atomic_write, briefs_dir, build_dir, project_root


class FactError(KeyError):
    """An unknown fact key or an unprintable value (the message lists the closest keys)."""

    def __str__(self) -> str:  # KeyError would print the message in quotes
        return str(self.args[0])


@dataclass(frozen=True)
class Fact:
    """One printable number and where it comes from."""

    key: str
    value: float | int
    unit: str
    label: str
    source: str
    method: str
    value_max: float | int | None = None
    comparator: str = "="
    publication: str | None = None  # bibliography key, when the number is published
    location: str | None = None  # where the evidence base transcribed it from (seed file, section)
    decimals: int | None = None  # fixed number of decimals ("90,0"), else as many as the value has
    data: dict[str, str] = field(default_factory=dict)  # data file → sha256, for computed facts

    @property
    def text(self) -> str:
        """The French text printed in briefs."""
        try:
            return french_text(self.value, self.unit, self.comparator, self.value_max, self.decimals)
        except NumberFormatError as error:
            raise FactError(f"fact {self.key!r}: {error}") from None

    def as_dict(self) -> dict:
        record = asdict(self)
        record["text"] = self.text
        return record


class FactText(str):
    """The French text of a fact; Jupyter/Quarto display it as plain markdown, without quotes."""

    def _repr_markdown_(self) -> str:
        return str(self)


# ---------------------------------------------------------------------------------------------------
# Registry

Provider = Callable[[], Iterable[Fact]]
#: Registered providers with the key prefixes they define (``fact()`` runs only the providers it needs).
_PROVIDERS: list[tuple[tuple[str, ...], Provider]] = []


def provider(*prefixes: str) -> Callable[[Provider], Provider]:
    """Register a function yielding computed :class:`Fact` objects whose keys start with one of ``prefixes``.

    ``@provider("survey.")`` above ``def survey_facts(): yield computed(...)``. A brief asking for
    ``survey.…`` runs this provider only, so a brief pays only for the analyses it quotes.
    """
    if not prefixes:
        raise ValueError("a provider declares the key prefixes it defines, e.g. @provider('survey.')")

    def register(func: Provider) -> Provider:
        _PROVIDERS.append((tuple(prefixes), func))
        return func

    return register


def data_hashes(paths: Iterable[Path]) -> dict[str, str]:
    """sha256 of data files, keyed by project-relative path."""
    from essnum.build import hash_files

    return hash_files(paths)


def computed(key: str, value, unit: str, label: str, method: str, data: Iterable[Path] = (),
             comparator: str = "=", value_max=None, decimals: int | None = None) -> Fact:
    """A computed fact whose source is the data files it was computed from (hashed)."""
    hashes = data_hashes(data)
    source = "data: " + ", ".join(hashes) if hashes else "computed"
    return Fact(key=key, value=_plain(value), unit=unit, label=label, source=source, method=method,
                value_max=_plain(value_max) if value_max is not None else None, comparator=comparator, data=hashes,
                decimals=decimals)


def _evidence_facts() -> Iterator[Fact]:
    """One fact per evidence-base figure, keyed by the figure id."""
    from essnum.data import evidence

    table = evidence.figures()
    for record in table.to_dict("records"):
        value_max = record.get("value_max")
        if value_max is not None and isinstance(value_max, float) and math.isnan(value_max):
            value_max = None
        comparator = record.get("comparator") or "="
        if isinstance(comparator, float):  # NaN from an empty cell
            comparator = "="
        where = ", ".join(str(record[k]) for k in ("seed", "section") if record.get(k) and str(record[k]) != "nan")
        yield Fact(
            key=str(record["id"]),
            value=_plain(record["value"]),
            unit=str(record.get("unit") or ""),
            label=str(record.get("label") or record["id"]),
            source=f"evidence: {record['id']}",
            method="valeur publiée",
            value_max=_plain(value_max) if value_max is not None else None,
            comparator=str(comparator),
            publication=str(record["publication"]) if record.get("publication") else None,
            location=where or None,
        )


@lru_cache(maxsize=1)
def _evidence() -> dict[str, Fact]:
    return {item.key: item for item in _evidence_facts()}


@lru_cache(maxsize=None)
def _provided(func: Provider, prefixes: tuple[str, ...]) -> dict[str, Fact]:
    facts = {}
    for item in func():
        if not item.key.startswith(prefixes):
            raise FactError(f"provider {func.__name__} yields {item.key!r}, outside its prefixes {', '.join(prefixes)}")
        facts[item.key] = item
    return facts


@lru_cache(maxsize=1)
def registry() -> dict[str, Fact]:
    """Every fact, keyed (evidence figures first, then providers; a duplicate key is an error)."""
    facts = dict(_evidence())
    for prefixes, func in _PROVIDERS:
        for key, item in _provided(func, prefixes).items():
            if key in facts:
                raise FactError(f"fact {key!r} defined twice (second time by {func.__name__})")
            facts[key] = item
    return dict(sorted(facts.items()))


def refresh() -> None:
    """Forget computed facts (after data or code changed in a long-lived process)."""
    for cached in (registry, _evidence, _provided):
        cached.cache_clear()


def get(key: str) -> Fact:
    """The fact ``key`` (running only the providers whose prefixes match it); an unknown key raises an
    error listing the closest known keys."""
    for prefixes, func in _PROVIDERS:
        if key.startswith(prefixes) and key in _provided(func, prefixes):
            if key in _evidence():
                registry()  # raises: defined twice
            return _provided(func, prefixes)[key]
    if key in _evidence():
        return _evidence()[key]
    facts = registry()
    close = difflib.get_close_matches(key, list(facts), n=5, cutoff=0.5)
    hint = f"; did you mean {', '.join(close)}?" if close else f"; {len(facts)} facts are defined (essnum facts show)"
    raise FactError(f"unknown fact {key!r}{hint}")


_USED: list[str] = []


def fact(key: str) -> FactText:
    """French text of fact ``key`` for inline use in a brief; records that the brief used it."""
    item = get(key)
    if key not in _USED:
        _USED.append(key)
    return FactText(item.text)


def value(key: str):
    """Numeric value of a fact, for computing in a brief cell (not for printing: use :func:`fact`)."""
    return get(key).value


def used() -> list[str]:
    """Keys passed to :func:`fact` in this process, in first-use order."""
    return list(_USED)


def reset_used() -> None:
    _USED.clear()


# ---------------------------------------------------------------------------------------------------
# Briefs: which facts they use, the appendix, the build output and the lock

FACT_CALL = re.compile(r"""\bfact\(\s*(['"])([^'"]+)\1\s*\)""")


def keys_in_text(text: str) -> list[str]:
    """Fact keys written literally as ``fact("key")`` in a brief source, in order, without repeats."""
    return list(dict.fromkeys(match.group(2) for match in FACT_CALL.finditer(text)))


def brief_sources() -> list[Path]:
    return sorted(briefs_dir().glob("*.qmd"))


def keys_used_by_briefs(paths: Iterable[Path] | None = None) -> list[str]:
    keys: dict[str, None] = {}
    for path in brief_sources() if paths is None else paths:
        keys.update(dict.fromkeys(keys_in_text(Path(path).read_text(encoding="utf-8"))))
    return list(keys)


def _breakable(identifier: str) -> str:
    """An identifier as text that may wrap after its dots and slashes (zero-width spaces), for narrow columns."""
    return re.sub(r"([./_])", "\\1\u200b", identifier).replace("_", "\\_")


def _markdown_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


ANNEX_NAME = "chiffres"
#: Columns of the facts annex of a document (its XLSX and CSV).
ANNEX_COLUMNS = ("key", "text", "label", "value", "value_max", "comparator", "unit", "source", "publication",
                 "location", "method", "data")


def annex(keys: Iterable[str]):
    """The facts ``keys`` as the rows of a document's annex: value, French text, source and method (a
    computed fact names the data files it comes from)."""
    import pandas as pd

    rows = []
    for key in keys:
        record = get(key).as_dict()
        record["data"] = "; ".join(record["data"]) or None
        rows.append({column: record[column] for column in ANNEX_COLUMNS})
    return pd.DataFrame(rows, columns=list(ANNEX_COLUMNS))


def sources_appendix(brief: str | Path | None = None):
    """Markdown table "Sources et méthodes" of the facts the brief used, carrying them as its data (the
    document's facts annex, CSV and XLSX: :func:`annex`).

    The facts are those written as ``fact("key")`` in ``brief`` (its path) and those passed to
    :func:`fact` so far in this process, so inline facts count even when an engine evaluates them last.
    """
    from IPython.display import Markdown

    keys = keys_in_text(Path(brief).read_text(encoding="utf-8")) if brief else []
    keys += [k for k in used() if k not in keys]
    data = f"*Données : {datasets_text()}.*\n\n"
    if not keys:
        return Markdown(data + "*Aucun chiffre de ce document ne provient du registre des faits.*")
    rows = ["| Chiffre | Signification | Source | Méthode |", "|:----|:----------|:--------|:-----|"]
    for key in keys:
        item = get(key)
        source = _breakable(key)
        if item.publication:
            source = f"[@{item.publication}], base de preuves {source}"
        elif item.data:
            source = f"{source}, calculé sur {', '.join(_breakable(path) for path in item.data)}"
        rows.append(f"| {item.text} | {_markdown_cell(item.label)} | {_markdown_cell(source)} | "
                    f"{_markdown_cell(item.method)} |")
    return with_data(Markdown(data + "\n".join(rows) + "\n"), annex(keys), name=ANNEX_NAME,
                     title="Chiffres du document : valeur, source et méthode", xlsx=True)


def git_commit() -> str | None:
    try:
        result = subprocess.run(["git", "rev-parse", "HEAD"], cwd=project_root(), capture_output=True, text=True,
                                check=True)
    except (OSError, subprocess.CalledProcessError):
        return None
    return result.stdout.strip() or None


def write_facts_json(target: Path | None = None) -> Path:
    """``build/facts.json``: every fact, the hashes of the data they come from, and the git commit."""
    from essnum.paths import data_dir

    target = target or build_dir() / "facts.json"
    facts = registry()
    document = {
        "commit": git_commit(),
        "data": data_hashes(p for p in data_dir().rglob("*") if p.is_file()),
        "datasets": datasets_used(),
        "facts": {key: item.as_dict() for key, item in facts.items()},
    }
    with atomic_write(target, "w") as handle:
        json.dump(document, handle, ensure_ascii=False, indent=1, sort_keys=True)
        handle.write("\n")
    return target


def lock_path() -> Path:
    return briefs_dir() / "facts.lock.json"


LOCKED_FIELDS = ("value", "value_max", "comparator", "unit", "text", "source")


def _locked(item: Fact) -> dict:
    record = item.as_dict()
    return {name: record[name] for name in LOCKED_FIELDS}


def write_lock(keys: Iterable[str] | None = None, target: Path | None = None) -> Path:
    """Pin the current values of the facts the briefs use (``essnum facts lock``; embedded data only)."""
    _embedded_only("lock")
    keys = sorted(keys_used_by_briefs() if keys is None else keys)
    document = {"facts": {key: _locked(get(key)) for key in keys}}
    target = target or lock_path()
    with atomic_write(target, "w") as handle:
        json.dump(document, handle, ensure_ascii=False, indent=1, sort_keys=True)
        handle.write("\n")
    return target


@dataclass(frozen=True)
class Change:
    """One claim whose number differs from the lock."""

    key: str
    old: dict | None
    new: dict | None

    def describe(self) -> str:
        if self.new is None and self.old is None:
            return f"{self.key}: used by a brief but defined nowhere (no evidence figure, no provider)"
        if self.new is None:
            return f"{self.key}: locked at {self.old['text']!r} but no longer defined (was {self.old['source']})"
        if self.old is None:
            return f"{self.key}: used by a brief but not locked; now {self.new['text']!r} ({self.new['source']})"
        moved = [name for name in LOCKED_FIELDS if self.old.get(name) != self.new.get(name)]
        details = "; ".join(f"{name} {self.old.get(name)!r} → {self.new.get(name)!r}" for name in moved)
        return f"{self.key}: {details} (source: {self.new['source']})"


def _embedded_only(what: str) -> None:
    """The lock pins the facts of the embedded data: refuse to compare or pin it on a user's datasets."""
    from essnum.paths import uses_embedded_data

    if not uses_embedded_data():
        raise FactError(f"the facts lock applies to the embedded data; this build uses {datasets_text()}: "
                        f"{what} it without --atlas / --places (and without [data] in essnum.toml)")


def datasets_used() -> dict[str, dict]:
    """Which data the facts are computed from: each dataset a user may replace, embedded or the user's (path
    and the sha256 of its files)."""
    from essnum.paths import DATASETS, dataset

    found = {}
    for name in DATASETS:
        path = dataset(name)
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path and path.is_dir() else [path] if path else []
        found[name] = {"embedded": path is None, "path": str(path) if path else None,
                       "sha256": {str(f.relative_to(path) if path.is_dir() else f.name): file_hash(f) for f in files}}
    return found


def datasets_text() -> str:
    """The datasets used, in words (printed in every document's sources appendix)."""
    used = datasets_used()
    atlas, places = used["atlas"], used["mediation_places"]
    parts = ["l'atlas embarqué de l'observatoire (data/atlas)" if atlas["embedded"] else
             f"l'atlas du dossier {atlas['path']}",
             "les lieux de médiation numérique de data·inclusion (début 2023)" if places["embedded"] else
             f"les lieux de médiation du fichier {places['path']}"]
    return " ; ".join(parts)


def lock_diff(lock: Path | None = None, keys: Iterable[str] | None = None) -> list[Change]:
    """Claim-by-claim differences between the lock and the current facts the briefs use (embedded data only)."""
    _embedded_only("compare")
    lock = lock or lock_path()
    locked = json.loads(Path(lock).read_text(encoding="utf-8"))["facts"] if Path(lock).is_file() else {}
    keys = sorted(set(keys_used_by_briefs() if keys is None else keys) | set(locked))
    facts = registry()
    changes = []
    for key in keys:
        new = _locked(facts[key]) if key in facts else None
        old = locked.get(key)
        if old != new or new is None:
            changes.append(Change(key, old, new))
    return changes


# ---------------------------------------------------------------------------------------------------
# Providers: computed facts, wrapping the plain functions of the analysis modules


def _evidence_value(figure_id: str):
    from essnum.data import evidence

    return evidence.figure(figure_id).value


def _evidence_files() -> list[Path]:
    from essnum.data import evidence

    return [evidence.evidence_dir() / "figures.csv"]


@provider("survey.")
def survey_facts() -> Iterator[Fact]:
    """Confidence intervals of the published survey percentages; the urban/rural significance threshold."""
    from essnum.config import decision
    from essnum.survey.published import published_intervals, urban_rural_sensitivity

    level = french_number(100 * decision("survey.confidence"), "%")
    table = published_intervals()
    for fid, row in table[table["method"].isin(["wilson", "wilson_range"])].iterrows():
        yield computed(f"survey.{fid}.ci", round(row["low"], 1), "percent",
                       f"Intervalle de confiance à {level} : {row['label']}",
                       f"intervalle de Wilson sur n = {french_number(row['n'])} répondants", _evidence_files(),
                       value_max=round(row["high"], 1), decimals=1)
    sensitivity = urban_rural_sensitivity()
    yield computed("survey.rs2022.urban_rural.min_group_size", sensitivity["minimum_group_size"], "persons",
                   "Taille de sous-groupe à partir de laquelle l'écart urbain/rural est significatif",
                   f"intervalle de Newcombe de la différence, seuil {level}, groupes de même taille", _evidence_files())
    n = _evidence_value("rs2022.sample_size")
    yield computed("survey.rs2022.urban_rural.min_group_share", round(100 * sensitivity["minimum_group_size"] / n, 1),
                   "percent", "Part de l'échantillon que représente cette taille minimale de sous-groupe",
                   "taille minimale / nombre de répondants", _evidence_files(), decimals=1)


@provider("scenario.")
def scenario_facts() -> Iterator[Fact]:
    """Quantified targets of the proposals (seed 002): reconditioning growth, hybrid posts, procurement."""
    from essnum.funding import scenarios

    recond = scenarios.reconditioning_gap()
    years = f"{recond['reference_year']}–{recond['target_year']}"
    yield computed("scenario.recond.annual_growth", round(recond["annual_growth"]), "percent",
                   "Croissance annuelle nécessaire des ordinateurs solidaires pour atteindre l'objectif",
                   f"taux de croissance annuel composé {years}", _evidence_files())
    yield computed("scenario.recond.share_of_reconditioned", round(recond["share_of_reconditioned_target"]), "percent",
                   "Part des appareils reconditionnés chaque année que représenterait l'objectif",
                   "objectif / appareils reconditionnés par an (volume supposé constant)", _evidence_files())
    posts = scenarios.hybrid_posts()
    yield computed("scenario.hybrid_posts.per_year", round(posts["posts_per_year"]), "posts",
                   "Postes hybrides à créer chaque année", f"cible / {posts['years']} années", _evidence_files())
    procurement = scenarios.procurement_reservation()
    envelope = procurement["envelope_eur"].max()
    rows = procurement[procurement["envelope_eur"] == envelope].set_index("figure_id")
    yield computed("scenario.procurement.envelope", envelope, "eur", "Enveloppe illustrative de commande publique numérique",
                   "hypothèse de lecture (decisions.toml, scenarios.illustrative_envelopes_eur)")
    for key, fid in (("low_amount", scenarios.PROCUREMENT_RATES[0]), ("high_amount", scenarios.PROCUREMENT_RATES[1])):
        yield computed(f"scenario.procurement.{key}", rows.loc[fid, "reserved_eur"], "eur",
                       f"Montant réservé à l'ESS ({fid})", "enveloppe × taux de réservation proposé", _evidence_files())


def _atlas_files() -> list[Path]:
    from essnum.paths import atlas_dir

    return sorted(p for p in atlas_dir().glob("*.csv"))


@provider("network.")
def network_facts() -> Iterator[Fact]:
    """Size of the observatory's network: organisations, collectives, memberships, largest connected group."""
    from essnum.network.analysis import analyse_atlas

    analysis = analyse_atlas()
    method = "atlas nettoyé (essnum.network.analyse_atlas)"
    yield computed("network.organisations", analysis.n_org, "organisations", "Organisations du réseau de l'atlas",
                   method, _atlas_files())
    yield computed("network.collectives", analysis.incidence.shape[1], "collectives",
                   "Réseaux, collèges, programmes et projets de l'atlas", method, _atlas_files())
    yield computed("network.memberships", analysis.incidence.nnz, "links",
                   "Appartenances d'organisations à des collectifs", method, _atlas_files())
    yield computed("network.largest_group", int(analysis.bipartite_org_sizes[0]), "organisations",
                   "Organisations du plus grand ensemble relié par des collectifs communs",
                   "composante connexe du graphe biparti organisations–collectifs", _atlas_files())


@provider("territory.")
def territory_facts() -> Iterator[Fact]:
    """Where the atlas organisations are: located in France, régions covered, without a usable location."""
    from essnum.data.atlas import load_atlas
    from essnum.paths import data_dir
    from essnum.territory.indicators import region_counts
    from essnum.territory.placement import place

    placement = place(load_atlas().organisations)
    counts = placement.counts()
    method = "placement des organisations dans les communes (essnum.territory.place)"
    files = [*_atlas_files(), data_dir() / "reference" / "sources.toml"]  # reference frames: declared with their sha256
    yield computed("territory.organisations_located_france", counts["placed in France"], "organisations",
                   "Organisations de l'atlas localisées en France", method, files)
    yield computed("territory.organisations_without_location", counts["no location"], "organisations",
                   "Organisations de l'atlas sans localisation exploitable", method, files)
    regions = region_counts(placement)
    yield computed("territory.regions_with_organisations", int((regions["organisations"] > 0).sum()), "régions",
                   "Régions comptant au moins une organisation localisée", method, files)


def _support_files(classified: bool = False) -> list[Path]:
    """The declarations pinning the support-offer data (sha256 of each file); with ``classified``, the curated
    tables that classify the CnFS hosts too (name rules, legal categories)."""
    from essnum.paths import data_dir

    tables = ["host_name_rules.csv", "legal_categories.csv"] if classified else []
    return [data_dir() / "reference" / "sources.toml", *(data_dir() / "funding" / name for name in tables)]


@provider("support.")
def support_facts() -> Iterator[Fact]:
    """The support offer of digital inclusion in France (essnum.territory.offer): France Services sites,
    mediation places, the population far from them, the conseillers numériques programme and its ESS share."""
    from essnum.config import decision
    from essnum.territory.offer import support_offer

    offer, files = support_offer(), _support_files()
    regions, beyond, priority = offer.regions, offer.beyond, offer.priority
    national = beyond[(beyond["level"] == "national") & (beyond["code"] == "all")].set_index(["offer", "threshold_km"])
    placed = "placés dans leur commune par code commune, sinon coordonnées (essnum.territory.places)"
    distance = ("distance à vol d'oiseau du point de chaque commune (centroïde de son contour IGN) au site le plus "
                "proche de son territoire (métropole, ou le même département d'outre-mer), population municipale 2023")
    fs = "sites France Services de la liste ANCT du 1er août 2024 (anct-france-services-2024-08-01), " + placed
    yield computed("support.fs.sites", int(regions["fs_sites"].sum()), "sites",
                   "Sites France Services dans les 18 régions au 1er août 2024", fs, files)
    yield computed("support.fs.sites_2022", int(regions["fs_sites_2022"].sum()), "sites",
                   "Sites France Services dans les 18 régions au 1er décembre 2022",
                   "liste ANCT du 1er décembre 2022 (anct-france-services-2022-12-01), " + placed, files)
    change = (regions["fs_sites"].sum() - regions["fs_sites_2022"].sum()) / regions["fs_sites_2022"].sum() * 100
    yield computed("support.fs.change_pct", round(float(change), 1), "%",
                   "Évolution du nombre de sites France Services, décembre 2022 → août 2024",
                   "(sites 2024 − sites 2022) / sites 2022, dans les 18 régions", files)
    per = decision("territory.per_inhabitants")
    yield computed("support.fs.per_inhabitants", round(float(regions["fs_sites"].sum() / regions["population"].sum()
                                                               * per), 1), "sites",
                   f"Sites France Services pour {french_number(per)} habitants, France entière", fs, files)
    for offer_name, label, what in (("fs", "d'un site France Services", fs),
                                    ("mediation", "d'un lieu de médiation numérique",
                                     "lieux de médiation numérique de data·inclusion, début 2023 (data-inclusion), "
                                     + placed)):
        for threshold in sorted({t for _, t in national.index}):
            row = national.loc[(offer_name, threshold)]
            yield computed(f"support.{offer_name}.beyond_{threshold}km_pct", round(100 * float(row["share_beyond"]), 1),
                           "%", f"Part de la population à plus de {threshold} km à vol d'oiseau {label}",
                           f"{distance} ; {what}", files)
            yield computed(f"support.{offer_name}.beyond_{threshold}km_inhabitants", int(row["population_beyond"]),
                           "persons", f"Habitants à plus de {threshold} km à vol d'oiseau {label}",
                           f"{distance} ; {what}", files)
    yield computed("support.mediation.places", int(regions["mediation_places"].sum()), "lieux",
                   "Lieux de médiation numérique de data·inclusion (début 2023) dans les 18 régions",
                   "export data·inclusion dans le schéma national des lieux de médiation (data-inclusion), " + placed,
                   files)
    hosts = offer.of_kind("cnfs_host")
    cnfs = ("liste des structures d'accueil des conseillers numériques France Services validées en comités de "
            "sélection, mars à mai 2021 (anct-conseillers-numeriques)")
    yield computed("support.cnfs.hosts", len(hosts), "structures", "Structures d'accueil de conseillers numériques",
                   cnfs, files)
    yield computed("support.cnfs.posts", int(hosts["posts"].sum()), "postes", "Postes de conseillers numériques",
                   cnfs, files)
    yield computed("support.cnfs.funding_eur", int(hosts["state_funding_eur"].sum()), "eur",
                   "Financement estimatif total de l'État des postes de conseillers numériques", cnfs, files)
    per_inhabitant = hosts["state_funding_eur"].sum() / regions["population"].sum()
    yield computed("support.cnfs.funding_per_inhabitant_eur", round(float(per_inhabitant), 2), "eur",
                   "Financement de l'État des conseillers numériques par habitant, France entière",
                   cnfs + " ; population municipale 2023", files, decimals=2)
    areas = priority[(priority["level"] == "national") & (priority["code"] == "all")].set_index("area")
    for area, label in (("zrr", "en zone de revitalisation rurale (ZRR)"),
                        ("qpv", "dans un quartier prioritaire de la politique de la ville (QPV)")):
        yield computed(f"support.cnfs.{area}_posts_pct", round(100 * float(areas.loc[area, "share_posts"]), 1), "%",
                       f"Part des postes de conseillers numériques dont la structure d'accueil est {label}",
                       cnfs + " (indicateurs ZRR et QPV de la liste)", files)
    bounds = offer.bounds.loc["state_funding_eur"]
    files = _support_files(classified=True)
    programme = ("structures d'accueil classées par preuve documentée : registre des organisations ESS candidates "
                 "(ess-numerique-candidates) par SIREN, puis règles de nom (data/funding/host_name_rules.csv) ; "
                 "le reste inconnu (essnum.funding.programme)")
    yield computed("support.cnfs.private_pct", round(float(bounds["private_pct"]), 1), "%",
                   "Part du financement de l'État allant à des structures d'accueil privées", cnfs, files)
    yield computed("support.cnfs.ess_lower_pct", round(float(bounds["lower_pct"]), 1), "%",
                   "Part du financement des conseillers numériques allant à des structures dont l'appartenance à "
                   "l'ESS est prouvée (borne basse)", programme, files)
    yield computed("support.cnfs.ess_upper_pct", round(float(bounds["upper_pct"]), 1), "%",
                   "Part du financement des conseillers numériques allant à des structures privées que rien ne "
                   "place hors de l'ESS (borne haute)", programme, files)
    yield computed("support.cnfs.ess_proven_hosts", int(offer.bounds.loc["hosts", "proven"]), "structures",
                   "Structures d'accueil dont l'appartenance à l'ESS est prouvée", programme, files)
