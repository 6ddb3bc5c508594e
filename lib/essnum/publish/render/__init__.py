"""Render policy briefs (``briefs/*.qmd``) to PDF and HTML: the built-in path by default, or Quarto.

* :func:`render_brief` — built-in path for one brief (cached; ``session`` shares a kernel in batches).
* :func:`render_with_quarto` — ``quarto render`` of one brief (:mod:`.quarto`), same outputs and folders.
* :func:`render` — one brief by ``engine`` ("builtin", the default; "quarto"; "auto": Quarto when
  ``quarto`` is on the PATH); :func:`render_briefs` — several, sharing one kernel.
* :class:`KernelSession` — one Jupyter kernel reused across documents (issue 7 batch renders).
* :func:`table` — display a DataFrame as a markdown table in a brief cell (both engines read it).
"""

from .engine import RenderResult, render_brief
from .execute import KernelSession
from .qmd import RenderError, UnsupportedSyntax, parse
from .quarto import quarto_available, render, render_briefs, render_with_quarto
from .tables import table

__all__ = ["KernelSession", "RenderError", "RenderResult", "UnsupportedSyntax", "parse", "quarto_available", "render",
           "render_brief", "render_briefs", "render_with_quarto", "table"]
