"""Benchmark: the static site's page weight and the map's first paint with all points, in headless Chromium.

Page weight: the bytes each page loads (its HTML plus every script, style sheet and image it requests, summed
from the files on disk), and the whole site's size
(publications copied from ``_output/`` apart). First paint: for the map page opened from ``file://`` in a
fresh browser context, ``first-contentful-paint`` (Performance API) and the time at which the frame holding
every point has been painted (``window.essnumMapReady``: two animation frames after the last marker was added,
with all points in the layer). Also timed: ticking the mediation layer off and on (``essnumMap.update()`` then
two frames), the fluidity a reader feels.

Run:  .venv/bin/python benchmarks/bench_site.py [--site _output/site] [--repeat 5] [--build]
Needs Debian's chromium (/usr/bin/chromium, `make system-tools`) and playwright (test extra); downloads nothing.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path
from urllib.parse import unquote, urlparse

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--no-first-run"]


def _weight(urls: list[str], site: Path, name: str) -> tuple[int, int]:
    """(bytes, files) of one page: its HTML and the files it requested (Chromium lists no resource timing
    for file:// loads, so the requests are listened to)."""
    files = {site / name} | {Path(unquote(urlparse(u).path)) for u in urls if u.startswith("file:")}
    return sum(f.stat().st_size for f in files if f.is_file()), len(files)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", type=Path, default=None)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--build", action="store_true", help="write the site first (essnum site)")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()
    from essnum.publish.site.pages import build_site, site_dir

    site = args.site or site_dir()
    if args.build or not (site / "carte.html").is_file():
        build_site(site)
    from playwright.sync_api import sync_playwright

    manifest = json.loads((site / "manifest.json").read_text(encoding="utf-8"))
    total = manifest["counts"]["map_total"]
    site_bytes = sum(p.stat().st_size for p in site.rglob("*") if p.is_file() and "publications" not in p.parts)
    print(f"site without the publications: {site_bytes / 1e6:.2f} MB; map points: {total}")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=args.chromium, headless=True, args=ARGS)
        for name in ("index.html", "carte.html", "annuaire.html", "donnees.html", "sources.html"):
            context = browser.new_context(viewport={"width": 1400, "height": 1000})
            page = context.new_page()
            urls: list[str] = []
            page.on("request", lambda request, urls=urls: urls.append(request.url))
            page.goto((site / name).as_uri())
            page.wait_for_load_state("load")
            size, requests = _weight(urls, site, name)
            print(f"  {name:<14} {size / 1e3:9.1f} kB in {requests} files")
            context.close()
        fcp, ready, update = [], [], []
        for _ in range(args.repeat):
            context = browser.new_context(viewport={"width": 1400, "height": 1000})
            page = context.new_page()
            page.goto((site / "carte.html").as_uri())
            page.wait_for_selector("body[data-map-ready='1']", timeout=120_000)
            assert page.evaluate("window.essnumMap.drawn()") == total
            fcp.append(page.evaluate("(performance.getEntriesByName('first-contentful-paint')[0] || {}).startTime"))
            ready.append(page.evaluate("window.essnumMapReady"))
            for checked in (False, True):  # the mediation layer off (3 791 points leave), then on again
                update.append(page.evaluate("""(checked) => { const box = document.querySelector(
                    "#map-filters input[value=mediation]"); box.checked = checked; const t = performance.now();
                    window.essnumMap.update(); return new Promise(r => requestAnimationFrame(() =>
                    requestAnimationFrame(() => r(performance.now() - t)))); }""", checked))
            context.close()
        browser.close()

    def show(label, values):
        print(f"  {label:<44} median {statistics.median(values):7.0f} ms  (min {min(values):.0f}, max {max(values):.0f}, "
              f"n={len(values)})")

    print(f"map page, {total} points, fresh context each run:")
    show("first contentful paint", fcp)
    show("all points painted (from navigation start)", ready)
    show("a layer off or on (mediation) + paint", update)
    return 0


if __name__ == "__main__":
    sys.exit(main())
