"""``essnum site``: write the static, offline site of the observatory (_output/site/)."""

from __future__ import annotations

import click


@click.command()
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default=None,
              help="Folder receiving the site (default: _output/site in the project); emptied first.")
def site(out_dir: str | None) -> None:
    """Write the observatory's static site: home page with every brief and barometer (HTML, PDF), the interactive
    map (atlas and support places over the project's own boundaries), the « made in ESS » directory (atlas +
    candidate register), the data page and "Sources et méthodes". It opens from disk (file://) with no network
    request. Run after `essnum build` so that the publications and facts are there."""
    import json
    from pathlib import Path

    from essnum.publish.site import build_site
    from essnum.publish.site.pages import site_dir

    target = Path(out_dir) if out_dir else site_dir()
    written = build_site(target)
    counts = json.loads((target / "manifest.json").read_text(encoding="utf-8"))["counts"]
    click.echo(f"site: {len(written)} files in {target}")
    click.echo(f"  map: {counts['map_total']} points {counts['map']}; directory: {counts['directory_total']} "
               f"organisations {counts['directory']}; facts: {counts['facts']}; publications: {counts['publications']}")
    click.echo(f"  open {target / 'index.html'}")
