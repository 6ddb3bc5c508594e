"""JupyterLab opens the project with the registered essnum kernel (issue 2 §7)."""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from essnum.paths import project_root


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=5) as response:  # loopback only
        return json.load(response)


@pytest.mark.slow
def test_jupyterlab_serves_the_essnum_kernelspec(tmp_path):
    port, token = _free_port(), secrets.token_hex(16)
    command = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
               f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={project_root()}"]
    if os.geteuid() == 0:
        command.append("--allow-root")
    env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"), "JUPYTER_CONFIG_DIR": str(tmp_path / "config")}
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=(tmp_path / "lab.log").open("w"), env=env)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline, specs = time.monotonic() + 60, None
        while time.monotonic() < deadline:
            assert server.poll() is None, (tmp_path / "lab.log").read_text()
            try:
                specs = _get(f"{base}/api/kernelspecs?token={token}")
                break
            except OSError:
                time.sleep(0.3)
        assert specs is not None, "JupyterLab did not answer on loopback within 60 s"
        assert "essnum" in specs["kernelspecs"], sorted(specs["kernelspecs"])
        spec = specs["kernelspecs"]["essnum"]["spec"]
        assert spec["language"] == "python"
        # The registered kernel's interpreter imports essnum from this checkout.
        probe = subprocess.run([spec["argv"][0], "-c", "import essnum, pathlib; print(pathlib.Path(essnum.__file__).resolve())"],
                               capture_output=True, text=True, check=True)
        assert Path(probe.stdout.strip()).is_relative_to(project_root() / "lib")
        assert _get(f"{base}/lab/api/settings?token={token}") is not None  # the Lab extension itself is served
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert server.returncode is not None
