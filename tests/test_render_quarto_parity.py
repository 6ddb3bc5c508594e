"""Real Quarto (issue 12): ``quarto render`` of both briefs (Typst PDF and HTML) and of the regional
barometer with ``-P region:…`` gives the same document as the built-in path: the same facts in the same
French form, the same figures (count and alt text), the same headings, the same page count ±1; the HTML
pages load nothing from the network.

Needs Quarto on the PATH (``make test`` installs it from ../shared/tools/quarto when present). Without it
these tests are skipped, unless ``ESSNUM_REQUIRE_QUARTO=1`` (CI, .ci/run): then they fail.
"""

from __future__ import annotations

import difflib
import html as html_lib
import json
import os
import re
import shutil
import subprocess
import time
import zlib
from dataclasses import dataclass
from pathlib import Path

import pytest

from essnum.paths import briefs_dir
from essnum.publish.render import RenderResult, render_brief, render_with_quarto
from essnum.publish.render.quarto import quarto_available

pytestmark = pytest.mark.slow

#: (name, brief, parameters): both briefs and one barometer.
DOCUMENTS = (
    ("accelerer-ess-numerique", "accelerer-ess-numerique.qmd", None),
    ("transition-pathway-reponse", "transition-pathway-reponse.qmd", None),
    ("barometre-84", "barometre-regional.qmd", {"region": "84"}),
)
LOCK = briefs_dir() / "facts.lock.json"


def require_quarto() -> None:
    if quarto_available():
        return
    message = "quarto is not on the PATH (make test installs it from ../shared/tools/quarto)"
    if os.environ.get("ESSNUM_REQUIRE_QUARTO") == "1":
        pytest.fail(message + "; ESSNUM_REQUIRE_QUARTO=1 asks for it")
    pytest.skip(message)


@dataclass
class Pair:
    builtin: RenderResult
    quarto: RenderResult
    source: Path


@pytest.fixture(scope="module")
def renders(tmp_path_factory) -> dict[str, Pair]:
    """Each document rendered by both engines into its own folder (the built-in cache in a temporary
    build folder, so both really render); the times are printed (``pytest -s``) and written to
    ``render-times.json`` in the temporary folder."""
    require_quarto()
    root = tmp_path_factory.mktemp("parity")
    pairs, times = {}, {}
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ESSNUM_BUILD", str(root / "build"))
        for name, brief, params in DOCUMENTS:
            source = briefs_dir() / brief
            started = time.perf_counter()
            builtin = render_brief(source, params, root / "builtin" / name, force=True)
            middle = time.perf_counter()
            quarto = render_with_quarto(source, params, root / "quarto" / name)
            times[name] = {"builtin": middle - started, "quarto": time.perf_counter() - middle}
            pairs[name] = Pair(builtin, quarto, source)
    (root / "render-times.json").write_text(json.dumps(times, indent=1), encoding="utf-8")
    for name, t in times.items():
        print(f"{name}: built-in {t['builtin']:.1f} s, quarto {t['quarto']:.1f} s, "
              f"ratio {t['quarto'] / t['builtin']:.1f}")
    return pairs


# --- what is compared -----------------------------------------------------------------------------------

def pdf_text(pdf: Path) -> str:
    """pdftotext, lines joined (a fact may wrap at an ordinary space; a hyphenated word is joined). The text
    layer of Typst's PDFs gives no-break spaces (U+00A0, U+202F) as ordinary spaces, so the exact French
    spaces are compared in the HTML pages (:func:`html_text`)."""
    if shutil.which("pdftotext") is None:
        pytest.fail("pdftotext is missing: install poppler-utils")
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    text = re.sub("\u00ad\\s*\n\\s*", "", text)
    return re.sub(r"[ \t\r\n\f]+", " ", text)


def spaces(text: str) -> str:
    return text.replace("\u202f", " ").replace("\u00a0", " ")


def html_text(page: str) -> str:
    """The page's text, characters as they are (U+202F, U+00A0), without its styles and scripts."""
    page = re.sub(r"<(style|script)\b.*?</\1>", " ", page, flags=re.S | re.I)
    return re.sub(r"[ \t\r\n]+", " ", html_lib.unescape(re.sub(r"<[^>]+>", " ", page)))


def pdf_alt_texts(pdf: Path) -> list[str]:
    """The /Alt text of every tagged element of the PDF (Typst writes a figure's alt text there), sorted."""
    data = pdf.read_bytes()
    chunks = [data]
    for match in re.finditer(rb"stream\r?\n(.*?)endstream", data, re.S):
        try:
            chunks.append(zlib.decompress(match.group(1)))
        except zlib.error:
            pass
    found = []
    for chunk in chunks:
        for match in re.finditer(rb"/Alt\s*<([0-9A-Fa-f\s]*)>", chunk):
            raw = bytes.fromhex(re.sub(rb"\s", b"", match.group(1)).decode())
            found.append(raw.decode("utf-16") if raw[:2] in (b"\xfe\xff", b"\xff\xfe") else raw.decode("latin-1"))
        for match in re.finditer(rb"/Alt\s*\(((?:\\.|[^\\)])*)\)", chunk):
            found.append(match.group(1).decode("latin-1"))
    return sorted(text.lstrip("\ufeff") for text in found)


def pdf_images(pdf: Path) -> int:
    listing = subprocess.run(["pdfimages", "-list", str(pdf)], capture_output=True, text=True, check=True).stdout
    return sum(1 for line in listing.splitlines()[2:] if line.split()[2:3] == ["image"])


def _plain(fragment: str) -> str:
    return re.sub(r"\s+", " ", html_lib.unescape(re.sub(r"<[^>]+>", "", fragment))).strip()


def html_headings(page: str) -> list[str]:
    """Section headings h2–h4 of the page (the title block is compared through the PDF text); not those of
    the templates Quarto's scripts carry (popovers)."""
    page = re.sub(r"<(style|script|template)\b.*?</\1>", " ", page, flags=re.S | re.I)
    return [_plain(m.group(1)) for m in re.finditer(r"<h[2-4][^>]*>(.*?)</h[2-4]>", page, re.S)]


def html_alt_texts(page: str) -> list[str]:
    return sorted(html_lib.unescape(m.group(1)) for m in re.finditer(r'<img\b[^>]*?\balt="([^"]*)"', page))


def remote_resources(page: str) -> list[str]:
    """Resources the page would fetch: src/href of scripts, images, stylesheets, frames, media, fonts."""
    tags = re.finditer(r"<(script|img|link|iframe|source|video|audio|embed|object)\b[^>]*>", page, re.I)
    found = [m.group(0)[:160] for m in tags if re.search(r'\b(src|href|data)\s*=\s*["\']?(https?:)?//', m.group(0))
             and not (m.group(1).lower() == "link" and not re.search(r'rel=["\']?(stylesheet|preload|icon|modulepreload)', m.group(0)))]
    found += [m.group(0) for m in re.finditer(r"url\(\s*['\"]?(https?:)?//[^)]*\)", page)]
    found += [m.group(0) for m in re.finditer(r"@import\s+['\"]?(https?:)?//\S+", page)]
    return found


def diff(label: str, builtin: list[str], quarto: list[str]) -> str:
    lines = difflib.unified_diff(builtin, quarto, fromfile=f"{label}: built-in", tofile=f"{label}: quarto",
                                 lineterm="")
    return "\n".join(lines)


def literal_facts(source: Path) -> list[str]:
    return list(dict.fromkeys(re.findall(r'fact\("([^"]+)"\)', source.read_text(encoding="utf-8"))))


# --- the tests ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", [d[0] for d in DOCUMENTS])
def test_same_facts_in_the_same_french_form(renders, name):
    """Every fact of the lock printed by one engine is printed by the other, in the PDF (pdftotext) and, with
    its exact French spaces, in the HTML page; every fact the brief writes literally is printed by both."""
    pair = renders[name]
    texts = {"PDF built-in": pdf_text(pair.builtin.pdf), "PDF quarto": pdf_text(pair.quarto.pdf),
             "HTML built-in": html_text(pair.builtin.html.read_text(encoding="utf-8")),
             "HTML quarto": html_text(pair.quarto.html.read_text(encoding="utf-8"))}
    lock = json.loads(LOCK.read_text(encoding="utf-8"))["facts"]
    used = [key for key in literal_facts(pair.source) if key in lock]
    problems, compared = [], 0
    for key, entry in sorted(lock.items()):
        present = {where: (spaces(entry["text"]) if where.startswith("PDF") else entry["text"]) in text
                   for where, text in texts.items()}
        compared += all(present.values())
        differs = any(present[f"{medium} built-in"] != present[f"{medium} quarto"] for medium in ("PDF", "HTML"))
        if key in used and not all(present.values()) or differs:
            where = ", ".join(f"{engine}: {'yes' if p else 'MISSING'}" for engine, p in present.items())
            problems.append(f"{key} {entry['text']!r} ({where})")
    assert not problems, f"{name}: facts not printed alike by both engines:\n  " + "\n  ".join(problems)
    assert compared, f"{name}: no fact of the lock printed by both engines: nothing compared"


@pytest.mark.parametrize("name", [d[0] for d in DOCUMENTS])
def test_same_text_apart_from_page_layout(renders, name):
    """The whole text, word by word: dates, citations, typography, captions, cross-references
    ("Tableau 1"), callout titles and the sources appendix print alike. Allowed: page footers, running
    headers (they move with page breaks) and a passage pdftotext reads in another order (a table header
    next to a page break): the same words deleted at one place and inserted at another."""
    pair = renders[name]
    words = {engine: without_page_numbers(pdf_text(result.pdf), result.pages).split(" ")
             for engine, result in (("built-in", pair.builtin), ("quarto", pair.quarto))}
    matcher = difflib.SequenceMatcher(None, words["built-in"], words["quarto"], autojunk=False)
    deleted, inserted = [], []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag in ("delete", "replace"):
            deleted.append(" ".join(words["built-in"][i1:i2]))
        if tag in ("insert", "replace"):
            inserted.append(" ".join(words["quarto"][j1:j2]))
    for chunk in list(deleted):  # moved passages
        if chunk in inserted:
            deleted.remove(chunk)
            inserted.remove(chunk)
    furniture = page_furniture(pair.source)
    significant = [("only in built-in", c) for c in deleted if not set(c.split()) <= furniture]
    significant += [("only in quarto", c) for c in inserted if not set(c.split()) <= furniture]
    assert not significant, f"{name}: the text differs between engines:\n" + "\n".join(
        f"  {where}: {chunk!r}" for where, chunk in significant[:40])


def without_page_numbers(text: str, pages: int) -> str:
    """The text without its page footers ("3 / 10")."""
    return re.sub(rf"(?<!\S)\d{{1,3}} ?/ ?{pages}(?!\S) ?", "", text)


def page_furniture(source: Path) -> set[str]:
    """Words of the running header: the kicker and the title of the front matter."""
    import yaml

    meta = yaml.safe_load(source.read_text(encoding="utf-8").split("---", 2)[1])
    header = f"{meta.get('kicker', '')} {meta.get('title', '')}".replace("'", "\u2019")
    return set(header.split())


@pytest.mark.parametrize("name", [d[0] for d in DOCUMENTS])
def test_same_figures_with_the_same_alt_text(renders, name):
    pair = renders[name]
    b, q = pair.builtin, pair.quarto
    assert pdf_images(q.pdf) == pdf_images(b.pdf), f"{name}: {pdf_images(b.pdf)} images (built-in) vs {pdf_images(q.pdf)} (quarto)"
    problems = [d for d in (diff("PDF alt text", pdf_alt_texts(b.pdf), pdf_alt_texts(q.pdf)),
                            diff("HTML alt text", html_alt_texts(b.html.read_text(encoding="utf-8")),
                                 html_alt_texts(q.html.read_text(encoding="utf-8")))) if d]
    assert pdf_alt_texts(b.pdf), f"{name}: the built-in PDF carries no alt text: nothing compared"
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("name", [d[0] for d in DOCUMENTS])
def test_same_headings(renders, name):
    pair = renders[name]
    builtin = html_headings(pair.builtin.html.read_text(encoding="utf-8"))
    quarto = html_headings(pair.quarto.html.read_text(encoding="utf-8"))
    assert builtin, f"{name}: no heading found in the built-in page"
    assert builtin == quarto, diff("headings", builtin, quarto)
    def squeezed(text: str) -> str:  # pdftotext joins a word hyphenated at a line end ("avez-vous")
        return re.sub(r"[\s\u00a0\u202f\u00ad-]", "", text)

    for engine, result in (("built-in", pair.builtin), ("quarto", pair.quarto)):
        text = squeezed(pdf_text(result.pdf))
        missing = [h for h in builtin if squeezed(h) not in text]
        assert not missing, f"{name}: headings missing from the {engine} PDF: {missing}"


@pytest.mark.parametrize("name", [d[0] for d in DOCUMENTS])
def test_same_page_count_within_one(renders, name):
    pair = renders[name]
    assert abs(pair.quarto.pages - pair.builtin.pages) <= 1, (
        f"{name}: {pair.builtin.pages} pages (built-in) vs {pair.quarto.pages} (quarto)")


@pytest.mark.parametrize("name", [d[0] for d in DOCUMENTS])
def test_html_is_self_contained_and_offline(renders, name):
    pair = renders[name]
    for engine, result in (("built-in", pair.builtin), ("quarto", pair.quarto)):
        remote = remote_resources(result.html.read_text(encoding="utf-8"))
        assert not remote, f"{name} ({engine}) fetches from the network:\n  " + "\n  ".join(remote)
    assert not [w for w in pair.quarto.warnings if "fetch" in w.lower()], pair.quarto.warnings


@pytest.mark.parametrize("name", [d[0] for d in DOCUMENTS])
def test_same_data_beside_the_page_and_linked_under_the_same_figures(renders, name):
    """Both engines write the same ``<brief>-donnees/`` (file for file, byte for byte: the XLSX annex too) and
    link every file from the page, each figure's and table's link after the figure or table it belongs to."""
    pair = renders[name]
    folders = {engine: result.html.parent / f"{result.html.stem}-donnees"
               for engine, result in (("built-in", pair.builtin), ("quarto", pair.quarto))}
    files = {engine: {p.name: p.read_bytes() for p in folder.iterdir()} for engine, folder in folders.items()}
    assert files["built-in"] and sorted(files["built-in"]) == sorted(files["quarto"])
    assert files["built-in"] == files["quarto"]
    for engine, result in (("built-in", pair.builtin), ("quarto", pair.quarto)):
        page = result.html.read_text(encoding="utf-8")
        links = re.findall(r'<p class="data-link">.*?</p>', page, re.S)
        targets = [t for link in links for t in re.findall(r'href="([^"]+)"', link)]
        assert sorted(Path(t).name for t in targets) == sorted(n for n in files[engine] if n != "index.json"), engine
        for label in re.findall(r'<div\b[^>]*\bid="((?:fig|tbl)-[\w-]+)"', page):
            assert page.index(f'id="{label}"') < page.index(f'{folders[engine].name}/{label}.csv"'), (engine, label)


def test_quarto_render_warns_of_nothing(renders):
    """Quarto's and pandoc's warnings (a resource it could not fetch, an unresolved citation or
    cross-reference) are reported in RenderResult.warnings: there must be none."""
    warned = {name: pair.quarto.warnings for name, pair in renders.items() if pair.quarto.warnings}
    assert not warned, warned


def test_the_comparisons_see_a_difference():
    """The helpers the parity tests rely on report what differs (so a difference cannot pass unseen)."""
    assert diff("headings", ["Diagnostic", "Propositions"], ["Diagnostic", "Proposals"])
    assert remote_resources('<script src="https://cdn.jsdelivr.net/npm/jquery@3.5.1/dist/jquery.min.js"></script>')
    assert not remote_resources('<a href="https://www.example.org/">lien</a><img src="data:image/png;base64,AA">')
    assert html_headings('<h2 id="x" class="anchored">Un <em>titre</em></h2>') == ["Un titre"]
    assert html_alt_texts('<img src="a.png" alt="Carte &amp; légende">') == ["Carte & légende"]


def test_build_with_quarto_is_incremental(tmp_path, monkeypatch):
    """``essnum build --engine quarto``: the briefs step renders with Quarto, is up to date when nothing
    changed, and has a stamp of its own, so switching engines re-renders (here on a copy of the project
    limited to the consultation brief)."""
    require_quarto()
    from essnum import pipeline
    from essnum.build import Stamps, hash_files, run_steps
    from essnum.data.sources import mirror_dir
    from essnum.paths import project_root

    real = project_root()
    root = tmp_path / "project"
    root.mkdir()
    mirror = mirror_dir()
    for name in ("data", "research"):
        shutil.copytree(real / name, root / name, ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    shutil.copytree(real / "briefs" / "_extensions", root / "briefs" / "_extensions")
    for name in ("transition-pathway-reponse.qmd", "facts.lock.json"):
        shutil.copy(real / "briefs" / name, root / "briefs" / name)
    for name in ("_quarto.yml", "requirements.lock"):
        shutil.copy(real / name, root / name)
    # the code copied, not linked: the stamps hash it, and nothing else may edit it during the test
    shutil.copytree(real / "lib", root / "lib", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    monkeypatch.setenv("ESSNUM_MIRROR", str(mirror))
    monkeypatch.setenv("ESSNUM_ROOT", str(root))
    monkeypatch.delenv("ESSNUM_BUILD", raising=False)

    def statuses(engine):
        step = next(s for s in pipeline.steps(engine) if s.name.startswith("briefs"))
        return {r.name: r.status for r in run_steps([step])}

    def changed(engine):  # for the failure message: inputs that differ from the step's stamp
        step = next(s for s in pipeline.steps(engine) if s.name.startswith("briefs"))
        before, now = Stamps().data.get(step.name, {}).get("inputs", {}), hash_files(step.inputs())
        return sorted(k for k in set(before) | set(now) if before.get(k) != now.get(k))

    assert statuses("quarto") == {"briefs (quarto)": "built"}
    pdf = root / "_output" / "briefs" / "transition-pathway-reponse.pdf"
    html = pdf.with_suffix(".html")
    assert pdf.read_bytes().startswith(b"%PDF") and "quarto-xref" in html.read_text(encoding="utf-8")
    assert (root / "_output" / "briefs" / "transition-pathway-reponse-reponses" / "answers.csv").is_file()
    assert not changed("quarto"), "a Quarto render changed its own inputs"
    assert statuses("quarto") == {"briefs (quarto)": "up to date"}
    assert statuses("builtin") == {"briefs": "built"}  # its own stamp: never served by Quarto's
    assert "quarto-xref" not in html.read_text(encoding="utf-8")
    assert statuses("quarto") == {"briefs (quarto)": "built"}  # the built-in path rewrote its outputs
