"""Pandoc (from the pypandoc-binary wheel) with the Lua filters, then Typst (in process) for the PDF.

The markdown is read once into pandoc's JSON AST (:func:`to_ast`): cross-references numbered, citations
resolved by citeproc against the CSL-JSON bibliography, French typography. Both writers start from that
AST (:func:`to_typst`, :func:`to_html`) with the filters of their format: source lines and what Quarto
would otherwise do (figures with alt text, table floats, callouts, cross-references as Typst references
or HTML links). Citeproc, the costly step, thus runs once per document, not once per output.
"""

from __future__ import annotations

import re
import subprocess
import threading
from functools import lru_cache
from pathlib import Path

from ..paths import package_file
from .qmd import RenderError

#: Lua filters of the built-in path. Reading into the AST: prepare.lua runs before citeproc (numbering,
#: cross-references), french.lua after; each writer then runs the format-specific ones.
BEFORE_CITEPROC = ("prepare.lua",)
AFTER_CITEPROC = ("french.lua",)
WRITER_FILTERS = ("sources.lua", "offline.lua")
PDF_PAGE = re.compile(rb"/Type\s*/Page(?![s\w])")


def pandoc_path() -> str:
    import pypandoc

    return pypandoc.get_pandoc_path()


def template_file(name: str) -> Path:
    return package_file("render", "templates", name)


def filter_file(name: str) -> Path:
    return package_file("render", "filters", name)


def _filters(names: tuple[str, ...]) -> list[str]:
    return [arg for name in names for arg in ("--lua-filter", str(filter_file(name)))]


def pandoc(source: str, source_format: str, to: str, work_dir: Path, extra: list[str] = ()) -> str:
    """Convert ``source`` to ``to`` in ``work_dir``; pandoc warnings (e.g. unresolved citations) are errors."""
    command = [pandoc_path(), "--from", source_format, "--to", to, "--wrap", "none", "--resource-path", str(work_dir),
               *extra]
    completed = subprocess.run(command, input=source, capture_output=True, text=True, cwd=work_dir)
    if completed.returncode != 0:
        raise RenderError(f"pandoc failed ({to}): {completed.stderr.strip()}")
    warnings = [line for line in completed.stderr.splitlines() if line.strip()]
    if warnings:
        raise RenderError(f"pandoc warned ({to}): " + " | ".join(warnings))
    return completed.stdout


def to_ast(markdown: str, work_dir: Path, bibliography: Path | None) -> str:
    """Pandoc's JSON AST of ``markdown``, cross-references numbered, citations resolved, typography French."""
    citeproc = ["--citeproc", "--bibliography", str(bibliography)] if bibliography is not None else []
    return pandoc(markdown, "markdown", "json", work_dir,
                  [*_filters(BEFORE_CITEPROC), *citeproc, *_filters(AFTER_CITEPROC)])


def to_typst(ast: str, work_dir: Path) -> str:
    """A complete Typst document: brief template, title block from the front matter, body. Citations are
    already resolved (``-citations``: written as their text, not as Typst ``#cite``)."""
    return pandoc(ast, "json", "typst-citations", work_dir,
                  ["--standalone", "--template", str(template_file("offline.typ")), *_filters(WRITER_FILTERS)])


def to_html(ast: str, work_dir: Path) -> str:
    """A self-contained HTML page (figures and CSS embedded)."""
    return pandoc(ast, "json", "html5", work_dir,
                  ["--standalone", "--embed-resources", "--css", str(template_file("brief.css")),
                   *_filters(WRITER_FILTERS)])


@lru_cache(maxsize=1)
def _typst_compiler():
    """One Typst compiler per process, fonts loaded once (embedded fonts only) for every document it compiles;
    it reads each document's files afresh at every compile."""
    import typst

    return typst.Compiler(ignore_system_fonts=True)


_TYPST_LOCK = threading.Lock()  # one compile at a time: the compiler is shared by the conversion threads


def compile_pdf(typst_file: Path, timestamp: int) -> bytes:
    """Compile with the embedded fonts only and a fixed timestamp, so a rebuild is byte-identical."""
    try:
        with _TYPST_LOCK:
            return _typst_compiler().compile(input=str(typst_file), root=str(typst_file.parent), timestamp=timestamp)
    except Exception as error:  # typst.TypstError carries the Typst diagnostic
        raise RenderError(f"typst failed on {typst_file}: {error}") from None


def page_count(pdf: bytes) -> int:
    return len(PDF_PAGE.findall(pdf))
