"""``essnum sources {list,fetch,verify}``: the declared reference datasets, their mirror and cache."""

from __future__ import annotations

import click

_MIRROR = click.option("--mirror", type=click.Path(file_okay=False), default=None,
                       help="Local mirror folder searched first (default: $ESSNUM_MIRROR, else ../shared/data).")


@click.group()
def sources() -> None:
    """Reference datasets (boundaries, populations): declared with URL, sha256, licence and attribution."""


@sources.command("list")
def list_sources() -> None:
    """Each declared source: dataset, files, licence and the attribution line for maps."""
    from essnum.data.sources import catalogue, catalogue_file

    for name, src in sorted(catalogue().items()):
        click.echo(f"{name}  [{src.dataset.name}, {src.dataset.year}]  {src.description}")
        for file in src.files:
            click.echo(f"    {file.path}  {file.bytes} bytes  sha256 {file.sha256[:12]}…")
        click.echo(f"    from: {', '.join(src.urls)}")
        click.echo(f"    licence: {src.dataset.licence}")
        click.echo(f"    attribution: {src.dataset.attribution}")
    click.echo(f"declared in {catalogue_file()}")


@sources.command()
@click.argument("names", nargs=-1)
@_MIRROR
def fetch(names: tuple[str, ...], mirror: str | None) -> None:
    """Make every source (or NAMES) available locally: mirror, else cache, else download; hashes verified."""
    from tqdm import tqdm

    from essnum.data.sources import ReferenceDataError, catalogue, locate, source

    chosen = list(names) or sorted(catalogue())
    failures = 0
    for name in tqdm(chosen, desc="reference sources", unit="source"):
        try:
            path, where = locate(source(name), mirror)
        except (KeyError, ReferenceDataError) as error:
            failures += 1
            click.echo(f"FAILED {name}: {error}", err=True)
            continue
        click.echo(f"{name:<32} {where:<9} {path}")
    if failures:
        raise SystemExit(f"{failures} of {len(chosen)} reference source(s) could not be provided (see above).")


@sources.command()
@click.argument("names", nargs=-1)
@_MIRROR
def verify(names: tuple[str, ...], mirror: str | None) -> None:
    """Check the sha256 of every local copy (mirror or cache) without downloading; non-zero exit on a mismatch."""
    from essnum.data.sources import verify as verify_files

    checks = verify_files(list(names) or None, mirror)
    for check in checks:
        state = "ok" if check.ok else ("MISSING" if check.where == "missing" else "MISMATCH")
        click.echo(f"{state:<9} {check.where:<7} {check.path}" + ("" if check.ok or check.actual is None else
                   f"\n          expected {check.expected}\n          actual   {check.actual}  ({check.location})"))
    bad = [c for c in checks if c.where != "missing" and not c.ok]
    missing = [c for c in checks if c.where == "missing"]
    click.echo(f"{len(checks)} files: {len(checks) - len(bad) - len(missing)} verified, {len(bad)} mismatched, "
               f"{len(missing)} not yet fetched (run `essnum sources fetch`).")
    if bad:
        raise SystemExit("hash mismatch: restore the listed files from their declared URL (`essnum sources list`).")
