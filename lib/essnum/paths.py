"""Where things live: project root, data, build outputs, reference-data mirror and cache."""

from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


def project_root() -> Path:
    """The essnum project directory (``ESSNUM_ROOT``, else the project holding the working directory, else
    the checkout holding this package)."""
    return _project_root(os.environ.get("ESSNUM_ROOT"), os.getcwd())


@lru_cache(maxsize=16)
def _project_root(env: str | None, cwd: str) -> Path:
    """Memoised per (``ESSNUM_ROOT``, working directory): a render asks for it hundreds of times."""
    if env:
        return Path(env).resolve()
    here = Path(cwd).resolve()
    for candidate in (here, *here.parents):
        if (candidate / "_quarto.yml").is_file() and (candidate / "lib" / "essnum").is_dir():
            return candidate
    return _PACKAGE_DIR.parents[1]


def data_dir() -> Path:
    """Curated tables written by the project (evidence base, atlas, classification tables)."""
    return project_root() / "data"


def atlas_dir() -> Path:
    """The embedded atlas, used when a command is given no ``--atlas``."""
    return data_dir() / "atlas"


def build_dir() -> Path:
    """Everything ``essnum build`` computes (safe to delete)."""
    return Path(os.environ.get("ESSNUM_BUILD", project_root() / "build"))


def output_dir() -> Path:
    """Rendered briefs (PDF, HTML) — Quarto's ``output-dir`` too."""
    return project_root() / "_output"


def research_dir() -> Path:
    return project_root() / "research"


def briefs_dir() -> Path:
    return project_root() / "briefs"


def package_file(*parts: str) -> Path:
    """A file shipped inside the essnum package (templates, filters, decisions)."""
    return _PACKAGE_DIR.joinpath(*parts)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextmanager
def atomic_write(path: Path, mode: str = "wb"):
    """Write ``path`` through a temporary file renamed into place, so readers never see half a file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, mode, **({} if "b" in mode else {"encoding": "utf-8"})) as handle:
            yield handle
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes owner-only files; give the usual permissions
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
