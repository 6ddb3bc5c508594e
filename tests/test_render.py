"""End-to-end built-in rendering of the test brief: facts in French in the PDF, alt text, citations,
cross-references, byte-identical rebuilds, cache, parameters, and errors naming the brief line."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from essnum.publish import facts
from essnum.publish.render import KernelSession, RenderError, render_brief

FIXTURES = Path(__file__).parent / "fixtures" / "briefs"

pytestmark = pytest.mark.slow


def spaces(text: str) -> str:
    """pdftotext writes no-break spaces (U+00A0, U+202F) as plain spaces: compare on that footing
    (and without the zero-width spaces that let identifiers wrap in the appendix)."""
    return text.replace("\u202f", " ").replace("\u00a0", " ").replace("\u200b", "")


def pdf_text(pdf: Path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.fail("pdftotext is missing: install poppler-utils (apt-get install -y poppler-utils)")
    return spaces(subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True,
                                 check=True).stdout)


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    """A copy of the fixture brief and its notebook, a private build directory and one shared kernel."""
    root = tmp_path_factory.mktemp("render")
    for item in FIXTURES.iterdir():
        shutil.copy(item, root / item.name)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ESSNUM_BUILD", str(root / "build"))
        with KernelSession() as session:
            yield root, session


@pytest.fixture(scope="module")
def rendered(workspace):
    root, session = workspace
    return render_brief(root / "essai.qmd", out_dir=root / "out", session=session, force=True)


def test_pdf_and_html_are_written(rendered):
    assert rendered.pdf.read_bytes().startswith(b"%PDF")
    assert rendered.pages >= 2
    assert "<html" in rendered.html.read_text(encoding="utf-8")
    assert rendered.facts == ["rs2022.sample_size", "rs2022.maturity.experienced", "rs2022.external_support",
                              "rs2022.maturity.intermediate", "funding.public_digital_credits_ess_share"]


def test_pdf_text_holds_every_fact_in_french_form(rendered):
    text = pdf_text(rendered.pdf)
    for key in rendered.facts:
        assert spaces(facts.get(key).text) in text, f"{key}: {facts.get(key).text!r} not in the PDF text"
    html = rendered.html.read_text(encoding="utf-8")
    assert all(facts.get(key).text in html for key in rendered.facts)  # exact, no-break spaces included


def test_cross_references_citations_callout_and_appendix(rendered):
    text = pdf_text(rendered.pdf)
    assert "Figure 1" in text and "Tableau 1" in text and "Figure 2" in text
    assert "Recherches & Solidarités et Solidatech 2022" in text  # [@rs2022] resolved by citeproc
    assert "???" not in text and "@rs2022" not in text
    assert "Recommandation" in text
    appendix = text[text.index("Sources et méthodes"):]
    assert "rs2022.sample_size" in appendix and "valeur publiée" in appendix
    assert "Source : Recherches & Solidarités, enquête 2022" in text  # source line under the figure
    assert "Est-ce suffisant\u202f?" in rendered.html.read_text(encoding="utf-8")  # French typography filter


def test_every_figure_has_alt_text(rendered, workspace):
    root, _ = workspace
    typst_source = (root / "build" / "render" / "essai" / "essai.typ").read_text(encoding="utf-8")
    figures = re.findall(r'#figure\(image\("[^"]+", alt: "([^"]*)"', typst_source)
    assert len(figures) == 2 and all(alt.strip() for alt in figures)
    images = re.findall(r"<img [^>]*>", rendered.html.read_text(encoding="utf-8"))
    assert len(images) == 2
    assert all(re.search(r'alt="[^"]+"', tag) for tag in images)


def test_two_renders_are_byte_identical_and_unchanged_sources_hit_the_cache(rendered, workspace):
    root, session = workspace
    first_pdf, first_html = rendered.pdf.read_bytes(), rendered.html.read_bytes()
    again = render_brief(root / "essai.qmd", out_dir=root / "out", session=session, force=True)
    assert again.pdf.read_bytes() == first_pdf
    assert again.html.read_bytes() == first_html
    cached = render_brief(root / "essai.qmd", out_dir=root / "out", session=session)
    assert cached.cached and cached.pdf == rendered.pdf


def test_a_changed_brief_misses_the_cache(workspace, rendered):
    root, session = workspace
    changed = root / "essai-modifie.qmd"
    changed.write_text((root / "essai.qmd").read_text(encoding="utf-8").replace("Non :", "Non, loin de là :"),
                       encoding="utf-8")
    first = render_brief(changed, out_dir=root / "out", session=session)
    assert not first.cached
    assert render_brief(changed, out_dir=root / "out", session=session).cached
    changed.write_text(changed.read_text(encoding="utf-8") + "\nUne phrase de plus.\n", encoding="utf-8")
    assert not render_brief(changed, out_dir=root / "out", session=session).cached


def test_parameters_render_into_their_own_folder_without_sharing_figures(workspace, rendered):
    root, session = workspace
    other = render_brief(root / "essai.qmd", params={"territoire": "Bretagne"}, out_dir=root / "out-bretagne",
                         session=session)
    assert "Diagnostic pour Bretagne" in pdf_text(other.pdf)
    assert "Diagnostic pour France" in pdf_text(rendered.pdf)
    assert other.pdf.parent != rendered.pdf.parent
    work = root / "build" / "render"
    assert (work / "essai--territoire-Bretagne" / "essai_files" / "fig-maturite.png").is_file()
    assert (work / "essai" / "essai_files" / "fig-maturite.png").is_file()


def test_a_failing_cell_names_its_line(workspace):
    root, session = workspace
    path = root / "casse.qmd"
    path.write_text("---\ntitle: Cassé\nlang: fr\n---\n\nTexte.\n\n```{python}\nx = 1 / 0\n```\n", encoding="utf-8")
    with pytest.raises(RenderError, match=r"casse.qmd:8: cell failed: ZeroDivisionError"):
        render_brief(path, out_dir=root / "out", session=session)


def test_a_failing_inline_expression_names_its_line(workspace):
    root, session = workspace
    path = root / "inline.qmd"
    path.write_text('---\ntitle: Inline\nlang: fr\n---\n\nUn.\n\nDeux `{python} fact("pas.de.fait")`.\n',
                    encoding="utf-8")
    with pytest.raises(RenderError, match=r"inline.qmd:8: inline expression .* failed: FactError: unknown fact"):
        render_brief(path, out_dir=root / "out", session=session)


def test_the_cache_depends_only_on_the_essnum_code_the_brief_used(rendered, workspace):
    import json

    root, _ = workspace
    record = json.loads((root / "build" / "render" / "essai" / "cache.json").read_text(encoding="utf-8"))
    assert "lib/essnum/publish/facts.py" in record["code"] and "lib/essnum/data/evidence.py" in record["code"]
    assert "lib/essnum/network/analysis.py" not in record["code"]
    hashed = set(record["files"])
    assert "lib/essnum/publish/render/engine.py" in hashed and "lib/essnum/data/evidence.py" in hashed
    assert "lib/essnum/network/analysis.py" not in hashed
    assert "data/evidence/figures.csv" in hashed
