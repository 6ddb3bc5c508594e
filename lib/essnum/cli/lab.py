"""``essnum lab``: JupyterLab on the project, with the registered essnum kernel."""

from __future__ import annotations

import os
import subprocess
import sys

import click

from essnum.paths import project_root


@click.command()
@click.option("--port", default=8888, show_default=True, help="Port to listen on (127.0.0.1 only).")
@click.option("--no-browser", is_flag=True, help="Do not try to open a web browser.")
def lab(port: int, no_browser: bool) -> None:
    """Open JupyterLab in the project directory (root sessions get --allow-root)."""
    command = [sys.executable, "-m", "jupyterlab", "--ip=127.0.0.1", f"--port={port}", f"--notebook-dir={project_root()}"]
    if no_browser:
        command.append("--no-browser")
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")
    raise SystemExit(subprocess.call(command))
