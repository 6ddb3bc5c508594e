"""Read a CSV table and validate it against its Frictionless Table Schema, row by row.

Every row of the file ends up either in ``TableResult.data`` (kept, typed) or in
``TableResult.rejected`` (original text + ``row`` + ``reason``): read = kept + rejected, always (a caller that
folds repeated rows into an earlier one, as the atlas import does for links, keeps them in
``TableResult.merged``: read = kept + rejected + merged).
A file that cannot be parsed at all (not UTF-8, wrong delimiter, missing columns) gives ONE
problem naming the file and what to do, and all its lines are kept in ``rejected`` with that reason.

Supported Table Schema features: field types string, integer, number, boolean, date, year, any;
constraints required, unique, enum, pattern, minimum, maximum, minLength, maxLength; schema
``missingValues`` and ``primaryKey``; a field's ``x-hints`` (value → advice, e.g. ``"UK": "use GB…"``) gives a
precise message for common wrong values of an ``enum`` field. Columns not described by the schema are kept as strings;
optional schema fields absent from the file are added empty. Values are compared as text for string
fields, so codes stay strings ("01", "2A").
"""

from __future__ import annotations

import csv
import difflib
import io
import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd

from essnum.paths import project_root

DELIMITER = ","
_OTHER_DELIMITERS = (";", "\t", "|")
_TRUE = ("true", "True", "TRUE", "1")
_FALSE = ("false", "False", "FALSE", "0")


class InputError(ValueError):
    """A user's file cannot be used as given; the message names the file, the row or column, and what to do.

    The ``essnum`` command prints it as an error message (no traceback) and exits with status 1.
    """


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a table: where (file, row = line number in the file, field) and what to do."""

    file: str
    row: int | None
    field: str | None
    message: str
    hint: str = ""
    severity: str = "error"  # "error" or "warning"

    def __str__(self) -> str:
        where = self.file + (f":{self.row}" if self.row is not None else "")
        what = f"[{self.field}] " if self.field else ""
        hint = f" — {self.hint}" if self.hint else ""
        return f"{where}: {self.severity}: {what}{self.message}{hint}"

    def as_dict(self) -> dict[str, Any]:
        return {"file": self.file, "row": self.row, "field": self.field, "message": self.message,
                "hint": self.hint, "severity": self.severity}


class _Severities:
    """``errors``, ``warnings`` and ``ok`` derived from a ``problems`` list."""

    problems: list[Problem]

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class TableResult(_Severities):
    """A validated table.

    ``data``: kept rows, typed by the schema, indexed by their line number in the file (index name ``row``).
    ``rejected``: rejected rows with their original text, plus ``row`` and ``reason`` columns.
    ``problems``: every problem found (errors and warnings).
    """

    path: Path
    schema_path: Path
    data: pd.DataFrame
    rejected: pd.DataFrame
    problems: list[Problem] = field(default_factory=list)
    raw: pd.DataFrame | None = field(default=None, repr=False)
    #: rows folded into an earlier row (original text, ``row``, ``reason``); ``None`` for tables that never merge
    merged: pd.DataFrame | None = None

    @property
    def read(self) -> int:
        return self.kept + self.rejected_count + self.merged_count

    @property
    def merged_count(self) -> int:
        return 0 if self.merged is None else len(self.merged)

    @property
    def kept(self) -> int:
        return len(self.data)

    @property
    def rejected_count(self) -> int:
        return len(self.rejected)

    def counts(self) -> dict[str, int]:
        """``read`` = ``kept`` + ``rejected`` (+ ``merged``, only for tables that merge repeated rows)."""
        counts = {"read": self.read, "kept": self.kept, "rejected": self.rejected_count}
        if self.merged is not None:
            counts["merged"] = self.merged_count
        return counts

    @property
    def file_error(self) -> Problem | None:
        """The problem that made the whole file unreadable (encoding, delimiter, missing columns), if any."""
        return next((p for p in self.errors if p.row is None), None)

    def reject(self, mask: pd.Series, field_name: str | None, messages: pd.Series | str, hint: str = "",
               severity: str = "error", summary: str | None = None) -> None:
        """Move the kept rows where ``mask`` is true to ``rejected`` (used for cross-table checks).

        ``mask`` is aligned on ``data``'s index (line numbers); ``messages`` is one message or one per row
        (the rows' ``reason``). One problem per row, or a single one saying ``summary`` when given.
        """
        mask = mask.reindex(self.data.index, fill_value=False).astype(bool)
        if not mask.any():
            return
        rows = self.data.index[mask]
        if isinstance(messages, str):
            messages = pd.Series(messages, index=rows)
        else:
            messages = messages.reindex(rows)
        reasons = [f"{field_name}: {m}" if field_name else str(m) for m in messages]
        if summary:
            self.problems.append(Problem(str(self.path), None, field_name, summary, hint, severity))
        else:
            self.problems.extend(Problem(str(self.path), int(r), field_name, str(m), hint, severity)
                                 for r, m in zip(rows, messages))
        source = self.raw if self.raw is not None else self.data.astype("string")
        moved = source.loc[rows].copy()
        moved.insert(0, "row", rows.astype("int64"))
        moved["reason"] = reasons
        self.rejected = pd.concat([self.rejected, moved.reset_index(drop=True)], ignore_index=True)
        self.data = self.data.loc[~mask]

    def reject_unknown(self, field_name: str, known, what: str, hint: str) -> None:
        """Reject kept rows whose non-empty ``field_name`` is not in ``known`` (a cross-table reference)."""
        known = set(known)
        values = self.data[field_name]
        bad = values.notna() & ~values.isin(known).fillna(False).astype(bool)
        if bad.any():
            choices = sorted(map(str, known))

            def message(value: str) -> str:
                close = difflib.get_close_matches(str(value), choices, n=1, cutoff=0.75)
                return f"{value!r} is not {what}" + (f" (did you mean {close[0]!r}?)" if close else "")

            self.reject(bad, field_name, values[bad].map(message), hint)


@dataclass
class Report(_Severities):
    """Validation of several tables plus cross-table problems: counts per table, every problem, rejected rows."""

    tables: dict[str, TableResult] = field(default_factory=dict)
    extra_problems: list[Problem] = field(default_factory=list)

    @property
    def problems(self) -> list[Problem]:
        seen: dict[Problem, None] = {}
        for result in self.tables.values():
            seen.update(dict.fromkeys(result.problems))
        seen.update(dict.fromkeys(self.extra_problems))
        return list(seen)

    def counts(self) -> dict[str, dict[str, int]]:
        return {name: result.counts() for name, result in self.tables.items()}

    def merge(self, other: "Report", prefix: str = "") -> None:
        """Add ``other``'s tables (names prefixed) and problems to this report."""
        self.tables.update({prefix + name: result for name, result in other.tables.items()})
        self.extra_problems.extend(other.extra_problems)

    def render(self, root: Path | None = None) -> str:
        """Counts per table, then every problem (file:row: severity: [field] message — hint), then a verdict.

        Paths are shown relative to ``root`` (default: the project root) when inside it.
        """
        root = project_root() if root is None else root

        def shown(path: str | Path) -> str:
            path = Path(path)
            return str(path.relative_to(root)) if path.is_absolute() and path.is_relative_to(root) else str(path)

        width = max([len(name) for name in self.tables] + [5])
        merging = any(result.merged is not None for result in self.tables.values())
        merged_head = f" {'merged':>7}" if merging else ""
        lines = [f"{'table':<{width}}  {'read':>7} {'kept':>7} {'rejected':>8}{merged_head}  file"]
        for name, result in self.tables.items():
            merged = (f" {result.merged_count:>7}" if result.merged is not None else f" {'':>7}") if merging else ""
            lines.append(f"{name:<{width}}  {result.read:>7} {result.kept:>7} {result.rejected_count:>8}{merged}  "
                         f"{shown(result.path)}")
        for problem in self.problems:
            lines.append(str(Problem(shown(problem.file), problem.row, problem.field, problem.message,
                                     problem.hint, problem.severity)))
        errors, warnings = len(self.errors), len(self.warnings)
        lines.append("OK" + (f" ({warnings} warning(s))" if warnings else "") if not errors
                     else f"FAILED: {errors} error(s), {warnings} warning(s)")
        return "\n".join(lines)


def load_schema(schema_path: Path | str) -> dict[str, Any]:
    """The schema descriptor, after a structural check (a malformed schema raises ``ValueError``).

    The check covers what this module relies on (field names, supported types and constraints, keys);
    the tests additionally check every project schema with ``frictionless``, which is too slow to import
    on each run (it pulls in jsonschema's format checkers).
    """
    schema_path = Path(schema_path)
    return _load_schema(str(schema_path.resolve()), schema_path.stat().st_mtime_ns)


_CONSTRAINTS = {"required", "unique", "enum", "pattern", "minimum", "maximum", "minLength", "maxLength"}


@lru_cache(maxsize=64)
def _load_schema(path: str, _mtime: int) -> dict[str, Any]:
    with open(path, encoding="utf-8") as handle:
        try:
            descriptor = json.load(handle)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path}: invalid Table Schema: not JSON ({exc})") from exc
    fields = descriptor.get("fields") if isinstance(descriptor, dict) else None
    if not isinstance(fields, list) or not fields:
        raise ValueError(f"{path}: invalid Table Schema: 'fields' must be a non-empty list")
    names = [f.get("name") for f in fields if isinstance(f, dict)]
    if len(names) != len(fields) or not all(isinstance(n, str) and n for n in names):
        raise ValueError(f"{path}: invalid Table Schema: every field needs a 'name'")
    if len(set(names)) != len(names):
        raise ValueError(f"{path}: invalid Table Schema: duplicated field names")
    for f in fields:
        if f.get("type", "string") not in _DTYPES:
            raise ValueError(f"{path}: invalid Table Schema: field {f['name']!r} has type {f.get('type')!r}; "
                             f"supported: {', '.join(_DTYPES)}")
        unknown = set(f.get("constraints", {})) - _CONSTRAINTS
        if unknown:
            raise ValueError(f"{path}: invalid Table Schema: field {f['name']!r} has unsupported "
                             f"constraint(s) {', '.join(sorted(unknown))}")
    missing_keys = set(_primary_key(descriptor)) - set(names)
    if missing_keys:
        raise ValueError(f"{path}: invalid Table Schema: primaryKey names unknown field(s) "
                         + ", ".join(sorted(missing_keys)))
    return descriptor


def read_table(path: Path | str, schema_path: Path | str) -> TableResult:
    """Read ``path`` (UTF-8, comma-delimited CSV with a header line) and validate it against ``schema_path``."""
    path, schema_path = Path(path), Path(schema_path)
    schema = load_schema(schema_path)
    fields = schema["fields"]
    names = [f["name"] for f in fields]
    where = str(path)

    def file_failure(message: str, hint: str, text: str = "") -> TableResult:
        """One problem for the whole file; its non-blank lines after the header set aside with that reason."""
        lines = [(number, line) for number, line in enumerate(text.splitlines()[1:], start=2) if line.strip()]
        rejected = pd.DataFrame({"row": pd.Series([n for n, _ in lines], dtype="int64"),
                                 "raw": pd.Series([line for _, line in lines], dtype="string"),
                                 "reason": pd.Series([message] * len(lines), dtype="string")})
        return TableResult(path, schema_path, _empty_frame(fields), rejected,
                           [Problem(where, None, None, message, hint)])

    if not path.is_file():
        return file_failure("file not found", f"create it, or check the path (schema: {schema_path.name})")
    raw_bytes = path.read_bytes()
    try:
        text = raw_bytes.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw_bytes[: exc.start].count(b"\n") + 1
        byte = raw_bytes[exc.start: exc.start + 1].hex()
        return file_failure(
            f"file is not UTF-8 (byte 0x{byte} on line {line}; it looks like latin-1/Windows-1252)",
            "re-save the file as UTF-8 (e.g. LibreOffice: Save As → Text CSV → Character set: Unicode (UTF-8))",
            raw_bytes.decode("cp1252", errors="replace"))

    records = csv.reader(io.StringIO(text, newline=""), delimiter=DELIMITER)
    header = next(records, None)
    if not header or not any(h.strip() for h in header):
        return file_failure("file is empty (no header line)", "write the header line: " + ",".join(names))
    header = [h.strip() for h in header]

    required_columns = _required_names(schema)
    missing = [n for n in required_columns if n not in header]
    if missing:
        first_line = text.splitlines()[0]
        guess = _guess_delimiter(first_line, names)
        if guess:
            shown = {"\t": "tab"}.get(guess, guess)
            return file_failure(f"delimiter looks like '{shown}', not ','",
                                "re-export the file as comma-separated CSV (UTF-8), keeping the header names", text)
        return file_failure(f"missing required column(s): {', '.join(missing)}",
                            f"add the column(s) to the header line; the schema {schema_path.name} lists: "
                            + ", ".join(names), text)
    duplicated = sorted({h for h in header if header.count(h) > 1})
    if duplicated:
        return file_failure(f"duplicated column name(s) in header: {', '.join(duplicated)}",
                            "rename or remove the repeated column", text)

    try:
        good_rows, good_lines, bad = _records(records, len(header))
    except csv.Error as exc:
        return file_failure(f"CSV cannot be parsed near line {records.line_num}: {exc}",
                            "check quoting: a value containing a comma or a quote must be quoted with \"…\"", text)

    raw = pd.DataFrame(good_rows, columns=header, dtype="string") if good_rows else \
        pd.DataFrame({h: pd.Series(dtype="string") for h in header})
    raw.index = pd.Index(good_lines, dtype="int64", name="row")
    problems: list[Problem] = [Problem(where, line, None, reason,
                                       "quote values that contain commas; check for a missing or extra column")
                               for line, _, reason in bad]
    for f in fields:
        if f["name"] not in raw.columns:
            raw[f["name"]] = pd.Series(pd.NA, index=raw.index, dtype="string")

    missing_values = set(schema.get("missingValues", [""]))
    reasons: dict[int, list[str]] = {}

    def flag(mask: pd.Series, name: str, message_for, hint: str) -> None:
        for line in raw.index[mask.to_numpy(dtype=bool)]:
            message = message_for(line)
            reasons.setdefault(int(line), []).append(f"{name}: {message}")
            problems.append(Problem(where, int(line), name, message, hint))

    typed: dict[str, pd.Series] = {}
    cleaned: dict[str, pd.Series] = {}
    for f in fields:
        name, constraints = f["name"], f.get("constraints", {})
        column = raw[name].str.strip()
        is_missing = column.isna() | column.isin(missing_values)
        column = column.mask(is_missing)
        cleaned[name] = column
        present = ~is_missing
        if constraints.get("required") or name in _primary_key(schema):
            flag(is_missing, name, lambda _: "missing value for a required field",
                 f"fill in {name}, or remove the row")
        values, invalid, type_hint = _cast(column, present, f)
        flag(invalid, name, lambda line: f"{raw.at[line, name]!r} is not a valid {f.get('type', 'string')}",
             type_hint)
        typed[name] = values
        checkable = present & ~invalid
        _check_constraints(f, column, values, checkable, flag, schema_path)

    for key in _unique_keys(schema):
        frame = pd.DataFrame({k: cleaned[k] for k in key})
        complete = frame.notna().all(axis=1)
        dup = frame.duplicated(keep="first") & complete
        if dup.any():
            first_line = frame[complete].reset_index().drop_duplicates(subset=key, keep="first")
            first_line = first_line.set_index(key)["row"]
            label = "+".join(key)

            def duplicate_message(line: int, key=key, first_line=first_line, label=label) -> str:
                value = tuple(frame.at[line, k] for k in key)
                first = first_line.loc[value if len(key) > 1 else value[0]]
                shown = "/".join(value)
                return f"duplicate {label} {shown!r}: already on row {first} (this row is rejected, row {first} kept)"

            flag(dup, label, duplicate_message, f"give each row a distinct {label}, or merge the two rows")

    extra = [h for h in header if h not in names]
    data = pd.DataFrame({**typed, **{h: raw[h] for h in extra}}, index=raw.index)
    bad_lines = pd.Index(sorted(reasons), dtype="int64")
    kept_mask = ~raw.index.isin(bad_lines)
    rejected_rows = raw.loc[bad_lines, header].copy() if len(bad_lines) else \
        pd.DataFrame({h: pd.Series(dtype="string") for h in header})
    rejected_rows.insert(0, "row", bad_lines)
    rejected_rows["reason"] = pd.Series(["; ".join(reasons[int(r)]) for r in bad_lines], dtype="string",
                                        index=rejected_rows.index)
    width_rejects = pd.DataFrame({"row": pd.Series([b[0] for b in bad], dtype="int64"),
                                  "raw": pd.Series([b[1] for b in bad], dtype="string"),
                                  "reason": pd.Series([b[2] for b in bad], dtype="string")})
    frames = [f for f in (rejected_rows.reset_index(drop=True), width_rejects) if len(f)]
    rejected = pd.concat(frames, ignore_index=True).sort_values("row", kind="stable").reset_index(drop=True) \
        if frames else rejected_rows.reset_index(drop=True)
    problems.sort(key=lambda p: (p.row or 0, p.field or ""))
    return TableResult(path, schema_path, data.loc[kept_mask], rejected, problems, raw=raw.loc[kept_mask, header])


def _records(records, width: int) -> tuple[list[list[str]], list[int], list[tuple[int, str, str]]]:
    """(records of the header's width, the line each starts on, (line, text, reason) of the others).

    Blank lines are skipped; a quoted value may span lines, so line numbers come from the reader.
    """
    good_rows: list[list[str]] = []
    good_lines: list[int] = []
    bad: list[tuple[int, str, str]] = []
    start = records.line_num + 1
    for record in records:
        if record and (len(record) > 1 or record[0].strip()):
            if len(record) == width:
                good_rows.append(record)
                good_lines.append(start)
            else:
                bad.append((start, DELIMITER.join(record), f"row has {len(record)} values, header has {width}"))
        start = records.line_num + 1
    return good_rows, good_lines, bad


def _empty_frame(fields: list[dict[str, Any]]) -> pd.DataFrame:
    frame = pd.DataFrame({f["name"]: pd.Series(dtype=_DTYPES.get(f.get("type", "string"), "string")) for f in fields})
    frame.index = pd.Index([], dtype="int64", name="row")
    return frame


_DTYPES = {"string": "string", "integer": "Int64", "year": "Int64", "number": "Float64",
           "boolean": "boolean", "date": "datetime64[s]", "any": "string"}


def _primary_key(schema: dict[str, Any]) -> list[str]:
    key = schema.get("primaryKey", [])
    return [key] if isinstance(key, str) else list(key)


def _required_names(schema: dict[str, Any]) -> list[str]:
    pk = _primary_key(schema)
    return [f["name"] for f in schema["fields"] if f.get("constraints", {}).get("required") or f["name"] in pk]


def _unique_keys(schema: dict[str, Any]) -> list[list[str]]:
    keys = [_primary_key(schema)] if _primary_key(schema) else []
    keys += [[f["name"]] for f in schema["fields"]
             if f.get("constraints", {}).get("unique") and [f["name"]] not in keys]
    return keys


def _guess_delimiter(first_line: str, names: list[str]) -> str | None:
    """The delimiter that splits the header into more schema names than ',' does, if any."""
    def known(delimiter: str) -> int:
        return len({c.strip().strip('"') for c in first_line.split(delimiter)} & set(names))

    best = max(_OTHER_DELIMITERS, key=known)
    if known(best) > known(DELIMITER) or (first_line.count(DELIMITER) == 0 and first_line.count(best) > 0):
        return best
    return None


_INTEGER = re.compile(r"[+-]?\d+")
_YEAR = re.compile(r"\d{4}")


def _cast(column: pd.Series, present: pd.Series, f: dict[str, Any]) -> tuple[pd.Series, pd.Series, str]:
    """(typed values, mask of present-but-invalid values, hint for invalid ones)."""
    kind = f.get("type", "string")
    if kind in ("string", "any"):
        return column.astype("string"), pd.Series(False, index=column.index), ""
    if kind in ("integer", "year"):
        pattern = _YEAR if kind == "year" else _INTEGER
        ok = column.str.fullmatch(pattern.pattern).fillna(False).astype(bool)
        values = pd.to_numeric(column.where(ok), errors="coerce").astype("Int64")
        return values, present & ~ok, "write a whole number without spaces or separators" \
            if kind == "integer" else "write a four-digit year"
    if kind == "number":
        values = pd.to_numeric(column, errors="coerce").astype("Float64")
        return values, present & values.isna(), "write a number with '.' as decimal separator, no spaces or units"
    if kind == "boolean":
        true_values = f.get("trueValues", list(_TRUE))
        false_values = f.get("falseValues", list(_FALSE))
        values = pd.Series(pd.NA, index=column.index, dtype="boolean")
        values[column.isin(true_values).fillna(False).astype(bool)] = True
        values[column.isin(false_values).fillna(False).astype(bool)] = False
        return values, present & values.isna(), f"write one of {', '.join(true_values + false_values)}"
    fmt = f.get("format", "default")  # the remaining supported type: date
    fmt = "%Y-%m-%d" if fmt in ("default", "any") else fmt
    values = pd.to_datetime(column, format=fmt, errors="coerce").astype("datetime64[s]")
    return values, present & values.isna(), "write the date as YYYY-MM-DD"


def _check_constraints(f, column, values, checkable, flag, schema_path: Path) -> None:
    name, constraints = f["name"], f.get("constraints", {})
    if "enum" in constraints:
        allowed = constraints["enum"]
        allowed_set = set(map(str, allowed)) if f.get("type", "string") == "string" else set(allowed)
        target = column if f.get("type", "string") == "string" else values
        bad = checkable & ~target.isin(allowed_set).fillna(False).astype(bool)
        if bad.any():
            shown = ", ".join(map(str, allowed)) if len(allowed) <= 12 else f"the {len(allowed)} values of " \
                f"'{name}' in {schema_path.name}"

            @lru_cache(maxsize=None)
            def suggestion(value: str) -> str:
                close = difflib.get_close_matches(value, list(map(str, allowed)), n=1, cutoff=0.6)
                if value.upper() in allowed_set:
                    close = [value.upper()]
                return f" (did you mean {close[0]!r}?)" if close else ""

            precise = {str(k).upper(): v for k, v in f.get("x-hints", {}).items()}

            def message(line: int) -> str:
                value = str(column.at[line])
                if value.strip().upper() in precise:
                    return f"{value!r} is not an allowed value: {precise[value.strip().upper()]}"
                return f"{value!r} is not an allowed value{suggestion(value)}"

            flag(bad, name, message, f"use one of {shown}" + (f"; {f['description']}" if f.get("description") else ""))
    if "pattern" in constraints:
        ok = column.str.fullmatch(constraints["pattern"]).fillna(False).astype(bool)
        flag(checkable & ~ok, name, lambda line: f"{column.at[line]!r} does not match pattern {constraints['pattern']}",
             f.get("description", "") or "fix the value's format")
    for key, op, word in (("minimum", "lt", "below the minimum"), ("maximum", "gt", "above the maximum")):
        if key in constraints:
            bound = constraints[key]
            bad = checkable & getattr(values, op)(bound).fillna(False).astype(bool)
            flag(bad, name, lambda line, bound=bound, word=word: f"{values.at[line]} is {word} {bound}",
                 "check the value (units, typo)")
    for key, op, word in (("minLength", "lt", "shorter than"), ("maxLength", "gt", "longer than")):
        if key in constraints:
            bound = constraints[key]
            bad = checkable & getattr(column.str.len(), op)(bound).fillna(False).astype(bool)
            flag(bad, name, lambda line, bound=bound, word=word: f"value is {word} {bound} characters",
                 "check the value")
