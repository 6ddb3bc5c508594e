"""``essnum places``: validate a file of mediation places in the national schema and place every place."""

from __future__ import annotations

import os
from pathlib import Path

import click


@click.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default=None,
              help="Folder receiving places.csv, unplaced.csv, rejected.csv, departements.csv, regions.csv and "
                   "summary.json (default: build/places/<file name>).")
@click.option("--mirror", type=click.Path(file_okay=False), default=None,
              help="Local mirror of the reference data (default: $ESSNUM_MIRROR, else ../shared/data).")
@click.option("--allow-rejected", is_flag=True,
              help="Exit 0 even when rows were rejected by the schema check (they stay in rejected.csv).")
def places(file: str, out_dir: str | None, mirror: str | None, allow_rejected: bool) -> None:
    """Validate FILE (JSON or CSV in the national schema of mediation places, La MedNum) and place each
    place in its commune, département and région: by commune code, else coordinates, else postal code.

    Rows that break the schema are errors (listed with row and field, kept in rejected.csv: the exit status
    is 1 unless --allow-rejected). Places that cannot be placed, or whose commune code and coordinates
    disagree, are warnings: they stay in places.csv and unplaced.csv with the reason. Contact fields
    (e-mails, phone numbers) are never written.
    """
    from essnum.data.sources import MIRROR_ENV, ReferenceDataError
    from essnum.data.support import SupportDataError, mediation_places
    from essnum.paths import build_dir
    from essnum.territory.places import place_places, write_places

    if mirror:
        os.environ[MIRROR_ENV] = mirror
    out = Path(out_dir) if out_dir else build_dir() / "places" / Path(file).stem
    try:
        frame = mediation_places(file)
        if "kind" not in frame.columns:
            frame["kind"] = "mediation"
        placed = place_places(frame, file)
        written = write_places(placed, out)
    except (SupportDataError, ReferenceDataError) as error:
        raise click.ClickException(str(error)) from None
    counts = placed.counts()
    for row in placed.rejected.head(20).itertuples(index=False):
        click.echo(f"error: {row.file}:{row.row}: {row.field}: {row.reason}", err=True)
    if counts["rejected"] > 20:
        click.echo(f"error: … and {counts['rejected'] - 20} more rejected rows (rejected.csv)", err=True)
    for row in placed.unplaced.head(10).itertuples(index=False):
        click.echo(f"warning: {file}: place {row.id}: {row.status}: {row.reason}", err=True)
    if len(placed.unplaced) > 10:
        click.echo(f"warning: … and {len(placed.unplaced) - 10} more unplaced places (unplaced.csv)", err=True)
    click.echo(f"places: read {counts['read']} = placed {counts['placed']} + unplaced {counts['unplaced']} "
               f"+ conflict {counts['conflict']} + rejected {counts['rejected']}")
    methods = placed.places["method"].value_counts()
    if len(methods):
        click.echo("placed by: " + ", ".join(f"{method} {n}" for method, n in methods.items()))
    click.echo(f"wrote {len(written)} files to {out}: " + ", ".join(p.name for p in written))
    if counts["rejected"] and not allow_rejected:
        raise SystemExit(1)
