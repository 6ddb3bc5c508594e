"""Validate all project data: every table under ``data/`` that has a Table Schema, and every cross-table
reference (atlas links → organisations and collectives, evidence figures → bibliography).

``check_project()`` returns a ``Report`` (counts per table, problems, rejected rows); ``write_report``
writes it for the record: ``summary.json`` and ``rejected/<table>.csv`` (original text, row, reason).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from essnum.paths import atomic_write, data_dir, embedded_atlas_dir, project_root

from .atlas import load_atlas
from .evidence import check_evidence
from .tables import Report, read_table

__all__ = ["Report", "check_project", "project_tables", "write_report"]


def project_tables(directory: Path | None = None) -> list[tuple[str, Path, Path]]:
    """(name, csv, schema) of each table under ``directory`` (default ``data/``) that has a schema and a CSV.

    A schema without its CSV (an input contract, e.g. a beneficiary list the user brings) is not a table here.
    """
    directory = data_dir() if directory is None else Path(directory)
    found = []
    for schema in sorted(directory.rglob("*.schema.json")):
        csv_path = schema.with_name(schema.name.removesuffix(".schema.json") + ".csv")
        if csv_path.is_file():
            found.append((csv_path.relative_to(directory).with_suffix("").as_posix(), csv_path, schema))
    return found


def check_project() -> Report:
    """Validate the embedded atlas (with its cross-table checks), every other schema-described table under
    ``data/``, and the evidence base's references (``essnum.data.evidence.check_evidence``)."""
    report = Report()
    atlas = embedded_atlas_dir()
    if atlas.is_dir():
        report.merge(load_atlas(atlas).report, prefix=f"{atlas.relative_to(data_dir()).as_posix()}/")
    for name, csv_path, schema in project_tables():
        if name not in report.tables and csv_path.parent != atlas:
            report.tables[name] = read_table(csv_path, schema)
    report.extra_problems += check_evidence()
    return report


def write_report(report: Report, directory: Path) -> list[Path]:
    """Write ``summary.json`` (ok, counts per table, every problem) and ``rejected/<table>.csv`` for each table
    with rejected rows (stale files from an earlier run are removed). Returns the written paths."""
    directory = Path(directory)
    rejected_dir = directory / "rejected"
    if rejected_dir.is_dir():
        shutil.rmtree(rejected_dir)
    written = []
    summary = {
        "ok": report.ok,
        "errors": len(report.errors),
        "warnings": len(report.warnings),
        "tables": {name: {**result.counts(), "file": _shown(result.path)} for name, result in report.tables.items()},
        "problems": [{**p.as_dict(), "file": _shown(p.file)} for p in report.problems],
    }
    path = directory / "summary.json"
    with atomic_write(path, "w") as handle:
        json.dump(summary, handle, ensure_ascii=False, indent=2)
        handle.write("\n")
    written.append(path)
    for name, result in report.tables.items():
        if result.rejected_count:
            path = rejected_dir / f"{name}.csv"
            with atomic_write(path, "w") as handle:
                result.rejected.to_csv(handle, index=False, lineterminator="\n")
            written.append(path)
    return written


def _shown(path: str | Path) -> str:
    """A path relative to the project root when inside it (stable across checkouts)."""
    path, root = Path(path), project_root()
    return path.relative_to(root).as_posix() if path.is_absolute() and path.is_relative_to(root) else str(path)
