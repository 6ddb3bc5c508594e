"""Delegation to Quarto when ``quarto`` is on the PATH (same briefs, same Typst template via the
``brief-typst`` format of ``briefs/_extensions/brief``)."""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

from essnum.paths import output_dir, project_root

from .answers import export_consultation
from .convert import page_count
from .engine import RenderResult, render_brief
from .execute import KernelSession
from .qmd import RenderError

FORMATS = ("brief-typst", "html")


def quarto_available() -> bool:
    return shutil.which("quarto") is not None


def render_with_quarto(path: Path, params: dict | None = None, out_dir: Path | None = None) -> RenderResult:
    """``quarto render BRIEF --to brief-typst`` then ``--to html`` (``-P name:value`` per parameter)."""
    started = time.perf_counter()
    path = Path(path).resolve()
    relative = path.parent.relative_to(project_root()) if path.parent.is_relative_to(project_root()) else Path()
    out_dir = Path(out_dir) if out_dir else output_dir() / relative
    for to in FORMATS:
        command = ["quarto", "render", str(path), "--to", to, "--output-dir", str(out_dir)]
        for name, value in (params or {}).items():
            command += ["-P", f"{name}:{value}"]
        completed = subprocess.run(command, cwd=project_root(), capture_output=True, text=True)
        if completed.returncode != 0:
            raise RenderError(f"quarto render --to {to} failed:\n{completed.stderr.strip()}", path)
    pdf, html = out_dir / f"{path.stem}.pdf", out_dir / f"{path.stem}.html"
    _, over_limit = export_consultation(path, out_dir)
    return RenderResult(brief=path.stem, pdf=pdf, html=html, pages=page_count(pdf.read_bytes()),
                        seconds=time.perf_counter() - started, cached=False, over_limit=over_limit)


def render(path: Path, params: dict | None = None, out_dir: Path | None = None, engine: str = "auto",
           session: KernelSession | None = None, force: bool = False) -> RenderResult:
    """Render one brief with ``engine`` "quarto", "builtin", or "auto" (Quarto if installed)."""
    if engine not in {"auto", "quarto", "builtin"}:
        raise ValueError(f"unknown engine {engine!r}: use auto, quarto or builtin")
    if engine == "quarto" or (engine == "auto" and quarto_available()):
        if not quarto_available():
            raise RenderError("engine 'quarto' asked for, but quarto is not on the PATH")
        return render_with_quarto(path, params, out_dir)
    return render_brief(path, params, out_dir, session=session, force=force)


def render_briefs(paths: list[Path], params: dict | None = None, out_dir: Path | None = None, engine: str = "auto",
                  force: bool = False, progress: bool = True) -> list[RenderResult]:
    """Render several briefs; the built-in path runs them all in one kernel (started only if needed)."""
    from tqdm import tqdm

    with KernelSession() as session:
        return [render(path, params, out_dir, engine=engine, session=session, force=force)
                for path in tqdm(paths, desc="render", unit="brief", disable=not progress)]

