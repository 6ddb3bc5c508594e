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

import numpy as np
import pandas as pd
from unidecode import unidecode

from essnum.config import decision
from essnum.paths import atlas_dir, embedded_atlas_dir

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
    return embedded_atlas_dir() / f"{table}.schema.json"


def family_labels() -> dict[str, str]:
    """Family code → French label, from the project's fixed ``data/atlas/families.csv`` (read with its schema)."""
    families = read_table(embedded_atlas_dir() / "families.csv", schema_path("families")).data
    return dict(zip(families["code"], families["label_fr"], strict=True))


def load_atlas(directory: Path | str | None = None) -> Atlas:
    """Load and validate the atlas in ``directory`` (default: ``paths.atlas_dir()``, the embedded ``data/atlas``
    unless the user named another).

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
    families = read_table(embedded_atlas_dir() / "families.csv", schema_path("families"))
    tables["families"] = families
    report.tables.update(tables)
    report.extra_problems += _families_match_schema(families)

    organisations, links = tables["organisations"], tables["links"]
    _check_coordinates(organisations)
    report.extra_problems += _unsourced_locations(organisations)
    _check_refs(links, "organisation_id", organisations, "id", ORGANISATION_HINT)
    if "collectives" in tables:
        collectives = tables["collectives"]
        _check_refs(collectives, "organisation_id", organisations, "id", ORGANISATION_HINT)
        # a link to a rejected collective is set aside; to an undescribed one it is kept (derived below)
        _check_refs(links, "collective_id", collectives, "collective_id",
                    "describe the collective in collectives.csv, or fix the id", unknown=False)
        described = collectives.data.assign(derived=False).set_index("collective_id")
    else:
        described = pd.DataFrame({"label": pd.Series(dtype="string"), "kind": pd.Series(dtype="string"),
                                  "derived": pd.Series(dtype="bool")}, index=pd.Index([], name="collective_id"))
    derived = _derived_collectives(links, described.index)
    described = pd.concat([described, derived]) if len(derived) else described
    _check_link_labels(links, described)
    _merge_repeated_links(links)
    report.extra_problems += _collective_warnings(links, derived, "collectives" in tables)
    collectives_frame = described.drop(columns=["where"], errors="ignore").reset_index()
    collectives_frame["derived"] = collectives_frame["derived"].astype(bool)
    collectives_frame["label_missing"] = collectives_frame["label"].isna()
    collectives_frame["label"] = collectives_frame["label"].fillna(collectives_frame["collective_id"])
    links.data = _with_collective_text(links.data, collectives_frame)
    report.extra_problems += duplicate_names(organisations)

    return Atlas(directory=directory,
                 organisations=organisations.data.reset_index(drop=True),
                 links=links.data.reset_index(drop=True),
                 collectives=collectives_frame.reset_index(drop=True),
                 families=families.data.reset_index(drop=True),
                 report=report)


def _derived_collectives(links: TableResult, described: pd.Index) -> pd.DataFrame:
    """Collectives named by kept links but not described in collectives.csv (or every collective when there
    is no collectives.csv): label = the first non-empty ``collective_label`` of their rows (``<NA>`` if none),
    kind = the first ``collective_kind``; ``derived`` is true."""
    data = links.data[~links.data["collective_id"].isin(described)]
    if data.empty:
        return pd.DataFrame()
    grouped = data.groupby("collective_id", sort=False)
    first_label = grouped["collective_label"].first()  # first non-null value of each group
    frame = pd.DataFrame({"label": first_label.astype("string"),
                          "kind": grouped["collective_kind"].first().astype("string"),
                          "derived": True})
    frame.index.name = "collective_id"
    return frame


def _collective_warnings(links: TableResult, derived: pd.DataFrame, has_collectives_file: bool) -> list[Problem]:
    """One warning counting the links kept with an undescribed collective, one counting unlabelled collectives."""
    if derived.empty:
        return []
    kept = links.data["collective_id"]
    problems = []
    path = str(links.path)
    if has_collectives_file:
        n_links = int(kept.isin(derived.index).sum())
        problems.append(Problem(path, None, "collective_id",
                                f"{n_links} link(s) name {len(derived)} collective(s) absent from collectives.csv "
                                f"(e.g. {', '.join(map(repr, derived.index[:3]))}): links kept, each collective "
                                "described from its rows of links.csv (derived = true)",
                                "describe the collectives in collectives.csv if you know them", severity="warning"))
    unlabelled = derived.index[derived["label"].isna()]
    if len(unlabelled):
        n_links = int(kept.isin(unlabelled).sum())
        problems.append(Problem(path, None, "collective_label",
                                f"{len(unlabelled)} collective(s) without any label ({n_links} link(s), e.g. "
                                f"{', '.join(map(repr, unlabelled[:3]))}): links kept, each collective labelled by "
                                "its id (label_missing = true)",
                                "add the collectives to collectives.csv with their label, or fill collective_label",
                                severity="warning"))
    return problems


def _merge_repeated_links(links: TableResult) -> None:
    """Fold each row repeating an earlier (organisation_id, collective_id) pair into that row: the roles (and
    sources) are joined, sorted and ';'-separated; the later rows go to ``links.merged`` with the row they
    were merged into; one warning counts them."""
    data = links.data
    pair = ["organisation_id", "collective_id"]
    source = links.raw if links.raw is not None else data.astype("string")
    repeated = data.duplicated(subset=pair, keep="first")
    empty = source.iloc[:0].copy()
    empty.insert(0, "row", pd.Series(dtype="int64"))
    empty["reason"] = pd.Series(dtype="string")
    if not repeated.any():
        links.merged = empty.reset_index(drop=True)
        return
    first_line = pd.Series(data.index, index=data.index).groupby([data[c] for c in pair], sort=False).transform("first")
    data = data.copy()
    in_group = first_line.isin(set(first_line[repeated]))
    for column in ("role", "source"):
        parts = data.loc[in_group, column].astype("string").str.split(";").explode().str.strip()
        parts = parts[parts.notna() & (parts != "")]
        joined = parts.groupby(first_line.reindex(parts.index).to_numpy()).agg(lambda v: ";".join(sorted(set(v))))
        target = data.index.isin(joined.index)
        data.loc[target, column] = joined.reindex(data.index[target]).to_numpy()
    moved = source.loc[data.index[repeated]].copy()
    moved.insert(0, "row", data.index[repeated].astype("int64"))
    moved["reason"] = [f"merged into row {first_line[line]}: same organisation_id and collective_id (roles joined)"
                       for line in data.index[repeated]]
    links.merged = moved.reset_index(drop=True)
    links.data = data[~repeated]
    pairs = first_line[repeated].nunique()
    example = data.index[repeated][0]
    links.problems.append(Problem(
        str(links.path), None, "role",
        f"{int(repeated.sum())} row(s) repeat the (organisation_id, collective_id) pair of an earlier row: merged "
        f"into {pairs} link(s), roles joined (e.g. row {example} into row {first_line[example]})",
        "nothing to do if each row adds a role to the same link; give distinct collective ids otherwise",
        severity="warning"))


def _with_collective_text(links: pd.DataFrame, collectives: pd.DataFrame) -> pd.DataFrame:
    """Links whose empty ``collective_label`` / ``collective_kind`` are filled from their collective."""
    described = collectives.set_index("collective_id")
    links = links.copy()
    for column, source in (("collective_label", "label"), ("collective_kind", "kind")):
        filled = pd.Series(described[source].reindex(links["collective_id"]).to_numpy(), index=links.index)
        links[column] = links[column].fillna(filled.astype("string"))
    return links


def _check_refs(child: TableResult, field_name: str, parent: TableResult, key: str, hint: str,
                unknown: bool = True) -> None:
    """Set aside rows of ``child`` whose ``field_name`` is not the ``key`` of a kept row of ``parent``.

    Unknown values are errors (unless ``unknown`` is false: such rows are then kept); values of rejected
    parent rows are warnings (the error is on that row); when the parent file is unreadable, one warning
    covers every row (its file error already fails the check).
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
    if not unknown:
        return
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


def _check_link_labels(links: TableResult, described: pd.DataFrame) -> None:
    """Reject links whose collective label or kind differ from the collective's description (an empty label
    is not a difference): ``described`` is indexed by collective_id, ``derived`` says where it comes from."""
    data = links.data
    expected = described.reindex(data["collective_id"])
    where = pd.Series(np.where(expected["derived"].fillna(False).astype(bool).to_numpy(),
                               "its first labelled row in links.csv", "collectives.csv"), index=data.index)
    for column, expected_column in (("collective_label", "label"), ("collective_kind", "kind")):
        wanted = pd.Series(expected[expected_column].to_numpy(), index=data.index)
        bad = wanted.notna() & (data[column] != wanted).fillna(False).astype(bool)
        if bad.any():
            messages = [f"{value!r} differs from {want!r} given for collective {cid!r} by {place}"
                        for value, want, cid, place in zip(data.loc[bad, column], wanted[bad],
                                                           data.loc[bad, "collective_id"], where[bad])]
            links.reject(bad, column, pd.Series(messages, index=data.index[bad]),
                         f"write the same {column} on every row of a collective")
            data = links.data
            expected = described.reindex(data["collective_id"])
            where = where[data.index]


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
