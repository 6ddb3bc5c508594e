"""Execute the research notebooks reproducibly (nbclient), in place or into the build directory."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from .config import decision
from .paths import atomic_write, research_dir

#: Environment that makes stored outputs reproducible (see the README, "Deterministic notebooks").
DETERMINISTIC_ENV = {
    "PYTHONHASHSEED": "0",
    "OPENBLAS_NUM_THREADS": "1",
    "OMP_NUM_THREADS": "1",
    "MPLBACKEND": "Agg",
}


def import_nbformat():
    """``nbformat``, imported on first use. jsonschema, which nbformat imports, compiles IRI grammars at import
    time when rfc3987-syntax is installed (about 2 s here) for a format checker nbformat never uses: it is
    kept out, so that commands that never touch a notebook (``essnum build`` with nothing to do) stay fast."""
    sys.modules.setdefault("rfc3987_syntax", None)
    import nbformat

    return nbformat


#: Kernel command-line options for batch runs: the kernel's own log shows errors only (its warning that a
#: loopback TCP kernel is unencrypted would otherwise be printed by every notebook and brief of a build).
QUIET_KERNEL = ["--IPKernelApp.log_level=ERROR"]


def research_notebooks() -> list[Path]:
    """The research notebooks, in their numbered order."""
    return sorted(research_dir().glob("[0-9][0-9]_*.ipynb"))


def execute_notebook(path: Path, output: Path | None = None) -> Path:
    """Run every cell of ``path`` in a fresh kernel started in its folder; write the executed notebook.

    ``output`` defaults to ``path`` itself (refreshing its stored outputs). Raises
    ``nbclient.exceptions.CellExecutionError`` naming the failing cell.
    """
    nbformat = import_nbformat()
    from nbclient import NotebookClient

    os.environ.update(DETERMINISTIC_ENV)  # inherited by the kernel process
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(
        notebook,
        timeout=decision("build.cell_timeout"),
        kernel_name="python3",
        record_timing=False,
        extra_arguments=QUIET_KERNEL,  # no execution timestamps: re-running leaves unchanged outputs byte-identical
        resources={"metadata": {"path": str(Path(path).parent)}},
    )
    client.execute()
    target = Path(output or path)
    with atomic_write(target, "w") as handle:
        nbformat.write(notebook, handle)
    return target
