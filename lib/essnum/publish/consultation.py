"""Consultation answers as plain text, one per question, with their length checked against the form's limit.

Online consultation forms (EU "Have your say", EUSurvey) take each answer as plain text capped at a number
of characters. A consultation brief marks each answer as a section whose heading carries a question id,
e.g. ``## 1.1 Quels scénarios … {#q-1-1}``; the answer is everything under that heading down to the next
heading of the same or a higher level. Each answer is turned into the text to paste into the form:

- inline facts `` `{python} fact("key")` `` become their French text (the same text the PDF prints);
- code cells, ``{{< embed … >}}`` figures with their ``::: {.source}`` lines and page breaks are left out
  (a form has no figures), and so are cross-references to figures written in parentheses, ``(@fig-…)``
  or ``(voir @fig-…)``; a cross-reference elsewhere in the prose is an error, since the sentence would
  not make sense without the figure;
- citations ``[@key]`` become author–date references through pandoc's citeproc and the brief's bibliography;
- markdown emphasis, lists and callouts become plain text (pandoc's ``plain`` writer, no line wrapping).

Characters are counted as Unicode code points of the NFC-normalised text, spaces and line breaks included
(a form that stores line breaks as CR LF counts each as two: the paragraph count of an answer is its margin).
The limit is ``decision("consultation.max_chars")``.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from essnum.config import decision
from essnum.paths import atomic_write, output_dir, project_root

QUESTION_ID = re.compile(r"^q-[0-9a-z][0-9a-z-]*$")
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*(?:\{([^}]*)\})?\s*$")
_FENCE = re.compile(r"^\s*(`{3,}|~{3,})")
_PARENTHESISED_XREF = re.compile(r"\s*\((?:voir\s+|cf\.\s+)?@(?:fig|tbl)-[\w-]+(?:\s*(?:,|;|et)\s*@(?:fig|tbl)-[\w-]+)*\)",
                                 re.IGNORECASE)
_BARE_XREF = re.compile(r"@(?:fig|tbl)-[\w-]+")
_SOURCE_DIV = re.compile(r"^:{3,}\s*\{\s*\.source\s*\}\s*$")
_DIV_CLOSE = re.compile(r"^:{3,}\s*$")


class ConsultationError(ValueError):
    """A consultation brief that cannot be cut into plain-text answers; the message names file and line."""


@dataclass(frozen=True)
class Answer:
    """The plain text of one answer, ready to paste into the consultation form."""

    question_id: str
    title: str
    text: str
    line: int  # line of the question heading in the brief (1-based)

    @property
    def characters(self) -> int:
        return len(self.text)


@dataclass(frozen=True)
class LengthViolation:
    """An answer longer than the form accepts."""

    source: Path
    answer: Answer
    limit: int

    def __str__(self) -> str:
        excess = self.answer.characters - self.limit
        return (f"{self.source}:{self.answer.line}: answer {self.answer.question_id} has {self.answer.characters} "
                f"characters, {excess} over the limit of {self.limit}; shorten the section "
                f"{{#{self.answer.question_id}}}")


@dataclass(frozen=True)
class ExportReport:
    """What ``export_answers`` wrote and which answers are too long."""

    answers: list[Answer]
    limit: int
    files: list[Path]
    violations: list[LengthViolation]

    @property
    def ok(self) -> bool:
        return not self.violations


def _markdown_lines(document) -> list[tuple[int, str]]:
    """(line number, text) of the brief's markdown; cells, embeds and page breaks are other blocks."""
    from essnum.publish.render.qmd import Markdown

    return [(block.line + offset, text) for block in document.blocks if isinstance(block, Markdown)
            for offset, text in enumerate(block.text.splitlines())]


def _answer_lines(lines: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """The lines that can be part of an answer's text: not in a plain fenced code block (whose '#' lines are
    not headings) nor in a figure's ``::: {.source}`` line, which goes with the figure."""
    kept: list[tuple[int, str]] = []
    fence: str | None = None
    in_source = False
    for number, text in lines:
        marker = _FENCE.match(text)
        if in_source:
            in_source = not _DIV_CLOSE.match(text)
        elif fence is None and marker:
            fence = marker.group(1)
        elif fence is not None:
            stripped = text.strip()
            if stripped and set(stripped) == {fence[0]} and len(stripped) >= len(fence):
                fence = None
        elif _SOURCE_DIV.match(text):
            in_source = True
        else:
            kept.append((number, text))
    return kept


def _plain_markdown(lines: list[tuple[int, str]], source: Path, resolve_fact: Callable[[str], str]) -> str:
    """The markdown of one answer with figure cross-references dropped and inline facts resolved."""
    from essnum.publish.render.qmd import INLINE_CODE

    from .facts import FACT_CALL

    kept: list[str] = []
    for number, text in lines:
        text = _PARENTHESISED_XREF.sub("", text)
        bare = _BARE_XREF.search(text)
        if bare:
            raise ConsultationError(
                f"{source}:{number}: cross-reference {bare.group(0)} in running text; the plain-text answer has "
                f"no figures, so write it in parentheses, '(@{bare.group(0)[1:]})', to leave it out of the export")

        def inline(match: re.Match, number: int = number) -> str:
            call = FACT_CALL.fullmatch(match.group(2).strip())
            if not call:
                raise ConsultationError(f"{source}:{number}: inline code `{{python}} {match.group(2)}` is not a "
                                        f"fact(\"key\") call; the consultation export only resolves facts")
            try:
                return resolve_fact(call.group(2))
            except KeyError as error:
                raise ConsultationError(f"{source}:{number}: {error.args[0] if error.args else error}") from error

        kept.append(INLINE_CODE.sub(inline, text))
    return "\n".join(kept).strip()


def _to_plain(markdown: str, bibliography: Path, lang: str) -> str:
    import pypandoc

    if not markdown:
        return ""
    text = pypandoc.convert_text(
        markdown, "plain", format="markdown",
        extra_args=["--wrap=none", "--citeproc", f"--bibliography={bibliography}",
                    "--metadata=suppress-bibliography:true", f"--metadata=lang:{lang}"],
    )
    return unicodedata.normalize("NFC", text.replace("\r\n", "\n")).strip()


def _default_fact() -> Callable[[str], str]:
    from .facts import fact

    return fact


def answers(brief: Path, resolve_fact: Callable[[str], str] | None = None) -> list[Answer]:
    """The plain-text answer of every question section (heading id ``q-…``) of ``brief``, in order.

    The brief is parsed by the renderer's parser first, so syntax outside the supported Quarto subset
    fails here too, with its line.
    """
    from essnum.publish.render.citations import bibliography
    from essnum.publish.render.qmd import RenderError, parse

    source = Path(brief)
    if not source.is_file():
        raise ConsultationError(f"{source}: consultation brief not found")
    try:
        document = parse(source)
        bib = bibliography(document)
    except RenderError as error:
        raise ConsultationError(str(error)) from error
    if bib is None:
        raise ConsultationError(f"{source}: no bibliography to resolve its citations")
    resolve_fact = resolve_fact or _default_fact()
    lines = _answer_lines(_markdown_lines(document))
    headings = [(position, len(m.group(1)), m.group(2), m.group(3) or "")
                for position, (_, text) in enumerate(lines) if (m := _HEADING.match(text))]
    result: list[Answer] = []
    seen: dict[str, int] = {}
    for rank, (position, level, title, attributes) in enumerate(headings):
        ident = next((a[1:] for a in attributes.split() if a.startswith("#")), "")
        if not QUESTION_ID.match(ident):
            continue
        number = lines[position][0]
        if ident in seen:
            raise ConsultationError(f"{source}:{number}: question id {ident} already used at line {seen[ident]}")
        seen[ident] = number
        end = next((h[0] for h in headings[rank + 1:] if h[1] <= level), len(lines))
        markdown = _plain_markdown(lines[position + 1:end], source, resolve_fact)
        text = _to_plain(markdown, bib, str(document.meta.get("lang", "fr-FR")))
        result.append(Answer(ident, title, text, number))
    if not result:
        raise ConsultationError(f"{source}: no question section; mark each answer's heading with an id such as "
                                f"{{#q-1-1}}")
    return result


def check_lengths(source: Path, found: list[Answer], limit: int | None = None) -> list[LengthViolation]:
    """The answers longer than ``limit`` characters (default: the consultation decision)."""
    limit = int(decision("consultation.max_chars")) if limit is None else limit
    return [LengthViolation(Path(source), a, limit) for a in found if a.characters > limit]


def default_out_dir(brief: Path) -> Path:
    """``<stem>-reponses/`` beside the rendered PDF (``_output/briefs/`` for ``briefs/x.qmd``), as ``essnum render``."""
    folder = Path(brief).resolve().parent
    relative = folder.relative_to(project_root()) if folder.is_relative_to(project_root()) else Path()
    return output_dir() / relative / f"{Path(brief).stem}-reponses"


def export_answers(brief: Path, out_dir: Path | None = None, limit: int | None = None,
                   resolve_fact: Callable[[str], str] | None = None) -> ExportReport:
    """Write one ``<question id>.txt`` per answer and ``answers.csv`` (id, title, characters, limit, within limit).

    Files are written even when an answer is too long, so the author can see what to cut; the report lists
    the violations and the caller decides whether they are fatal.
    """
    brief = Path(brief)
    limit = int(decision("consultation.max_chars")) if limit is None else limit
    out_dir = Path(out_dir) if out_dir else default_out_dir(brief)
    found = answers(brief, resolve_fact)
    files: list[Path] = []
    for answer in found:
        path = out_dir / f"{answer.question_id}.txt"
        with atomic_write(path, "w") as handle:
            handle.write(answer.text + "\n")
        files.append(path)
    summary = out_dir / "answers.csv"
    with atomic_write(summary, "w") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["question_id", "title", "characters", "limit", "within_limit", "line"])
        for answer in found:
            writer.writerow([answer.question_id, answer.title, answer.characters, limit,
                             str(answer.characters <= limit).lower(), answer.line])
    files.append(summary)
    try:
        shown = brief.resolve().relative_to(project_root())
    except ValueError:
        shown = brief
    return ExportReport(found, limit, files, check_lengths(shown, found, limit))
