"""``essnum data check`` and ``essnum atlas check DIR``: validation reports on the terminal, rejected rows on disk."""

from __future__ import annotations

from pathlib import Path

import click

from essnum.paths import build_dir


def _finish(report, output: Path) -> None:
    from essnum.data.validate import write_report

    click.echo(report.render())
    written = write_report(report, output)
    click.echo(f"report written to {written[0]}"
               + (f"; rejected rows in {output / 'rejected'}/" if len(written) > 1 else ""))
    if not report.ok:
        raise SystemExit(1)


@click.group()
def data() -> None:
    """Check the project's data tables."""


@data.command("check")
@click.option("--output", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Where to write summary.json and rejected/<table>.csv (default: build/data-check).")
def data_check(output: Path | None) -> None:
    """Validate every table under data/ against its schema and every cross-table reference.

    Prints read/kept/rejected counts per table and each problem with file, row and field;
    exits with status 1 when there is an error.
    """
    from essnum.data.validate import check_project

    _finish(check_project(), output or build_dir() / "data-check")


@click.group()
def atlas() -> None:
    """Atlas folders in the import format (organisations.csv + links.csv)."""


@atlas.command("check")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--output", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Where to write summary.json and rejected/<table>.csv (default: build/atlas-check/<folder name>).")
def atlas_check(directory: Path, output: Path | None) -> None:
    """Validate an atlas folder (see docs/atlas-format.md): schemas, links → organisations, duplicates.

    Exits with status 1 when there is an error.
    """
    from essnum.data.atlas import load_atlas

    _finish(load_atlas(directory).report, output or build_dir() / "atlas-check" / directory.resolve().name)
