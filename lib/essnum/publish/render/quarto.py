"""Rendering with Quarto (``essnum render --engine quarto``): ``quarto render`` of the brief in the project,
with the ``brief-typst`` format of ``briefs/_extensions/brief`` (the built-in path's Typst template and
filters) and the project's ``html`` format (the same filters and stylesheet), then the files moved where
the built-in path puts them. Quarto keeps no figure's data (it ignores their ``text/csv`` representation): the
brief's cells are run once more in a kernel of the built-in path to collect them, and they are written and
linked as the built-in path does (:mod:`.annexes`). The built-in path (:func:`~.engine.render_brief`) stays
the default.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from essnum.paths import atomic_write, output_dir, project_root

from .annexes import DataOutput, folder_name, link_into_page, write_annexes
from .answers import export_consultation
from .assemble import assemble
from .convert import page_count
from .engine import RenderResult, _slug, document_date, render_brief
from .execute import KernelSession, execute_document
from .qmd import Document, RenderError, parse

#: Quarto formats rendered for each brief, in order (the PDF and the HTML page of the built-in path).
FORMATS = ("brief-typst", "html")
ENGINES = ("builtin", "quarto", "auto")


def quarto_available() -> bool:
    return shutil.which("quarto") is not None


def quarto_environment() -> dict[str, str]:
    """Quarto runs the cells with ``QUARTO_PYTHON``: this interpreter (the project's venv, where essnum and
    papermill are installed) unless the caller chose another."""
    return {**os.environ, "QUARTO_PYTHON": os.environ.get("QUARTO_PYTHON") or sys.executable}


def quarto_command(path: Path, to: str, params: dict | None, staging: Path) -> list[str]:
    """``quarto render BRIEF --to FORMAT --output-dir STAGING`` with ``-P name:value`` per parameter
    (papermill injects them after the cell tagged ``parameters``, as the built-in path does)."""
    command = ["quarto", "render", str(path), "--to", to, "--output-dir", str(staging)]
    for name, value in (params or {}).items():
        command += ["-P", f"{name}:{value}"]
    return command


def render_with_quarto(path: Path, params: dict | None = None, out_dir: Path | None = None) -> RenderResult:
    """Render ``path`` with Quarto to ``out_dir`` (by default where the built-in path writes: ``_output/<folder
    of the brief>``, plus a ``<brief>--<name>-<value>`` folder when parameters are given).

    Quarto writes a project's outputs under ``--output-dir`` at the brief's path in the project; they are
    rendered into a temporary folder and moved into ``out_dir``, so that a render that
    fails leaves the previous outputs in place.
    """
    if not quarto_available():
        raise RenderError("engine 'quarto' asked for, but quarto is not on the PATH (README: installing Quarto)")
    started = time.perf_counter()
    path = Path(path).resolve()
    root = project_root()
    relative = path.parent.relative_to(root) if path.parent.is_relative_to(root) else Path()
    variant = f"{path.stem}--{_slug(params)}" if params else path.stem
    out_dir = Path(out_dir) if out_dir else output_dir() / relative / (variant if params else "")
    with tempfile.TemporaryDirectory(prefix=f"essnum-quarto-{variant}-") as staging:
        staging = Path(staging)
        warnings: list[str] = []
        for to in FORMATS:
            completed = subprocess.run(quarto_command(path, to, params, staging), cwd=root, capture_output=True,
                                       text=True, env=quarto_environment())
            if completed.returncode != 0:
                output = "\n".join(s.strip() for s in (completed.stdout, completed.stderr) if s.strip())
                raise RenderError(f"quarto render --to {to} failed:\n{output[-4000:]}", path)
            warnings += document_warnings(completed.stdout + "\n" + completed.stderr, to)
        rendered = staging / relative
        written = []
        for suffix in (".pdf", ".html"):
            source = rendered / f"{path.stem}{suffix}"
            if not source.is_file():
                raise RenderError(f"quarto render wrote no {source.name} (looked in {rendered})", path)
            target = (out_dir / source.name).resolve()
            with atomic_write(target, "wb") as handle:
                handle.write(source.read_bytes())
            written.append(target)
    pdf, html = written
    _, over_limit = export_consultation(path, out_dir)
    annexes = _write_data(path, params, out_dir, html)
    return RenderResult(brief=path.stem, pdf=pdf, html=html, pages=page_count(pdf.read_bytes()),
                        seconds=time.perf_counter() - started, cached=False, warnings=warnings,
                        over_limit=over_limit, data=[str(p) for p in annexes])


def data_outputs(document: Document, params: dict | None = None) -> list[DataOutput]:
    """The data of every figure and table of the brief, as the built-in path collects them (its cells run in a
    kernel of their own, in the brief's folder)."""
    path = document.path
    with KernelSession(cwd=path.parent) as session:
        executed = execute_document(document, session, params)
    with tempfile.TemporaryDirectory(prefix="essnum-quarto-data-") as figures:
        return assemble(document, executed, Path(figures), "figures", data_rel=folder_name(path.stem)).data


def _write_data(path: Path, params: dict | None, out_dir: Path, html: Path) -> list[Path]:
    """``<brief>-donnees/`` beside Quarto's page, and the links in the page."""
    document = parse(path)
    outputs = data_outputs(document, params)
    written = write_annexes(out_dir / folder_name(path.stem), outputs, path.stem, document_date(document))
    page = link_into_page(html.read_text(encoding="utf-8"), outputs, folder_name(path.stem))
    with atomic_write(html, "w") as handle:
        handle.write(page)
    return written


def document_warnings(output: str, to: str) -> list[str]:
    """Quarto's and pandoc's warnings about the document (a resource it could not fetch, an unresolved
    citation or cross-reference), one line each; not the kernel's notice about its transport."""
    found = []
    for line in output.splitlines():
        line = re.sub(r"\x1b\[[0-9;]*m", "", line).strip()
        if re.match(r"^(\[WARNING\]|WARNING\b)", line) and "IPKernelApp" not in line:
            found.append(f"{to}: {line}")
    return found


def render(path: Path, params: dict | None = None, out_dir: Path | None = None, engine: str = "builtin",
           session: KernelSession | None = None, force: bool = False) -> RenderResult:
    """Render one brief with ``engine``: "builtin" (the default: cached, one kernel for a batch), "quarto",
    or "auto" (Quarto if ``quarto`` is on the PATH, else the built-in path)."""
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}: use {', '.join(ENGINES)}")
    if engine == "quarto" or (engine == "auto" and quarto_available()):
        return render_with_quarto(path, params, out_dir)
    return render_brief(path, params, out_dir, session=session, force=force)


def render_briefs(paths: list[Path], params: dict | None = None, out_dir: Path | None = None,
                  engine: str = "builtin", force: bool = False, progress: bool = True) -> list[RenderResult]:
    """Render several briefs; the built-in path runs them all in one kernel (started only if needed)."""
    from tqdm import tqdm

    with KernelSession() as session:
        return [render(path, params, out_dir, engine=engine, session=session, force=force)
                for path in tqdm(paths, desc="render", unit="brief", disable=not progress)]
