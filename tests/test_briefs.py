"""The two real briefs: their facts, citations, figures, proposals and consultation answers, then their PDFs.

The digit rule (no number typed by hand) and the facts lock are checked for every brief by
test_render_parse.py and test_facts.py.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import pandas as pd
import pytest
from test_render import pdf_text, spaces  # the PDF-reading helpers of the renderer's own tests

from essnum.paths import briefs_dir, data_dir
from essnum.publish import facts
from essnum.publish.consultation import export_answers
from essnum.publish.render import KernelSession, qmd, render_brief
from essnum.publish.render.assemble import embedded_cell
from essnum.publish.render.citations import bibliography, check_citations

NATIONAL = briefs_dir() / "accelerer-ess-numerique.qmd"
CONSULTATION = briefs_dir() / "transition-pathway-reponse.qmd"
BRIEFS = [NATIONAL, CONSULTATION]
#: Questions of the Transition Pathway questionnaire (seed 003), in the form's order.
QUESTIONS = ["q-1-1", "q-1-2", "q-1-3", "q-1-4", "q-2-1", "q-2-2", "q-2-3", "q-2-4", "q-autres"]

by_name = pytest.mark.parametrize("brief", BRIEFS, ids=lambda path: path.stem)


def _keys(brief: Path) -> list[str]:
    return facts.keys_in_text(brief.read_text(encoding="utf-8"))


@by_name
def test_every_fact_the_brief_prints_is_defined(brief: Path) -> None:
    missing = []
    for key in _keys(brief):
        try:
            facts.get(key)
        except facts.FactError as error:
            missing.append(str(error))
    assert not missing, "\n".join(missing)


@by_name
def test_every_citation_resolves(brief: Path) -> None:
    document = qmd.parse(brief)
    assert document.citations, "a brief without citations cannot be traced to its sources"
    bib = bibliography(document)
    assert bib.resolve() == (data_dir() / "evidence" / "bibliography.json").resolve()
    check_citations(document, bib)  # raises naming the line of the first unknown key


@by_name
def test_every_embedded_figure_has_caption_and_alt_text(brief: Path) -> None:
    document = qmd.parse(brief)
    assert document.embeds
    for embed in document.embeds:
        options, outputs = embedded_cell(embed, brief)
        assert any("image/png" in output.get("data", {}) for output in outputs), f"{embed.label} draws no figure"
        assert options.get("fig-cap"), f"{embed.notebook.name}#{embed.label} has no fig-cap"
        assert len(str(options.get("fig-alt", ""))) >= 20, f"{embed.notebook.name}#{embed.label} has no real fig-alt"


def test_national_brief_states_the_eight_proposals_with_their_targets() -> None:
    proposals = pd.read_csv(data_dir() / "evidence" / "proposals.csv", dtype=str)
    text = NATIONAL.read_text(encoding="utf-8")
    callouts = re.findall(r'^::: \{\.callout-tip title="(Proposition [^"]+)"\}\n(.*?)^:::$', text, re.M | re.S)
    expected = [f"Proposition {row.number} — {row.title_fr}" for row in proposals.itertuples()]
    assert [title for title, _ in callouts] == expected
    for (title, body), targets in zip(callouts, proposals["targets"], strict=True):
        if isinstance(targets, float) and math.isnan(targets):
            continue
        for key in targets.split(";"):
            assert f'fact("{key}")' in body, f"{title}: its target {key} is not printed in the callout"


def test_consultation_answers_every_question_within_the_limit(tmp_path: Path) -> None:
    report = export_answers(CONSULTATION, tmp_path)
    assert [answer.question_id for answer in report.answers] == QUESTIONS
    assert report.ok, "\n".join(str(violation) for violation in report.violations)
    printed = {facts.get(key).text for key in _keys(CONSULTATION)}
    for answer in report.answers:
        assert answer.characters > 300, f"{answer.question_id} is hardly an answer"
        assert any(text in answer.text for text in printed), f"{answer.question_id} quotes no fact"


@pytest.fixture(scope="module")
def rendered() -> dict[str, object]:
    """Both briefs rendered by the built-in path into _output/briefs (served from the cache when unchanged)."""
    with KernelSession() as session:
        return {brief.stem: render_brief(brief, session=session) for brief in BRIEFS}


def _words(text: str) -> str:
    """Text with line-end hyphenation undone and every run of spaces (no-break ones too) made one space."""
    return re.sub(r"\s+", " ", spaces(text).replace("-\n", "")).strip()


@pytest.mark.slow
@by_name
def test_pdf_prints_every_fact_of_the_brief_in_french(rendered, brief: Path) -> None:
    result = rendered[brief.stem]
    assert result.pdf.read_bytes().startswith(b"%PDF")
    assert set(result.facts) == set(_keys(brief))  # every fact written in the source was evaluated
    text = _words(pdf_text(result.pdf))
    missing = [f"{key}: {facts.get(key).text!r}" for key in result.facts if _words(facts.get(key).text) not in text]
    assert not missing, "facts absent from the PDF text:\n" + "\n".join(missing)


@pytest.mark.slow
@by_name
def test_rendered_figures_carry_alt_text_and_citations_are_resolved(rendered, brief: Path) -> None:
    result = rendered[brief.stem]
    embeds = qmd.parse(brief).embeds
    images = re.findall(r"<img [^>]*>", result.html.read_text(encoding="utf-8"))
    assert len(images) == len(embeds)
    assert all(re.search(r'alt="[^"]{20,}"', tag) for tag in images)
    text = pdf_text(result.pdf)
    assert "???" not in text and not re.search(r"@[a-z][\w-]+", text)  # no unresolved citation or reference
    assert "Sources et méthodes" in text and "Références" in text


@pytest.mark.slow
def test_national_brief_is_four_to_eight_pages_with_its_proposals(rendered) -> None:
    result = rendered[NATIONAL.stem]
    pages = pdf_text(result.pdf).split("\f")
    body = next(number for number, page in enumerate(pages) if "Sources et méthodes" in page)
    assert 4 <= body <= 8, f"the brief's body takes {body} pages (the sources appendix comes after)"
    text = _words("".join(pages[:body]))
    for number in range(1, 9):
        assert f"Proposition {number} —" in text
