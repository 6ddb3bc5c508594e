"""The evidence base: figures transcribed from the seed documents, the proposals of seed 002, the bibliography.

Files (``data/evidence/``, described in its README): ``figures.csv`` + ``figures.schema.json``,
``proposals.csv`` + ``proposals.schema.json``, ``bibliography.json`` (CSL-JSON).

* :func:`figures`, :func:`figure`, :func:`proposals`, :func:`bibliography` are the getters; they raise
  :class:`EvidenceError` (listing every problem with file, row and field) when a file is invalid.
* :func:`check_evidence` lists every problem without raising: schema violations, figures whose
  publication is not in the bibliography, proposals pointing at unknown figures, duplicate ids, and
  quotes that cannot be found in their seed file.
"""

from __future__ import annotations

import difflib
import json
import math
import os
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd

from essnum.paths import data_dir, project_root

from .tables import Problem, TableResult, read_table

LIST_SEPARATOR = ";"
# CSL 1.0.2 item types (https://docs.citationstyles.org/en/stable/specification.html#appendix-iii-types).
CSL_TYPES = frozenset({
    "article", "article-journal", "article-magazine", "article-newspaper", "bill", "book", "broadcast",
    "chapter", "classic", "collection", "dataset", "document", "entry", "entry-dictionary",
    "entry-encyclopedia", "event", "figure", "graphic", "hearing", "interview", "legal_case",
    "legislation", "manuscript", "map", "motion_picture", "musical_score", "pamphlet", "paper-conference",
    "patent", "performance", "periodical", "personal_communication", "post", "post-weblog", "regulation",
    "report", "review", "review-book", "software", "song", "speech", "standard", "thesis", "treaty", "webpage",
})
# Qualities that must say why in ``quality_note``.
QUALITIES_NEEDING_NOTE = ("doubtful", "derived", "external")


class EvidenceError(ValueError):
    """An evidence file is invalid; ``problems`` lists every problem found."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        shown = "\n".join(f"  {p}" for p in problems[:20])
        more = f"\n  … and {len(problems) - 20} more" if len(problems) > 20 else ""
        super().__init__(f"{len(problems)} problem(s) in the evidence base:\n{shown}{more}")


@dataclass(frozen=True)
class Figure:
    """One figure of the evidence base (``label`` is the French label, column ``label_fr``)."""

    id: str
    value: float
    value_max: float | None
    comparator: str
    unit: str
    label: str
    measure: str
    population: str
    date: str | None
    publication: str
    seed: str | None
    section: str
    quote: str
    quality: str
    quality_note: str | None

    @property
    def is_range(self) -> bool:
        return self.value_max is not None


def evidence_dir() -> Path:
    """The directory of the evidence base (``data/evidence``)."""
    return data_dir() / "evidence"


def seeds_dir() -> Path:
    """The seed documents the figures are quoted from (``ESSNUM_SEEDS``, else ``../shared/seeds``)."""
    return Path(os.environ.get("ESSNUM_SEEDS", project_root().parent / "shared" / "seeds"))


# --------------------------------------------------------------------------- loading


def _directory(directory: Path | str | None) -> Path:
    return evidence_dir() if directory is None else Path(directory)


def _table(name: str, directory: Path | None) -> TableResult:
    directory = _directory(directory)
    return read_table(directory / f"{name}.csv", directory / f"{name}.schema.json")


def _stamp(path: Path) -> int:
    return path.stat().st_mtime_ns if path.is_file() else -1


@lru_cache(maxsize=8)
def _cached_figures(directory: str, _stamps: tuple[int, int]) -> pd.DataFrame:
    frame = _valid(_table("figures", Path(directory))).reset_index(drop=True)
    frame.insert(frame.columns.get_loc("label_fr"), "label", frame["label_fr"])
    return frame


def _valid(result: TableResult) -> pd.DataFrame:
    if not result.ok:
        raise EvidenceError(result.errors)
    return result.data


def _text(value) -> str | None:
    return None if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)) else str(value)


def _number(value) -> float | None:
    return None if _text(value) is None else float(value)


def _ids(cell) -> list[str]:
    return [] if _text(cell) is None else [part for part in str(cell).split(LIST_SEPARATOR) if part]


def figures(directory: Path | None = None) -> pd.DataFrame:
    """Every figure, one row each, columns as in ``figures.schema.json`` plus ``label`` (= ``label_fr``).

    ``value``/``value_max`` are floats (``value_max`` is NA except for ranges); text columns are strings.
    """
    directory = _directory(directory)
    stamps = (_stamp(directory / "figures.csv"), _stamp(directory / "figures.schema.json"))
    return _cached_figures(str(directory.resolve()), stamps).copy()


def figure(figure_id: str, directory: Path | None = None) -> Figure:
    """The figure ``figure_id``; an unknown id raises ``KeyError`` naming the closest ids."""
    frame = figures(directory)
    match = frame.loc[frame["id"] == figure_id]
    if match.empty:
        known = frame["id"].tolist()
        close = difflib.get_close_matches(figure_id, known, n=5, cutoff=0.6)
        prefix = figure_id.split(".")[0] + "."
        close += [k for k in known if k.startswith(prefix) and k not in close][: max(0, 8 - len(close))]
        hint = f"; closest: {', '.join(close)}" if close else ""
        where = _directory(directory) / "figures.csv"
        raise KeyError(f"no figure {figure_id!r} in {where}{hint}")
    row = match.iloc[0]
    return Figure(
        id=row["id"], value=float(row["value"]), value_max=_number(row["value_max"]),
        comparator=row["comparator"], unit=row["unit"], label=row["label_fr"], measure=row["measure"],
        population=row["population"], date=_text(row["date"]), publication=row["publication"],
        seed=_text(row["seed"]), section=row["section"], quote=row["quote"], quality=row["quality"],
        quality_note=_text(row["quality_note"]),
    )


def proposals(directory: Path | None = None) -> pd.DataFrame:
    """The numbered proposals of seed 002, ordered by number; ``targets`` and ``related`` are lists of figure ids."""
    frame = _valid(_table("proposals", directory)).sort_values("number").reset_index(drop=True)
    for column in ("targets", "related"):
        frame[column] = pd.Series([_ids(cell) for cell in frame[column]], index=frame.index, dtype=object)
    return frame


def _read_bibliography(path: Path) -> tuple[list[dict], list[Problem]]:
    """The CSL-JSON items of ``path`` and the problems of the file itself (row = 1-based item position)."""
    where = str(path)
    if not path.is_file():
        return [], [Problem(where, None, None, "file not found", "restore data/evidence/bibliography.json")]
    try:
        items = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        line = getattr(exc, "lineno", None)
        return [], [Problem(where, line, None, f"not valid UTF-8 JSON: {exc}",
                            "fix the syntax (a CSL-JSON file is a JSON array of objects)")]
    if not isinstance(items, list):
        return [], [Problem(where, None, None, "CSL-JSON must be an array of items", "wrap the items in [ … ]")]
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    for position, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            problems.append(Problem(where, position, None, "item is not a JSON object", "write {\"id\": …, …}"))
            continue
        key = item.get("id")
        for name in ("id", "type", "title"):
            if not isinstance(item.get(name), str) or not item[name].strip():
                problems.append(Problem(where, position, name, f"missing {name}", f"give item {position} a {name}"))
        if item.get("type") and item["type"] not in CSL_TYPES:
            close = difflib.get_close_matches(str(item["type"]), sorted(CSL_TYPES), n=1)
            problems.append(Problem(where, position, "type", f"{item['type']!r} is not a CSL item type"
                                    + (f" (did you mean {close[0]!r}?)" if close else ""),
                                    "use a type of the CSL 1.0.2 specification"))
        if isinstance(key, str):
            if key in seen:
                problems.append(Problem(where, position, "id", f"duplicate id {key!r}: already item {seen[key]}",
                                        "give each publication a distinct id, or merge the two items"))
            else:
                seen[key] = position
    return items, problems


def bibliography(directory: Path | None = None) -> dict[str, dict]:
    """The CSL-JSON items of ``bibliography.json``, keyed by id, in file order."""
    directory = _directory(directory)
    items, problems = _read_bibliography(directory / "bibliography.json")
    if problems:
        raise EvidenceError(problems)
    return {item["id"]: item for item in items}


def seed_publications(directory: Path | None = None) -> dict[str, str]:
    """Seed file name → bibliography id of the seed document (its ``archive_location``)."""
    return {item["archive_location"]: key for key, item in bibliography(directory).items()
            if item.get("archive_location")}


# --------------------------------------------------------------------------- checks


_LINES = re.compile(r"\bl\. (\d+)(?:[–-](\d+))?")


def _normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@dataclass(frozen=True)
class _Seed:
    """A seed's text with whitespace runs collapsed, and the file line of each character of it."""

    text: str
    line_of: tuple[int, ...]

    @classmethod
    def read(cls, path: Path) -> "_Seed":
        chars: list[str] = []
        lines: list[int] = []
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            for word in line.split():
                if chars:
                    chars.append(" ")
                    lines.append(number)
                chars.extend(word)
                lines.extend([number] * len(word))
        return cls("".join(chars), tuple(lines))

    def lines_of(self, quote: str) -> tuple[int, int] | None:
        """First and last file line of ``quote`` (whitespace aside), or None if absent."""
        quote = _normalise(quote)
        start = self.text.find(quote)
        if start < 0:
            return None
        return self.line_of[start], self.line_of[start + len(quote) - 1]


def check_quotes(directory: Path | None = None, seeds: Path | None = None) -> list[Problem]:
    """Figures whose quote is not in their seed file (whitespace aside), or not on the lines their
    ``section`` gives first (``l. N–M``). A single warning if the seed directory is absent."""
    seeds = seeds_dir() if seeds is None else Path(seeds)
    result = _table("figures", directory)
    where = str(result.path)
    if not seeds.is_dir():
        return [Problem(where, None, "quote", f"seed directory {seeds} not found: quotes not checked",
                        "set ESSNUM_SEEDS to the directory of the seed documents", severity="warning")]
    texts: dict[str, _Seed | None] = {}
    problems = []
    for line, row in result.data.iterrows():
        seed = _text(row["seed"])
        if seed is None:
            continue
        if seed not in texts:
            path = seeds / seed
            texts[seed] = _Seed.read(path) if path.is_file() else None
        if texts[seed] is None:
            problems.append(Problem(where, int(line), "seed", f"seed file {seeds / seed} not found",
                                    "check the file name"))
            continue
        found = texts[seed].lines_of(row["quote"])
        cited = _LINES.search(row["section"])
        if found is None:
            problems.append(Problem(where, int(line), "quote", f"quote of {row['id']} not found in {seed}",
                                    "copy the phrase exactly as the seed writes it, OCR errors included"))
        elif cited:
            first, last = int(cited.group(1)), int(cited.group(2) or cited.group(1))
            if found[1] < first or found[0] > last:
                problems.append(Problem(where, int(line), "section",
                                        f"{row['id']}: the quote is on lines {found[0]}–{found[1]} of {seed}, "
                                        f"the section says l. {first}–{last}",
                                        "give first the lines of the quoted passage"))
    return problems


def check_evidence(directory: Path | None = None, seeds: Path | None = None) -> list[Problem]:
    """Every problem of the evidence base: schemas, cross-references, duplicate ids, notes, quotes.

    Returns ``essnum.data.tables.Problem`` items (file, row, field, message, hint, severity); empty when all is well.
    Rows are line numbers in the CSV files, and 1-based item positions in ``bibliography.json``.
    """
    directory = _directory(directory)
    figures_result = _table("figures", directory)
    proposals_result = _table("proposals", directory)
    items, problems = _read_bibliography(directory / "bibliography.json")
    problems = [*figures_result.problems, *proposals_result.problems, *problems]
    keys = sorted({item["id"] for item in items if isinstance(item, dict) and isinstance(item.get("id"), str)})

    figures_file = str(figures_result.path)
    known_figures: dict[str, str] = {}
    for line, row in figures_result.data.iterrows():
        line = int(line)
        known_figures[row["id"]] = row["quality"]
        if row["publication"] not in keys:
            close = difflib.get_close_matches(row["publication"], keys, n=1)
            problems.append(Problem(figures_file, line, "publication",
                                    f"publication {row['publication']!r} of {row['id']} is not in bibliography.json"
                                    + (f" (did you mean {close[0]!r}?)" if close else ""),
                                    "add the publication to bibliography.json, or fix the key"))
        if _text(row["seed"]) is None and row["quality"] != "external":
            problems.append(Problem(figures_file, line, "seed", f"{row['id']} has no seed file",
                                    "name the seed file, or flag the figure 'external' and say where it comes from"))
        if row["quality"] in QUALITIES_NEEDING_NOTE and _text(row["quality_note"]) is None:
            problems.append(Problem(figures_file, line, "quality_note",
                                    f"{row['id']} is flagged {row['quality']!r} without a note",
                                    "explain the flag in quality_note"))
        value_max = _number(row["value_max"])
        if value_max is not None and value_max < float(row["value"]):
            problems.append(Problem(figures_file, line, "value_max",
                                    f"upper bound {value_max:g} is below value {float(row['value']):g}",
                                    "a range is written value (low) … value_max (high)"))

    proposals_file = str(proposals_result.path)
    for line, row in proposals_result.data.iterrows():
        for column in ("targets", "related"):
            for figure_id in _ids(row[column]):
                if figure_id not in known_figures:
                    close = difflib.get_close_matches(figure_id, list(known_figures), n=1)
                    problems.append(Problem(proposals_file, int(line), column,
                                            f"proposal {row['number']}: unknown figure {figure_id!r}"
                                            + (f" (did you mean {close[0]!r}?)" if close else ""),
                                            "use an id of figures.csv"))
                elif column == "targets" and known_figures[figure_id] != "target":
                    problems.append(Problem(proposals_file, int(line), column,
                                            f"proposal {row['number']}: {figure_id} is not flagged 'target' "
                                            f"(quality {known_figures[figure_id]!r})",
                                            "list measures under 'related', objectives under 'targets'"))
    if figures_result.ok:
        problems += check_quotes(directory, seeds)
    return problems


# --------------------------------------------------------------------------- summaries


def publication_year(item: dict) -> int | None:
    """The year a CSL-JSON item was issued, if it says."""
    parts = item.get("issued", {}).get("date-parts") or [[]]
    return int(parts[0][0]) if parts[0] else None


def figures_by_publication(directory: Path | None = None) -> pd.DataFrame:
    """Number of figures per publication: ``publication``, ``title``, ``year`` (issued), ``figures``, ``doubtful``.

    Sorted by number of figures (descending), then publication id.
    """
    table = figures(directory)
    items = bibliography(directory)
    counts = table.groupby("publication").agg(figures=("id", "size"),
                                              doubtful=("quality", lambda q: int((q == "doubtful").sum())))
    frame = counts.reset_index()
    frame.insert(1, "title", [items[key]["title"] for key in frame["publication"]])
    frame.insert(2, "year", pd.array([publication_year(items[key]) for key in frame["publication"]], dtype="Int64"))
    return frame.sort_values(["figures", "publication"], ascending=[False, True]).reset_index(drop=True)


def figures_by_year(directory: Path | None = None) -> pd.DataFrame:
    """Number of figures per year of measure (first year of ``date``; "sans date" when empty) and quality.

    One row per year (ascending, "sans date" last), one column per quality flag, plus ``total``.
    """
    table = figures(directory)
    year = table["date"].str.slice(0, 4).fillna("sans date")
    frame = pd.crosstab(year.rename("year"), table["quality"])
    frame["total"] = frame.sum(axis=1)
    order = sorted(y for y in frame.index if y != "sans date") + [y for y in frame.index if y == "sans date"]
    frame = frame.loc[order]
    frame.columns.name = None
    return frame


def doubtful_figures(directory: Path | None = None) -> pd.DataFrame:
    """The figures flagged ``doubtful``: ``id``, ``value``, ``unit``, ``seed``, ``quality_note``, sorted by id."""
    table = figures(directory)
    doubtful = table.loc[table["quality"] == "doubtful", ["id", "value", "unit", "seed", "quality_note"]]
    return doubtful.sort_values("id").reset_index(drop=True)
