"""The .qmd subset: what the built-in renderer accepts, and clear errors with line numbers for the rest."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from essnum.publish.render import RenderError, UnsupportedSyntax, parse
from essnum.publish.render.citations import check_citations
from essnum.publish.render.execute import check_parameters
from essnum.publish.render.lint import prose_digits
from essnum.publish.render.qmd import Cell, Embed, Markdown, Raw

FIXTURE = Path(__file__).parent / "fixtures" / "briefs" / "essai.qmd"
HEAD = "---\ntitle: Essai\nlang: fr\n---\n\n"  # 5 lines: the body starts on line 6


def brief(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "b.qmd"
    path.write_text(HEAD + textwrap.dedent(body), encoding="utf-8")
    return path


def test_fixture_brief_parses_into_cells_markdown_embeds_and_raw_blocks():
    document = parse(FIXTURE)
    kinds = [type(b) for b in document.blocks]
    assert Cell in kinds and Markdown in kinds and Embed in kinds and Raw in kinds
    assert document.meta["title"].startswith("Note d'essai")
    assert {"fig-maturite", "tbl-maturite", "fig-courbe"} <= document.labels()
    assert [ref for _, ref in document.crossrefs] == ["fig-maturite", "tbl-maturite"]
    assert ("rs2022" in {key for _, key in document.citations})
    inline = [expr for b in document.blocks if isinstance(b, Markdown) for _, expr in b.inlines]
    assert 'fact("rs2022.sample_size")' in inline
    assert document.parameter_cell().code == 'territoire = "France"'


@pytest.mark.parametrize(
    ("body", "line", "message"),
    [
        ("Texte.\n\n```{r}\n1 + 1\n```\n", 8, "only {python} cells"),
        ("```{python echo=FALSE}\nx = 1\n```\n", 6, "write them as '#| key: value'"),
        ("```{python}\n#| label: fig-a\n#| fig-width: 4\nx = 1\n```\n", 8, "cell option 'fig-width'"),
        ("Voir `{r} 1 + 1`.\n", 6, "inline `{r}`"),
        ("{{< include autre.qmd >}}\n", 6, "shortcode {{< include >}}"),
        ("Intro.\n\n::: {.panel-tabset}\nA\n:::\n", 8, "div class .panel-tabset"),
        ("::: {layout-ncol=2}\nA\n:::\n", 6, "div attribute layout-ncol="),
        ("::: {#fig-x}\nA\n:::\n", 6, "div id #fig-x"),
        ("Comme dit @sec-intro.\n", 6, "@sec-intro"),
        ("Voir @fig-absente.\n", 6, "names no figure or table"),
        ("![Carte](carte.png){#fig-carte}\n", 6, "image without alt text"),
        ("```{python}\n#| label: carte\nx = 1\n```\n", 6, "must start with fig- or tbl-"),
        ("::: {.callout-note}\nA\n", 6, "never closed"),
        ("| a |\n|---|\n| b |\n\n: Parts {#tbl-parts}\n", 10, "labelled table caption"),
    ],
)
def test_unsupported_or_broken_syntax_names_its_line(tmp_path, body, line, message):
    path = brief(tmp_path, body)
    with pytest.raises(RenderError) as caught:
        parse(path)
    assert caught.value.line == line, str(caught.value)
    assert f"{path}:{line}:" in str(caught.value)
    assert message in str(caught.value)


def test_unknown_front_matter_key_is_refused_with_its_line(tmp_path):
    path = tmp_path / "b.qmd"
    path.write_text("---\ntitle: Essai\ntoc: true\n---\n\nTexte.\n", encoding="utf-8")
    with pytest.raises(UnsupportedSyntax, match=r"b.qmd:3: front-matter key 'toc'"):
        parse(path)


def test_citation_missing_from_the_bibliography_names_its_line(tmp_path):
    bibliography = tmp_path / "bib.json"
    bibliography.write_text('[{"id": "rs2022", "type": "report", "title": "R"}]', encoding="utf-8")
    document = parse(brief(tmp_path, "Connu [@rs2022].\n\nInconnu [@rs2099; @rs2022].\n"))
    with pytest.raises(RenderError, match=r"b.qmd:8: citation @rs2099 is not in the bibliography"):
        check_citations(document, bibliography)


def test_emails_and_urls_are_not_citations(tmp_path):
    document = parse(brief(tmp_path, "Écrire à contact@soga.eu ou voir <https://x.eu/@moi>.\n"))
    assert document.citations == []


def test_parameters_are_validated_against_the_declared_ones(tmp_path):
    document = parse(FIXTURE)
    assert check_parameters(document, {"territoire": "Bretagne"}) == {"territoire": "Bretagne"}
    with pytest.raises(RenderError, match="unknown parameter region; this brief declares: territoire"):
        check_parameters(document, {"region": "84"})
    front = parse(tmp_path / "p.qmd", text="---\ntitle: T\nparams:\n  region: '11'\n---\nX\n")
    assert check_parameters(front, {"region": "84"}) == {"region": "84"}


def test_prose_digits_outside_facts_are_reported_with_allowed_exceptions(tmp_path):
    path = brief(tmp_path, """\
        En 2022, `{python} fact("rs2022.sample_size")` répondants [@rs2022].

        Les questions 1.1 à 1.4, la proposition 3 et le 1er juillet 2025 sont permis.

        Mais 42 structures tapées à la main ne le sont pas.
        """)
    found = prose_digits(path)
    assert [d.line for d in found] == [10]
    assert "42 structures" in str(found[0])


def test_fixture_and_real_briefs_type_no_number_by_hand():
    briefs = [FIXTURE, *sorted((Path(__file__).parents[1] / "briefs").glob("*.qmd"))]
    problems = [str(d) for path in briefs for d in prose_digits(path)]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("Est-ce vrai ? Oui : sûr ; 22 % !", "Est-ce vrai\u202f? Oui\u202f: sûr\u202f; 22\u202f%\u202f!"),
        ("Collé? oui! non; mot: 22%", "Collé\u202f? oui\u202f! non\u202f; mot\u202f: 22\u202f%"),
        ("« cité » et «collé»", "«\u202fcité\u202f» et «\u202fcollé\u202f»"),
        ("(s. d.; autre)", "(s. d.\u202f; autre)"),
        ("https://x.fr/a?b=1 à 14:30", "https://x.fr/a?b=1 à 14:30"),
        ("déjà\u00a0: gardé", "déjà\u00a0: gardé"),
    ],
)
def test_french_typography_filter(source, expected):
    import subprocess

    from essnum.publish.render.convert import filter_file, pandoc_path

    out = subprocess.run([pandoc_path(), "-f", "markdown", "-t", "plain", "--wrap", "none", "--lua-filter",
                          str(filter_file("french.lua"))], input=source, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == expected
