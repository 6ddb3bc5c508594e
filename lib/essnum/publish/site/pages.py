"""Write the static site: pages from the Jinja templates beside this module, data as JS (so the pages work
from ``file://``, where a page cannot fetch a JSON file), downloads as CSV and XLSX, the publications copied
from ``_output/``, Leaflet copied from ``node_modules/`` (``npm ci`` from ``package-lock.json`` when absent).

Nothing on a page loads from the network: no web tiles (the base map is the project's own boundaries), no
CDN, no web font.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pandas as pd

from essnum.paths import atomic_write, output_dir, package_file, project_root

from . import content

LEAFLET_FILES = ("leaflet.js", "leaflet.css")
#: The kinds' colours on the map (colour-blind safe palette, Okabe–Ito).
KIND_COLOURS = {"france_services": "#0072B2", "mediation": "#E69F00", "cnfs_host": "#009E73", "atlas": "#CC79A7"}
SOURCES_USED = ("anct-france-services-2024-08-01", "data-inclusion", "lamednum-schema", "anct-conseillers-numeriques",
                "ess-numerique-candidates", "france-regions-overseas", "france-departements-overseas",
                "naturalearth-countries", "insee-cog-communes", "france-communes")


def site_dir() -> Path:
    return output_dir() / "site"


def leaflet_dir() -> Path:
    """``node_modules/leaflet/dist`` of the project, installed with ``npm ci`` (package-lock.json) if absent."""
    root = project_root()
    dist = root / "node_modules" / "leaflet" / "dist"
    if not (dist / "leaflet.js").is_file():
        if shutil.which("npm") is None:
            raise SystemExit("the site needs Leaflet from npm: install npm (apt-get install npm), then run "
                             "`npm ci --ignore-scripts` in the project folder")
        subprocess.run(["npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund"], cwd=root, check=True,
                       stdout=subprocess.DEVNULL)
    return dist


def _write_text(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_write(path, "w") as handle:
        handle.write(text)
    return path


def _write_js(path: Path, name: str, payload) -> Path:
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return _write_text(path, f"window.{name}={text};\n")


def _write_table(frame: pd.DataFrame, folder: Path, stem: str, sheet: str, xlsx: bool = True) -> list[Path]:
    content.check_no_contacts(frame, stem)
    folder.mkdir(parents=True, exist_ok=True)
    csv_path = folder / f"{stem}.csv"
    with atomic_write(csv_path, "w") as handle:
        frame.to_csv(handle, index=False, lineterminator="\n")
    written = [csv_path]
    if xlsx:
        from essnum.publish.render.annexes import xlsx_bytes

        xlsx_path = folder / f"{stem}.xlsx"
        with atomic_write(xlsx_path, "wb") as handle:
            handle.write(xlsx_bytes(frame, sheet, date.today()))
        written.append(xlsx_path)
    return written


def _columnar(frame: pd.DataFrame, coded: tuple[str, ...]) -> dict:
    """Columns as lists; the ``coded`` ones as an index into a list of their distinct values (smaller files)."""
    out: dict = {"n": len(frame)}
    for column in frame.columns:
        values = frame[column]
        if column in coded:
            levels = sorted(values.dropna().astype(str).unique())
            lookup = {v: i for i, v in enumerate(levels)}
            out[column] = {"levels": levels, "codes": [lookup.get(v, -1) if isinstance(v, str) else -1
                                                       for v in values.astype(object).where(values.notna(), None)]}
        elif pd.api.types.is_float_dtype(values):
            out[column] = [None if pd.isna(v) else float(v) for v in values]
        else:
            out[column] = [None if pd.isna(v) else str(v) for v in values.astype(object)]
    return out


def _data_of(page: Path, link: str) -> list[dict]:
    """The data files the renderer wrote beside ``page`` (``<page>-donnees/index.json``), their links prefixed
    with ``link`` (the page's folder on the site)."""
    from essnum.publish.render.annexes import INDEX, folder_name

    index = page.parent / folder_name(page.stem) / INDEX
    if not index.is_file():
        return []
    entries = json.loads(index.read_text(encoding="utf-8"))["data"]
    folder = f"{link}/{folder_name(page.stem)}"
    return [{**entry, "links": [{"format": Path(name).suffix[1:].upper(), "href": f"{folder}/{name}"}
                                for name in entry["files"]]} for entry in entries]


def publications() -> list[dict]:
    """The briefs and barometers found in ``_output/`` (HTML and PDF, and the data of their figures and tables),
    as the home and data pages link them."""
    found = []
    briefs = output_dir() / "briefs"
    for page in sorted(briefs.glob("*.html")):
        found.append({"group": "Notes et réponses", "title": _title(page), "stem": page.stem,
                      "html": f"publications/briefs/{page.name}",
                      "pdf": f"publications/briefs/{page.stem}.pdf" if page.with_suffix(".pdf").is_file() else None,
                      "data": _data_of(page, "publications/briefs")})
    names = content.region_names()
    for folder in sorted((output_dir() / "barometres").glob("*-*")):
        html = next(iter(sorted(folder.glob("*.html"))), None)
        if html is None:
            continue
        code = folder.name.split("-", 1)[0]
        title = f"{_title(html)} — {names[code]}" if code in names else _title(html)
        found.append({"group": "Baromètres régionaux", "title": title, "stem": folder.name,
                      "html": f"publications/barometres/{folder.name}/{html.name}",
                      "pdf": (f"publications/barometres/{folder.name}/{html.stem}.pdf"
                              if html.with_suffix(".pdf").is_file() else None),
                      "data": _data_of(html, f"publications/barometres/{folder.name}")})
    return found


def _title(page: Path) -> str:
    """The ``<title>`` of a rendered publication (its file name when it has none)."""
    text = page.read_text(encoding="utf-8", errors="replace")[:20000]
    match = re.search(r"<title>(.*?)</title>", text, re.DOTALL)
    return html.unescape(match.group(1).strip()) if match else page.stem


def _copy_publications(target: Path) -> list[Path]:
    written = []
    for name in ("briefs", "barometres"):
        source = output_dir() / name
        if not source.is_dir():
            continue
        destination = target / "publications" / name
        if destination.exists():
            shutil.rmtree(destination)
        shutil.copytree(source, destination)
        written += [p for p in destination.rglob("*") if p.is_file()]
    return written


def _env():
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    env = Environment(loader=FileSystemLoader(str(package_file("publish", "site", "templates"))),
                      autoescape=select_autoescape(["html"]), trim_blocks=True, lstrip_blocks=True)
    env.filters["fr"] = lambda n: f"{int(n):,}".replace(",", "\u202f")
    return env


def _sources() -> list[dict]:
    from essnum.data.sources import catalogue

    known = catalogue()
    return [{"name": n, "title": known[n].dataset.title, "publisher": known[n].dataset.publisher,
             "licence": known[n].dataset.licence, "year": known[n].dataset.year,
             "attribution": known[n].dataset.attribution, "description": known[n].description}
            for n in SOURCES_USED if n in known]


def build_site(target: Path | None = None) -> list[Path]:
    """Write the whole site into ``target`` (default ``_output/site/``); return every file written."""
    target = Path(target) if target is not None else site_dir()
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    written: list[Path] = []

    # vendored libraries and static files
    dist = leaflet_dir()
    vendor = target / "vendor" / "leaflet"
    vendor.mkdir(parents=True)
    for name in LEAFLET_FILES:
        shutil.copy2(dist / name, vendor / name)
    shutil.copytree(dist / "images", vendor / "images")
    shutil.copy2(dist.parent / "LICENSE", vendor / "LICENSE")
    written += [p for p in vendor.rglob("*") if p.is_file()]
    static = package_file("publish", "site", "static")
    (target / "assets").mkdir()
    for path in sorted(static.iterdir()):
        shutil.copy2(path, target / "assets" / path.name)
        written.append(target / "assets" / path.name)

    # data
    points = content.map_points()
    regions = content.region_names()
    directory = content.directory()
    facts = content.facts_table()
    offer = content.offer_tables()
    data = target / "donnees"
    map_frame = points.points[["kind", "name", "commune_name", "departement", "region", "country", "family",
                               "source", "date", "precision", "lon", "lat"]]
    written.append(_write_js(data / "carte.js", "ESSNUM_CARTE", {
        "points": _columnar(map_frame, ("kind", "region", "country", "family", "source", "precision",
                                        "departement")),
        "kinds": [{"code": k, "label": label, "colour": KIND_COLOURS[k], "count": points.counts[k],
                   "unlocated": points.unlocated.get(k, 0)} for k, label in content.MAP_KINDS.items()],
        "regions": regions, "boundaries": content.boundaries(),
    }))
    written.append(_write_js(data / "annuaire.js", "ESSNUM_ANNUAIRE", {
        "rows": _columnar(directory, ("origin", "naf_section", "naf_section_label", "ess_family", "governance",
                                      "legal_label", "esus", "societe_a_mission", "active", "employer",
                                      "atlas_family", "country")),
        "note": content.CANDIDATE_NOTE}))
    written += _write_table(directory, data, "annuaire", "annuaire")
    written += _write_table(map_frame, data, "carte-points", "points", xlsx=False)
    written += _write_table(facts, data, "faits", "faits")
    for stem, frame in offer.items():
        written += _write_table(frame, data, stem, stem)

    # publications
    written += _copy_publications(target)
    pubs = publications()

    counts = {"map": points.counts, "map_unlocated": points.unlocated, "map_total": int(sum(points.counts.values())),
              "directory": directory["origin"].value_counts().to_dict(), "directory_total": len(directory),
              "facts": len(facts), "publications": len(pubs)}
    manifest = {"built": date.today().isoformat(), "counts": counts,
                "files": sorted(str(p.relative_to(target)) for p in written)}
    written.append(_write_text(target / "manifest.json", json.dumps(manifest, ensure_ascii=False, indent=1)))

    env = _env()
    tables = [{"stem": "annuaire", "title": "Annuaire « made in ESS » (atlas + registre candidat)",
               "rows": len(directory), "xlsx": True},
              {"stem": "carte-points", "title": "Points de la carte (lieux d'accompagnement et atlas)",
               "rows": len(map_frame), "xlsx": False},
              {"stem": "offre-departements", "title": "Offre d'accompagnement par département",
               "rows": len(offer["offre-departements"]), "xlsx": True},
              {"stem": "offre-regions", "title": "Offre d'accompagnement par région",
               "rows": len(offer["offre-regions"]), "xlsx": True},
              {"stem": "faits", "title": "Faits des notes et baromètres (valeur, source, méthode)",
               "rows": len(facts), "xlsx": True}]
    common = {"counts": counts, "kinds": [{"code": k, "label": v, "colour": KIND_COLOURS[k]}
                                          for k, v in content.MAP_KINDS.items()],
              "candidate_note": content.CANDIDATE_NOTE, "built": manifest["built"]}
    pages = {"index.html": {"publications": pubs}, "carte.html": {}, "annuaire.html": {},
             "donnees.html": {"tables": tables, "publications": pubs, "facts_columns": list(facts.columns),
                              "offer_columns": list(offer["offre-regions"].columns)},
             "sources.html": {"sources": _sources(), "offer_counts": _offer_counts()}}
    for name, extra in pages.items():
        html = env.get_template(name).render(page=name, **common, **extra)
        written.append(_write_text(target / name, html))
    return written


def _offer_counts() -> dict:
    from essnum.territory.offer import support_offer

    return support_offer().counts


def inputs() -> list[Path]:
    """What the site depends on (the ``site`` step of ``essnum build``): the data, the code that reads and
    places it, this package's templates and static files, the npm lock of Leaflet, the facts registry and the
    publications in ``_output/``."""
    from essnum.build import code_files
    from essnum.paths import build_dir, data_dir

    here = package_file("publish", "site")
    publications = [p for name in ("briefs", "barometres") for p in sorted((output_dir() / name).rglob("*"))
                    if p.is_file()]
    return [*sorted(p for p in data_dir().rglob("*") if p.is_file()),
            *code_files("publish/site", "data", "territory", "funding", "paths", "config"),
            *sorted(p for p in here.rglob("*") if p.is_file() and "__pycache__" not in p.parts),
            project_root() / "package.json", project_root() / "package-lock.json", project_root() / "requirements.lock",
            build_dir() / "facts.json", *publications]
