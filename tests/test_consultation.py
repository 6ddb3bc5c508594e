"""Consultation export: one plain-text answer per question section, counted and checked against the limit."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from essnum.cli import main
from essnum.config import decision
from essnum.publish.consultation import ConsultationError, answers, check_lengths, export_answers

FACTS = {"rs2022.maturity.experienced": "22\u202f%", "rs2022.sample_size": "2\u202f776"}

BRIEF = """---
title: "Réponse de test"
lang: fr-FR
bibliography: bib.json
---

```{python}
#| echo: false
from essnum.publish.facts import fact
```

# Transition verte

## 1.1 Quels scénarios ? {#q-1-1}

Seules `{python} fact("rs2022.maturity.experienced")` des associations se disent **expérimentées** [@rs2022] (@fig-maturite).

```{python}
#| label: fig-maturite
#| fig-cap: "Maturité"
print("figure")
```

{{< embed ../research/04_enquetes.ipynb#fig-maturite >}}

::: {.source}
Source : enquête de test.
:::

### Précisions

- enquête auprès de `{python} fact("rs2022.sample_size")` responsables

## 1.2 Quels défis ? {#q-1-2}

Une réponse courte.

## Autres éléments {#q-autres}

::: {.callout-note}
Texte dans un encadré.
:::

{{< pagebreak >}}

## Sources et méthodes

Hors réponse.
"""

BIBLIOGRAPHY = [{"id": "rs2022", "type": "report", "title": "La place du numérique dans le projet associatif en 2022",
                 "author": [{"literal": "Recherches & Solidarités"}], "issued": {"date-parts": [[2022]]}}]


@pytest.fixture
def brief(tmp_path: Path) -> Path:
    (tmp_path / "bib.json").write_text(json.dumps(BIBLIOGRAPHY), encoding="utf-8")
    path = tmp_path / "reponse.qmd"
    path.write_text(BRIEF, encoding="utf-8")
    return path


def test_each_question_section_becomes_one_plain_text_answer(brief: Path) -> None:
    found = answers(brief, FACTS.__getitem__)
    assert [a.question_id for a in found] == ["q-1-1", "q-1-2", "q-autres"]
    first = found[0]
    assert first.title == "1.1 Quels scénarios ?"
    assert first.line == 14
    # facts resolved, emphasis dropped, citation in author-date form, figure cell, embed and cross-reference gone
    assert first.text.startswith("Seules 22\u202f% des associations se disent expérimentées (Recherches & Solidarités 2022).")
    assert "2\u202f776 responsables" in first.text  # the sub-heading's content belongs to the answer
    for absent in ("fig-", "print", "embed", "**", "@", "{python}", "{{<", "Source :"):
        assert absent not in first.text
    assert found[1].text == "Une réponse courte."
    assert found[2].text == "Texte dans un encadré."  # the page break and the next section are not part of it


def test_character_count_is_the_length_of_the_exported_text(brief: Path, tmp_path: Path) -> None:
    report = export_answers(brief, tmp_path / "out", limit=1000, resolve_fact=FACTS.__getitem__)
    assert report.ok and report.limit == 1000
    with (tmp_path / "out" / "answers.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["question_id"] for r in rows] == ["q-1-1", "q-1-2", "q-autres"]
    for row, answer in zip(rows, report.answers, strict=True):
        written = (tmp_path / "out" / f"{row['question_id']}.txt").read_text(encoding="utf-8")
        assert written == answer.text + "\n"
        assert int(row["characters"]) == len(answer.text) == answer.characters
    assert rows[1]["characters"] == str(len("Une réponse courte."))  # 19, spaces and accents counted once each


def test_an_answer_over_the_limit_is_reported_with_its_question_id(brief: Path, tmp_path: Path) -> None:
    found = answers(brief, FACTS.__getitem__)
    limit = max(found[1].characters, found[2].characters)  # the short answers fit, q-1-1 does not
    report = export_answers(brief, tmp_path / "out", limit=limit, resolve_fact=FACTS.__getitem__)
    assert not report.ok
    assert [v.answer.question_id for v in report.violations] == ["q-1-1"]
    message = str(report.violations[0])
    assert "q-1-1" in message and f"limit of {limit}" in message and ":14:" in message
    assert (tmp_path / "out" / "q-1-1.txt").is_file()  # still written, so the author sees what to cut


def test_limit_defaults_to_the_decision(brief: Path) -> None:
    found = answers(brief, FACTS.__getitem__)
    assert check_lengths(brief, found) == []
    assert decision("consultation.max_chars") > found[0].characters


def test_cli_exits_non_zero_naming_the_question(brief: Path, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr("essnum.publish.consultation._default_fact", lambda: FACTS.__getitem__)
    result = CliRunner().invoke(main, ["consultation", str(brief), "--out", str(tmp_path / "o"), "--max-chars", "25"])
    assert result.exit_code == 1
    assert "q-1-1" in result.output and "TOO LONG" in result.output
    ok = CliRunner().invoke(main, ["consultation", str(brief), "--out", str(tmp_path / "o"), "--max-chars", "5000"])
    assert ok.exit_code == 0, ok.output
    assert "wrote 3 answers" in ok.output


@pytest.mark.parametrize(("line", "expected"), [
    ("Voir @fig-maturite pour le détail.", "cross-reference @fig-maturite in running text"),
    ("Calcul : `{python} 2 + 2`.", "is not a fact(\"key\") call"),
    ("Valeur `{python} fact(\"inconnu\")`.", "inconnu"),
    ("{{< video intro.mp4 >}}", "shortcode {{< video >}} is not supported"),  # the renderer's subset applies
])
def test_bad_answer_content_names_the_line(brief: Path, line: str, expected: str) -> None:
    text = brief.read_text(encoding="utf-8").replace("Une réponse courte.", line)
    brief.write_text(text, encoding="utf-8")
    with pytest.raises(ConsultationError) as error:
        answers(brief, FACTS.__getitem__)
    assert expected in str(error.value)
    assert f"{brief}:{text.splitlines().index(line) + 1}:" in str(error.value)


def test_duplicate_or_missing_question_ids_are_errors(brief: Path) -> None:
    text = brief.read_text(encoding="utf-8")
    brief.write_text(text.replace("{#q-1-2}", "{#q-1-1}"), encoding="utf-8")
    with pytest.raises(ConsultationError, match="q-1-1 already used at line 14"):
        answers(brief, FACTS.__getitem__)
    brief.write_text(text.replace("{#q-", "{#x-"), encoding="utf-8")
    with pytest.raises(ConsultationError, match="no question section"):
        answers(brief, FACTS.__getitem__)


def test_answers_go_beside_the_rendered_pdf_by_default() -> None:
    from essnum.paths import briefs_dir, output_dir
    from essnum.publish.consultation import default_out_dir

    assert default_out_dir(briefs_dir() / "reponse.qmd") == output_dir() / "briefs" / "reponse-reponses"
