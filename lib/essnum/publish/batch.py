"""Render the regional barometer of every région (issue 7) from ``briefs/barometre-regional.qmd``.

All régions run in ONE kernel (``essnum.publish.render.KernelSession``): imports, reference data and the
national computation of :mod:`essnum.publish.barometer` are paid once, then each région costs its map, its
tables, pandoc and an in-process Typst compile — the conversion of one région overlapping the kernel
work of the next. Each région is written to its own folder
(``_output/barometres/<code>-<name>/``), so figures and files of two régions never mix; each render is
cached (``build/render/barometre-regional--region-<code>/``) and skipped when nothing it depends on changed.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from essnum.config import decision
from essnum.paths import briefs_dir, output_dir

TEMPLATE_NAME = "barometre-regional.qmd"
#: Régions being converted (pandoc, Typst) while the kernel runs the cells of the next one: two keep both
#: cores busy when a conversion takes longer than the next région's cells.
CONVERSIONS_IN_FLIGHT = 2


def template() -> Path:
    return briefs_dir() / TEMPLATE_NAME


def output_root() -> Path:
    """Folder holding one sub-folder per région (``barometer.output_folder`` under ``_output/``)."""
    return output_dir() / decision("barometer.output_folder")


@dataclass
class BarometerRender:
    """One région's render: its code and name, the render result, the wall time seen by the batch."""

    code: str
    name: str
    result: object  # essnum.publish.render.RenderResult
    seconds: float

    @property
    def status(self) -> str:
        return "cached" if self.result.cached else "rendered"


def region_list(regions=None, all_regions: bool = False) -> list[str]:
    """Validated région codes: ``regions`` (codes, any form ``region_code`` accepts) or, with
    ``all_regions`` or nothing given, all 18 in code order. An unknown code raises ``UnknownRegion``."""
    from .barometer import region_code, region_codes

    if regions and not all_regions:
        return list(dict.fromkeys(region_code(code) for code in regions))
    return region_codes()


def render_barometers(regions=None, out_root: Path | None = None, force: bool = False, progress: bool = True,
                      engine: str = "builtin", session=None) -> list[BarometerRender]:
    """Render the barometer of ``regions`` (default: all 18) as PDF and HTML, one folder per région.

    Built-in path: one kernel serves every région (``session``, else one started at the first région that is
    not cached) and runs the cells of région n+1 while threads convert the previous ones (pandoc, Typst). With
    Quarto (``engine`` "quarto", or "auto" with quarto installed) the régions are rendered one after the
    other. ``force`` ignores the render cache.
    """
    from collections import deque
    from concurrent.futures import ThreadPoolExecutor

    from tqdm import tqdm

    from essnum.publish.render.engine import read_source, start_render
    from essnum.publish.render.quarto import quarto_available

    from .barometer import folder_name, region_name
    from .render import KernelSession, render

    codes = region_list(regions)
    root = Path(out_root) if out_root else output_root()
    quarto = engine == "quarto" or (engine == "auto" and quarto_available())
    own = session is None
    session = session or KernelSession(cwd=briefs_dir())
    bar = tqdm(total=len(codes), desc="barometres", unit="région", disable=not progress)
    done: list[BarometerRender] = []

    def finished(code: str, started: float, result) -> None:
        done.append(BarometerRender(code, region_name(code), result, time.perf_counter() - started))
        bar.set_postfix_str(code)
        bar.update()

    def drain(keep: int) -> None:  # wait for the oldest conversions until at most ``keep`` are in flight
        while len(in_flight) > keep:
            code, started, future = in_flight.popleft()
            finished(code, started, future.result())

    in_flight: deque = deque()
    try:
        source = None if quarto else read_source(template())  # parsed and hashed once for every région
        with ThreadPoolExecutor(max_workers=CONVERSIONS_IN_FLIGHT) as converter:
            for code in codes:
                started = time.perf_counter()
                params, target = {"region": code}, root / folder_name(code)
                if quarto:
                    finished(code, started, render(template(), params, target, engine=engine))
                    continue
                pending = start_render(template(), params, target, session=session, force=force, source=source)
                in_flight.append((code, started, converter.submit(pending) if callable(pending) else _done(pending)))
                drain(CONVERSIONS_IN_FLIGHT)
            if own:
                session.close()  # the last conversions need no kernel: it shuts down meanwhile
            drain(0)
    finally:
        bar.close()
        if own:
            session.close()
    return done


def _done(result):
    """A finished future holding ``result`` (a région served from the cache keeps its place in the order)."""
    from concurrent.futures import Future

    future = Future()
    future.set_result(result)
    return future


def summary(renders: list[BarometerRender], wall_seconds: float) -> str:
    """The table printed after a batch: région, pages, seconds (from the start of its cells to its PDF
    and HTML written; conversions overlap the next région's cells), status, warnings; then the wall time."""
    lines = [f"{'région':<34} {'pages':>5} {'seconds':>8}  {'status':<9} warnings"]
    for item in renders:
        label = f"{item.code} {item.name}"
        lines.append(f"{label:<34} {item.result.pages:>5} {item.seconds:8.2f}  {item.status:<9} "
                     f"{len(item.result.warnings)}")
    rendered = sum(not item.result.cached for item in renders)
    lines.append(f"{len(renders)} région(s): {rendered} rendered, {len(renders) - rendered} unchanged (cache); "
                 f"{wall_seconds:.1f} s in all")
    return "\n".join(lines)
