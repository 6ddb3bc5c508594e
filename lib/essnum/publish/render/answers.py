"""Consultation briefs (headings with ids ``q-…``): each answer exported as plain text next to the PDF,
its length checked against the form's limit (:mod:`essnum.publish.consultation` does the cutting)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

QUESTION_MARK = "{#q-"


def export_consultation(brief: Path, out_dir: Path,
                        resolve_fact: Callable[[str], str] | None = None) -> tuple[list[Path], list[str]]:
    """Write ``<out_dir>/<brief>-reponses/`` for a consultation brief; return the files written and the
    answers over the length limit (both empty for any other brief)."""
    brief = Path(brief)
    if QUESTION_MARK not in brief.read_text(encoding="utf-8"):
        return [], []
    from essnum.publish.consultation import export_answers

    target = Path(out_dir) / f"{brief.stem}-reponses"
    report = export_answers(brief, target, resolve_fact=resolve_fact)
    return sorted(p for p in target.iterdir() if p.is_file()), [str(v) for v in report.violations]
