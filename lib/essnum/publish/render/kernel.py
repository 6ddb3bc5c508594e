"""Runs INSIDE a brief's Jupyter kernel: every step of a document in one execute request.

:func:`essnum.publish.render.execute.execute_document` sends the document's steps (cells, parameter assignments,
inline expressions, the closing report) to :func:`run_document` in a single request instead of one request
per cell: each cell still runs as an IPython cell of its own (``run_cell``: its last expression displayed,
its figures flushed), and a marker output (:data:`MARK`) opens the outputs of each step, so the caller splits
them again. Round trips between the renderer and the kernel cost more than most of a barometer's cells.
"""

from __future__ import annotations

#: Mimetype of the marker outputs (``+json`` so that nbformat accepts a JSON object as its data).
MARK = "application/vnd.essnum.step+json"


def _inline_values(shell, expressions: list[str]) -> list[dict]:
    """Each inline expression evaluated in the user namespace: ``{"text": …}`` or ``{"error": …}``."""
    values = []
    for expression in expressions:
        try:
            value = eval(compile(f"({expression})", "<inline expression>", "eval"), shell.user_ns)
        except Exception as error:  # reported with the expression and its line by the caller
            values.append({"error": f"{type(error).__name__}: {error}"})
            continue
        values.append({"text": value if isinstance(value, str) else str(value)})
    return values


def run_document(steps: list[dict], cwd: str) -> None:
    """Run ``steps`` in order from ``cwd``, facts usage reset. A step is ``{"step": n, "code": …}`` (a cell)
    or ``{"step": n, "inline": [expressions]}``. Stops after the first cell that fails (marker ``failed``)."""
    import os

    from IPython import get_ipython
    from IPython.display import publish_display_data

    from essnum.publish.facts import reset_used

    os.chdir(cwd)
    reset_used()
    shell = get_ipython()
    for step in steps:
        if "inline" in step:
            publish_display_data({MARK: {"step": step["step"], "values": _inline_values(shell, step["inline"])}})
            continue
        publish_display_data({MARK: {"step": step["step"]}})
        if not shell.run_cell(step["code"], store_history=True).success:
            publish_display_data({MARK: {"step": step["step"], "failed": True}})
            return
