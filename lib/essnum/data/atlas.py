"""The atlas import contract: a folder with ``organisations.csv`` and ``links.csv`` (optionally
``collectives.csv``), validated row by row and across tables.

Every table is validated against the contract schemas embedded in ``data/atlas`` (extra columns are
allowed and kept as text). Cross-table checks: a link must point to a kept organisation and, when
``collectives.csv`` exists, to a described collective with the same label and kind; a collective's
``organisation_id`` must exist; coordinates come in pairs; a located organisation needs a ``location_source`` when that column exists. Offending rows are
moved to ``rejected`` with their reason. Family codes are the project's fixed codes (``data/atlas/families.csv``,
mirrored by the enum of ``organisations.schema.json``). Names equal modulo case, accents, punctuation and legal suffixes
are reported as warnings (rows kept). Format documented in ``docs/atlas-format.md``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from unidecode import unidecode

from essnum.config import decision
from essnum.paths import atlas_dir

from .tables import Problem, Report, TableResult, load_schema, read_table

TABLES = ("organisations", "links", "collectives")
REQUIRED_FILES = ("organisations", "links")
LOCATION_COLUMNS = ("city", "commune", "latitude", "longitude")
ORGANISATION_HINT = "add the organisation to organisations.csv, or fix the id"


@dataclass
class Atlas:
    """A validated atlas. DataFrames hold kept rows only (fresh 0..n-1 index); ``report`` has counts,
    problems and each table's rejected rows (``rejected``)."""

    directory: Path
    organisations: pd.DataFrame
    links: pd.DataFrame
    collectives: pd.DataFrame
    families: pd.DataFrame
    report: Report

    @property
    def rejected(self) -> dict[str, pd.DataFrame]:
        """Rejected rows per table (original text, ``row``, ``reason``)."""
        return {name: result.rejected for name, result in self.report.tables.items()}

    @property
    def ok(self) -> bool:
        return self.report.ok


def schema_path(table: str) -> Path:
    """The contract schema of an atlas table (embedded in the project)."""
    return atlas_dir() / f"{table}.schema.json"


def load_atlas(directory: Path | str | None = None) -> Atlas:
    """Load and validate the atlas in ``directory`` (default: the embedded ``data/atlas``).

    Raises ``FileNotFoundError`` only when the folder does not exist; bad files and rows are reported,
    never raised: check ``atlas.ok`` / ``atlas.report`` (``essnum atlas check DIR`` prints it).
    """
    directory = atlas_dir() if directory is None else Path(directory)
    if not directory.is_dir():
        raise FileNotFoundError(f"atlas folder not found: {directory} — give a folder holding organisations.csv "
                                "and links.csv (see docs/atlas-format.md)")
    report = Report()
    tables: dict[str, TableResult] = {}
    for name in TABLES:
        path = directory / f"{name}.csv"
        if name in REQUIRED_FILES or path.is_file():
            tables[name] = read_table(path, schema_path(name))
    families = read_table(atlas_dir() / "families.csv", schema_path("families"))
    tables["families"] = families
    report.tables.update(tables)
    report.extra_problems += _families_match_schema(families)

    organisations, links = tables["organisations"], tables["links"]
    _check_coordinates(organisations)
    report.extra_problems += _unsourced_locations(organisations)
    if "collectives" in tables:
        collectives = tables["collectives"]
        _check_refs(collectives, "organisation_id", organisations, "id", ORGANISATION_HINT)
        _check_refs(links, "organisation_id", organisations, "id", ORGANISATION_HINT)
        _check_refs(links, "collective_id", collectives, "collective_id",
                    "describe the collective in collectives.csv, or fix the id")
        _check_link_labels(links, collectives.data.set_index("collective_id")[["label", "kind"]], "collectives.csv")
        collectives_frame = collectives.data
    else:
        _check_refs(links, "organisation_id", organisations, "id", ORGANISATION_HINT)
        described = links.data.drop_duplicates("collective_id").set_index("collective_id")
        described = described[["collective_label", "collective_kind"]].set_axis(["label", "kind"], axis=1)
        _check_link_labels(links, described, "its first row in links.csv")
        collectives_frame = described.reset_index()
    report.extra_problems += duplicate_names(organisations)

    return Atlas(directory=directory,
                 organisations=organisations.data.reset_index(drop=True),
                 links=links.data.reset_index(drop=True),
                 collectives=collectives_frame.reset_index(drop=True),
                 families=families.data.reset_index(drop=True),
                 report=report)


def _check_refs(child: TableResult, field_name: str, parent: TableResult, key: str, hint: str) -> None:
    """Set aside rows of ``child`` whose ``field_name`` is not the ``key`` of a kept row of ``parent``.

    Unknown values are errors; values of rejected parent rows are warnings (the error is on that row);
    when the parent file is unreadable, one warning covers every row (its file error already fails the check).
    """
    name = parent.path.name
    if parent.file_error is not None:
        child.reject(pd.Series(True, index=child.data.index), field_name, f"not checked: {name} is unreadable",
                     f"fix {name} first", severity="warning",
                     summary=f"all {child.kept} rows set aside: {name} could not be read")
        return
    values = child.data[field_name]
    rejected_rows = parent.rejected.dropna(subset=[key]).drop_duplicates(key).set_index(key)["row"] \
        if key in parent.rejected.columns else pd.Series(dtype="int64")
    known = set(parent.data[key])
    set_aside = values.notna() & ~values.isin(known).fillna(False).astype(bool) & values.isin(set(rejected_rows.index))
    child.reject(set_aside, field_name,
                 values[set_aside].map(lambda value: f"{value!r} was rejected from {name} (row {rejected_rows[value]})"),
                 f"fix that row of {name}; this row is set aside meanwhile", severity="warning")
    article = "an" if key[0] in "aeiou" else "a"
    child.reject_unknown(field_name, known, f"{article} {key} of {name}", hint)


def _families_match_schema(families: TableResult) -> list[Problem]:
    """The family codes of families.csv must be exactly the enum of organisations.schema.json."""
    schema = schema_path("organisations")
    enum = next(f for f in load_schema(schema)["fields"] if f["name"] == "family")["constraints"]["enum"]
    codes = list(families.data["code"])
    if sorted(enum) == sorted(codes):
        return []
    return [Problem(str(families.path), None, "code",
                    f"family codes {sorted(codes)} differ from the enum of {schema.name} {sorted(enum)}",
                    "keep the two lists identical: the codes are a shared contract")]


def _check_link_labels(links: TableResult, described: pd.DataFrame, where: str) -> None:
    """Reject links whose collective label or kind differ from the collective's description."""
    data = links.data
    expected = described.reindex(data["collective_id"])
    for column, expected_column in (("collective_label", "label"), ("collective_kind", "kind")):
        wanted = pd.Series(expected[expected_column].to_numpy(), index=data.index)
        bad = wanted.notna() & (data[column] != wanted).fillna(False).astype(bool)
        if bad.any():
            messages = [f"{value!r} differs from {want!r} given for collective {cid!r} by {where}"
                        for value, want, cid in zip(data.loc[bad, column], wanted[bad], data.loc[bad, "collective_id"])]
            links.reject(bad, column, pd.Series(messages, index=data.index[bad]),
                         f"write the same {column} on every row of a collective")
            data = links.data
            expected = described.reindex(data["collective_id"])


def _check_coordinates(organisations: TableResult) -> None:
    data = organisations.data
    half = data["latitude"].isna() != data["longitude"].isna()
    organisations.reject(half, "latitude", "latitude and longitude must be given together",
                         "fill in both coordinates, or neither")


def _unsourced_locations(organisations: TableResult) -> list[Problem]:
    """Errors for located rows without ``location_source`` (only when the table has that column)."""
    data = organisations.data
    if "location_source" not in data.columns or organisations.raw is None \
            or "location_source" not in organisations.raw.columns:
        return []
    located = data[list(LOCATION_COLUMNS)].notna().any(axis=1)
    missing = located & data["location_source"].isna()
    return [Problem(str(organisations.path), int(line), "location_source",
                    f"{data.at[line, 'id']!r} has a location but no location_source",
                    "cite the public source of the location, or clear city/commune/latitude/longitude")
            for line in data.index[missing]]


def normalised_name(name: str) -> str:
    """Name for duplicate detection: lower case, no accents or punctuation, no legal suffixes or articles."""
    noise = set(decision("atlas.name_noise_words"))
    words = re.split(r"[^a-z0-9]+", unidecode(str(name)).lower())
    return " ".join(w for w in words if w and w not in noise)


def duplicate_names(organisations: TableResult) -> list[Problem]:
    """A warning per group of kept organisations whose normalised names coincide."""
    data = organisations.data
    if data.empty:
        return []
    keys = data["name"].map(normalised_name)
    problems = []
    for key, group in data.groupby(keys, sort=True):
        if len(group) > 1 and key:
            rows = ", ".join(f"{oid!r} (row {line})" for line, oid in zip(group.index, group["id"]))
            problems.append(Problem(str(organisations.path), int(group.index[0]), "name",
                                    f"probable duplicates (same name modulo case, accents, legal suffix): {rows}",
                                    "merge the rows, or make the names distinct if they are different organisations",
                                    severity="warning"))
    return problems


def summary(atlas: Atlas, column: str) -> pd.DataFrame:
    """Organisations per value of ``column`` (family, country, legal_form…), empty values as '(vide)'."""
    values = atlas.organisations[column].astype("string").fillna("(vide)")
    table = values.value_counts().rename_axis(column).reset_index(name="organisations")
    return table.sort_values(["organisations", column], ascending=[False, True], kind="stable").reset_index(drop=True)
