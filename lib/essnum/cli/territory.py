"""``essnum territory``: place an atlas folder in French and European territorial units."""

from __future__ import annotations

import os

import click


@click.command()
@click.option("--atlas", "atlas_dir", type=click.Path(exists=True, file_okay=False), default=None,
              help="Atlas folder in the import format (organisations.csv + links.csv); default: the embedded atlas.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default=None,
              help="Folder receiving the CSV tables, territory.gpkg, unplaced.csv and summary.json "
                   "(default: build/territory in the project).")
@click.option("--commune-points", type=click.Path(exists=True, dir_okay=False), default=None,
              help="CSV of commune points (code, longitude, latitude): centres become population-weighted "
                   "(default: département polygon centroids; the reference data have no commune points).")
@click.option("--mirror", type=click.Path(file_okay=False), default=None,
              help="Local mirror of the reference data (default: $ESSNUM_MIRROR, else ../shared/data).")
@click.option("--strict", is_flag=True,
              help="Stop (exit 1) when some organisations match no unit, several, or carry conflicting evidence, "
                   "after writing unplaced.csv (essnum build uses it on the embedded atlas).")
@click.option("--allow-rejected", is_flag=True,
              help="Exit 0 even when the atlas check rejected rows (they are left out of every table).")
def territory(atlas_dir: str | None, out_dir: str, commune_points: str | None, mirror: str | None,
              strict: bool, allow_rejected: bool) -> None:
    """Place every organisation in its commune, département, région, NUTS regions and country, using all its
    evidence (commune code, city text with postal codes and arrondissements, postal code, coordinates); write
    counts, densities, location quotients, concentration and the distance from each département to support.

    Organisations that match nothing, several communes, or whose evidence disagrees (a code or city far from
    the coordinates) are warnings: listed with the file to fix, kept in unplaced.csv, counted in no unit.
    With --strict they are errors.
    """
    from essnum.data.atlas import load_atlas
    from essnum.data.sources import MIRROR_ENV, ReferenceDataError
    from essnum.paths import build_dir
    from essnum.territory.export import territory_of_atlas
    from essnum.territory.placement import HarmonisationError

    out_dir = out_dir or str(build_dir() / "territory")
    if mirror:
        os.environ[MIRROR_ENV] = mirror
    atlas = load_atlas(atlas_dir)
    atlas_report = atlas.report  # what the atlas check set aside, for the counts and exit status
    try:
        placement, written = territory_of_atlas(atlas, out_dir, commune_points, strict)
    except HarmonisationError as error:
        raise click.ClickException(f"{error}\n(unplaced.csv and organisations.csv were written to {out_dir})")
    except ReferenceDataError as error:
        raise click.ClickException(str(error))
    except ValueError as error:  # a --commune-points file without its columns
        raise click.ClickException(str(error)) from None
    counts = placement.counts()
    atlas_tables = atlas_report.tables
    rejected_rows = atlas_tables["organisations"].rejected_count
    click.echo(f"organisations.csv: read {atlas_tables['organisations'].read} = rejected by the atlas check "
               f"{rejected_rows} + placement read {counts.get('read', 0)}")
    click.echo("organisations: " + ", ".join(f"{key} {value}" for key, value in counts.items()))
    for _, row in placement.unmatched.head(20).iterrows():
        click.echo(f"warning: {placement.source_file}: id {row['id']}: {row['status']}: {row['reason']}", err=True)
    if len(placement.unmatched) > 20:
        click.echo(f"warning: … and {len(placement.unmatched) - 20} more (unplaced.csv)", err=True)
    if len(placement.unmatched):
        click.echo(f"{len(placement.unmatched)} organisation(s) unmatched, ambiguous or in conflict: kept in "
                   f"unplaced.csv, counted in no unit; fix them in {placement.source_file} (--strict makes them errors)")
    click.echo(f"wrote {len(written)} files to {out_dir}: " + ", ".join(p.name for p in written))
    for problem in atlas_report.errors[:10]:
        click.echo(str(problem), err=True)
    if atlas_report.errors and not allow_rejected:
        click.echo(f"error: the atlas check found {len(atlas_report.errors)} error(s) (listed above; details: essnum "
                   f"atlas check {atlas_dir or 'data/atlas'}); the tables leave those rows out. Fix the files, or pass "
                   "--allow-rejected to accept them (exit status 0)", err=True)
        raise SystemExit(1)
