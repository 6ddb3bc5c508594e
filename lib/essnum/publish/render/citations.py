"""The bibliography of a brief (its ``bibliography:`` front matter, else the evidence base's CSL-JSON) and
the check that every ``[@key]`` names one of its entries."""

from __future__ import annotations

import json
from pathlib import Path

from essnum.paths import data_dir, project_root

from .qmd import Document, RenderError


def bibliography(document: Document) -> Path | None:
    declared = document.meta.get("bibliography")
    path = (document.path.parent / declared) if declared else data_dir() / "evidence" / "bibliography.json"
    if declared and not path.is_file():
        raise RenderError(f"bibliography {declared} does not exist", document.path, 1)
    return path if path.is_file() else None


def check_citations(document: Document, bib: Path | None) -> None:
    """Every ``[@key]`` must name an entry of the CSL-JSON bibliography (error names the line)."""
    if not document.citations:
        return
    keys = {str(item.get("id")) for item in json.loads(bib.read_text(encoding="utf-8"))} if bib else set()
    for line, key in document.citations:
        if key not in keys:
            where = bib.relative_to(project_root()) if bib and bib.is_relative_to(project_root()) else bib
            raise RenderError(f"citation @{key} is not in the bibliography ({where or 'none found'})",
                              document.path, line)
