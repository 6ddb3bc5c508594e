"""The static site (essnum.publish.site): its data (no contact, counts equal to the sources) and, in a real
headless Chromium (Debian's ``chromium``, driven by Playwright with ``executable_path``; nothing is downloaded),
the map, the directory and a download, from ``file://`` with no request leaving it."""

from __future__ import annotations

import csv
import io
import json
import os
import re
from pathlib import Path

import pandas as pd
import pytest

from essnum.paths import project_root

CHROMIUM = os.environ.get("ESSNUM_CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = project_root() / "build" / "site-screenshots"
EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[a-z]{2,}", re.IGNORECASE)
PHONE = re.compile(r"(?<![\d.])(?:\+33\s?|0)[1-9](?:[ .-]?\d{2}){4}(?!\d)")
KNOWN_CANDIDATE = "ASS FRANC NOMMAGE INTERNET EN COOP"


@pytest.fixture(scope="module")
def publications(tmp_path_factory) -> Path:
    """An ``_output/`` of its own with two real publications, rendered by the built-in path with their data: the
    two briefs and the barometer of Corse, third on the data page (a fresh clone has no ``_output/``)."""
    from essnum.paths import briefs_dir
    from essnum.publish.render import render_brief

    out = tmp_path_factory.mktemp("publications") / "_output"
    render_brief(briefs_dir() / "accelerer-ess-numerique.qmd", out_dir=out / "briefs")
    render_brief(briefs_dir() / "transition-pathway-reponse.qmd", out_dir=out / "briefs")
    render_brief(briefs_dir() / "barometre-regional.qmd", {"region": "94"}, out_dir=out / "barometres" / "94-corse")
    return out


@pytest.fixture(scope="module")
def site(tmp_path_factory, publications) -> Path:
    from essnum.publish.site import build_site, pages

    target = tmp_path_factory.mktemp("site") / "site"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(pages, "output_dir", lambda: publications)
        build_site(target)
    return target


@pytest.fixture(scope="module")
def manifest(site) -> dict:
    return json.loads((site / "manifest.json").read_text(encoding="utf-8"))


def _csv(path: Path) -> list[dict]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


def test_pages_and_vendored_files_exist(site):
    for name in ("index.html", "carte.html", "annuaire.html", "donnees.html", "sources.html",
                 "vendor/leaflet/leaflet.js", "vendor/leaflet/leaflet.css", "donnees/carte.js", "donnees/annuaire.js",
                 "donnees/annuaire.csv", "donnees/annuaire.xlsx", "donnees/faits.csv", "donnees/faits.xlsx",
                 "donnees/offre-regions.csv", "donnees/offre-departements.csv"):
        assert (site / name).is_file(), name


def _payload(path: Path) -> dict:
    text = path.read_text(encoding="utf-8")
    return json.loads(text[text.index("=") + 1:].rstrip().rstrip(";"))


def _contacts(column: str, values) -> list[str]:
    """E-mails and phone numbers among the values (a registered name such as « LE THE@TRE.COM » is a name)."""
    if column == "name":
        return []
    return [v for v in values if isinstance(v, str) and (EMAIL.search(v) or PHONE.search(v))]


def test_no_contact_in_any_table(site):
    from essnum.publish.site.content import CONTACT_PATTERN

    for path in sorted((site / "donnees").glob("*.csv")):
        rows = _csv(path)
        assert not [c for c in rows[0] if CONTACT_PATTERN.search(c)], path.name
        for column in rows[0]:
            assert not _contacts(column, (r[column] for r in rows)), f"{path.name}: {column}"
    for name in ("carte.js", "annuaire.js"):
        columns = _payload(site / "donnees" / name)["points" if name == "carte.js" else "rows"]
        for column, values in columns.items():
            values = values["levels"] if isinstance(values, dict) else values if isinstance(values, list) else []
            assert not CONTACT_PATTERN.search(column) and not _contacts(column, values), f"{name}: {column}"


def test_map_counts_equal_the_sources(site, manifest):
    from essnum.data.atlas import load_atlas
    from essnum.territory.offer import support_offer

    offer = support_offer()
    counts, unlocated = manifest["counts"]["map"], manifest["counts"]["map_unlocated"]
    for kind in ("france_services", "mediation", "cnfs_host"):
        assert counts[kind] + unlocated[kind] == len(offer.of_kind(kind)), kind
        assert counts[kind] > 0.95 * len(offer.of_kind(kind)), kind
    assert counts["atlas"] + unlocated["atlas"] == len(load_atlas().organisations)
    points = _csv(site / "donnees" / "carte-points.csv")
    assert len(points) == manifest["counts"]["map_total"] == sum(counts.values())
    payload = _payload(site / "donnees" / "carte.js")
    assert payload["points"]["n"] == len(points)
    assert {k["code"]: k["count"] for k in payload["kinds"]} == counts
    assert len(payload["boundaries"]["regions"]["features"]) == 18
    assert len(payload["boundaries"]["departements"]["features"]) == 101


def test_directory_counts_labels_and_candidate_wording(site, manifest):
    from essnum.data.atlas import load_atlas
    from essnum.data.support import ess_register

    register, atlas = ess_register(), load_atlas().organisations
    rows = _csv(site / "donnees" / "annuaire.csv")
    assert len(rows) == len(register) + len(atlas) == manifest["counts"]["directory_total"]
    candidates = [r for r in rows if r["siren"]]
    assert len(candidates) == len(register) and {r["origin"] for r in candidates} == {"registre candidat"}
    assert {r["siren"] for r in candidates} == set(register["siren"])
    # labels come from the kept sources: every NAF code of the register is labelled, and nearly every legal category
    from essnum.publish.site.content import naf_labels

    unlabelled = {r["naf"] for r in candidates if not r["naf_label"]}  # codes of the former NAF rév. 1 (45.2R…)
    assert unlabelled.isdisjoint(naf_labels()) and len(unlabelled) <= 0.01 * len(candidates)
    assert sum(bool(r["legal_label"]) for r in candidates) >= 0.99 * len(candidates)
    by_siren = {r["siren"]: r for r in candidates}
    sample = register.iloc[0]
    assert by_siren[sample["siren"]]["naf"] == sample["naf"]
    assert {r["esus"] for r in candidates} <= {"oui", "non"}
    assert sum(r["esus"] == "oui" for r in candidates) == int(register["esus"].sum())
    assert "candidat" in (site / "annuaire.html").read_text(encoding="utf-8").lower()
    assert "candidat" in (site / "index.html").read_text(encoding="utf-8").lower()


def test_facts_table_has_every_fact(site, manifest):
    facts = json.loads((project_root() / "build" / "facts.json").read_text(encoding="utf-8"))["facts"] \
        if (project_root() / "build" / "facts.json").is_file() else {}
    rows = _csv(site / "donnees" / "faits.csv")
    assert len(rows) == len(facts) == manifest["counts"]["facts"]
    assert {"key", "value", "source", "method"} <= set(rows[0] if rows else {"key", "value", "source", "method"})


def test_pages_reference_nothing_on_the_network(site):
    pattern = re.compile(r"""(?:src|href)\s*=\s*["']\s*(?:https?:)?//|url\(\s*["']?(?:https?:)?//|@import""",
                         re.IGNORECASE)
    for path in [*site.glob("*.html"), *(site / "assets").iterdir(), *(site / "vendor").rglob("*.css")]:
        text = path.read_text(encoding="utf-8")
        assert not pattern.search(text), f"{path.name}: {pattern.search(text).group()}"


def test_home_links_every_publication(site, publications):
    html = (site / "index.html").read_text(encoding="utf-8")
    pdfs = [*(publications / "briefs").glob("*.pdf"), *(publications / "barometres").glob("*/*.pdf")]
    assert len(pdfs) == 3
    for pdf in pdfs:
        rel = pdf.relative_to(publications).as_posix()
        assert f'href="publications/{rel}"' in html, rel
        assert (site / "publications" / rel).is_file()
        assert f'href="donnees.html#pub-{pdf.parent.name if "barometres" in rel else pdf.stem}"' in html


# --- in a real browser -----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).is_file():
        if os.environ.get("CI"):
            pytest.fail(f"no Chromium at {CHROMIUM}: `make system-tools` installs Debian's chromium")
        pytest.skip(f"no Chromium at {CHROMIUM} (make system-tools installs it)")
    playwright = pytest.importorskip("playwright.sync_api")
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--no-first-run"])
        yield browser
        browser.close()


@pytest.fixture()
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True, locale="fr-FR")
    requests: list[str] = []
    context.on("request", lambda request: requests.append(request.url))
    # anything that is not the disk is refused (and recorded above, so the test fails)
    context.route(re.compile(r"^(?!file:|data:|blob:).*"), lambda route: route.abort())
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.requests, page.errors = requests, errors
    yield page
    context.close()


def _offline(page):
    outside = [u for u in page.requests if not u.startswith(("file:", "data:", "blob:"))]
    assert not outside, f"requests left file://: {outside[:5]}"
    assert not page.errors, page.errors


def _count(page, selector: str) -> int:
    return int(page.locator(selector).get_attribute("data-count"))


@pytest.mark.slow
def test_map_in_a_browser(site, manifest, page):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.goto((site / "carte.html").as_uri())
    page.wait_for_selector("body[data-map-ready='1']", timeout=60_000)
    total = manifest["counts"]["map_total"]
    assert _count(page, "#map-count") == total
    assert page.evaluate("window.essnumMap.drawn()") == total
    page.screenshot(path=str(SCREENSHOTS / "carte.png"))

    # a layer filter: mediation places off
    assert page.locator("#map").get_attribute("tabindex") == "0"  # the map itself takes the focus (arrows, + −)
    page.get_by_label(re.compile("médiation numérique")).uncheck()
    assert _count(page, "#map-count") == total - manifest["counts"]["map"]["mediation"]
    assert page.evaluate("window.essnumMap.drawn()") == total - manifest["counts"]["map"]["mediation"]
    page.get_by_label(re.compile("médiation numérique")).check()

    # a région filter: Bretagne
    points = _csv(site / "donnees" / "carte-points.csv")
    page.select_option("#map-region", "53")
    assert _count(page, "#map-count") == sum(p["region"] == "53" for p in points)
    page.select_option("#map-region", "")

    # a name search
    page.fill("#map-search", "Valserhône")
    page.wait_for_function("document.querySelector('#map-count').dataset.count < 20", timeout=10_000)
    found = _count(page, "#map-count")
    assert 1 <= found == sum("valserhône" in (p["name"] + " " + p["commune_name"]).lower() for p in points)
    # keyboard: open the list of points shown, then a point's popup, with the keys only
    page.locator("details.map-list-wrap summary").focus()
    page.keyboard.press("Enter")
    page.locator("#map-list button").first.focus()
    page.keyboard.press("Enter")
    page.wait_for_selector(".leaflet-popup-content", timeout=10_000)
    assert "Valserhône" in page.locator(".leaflet-popup-content").inner_text()
    popup = page.locator(".leaflet-popup-content").inner_text()
    assert "Source" in popup and not EMAIL.search(popup) and not PHONE.search(popup)
    page.wait_for_timeout(500)  # the popup's fade-in
    page.screenshot(path=str(SCREENSHOTS / "carte-recherche.png"))
    _offline(page)


@pytest.mark.slow
def test_directory_in_a_browser(site, manifest, page, tmp_path):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.goto((site / "annuaire.html").as_uri())
    total = manifest["counts"]["directory_total"]
    page.wait_for_function(f"document.querySelector('#dir-count').dataset.count == {total}", timeout=60_000)
    page.fill("#dir-search", "nommage internet")
    page.wait_for_function(f"document.querySelector('#dir-count').dataset.count < {total}", timeout=10_000)
    assert _count(page, "#dir-count") >= 1
    page.get_by_role("button", name=KNOWN_CANDIDATE).click()
    detail = page.locator("#dir-detail").inner_text()
    assert KNOWN_CANDIDATE in detail and "candidat" in detail
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(SCREENSHOTS / "annuaire.png"))

    page.fill("#dir-search", "")
    page.select_option("#dir-family", "coopérative")
    page.wait_for_function(f"document.querySelector('#dir-count').dataset.count < {total}", timeout=10_000)
    selected = _count(page, "#dir-count")
    rows = _csv(site / "donnees" / "annuaire.csv")
    assert selected == sum(r["ess_family"] == "coopérative" for r in rows)
    with page.expect_download() as info:
        page.click("#dir-download-csv")
    path = tmp_path / "selection.csv"
    info.value.save_as(path)
    downloaded = _csv(path)
    assert len(downloaded) == selected and {r["ess_family"] for r in downloaded} == {"coopérative"}
    assert set(downloaded[0]) == set(rows[0])
    with page.expect_download() as info:
        page.click("#dir-download-xlsx")
    workbook_path = tmp_path / "selection.xlsx"
    info.value.save_as(workbook_path)
    from openpyxl import load_workbook

    sheet = load_workbook(workbook_path, read_only=True).active
    cells = [[c if c is not None else "" for c in row] for row in sheet.iter_rows(values_only=True)]
    assert cells[0] == list(rows[0]) and len(cells) == selected + 1
    assert [dict(zip(cells[0], row)) for row in cells[1:]] == downloaded
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(SCREENSHOTS / "annuaire-cooperatives.png"))
    _offline(page)


@pytest.mark.slow
def test_the_data_of_a_publication_in_a_browser(site, page, tmp_path):
    """From the home page to a barometer's data: its "Données" link opens its part of the data page, whose CSV
    of the map downloads with one row per département of Corse; in the barometer page itself, every figure and
    table has a data link under it, and the annex downloads as an XLSX with a source and a method per fact."""
    page.goto((site / "index.html").as_uri())
    page.locator('li[data-publication="94-corse"] a', has_text="Données").click()
    assert page.url.endswith("donnees.html#pub-94-corse")
    section = page.locator("#pub-94-corse")
    assert section.evaluate("node => node.open")  # opened by the link, whatever its place on the page
    with page.expect_download() as info:
        section.locator("tr", has_text="fig-carte-region").get_by_role("link", name="CSV").click()
    path = tmp_path / "carte.csv"
    info.value.save_as(path)
    assert {r["code"] for r in _csv(path)} == {"2A", "2B"}

    page.goto((site / "publications" / "barometres" / "94-corse" / "barometre-regional.html").as_uri())
    labels = page.eval_on_selector_all("[id^='fig-'], [id^='tbl-']", "nodes => nodes.map(n => n.id)")
    links = page.eval_on_selector_all("p.data-link a", "nodes => nodes.map(n => n.getAttribute('href'))")
    assert labels and all(f"barometre-regional-donnees/{label}.csv" in links for label in labels)
    with page.expect_download() as info:
        page.get_by_role("link", name="XLSX").click()
    workbook = tmp_path / "chiffres.xlsx"
    info.value.save_as(workbook)
    annex = pd.read_excel(workbook)
    assert len(annex) > 20 and annex["source"].notna().all() and annex["method"].notna().all()
    _offline(page)


@pytest.mark.slow
def test_every_page_opens_offline(site, page):
    for name in ("index.html", "donnees.html", "sources.html"):
        page.goto((site / name).as_uri())
        assert page.locator("h1").count() == 1
    page.goto((site / "index.html").as_uri())
    page.screenshot(path=str(SCREENSHOTS / "accueil.png"), full_page=True)
    _offline(page)


def test_the_data_page_lists_the_data_beside_each_publication(tmp_path, monkeypatch):
    """A publication rendered with its data (``<page>-donnees/index.json``) has each of its files listed on the
    data page and a "Données" link on the home page; one without is listed as rendered without data."""
    from essnum.publish.render.annexes import DataOutput, write_annexes
    from essnum.publish.site import pages

    out = tmp_path / "_output"
    (out / "briefs").mkdir(parents=True)
    (out / "briefs" / "note.html").write_text("<title>Une note</title>", encoding="utf-8")
    (out / "briefs" / "autre.html").write_text("<title>Une autre</title>", encoding="utf-8")
    write_annexes(out / "briefs" / "note-donnees", [DataOutput("fig-a", "figure", "Une figure.", "x\n1\n2\n"),
                                                   DataOutput("chiffres", "table", "Chiffres", "k\na\n", xlsx=True)],
                  "note", pd.Timestamp("2025-07-01").date())
    monkeypatch.setattr(pages, "output_dir", lambda: out)
    found = {p["stem"]: p for p in pages.publications()}
    assert [d["name"] for d in found["note"]["data"]] == ["fig-a", "chiffres"] and found["autre"]["data"] == []
    html = pages._env().get_template("donnees.html").render(page="donnees.html", tables=[], facts_columns=[],
                                                             offer_columns=[], publications=list(found.values()),
                                                             counts={}, kinds=[], candidate_note="", built="")
    for href in ("publications/briefs/note-donnees/fig-a.csv", "publications/briefs/note-donnees/chiffres.xlsx",
                 "publications/briefs/note-donnees/chiffres.csv"):
        assert f'href="{href}"' in html
        assert (out / href.removeprefix("publications/")).is_file()
    assert "Une figure." in html and "rendue avec ses données" in html
    home = pages._env().get_template("index.html").render(page="index.html", publications=list(found.values()),
                                                          counts={"directory": {}, "map_total": 0,
                                                                  "directory_total": 0, "facts": 0},
                                                          kinds=[], candidate_note="",
                                                          built="")
    assert 'href="donnees.html#pub-note"' in home and 'href="donnees.html#pub-autre"' not in home
