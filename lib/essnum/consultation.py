"""Consultation answers as plain text, one per question, with their length checked against the form's limit.

Online consultation forms (EU "Have your say", EUSurvey) take each answer as plain text capped at a number
of characters. A consultation brief marks each answer as a section whose heading carries a question id,
e.g. ``## 1.1 Quels scénarios … {#q-1-1}``; the answer is everything under that heading down to the next
heading of the same or a higher level. Each answer is turned into the text to paste into the form:

- inline facts `` `{python} fact("key")` `` become their French text (the same text the PDF prints);
- code cells and ``{{< embed … >}}`` figures are left out (a form has no figures), and so are cross-references
  to them written in parentheses, ``(@fig-…)`` or ``(voir @fig-…)``; a cross-reference elsewhere in the prose
  is an error, since the sentence would not make sense without the figure;
- citations ``[@key]`` become author–date references through pandoc's citeproc and the brief's bibliography;
- markdown emphasis, lists and callouts become plain text (pandoc's ``plain`` writer, no line wrapping).

Characters are counted as Unicode code points of the NFC-normalised text, spaces and line breaks included,
which is how EUSurvey counts. The limit is ``decision("consultation.max_chars")``.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import yaml

from .config import decision
from .paths import atomic_write, data_dir, output_dir, project_root

QUESTION_ID = re.compile(r"^q-[0-9a-z][0-9a-z-]*$")
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*(?:\{([^}]*)\})?\s*$")
_FENCE = re.compile(r"^(`{3,}|~{3,})")
_EMBED = re.compile(r"^\s*\{\{<\s*embed\s+[^>]*>\}\}\s*$")
_INLINE_CODE = re.compile(r"`\{python\}\s*(.*?)`")
_INLINE_FACT = re.compile(r"""^fact\(\s*(["'])([^"']+)\1\s*\)$""")
_PARENTHESISED_XREF = re.compile(r"\s*\((?:voir\s+|cf\.\s+)?@(?:fig|tbl)-[\w-]+(?:\s*(?:,|;|et)\s*@(?:fig|tbl)-[\w-]+)*\)",
                                 re.IGNORECASE)
_BARE_XREF = re.compile(r"@(?:fig|tbl)-[\w-]+")


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
                f"characters, {excess} over the limit of {self.limit} (decisions.toml [consultation] max_chars); "
                f"shorten the section {{#{self.answer.question_id}}}")


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


def _front_matter(lines: list[str], source: Path) -> tuple[dict, int]:
    """The YAML front matter as a dict and the index of the first body line."""
    if not lines or lines[0].strip() != "---":
        return {}, 0
    for end in range(1, len(lines)):
        if lines[end].strip() in {"---", "..."}:
            meta = yaml.safe_load("\n".join(lines[1:end])) or {}
            if not isinstance(meta, dict):
                raise ConsultationError(f"{source}:1: the front matter is not a YAML mapping")
            return meta, end + 1
    raise ConsultationError(f"{source}:1: the front matter opened by '---' is never closed")


def _code_mask(lines: list[str]) -> list[bool]:
    """For each line, whether it belongs to a fenced block (``` or ~~~ fences, the fence lines included)."""
    mask: list[bool] = []
    fence: str | None = None
    for line in lines:
        marker = _FENCE.match(line)
        if fence is None and marker:
            fence = marker.group(1)
            mask.append(True)
        elif fence is not None:
            stripped = line.strip()
            if stripped and set(stripped) == {fence[0]} and len(stripped) >= len(fence):
                fence = None
            mask.append(True)
        else:
            mask.append(False)
    return mask


def _headings(lines: list[str], in_code: list[bool], start: int) -> list[tuple[int, int, str, str | None]]:
    """(line index, level, title, id) of every heading outside code blocks."""
    found = []
    for index in range(start, len(lines)):
        heading = None if in_code[index] else _HEADING.match(lines[index])
        if heading:
            ident = next((a[1:] for a in (heading.group(3) or "").split() if a.startswith("#")), None)
            found.append((index, len(heading.group(1)), heading.group(2), ident))
    return found


def _section_markdown(lines: list[str], in_code: list[bool], first: int, last: int, source: Path,
                      resolve_fact: Callable[[str], str]) -> str:
    """The markdown of one answer with cells and embeds removed and facts resolved."""
    kept: list[str] = []
    for index in range(first, last):
        line, number = lines[index], index + 1
        if in_code[index] or _EMBED.match(line):  # figures, tables and setup have no place in a plain-text answer
            continue
        line = _PARENTHESISED_XREF.sub("", line)
        bare = _BARE_XREF.search(line)
        if bare:
            raise ConsultationError(
                f"{source}:{number}: cross-reference {bare.group(0)} in running text; the plain-text answer has "
                f"no figures, so write it in parentheses, '(@{bare.group(0)[1:]})', to leave it out of the export")

        def inline(match: re.Match, number: int = number) -> str:
            fact_call = _INLINE_FACT.match(match.group(1).strip())
            if not fact_call:
                raise ConsultationError(f"{source}:{number}: inline code `{{python}} {match.group(1)}` is not a "
                                        f"fact(\"key\") call; the consultation export only resolves facts")
            try:
                return resolve_fact(fact_call.group(2))
            except KeyError as error:
                raise ConsultationError(f"{source}:{number}: {error.args[0] if error.args else error}") from error

        kept.append(_INLINE_CODE.sub(inline, line))
    return "\n".join(kept).strip()


def _bibliography(meta: dict, source: Path) -> Path:
    """The bibliography named in the front matter (relative to the brief), else the evidence base's."""
    named = meta.get("bibliography")
    if isinstance(named, list):
        named = named[0] if named else None
    path = (source.parent / named).resolve() if named else data_dir() / "evidence" / "bibliography.json"
    if not path.is_file():
        raise ConsultationError(f"{source}: bibliography {path} not found")
    return path


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
    """The plain-text answer of every question section (heading id ``q-…``) of ``brief``, in order."""
    source = Path(brief)
    if not source.is_file():
        raise ConsultationError(f"{source}: consultation brief not found")
    resolve_fact = resolve_fact or _default_fact()
    lines = source.read_text(encoding="utf-8").splitlines()
    meta, body = _front_matter(lines, source)
    bibliography = _bibliography(meta, source)
    lang = str(meta.get("lang", "fr-FR"))
    in_code = _code_mask(lines)
    headings = _headings(lines, in_code, body)
    result: list[Answer] = []
    seen: dict[str, int] = {}
    for position, (index, level, title, ident) in enumerate(headings):
        if ident is None or not QUESTION_ID.match(ident):
            continue
        if ident in seen:
            raise ConsultationError(f"{source}:{index + 1}: question id {ident} already used at line {seen[ident]}")
        seen[ident] = index + 1
        end = next((h[0] for h in headings[position + 1:] if h[1] <= level), len(lines))
        markdown = _section_markdown(lines, in_code, index + 1, end, source, resolve_fact)
        result.append(Answer(ident, title, _to_plain(markdown, bibliography, lang), index + 1))
    if not result:
        raise ConsultationError(f"{source}: no question section; mark each answer's heading with an id such as "
                                f"{{#q-1-1}}")
    return result


def check_lengths(source: Path, found: list[Answer], limit: int | None = None) -> list[LengthViolation]:
    """The answers longer than ``limit`` characters (default: the consultation decision)."""
    limit = int(decision("consultation.max_chars")) if limit is None else limit
    return [LengthViolation(Path(source), a, limit) for a in found if a.characters > limit]


def export_answers(brief: Path, out_dir: Path | None = None, limit: int | None = None,
                   resolve_fact: Callable[[str], str] | None = None) -> ExportReport:
    """Write one ``<question id>.txt`` per answer and ``answers.csv`` (id, title, characters, limit, within limit).

    Files are written even when an answer is too long, so the author can see what to cut; the report lists
    the violations and the caller decides whether they are fatal.
    """
    brief = Path(brief)
    limit = int(decision("consultation.max_chars")) if limit is None else limit
    out_dir = Path(out_dir) if out_dir else output_dir() / "consultation" / brief.stem
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
