"""``essnum render barometre --all`` / ``--region CODE``: the regional barometer for many régions at once.

Wired into ``essnum render`` (options ``--all`` and ``--region``); the work is done by
:mod:`essnum.publish.batch`.
"""

from __future__ import annotations

import time
from pathlib import Path

import click


def render_regions(briefs: list[Path], regions: tuple[str, ...], all_regions: bool, engine: str, force: bool,
                   output_dir: Path | None) -> None:
    """Render the barometer template (``briefs``: it, or nothing) for ``regions`` (or every région), print
    the summary table."""
    from essnum.publish.barometer import UnknownRegion
    from essnum.publish.batch import region_list, render_barometers, summary, template
    from essnum.publish.render import RenderError

    if briefs and [Path(b).resolve() for b in briefs] != [template().resolve()]:
        raise click.BadParameter(f"--all and --region render the regional barometer only: write "
                                 f"`essnum render barometre --all` ({template().name})", param_hint="BRIEFS")
    try:
        codes = region_list(regions, all_regions)
    except UnknownRegion as error:
        raise click.BadParameter(str(error), param_hint="--region") from None
    started = time.perf_counter()
    try:
        renders = render_barometers(codes, output_dir, force=force, engine=engine)
    except RenderError as error:
        raise click.ClickException(str(error)) from None
    click.echo(summary(renders, time.perf_counter() - started))
    root = renders[0].result.pdf.parent.parent if renders else output_dir
    click.echo(f"PDF and HTML in {root}/<code>-<région>/")
    for item in renders:
        for warning in item.result.warnings:
            click.echo(f"  {item.code} warning: {warning}")
