"""Pandoc (from the pypandoc-binary wheel) with the Lua filters, then Typst (in process) for the PDF.

Both writers get the same markdown and filters: French typography, source lines, and what Quarto
would otherwise do (figures with alt text, table floats, callouts, cross-references). Citations
are resolved by citeproc against the CSL-JSON bibliography.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from ..paths import package_file
from .qmd import RenderError

#: Lua filters of the built-in path: prepare.lua runs before citeproc (cross-references), the rest after.
BEFORE_CITEPROC = ("prepare.lua",)
AFTER_CITEPROC = ("french.lua", "sources.lua", "offline.lua")
PDF_PAGE = re.compile(rb"/Type\s*/Page(?![s\w])")


def pandoc_path() -> str:
    import pypandoc

    return pypandoc.get_pandoc_path()


def template_file(name: str) -> Path:
    return package_file("render", "templates", name)


def filter_file(name: str) -> Path:
    return package_file("render", "filters", name)


def pandoc(markdown: str, to: str, work_dir: Path, bibliography: Path | None, extra: list[str] = ()) -> str:
    """Convert ``markdown`` to ``to`` in ``work_dir``; pandoc warnings (e.g. unresolved citations) are errors."""
    command = [pandoc_path(), "--from", "markdown", "--to", to, "--wrap", "none", "--resource-path", str(work_dir),
               *extra]
    command += [arg for name in BEFORE_CITEPROC for arg in ("--lua-filter", str(filter_file(name)))]
    if bibliography is not None:
        command += ["--citeproc", "--bibliography", str(bibliography)]
    command += [arg for name in AFTER_CITEPROC for arg in ("--lua-filter", str(filter_file(name)))]
    completed = subprocess.run(command, input=markdown, capture_output=True, text=True, cwd=work_dir)
    if completed.returncode != 0:
        raise RenderError(f"pandoc failed ({to}): {completed.stderr.strip()}")
    warnings = [line for line in completed.stderr.splitlines() if line.strip()]
    if warnings:
        raise RenderError(f"pandoc warned ({to}): " + " | ".join(warnings))
    return completed.stdout


def to_typst(markdown: str, work_dir: Path, bibliography: Path | None) -> str:
    """A complete Typst document: brief template, title block from the front matter, body."""
    return pandoc(markdown, "typst", work_dir, bibliography, ["--standalone", "--template", str(template_file("offline.typ"))])


def to_html(markdown: str, work_dir: Path, bibliography: Path | None) -> str:
    """A self-contained HTML page (figures and CSS embedded)."""
    return pandoc(markdown, "html5", work_dir, bibliography,
                  ["--standalone", "--embed-resources", "--css", str(template_file("brief.css"))])


def compile_pdf(typst_file: Path, timestamp: int) -> bytes:
    """Compile with the embedded fonts only and a fixed timestamp, so a rebuild is byte-identical."""
    import typst

    try:
        return typst.compile(str(typst_file), root=str(typst_file.parent), ignore_system_fonts=True,
                             timestamp=timestamp)
    except Exception as error:  # typst.TypstError carries the Typst diagnostic
        raise RenderError(f"typst failed on {typst_file}: {error}") from None


def page_count(pdf: bytes) -> int:
    return len(PDF_PAGE.findall(pdf))
