"""Run a brief's cells in ONE Jupyter kernel (nbclient), reusable across documents.

A :class:`KernelSession` starts a kernel once; :func:`execute_document` runs every cell and inline
expression of a parsed brief in it, in document order, and returns their outputs. A batch of
parameterised renders (issue 7) shares one session, so imports and loaded data are paid once.
"""

from __future__ import annotations

import ast
import os
from dataclasses import dataclass, field
from pathlib import Path

from essnum.config import decision

from .qmd import Cell, Document, Markdown, RenderError

#: Matplotlib backend of the kernel: figures drawn by a cell become PNG outputs, and matplotlib is only
#: imported by the briefs that draw (the inline backend activates itself when matplotlib loads it).
INLINE_BACKEND = "module://matplotlib_inline.backend_inline"

#: Inline figures as PNG at the decided resolution, set on the kernel's command line (a %config in a cell
#: would import matplotlib in every kernel, drawing or not).
INLINE_OPTIONS = ["--InlineBackend.figure_formats=png",
                  "--InlineBackend.rc={{'figure.dpi': {dpi}, 'savefig.dpi': {dpi}, 'figure.figsize': [6.4, 3.6]}}"]

class KernelSession:
    """One kernel kept alive across cells and documents (``with KernelSession() as s: s.run(code)``).

    The kernel is started by the first :meth:`run` and shut down by :meth:`close` (or leaving ``with``).
    """

    def __init__(self, cwd: Path | None = None, kernel_name: str = "python3"):
        self.cwd, self.kernel_name = Path(cwd or Path.cwd()), kernel_name
        self._client = None

    def start(self) -> KernelSession:
        if self._client is None:
            from essnum.notebooks import DETERMINISTIC_ENV, QUIET_KERNEL, import_nbformat

            nbformat = import_nbformat()
            from nbclient import NotebookClient

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

    def run(self, code: str, timeout: float | None = None) -> list[dict]:
        """Execute ``code`` (within ``timeout`` seconds, default ``build.cell_timeout``); return its outputs
        (nbformat dicts). Errors raise CellExecutionError."""
        from essnum.notebooks import import_nbformat

        self.start()
        cell = import_nbformat().v4.new_code_cell(code)
        self._notebook.cells = [cell]
        self._client.timeout = timeout or decision("build.cell_timeout")
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
    """Outputs of a document: per cell (by block index), per inline expression (by block index), and of the
    ``epilogue`` code run after them."""

    cells: dict[int, list[dict]] = field(default_factory=dict)
    inlines: dict[int, list[str]] = field(default_factory=dict)
    epilogue: list[dict] = field(default_factory=list)


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


#: What a failing step is called in the error, by kind of step.
FAILED = {"cell": "cell failed", "parameters": "parameters failed", "epilogue": "renderer report failed"}


def _steps(document: Document, values: dict, params: dict | None,
           epilogue: str | None) -> tuple[list[dict], list[tuple[str, int | None, int]]]:
    """The kernel steps of ``document`` (see :func:`essnum.publish.render.kernel.run_document`) and, for each, what it
    is: ``(kind, block index or None, line of the brief an error names)``, kind being ``cell``, ``inline``,
    ``parameters`` or ``epilogue``."""
    steps, roles = [], []

    def add(role: tuple[str, int | None, int], **step) -> None:
        roles.append(role)
        steps.append({"step": len(steps), **step})

    front_params = document.meta.get("params") or {}
    if front_params:
        add(("parameters", None, 1), code=_assignments({**values, "params": values}))
    parameter_cell = document.parameter_cell()
    for index, block in enumerate(document.blocks):
        if isinstance(block, Cell) and block.options.get("eval", True):
            add(("cell", index, block.line), code=block.code)
            if block is parameter_cell and params:
                add(("parameters", None, block.line), code=_assignments(params))
        elif isinstance(block, Markdown) and block.inlines:
            add(("inline", index, block.line), inline=[expr for _, expr in block.inlines])
    if epilogue:
        add(("epilogue", None, 1), code=epilogue)
    return steps, roles


def _split(outputs: list[dict], count: int) -> list[tuple[dict, list[dict]]]:
    """The outputs of each of the ``count`` steps, after its marker: ``[(marker, outputs), …]``; a ``failed``
    marker ends a step's outputs (with the error) and the list."""
    from .kernel import MARK

    lost = RenderError("outputs of the cells were lost (did a cell call clear_output? briefs cannot)")
    segments: list[tuple[dict, list[dict]]] = []
    for output in outputs:
        marker = output.get("data", {}).get(MARK) if output.get("output_type") == "display_data" else None
        if marker is not None and not marker.get("failed"):
            segments.append((marker, []))
        elif not segments:
            raise lost
        elif marker is not None:
            segments[-1] = ({**segments[-1][0], "failed": True}, segments[-1][1])
        else:
            segments[-1][1].append(output)
    complete = bool(segments) and (len(segments) == count or segments[-1][0].get("failed"))
    if not complete or [m["step"] for m, _ in segments] != list(range(len(segments))):
        raise lost
    return segments


def _error_text(outputs: list[dict]) -> str:
    error = next((o for o in outputs if o.get("output_type") == "error"), None)
    return f"{error['ename']}: {error['evalue']}" if error else "no error output"


def execute_document(document: Document, session: KernelSession, params: dict | None = None,
                     epilogue: str | None = None) -> Executed:
    """Run every cell (unless ``eval: false``) and inline expression of ``document`` in ``session``, then
    ``epilogue`` (code whose outputs the caller reads), in one request to the kernel (within
    ``build.cell_timeout`` per step)."""
    values = check_parameters(document, params)
    steps, roles = _steps(document, values, params, epilogue)
    executed = Executed()
    if not steps:
        return executed
    cwd = str(document.path.parent.resolve())
    code = (f"from essnum.publish.render.kernel import run_document as __essnum_run_document\n"
            f"__essnum_run_document({steps!r}, {cwd!r})")
    outputs = session.run(code, timeout=decision("build.cell_timeout") * len(steps))
    for marker, step_outputs in _split(outputs, len(steps)):
        kind, index, line = roles[marker["step"]]
        if marker.get("failed"):
            raise RenderError(f"{FAILED[kind]}: {_error_text(step_outputs)}", document.path, line)
        if kind == "cell":
            executed.cells[index] = step_outputs
        elif kind == "epilogue":
            executed.epilogue = step_outputs
        elif kind == "inline":
            block = document.blocks[index]
            for (line, expr), value in zip(block.inlines, marker["values"], strict=True):
                if "error" in value:
                    raise RenderError(f"inline expression `{expr}` failed: {value['error']}", document.path, line)
            executed.inlines[index] = [value["text"] for value in marker["values"]]
    return executed
