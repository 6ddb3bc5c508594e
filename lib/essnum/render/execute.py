"""Run a brief's cells in ONE Jupyter kernel (nbclient), reusable across documents.

A :class:`KernelSession` starts a kernel once; :func:`execute_document` runs every cell and inline
expression of a parsed brief in it, in document order, and returns their outputs. A batch of
parameterised renders (issue 7) shares one session, so imports and loaded data are paid once.
"""

from __future__ import annotations

import ast
import json
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from ..config import decision
from .qmd import Cell, Document, Markdown, RenderError

INLINE_MARK = "__essnum_inline__:"

#: Matplotlib backend of the kernel: figures drawn by a cell become PNG outputs, and matplotlib is only
#: imported by the briefs that draw (the inline backend activates itself when matplotlib loads it).
INLINE_BACKEND = "module://matplotlib_inline.backend_inline"

#: Inline figures as PNG at the decided resolution, set on the kernel's command line (a %config in a cell
#: would import matplotlib in every kernel, drawing or not).
INLINE_OPTIONS = ["--InlineBackend.figure_formats=png",
                  "--InlineBackend.rc={{'figure.dpi': {dpi}, 'savefig.dpi': {dpi}, 'figure.figsize': [6.4, 3.6]}}"]

#: Run at the start of every document: facts usage reset, working directory set.
SETUP = """
import json as __essnum_json
import os as __essnum_os
__essnum_os.chdir({cwd!r})
from essnum.facts import reset_used as __essnum_reset_used
__essnum_reset_used()

def __essnum_inline(thunks):
    values = []
    for thunk in thunks:
        try:
            value = thunk()
        except Exception as error:
            values.append({{"error": f"{{type(error).__name__}}: {{error}}"}})
            continue
        values.append({{"text": value if isinstance(value, str) else str(value)}})
    print({mark!r} + __essnum_json.dumps(values))
"""


class KernelSession:
    """One kernel kept alive across cells and documents (``with KernelSession() as s: s.run(code)``).

    The kernel is started by the first :meth:`run` and shut down by :meth:`close` (or leaving ``with``).
    """

    def __init__(self, cwd: Path | None = None, kernel_name: str = "python3"):
        self.cwd, self.kernel_name = Path(cwd or Path.cwd()), kernel_name
        self._client = None

    def start(self) -> KernelSession:
        if self._client is None:
            # jsonschema, imported by nbformat, compiles an IRI grammar at import time when rfc3987-syntax
            # is installed (seconds on this machine) for a format checker nbformat never uses: skip it here.
            sys.modules.setdefault("rfc3987_syntax", None)
            import nbformat
            from nbclient import NotebookClient

            from ..notebooks import DETERMINISTIC_ENV, QUIET_KERNEL

            self._notebook = nbformat.v4.new_notebook()
            dpi = decision("briefs.figure_dpi")
            client = NotebookClient(self._notebook, timeout=decision("build.cell_timeout"), kernel_name=self.kernel_name,
                                    shutdown_kernel="immediate", resources={"metadata": {"path": str(self.cwd)}},
                                    extra_arguments=[*QUIET_KERNEL, *(option.format(dpi=dpi) for option in INLINE_OPTIONS)])
            client.km = client.create_kernel_manager()
            client.start_new_kernel(env={**os.environ, **DETERMINISTIC_ENV, "MPLBACKEND": INLINE_BACKEND})
            client.kc = client.start_new_kernel_client()
            self._client = client
        return self

    def run(self, code: str) -> list[dict]:
        """Execute ``code``; return its outputs (nbformat dicts). Errors raise CellExecutionError."""
        import nbformat

        self.start()
        cell = nbformat.v4.new_code_cell(code)
        self._notebook.cells = [cell]
        self._client.execute_cell(cell, 0)
        return list(cell.outputs)

    def close(self) -> None:
        if self._client is not None:
            self._client._cleanup_kernel()
            self._client = None

    def __enter__(self) -> KernelSession:
        return self  # the kernel starts at the first run(): a batch served from the cache never starts one

    def __exit__(self, *exc) -> None:
        self.close()


@dataclass
class Executed:
    """Outputs of a document: per cell (by block index) and per inline expression (by block index)."""

    cells: dict[int, list[dict]] = field(default_factory=dict)
    inlines: dict[int, list[str]] = field(default_factory=dict)


def parameter_names(document: Document) -> list[str]:
    """Parameters a brief declares: front-matter ``params`` and the names assigned in its parameters cell."""
    names = list((document.meta.get("params") or {}).keys())
    cell = document.parameter_cell()
    if cell is not None:
        for node in ast.parse(cell.code).body:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AnnAssign) else []
            names += [t.id for t in targets if isinstance(t, ast.Name) and t.id not in names]
    return names


def _assignments(values: dict) -> str:
    return "\n".join(f"{name} = {value!r}" for name, value in values.items())


def check_parameters(document: Document, params: dict | None) -> dict:
    """Validate overrides against the declared parameters; return the defaults merged with them."""
    params = dict(params or {})
    declared = parameter_names(document)
    unknown = [name for name in params if name not in declared]
    if unknown:
        raise RenderError(f"unknown parameter {', '.join(unknown)}; this brief declares: "
                          f"{', '.join(declared) or 'no parameter'}", document.path)
    return {**(document.meta.get("params") or {}), **params}


ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _error_text(error: Exception) -> str:
    lines = [line for line in ANSI.sub("", str(error)).strip().splitlines() if line.strip()]
    return lines[-1] if lines else type(error).__name__


def execute_document(document: Document, session: KernelSession, params: dict | None = None) -> Executed:
    """Run every cell (unless ``eval: false``) and inline expression of ``document`` in ``session``."""
    from nbclient.exceptions import CellExecutionError

    values = check_parameters(document, params)
    session.run(SETUP.format(cwd=str(document.path.parent.resolve()), mark=INLINE_MARK))
    front_params = document.meta.get("params") or {}
    if front_params:
        session.run(_assignments({**values, "params": values}))
    parameter_cell = document.parameter_cell()
    executed = Executed()
    for index, block in enumerate(document.blocks):
        if isinstance(block, Cell) and block.options.get("eval", True):
            try:
                executed.cells[index] = session.run(block.code)
            except CellExecutionError as error:
                raise RenderError(f"cell failed: {_error_text(error)}", document.path, block.line) from None
            if block is parameter_cell and params:
                session.run(_assignments(params))
        elif isinstance(block, Markdown) and block.inlines:
            thunks = ", ".join(f"lambda: ({expr})" for _, expr in block.inlines)
            try:
                outputs = session.run(f"__essnum_inline([{thunks}])")
            except CellExecutionError as error:
                raise RenderError(f"inline expression does not compile: {_error_text(error)}", document.path,
                                  block.inlines[0][0]) from None
            printed = "".join(o.get("text", "") for o in outputs if o.get("output_type") == "stream")
            payload = next(line for line in printed.splitlines() if line.startswith(INLINE_MARK))
            results = json.loads(payload[len(INLINE_MARK):])
            for (line, expr), result in zip(block.inlines, results, strict=True):
                if "error" in result:
                    raise RenderError(f"inline expression `{expr}` failed: {result['error']}", document.path, line)
            executed.inlines[index] = [r["text"] for r in results]
    return executed
