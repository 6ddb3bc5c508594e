"""The two real briefs (issue 6) render with the built-in path: every fact they use is in the PDF in its
French form, every figure has alt text, citations resolve, the consultation answers fit the form."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from essnum.paths import briefs_dir
from essnum.publish import facts
from essnum.publish.render import render_briefs

pytestmark = pytest.mark.slow

BRIEFS = ("accelerer-ess-numerique", "transition-pathway-reponse")


def spaces(text: str) -> str:
    return text.replace("\u202f", " ").replace("\u00a0", " ").replace("\u200b", "")


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    root = tmp_path_factory.mktemp("briefs")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ESSNUM_BUILD", str(root / "build"))
        results = render_briefs([briefs_dir() / f"{name}.qmd" for name in BRIEFS], out_dir=root / "out",
                                engine="builtin", progress=False, force=True)
    return {r.brief: r for r in results}


@pytest.mark.parametrize("name", BRIEFS)
def test_pdf_holds_every_fact_of_the_brief_in_french(rendered, name):
    if shutil.which("pdftotext") is None:
        pytest.fail("pdftotext is missing: install poppler-utils")
    result = rendered[name]
    text = spaces(subprocess.run(["pdftotext", "-enc", "UTF-8", str(result.pdf), "-"], capture_output=True,
                                 text=True, check=True).stdout)
    text = re.sub(r"\s+", " ", text.replace("\xad\n", ""))  # lines joined, soft hyphens removed
    expected = facts.keys_in_text((briefs_dir() / f"{name}.qmd").read_text(encoding="utf-8"))
    assert set(expected) <= set(result.facts)
    missing = [key for key in expected if spaces(facts.get(key).text) not in text]
    assert not missing, f"facts missing from {result.pdf.name}: {missing}"
    assert "Sources et méthodes" in text and "???" not in text


@pytest.mark.parametrize("name", BRIEFS)
def test_every_figure_has_alt_text_and_a_source_line(rendered, name):
    html = rendered[name].html.read_text(encoding="utf-8")
    images = re.findall(r"<img [^>]*>", html)
    assert images and all(re.search(r'alt="[^"]{20,}"', tag) for tag in images)
    assert html.count('class="source"') >= len(images)


def test_consultation_answers_are_exported_within_the_limit(rendered):
    result = rendered["transition-pathway-reponse"]
    folder = result.pdf.parent / "transition-pathway-reponse-reponses"
    assert (folder / "answers.csv").is_file() and len(list(folder.glob("q-*.txt"))) >= 8
    assert result.over_limit == []
