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


def embedded_atlas_dir() -> Path:
    """The embedded atlas, with the schemas and the family list every atlas folder is checked against."""
    return data_dir() / "atlas"


#: The datasets a build can take from the user instead of the embedded ones: environment variable (set by
#: ``--atlas`` / ``--places``), then ``[data]`` of ``essnum.toml`` in the project folder.
DATASETS = {"atlas": "ESSNUM_ATLAS", "mediation_places": "ESSNUM_PLACES"}
PROJECT_FILE = "essnum.toml"


def project_file() -> Path:
    return project_root() / PROJECT_FILE


def dataset(name: str) -> Path | None:
    """The user's dataset ``name`` (``atlas`` folder, ``mediation_places`` file) when one is named — by its
    environment variable, else by ``[data]`` in ``essnum.toml`` (a path relative to the project folder) —
    else None (the embedded data)."""
    import tomllib

    value = os.environ.get(DATASETS[name])
    if not value and project_file().is_file():
        with project_file().open("rb") as handle:
            value = (tomllib.load(handle).get("data") or {}).get(name)
    if not value:
        return None
    path = Path(value).expanduser()
    path = path if path.is_absolute() else project_root() / path
    if not path.exists():
        origin = f"${DATASETS[name]}" if os.environ.get(DATASETS[name]) else f"[data] {name} in {project_file()}"
        raise FileNotFoundError(f"{origin} names {path}, which does not exist")
    return path.resolve()


def atlas_dir() -> Path:
    """The atlas the products are built from: the user's (``--atlas``, ``$ESSNUM_ATLAS``, ``essnum.toml``)
    when named, else the embedded one."""
    return dataset("atlas") or embedded_atlas_dir()


def dataset_files() -> list[Path]:
    """``essnum.toml`` (when there is one) and every file of the user's datasets: what a cache key or a build
    stamp adds so that a render or a step follows the data it is built from."""
    files = [project_file()] if project_file().is_file() else []
    for name in DATASETS:
        path = dataset(name)
        if path is not None:
            files += sorted(f for f in path.rglob("*") if f.is_file()) if path.is_dir() else [path]
    return files


def uses_embedded_data() -> bool:
    """True when no user dataset is named: the facts lock applies only then."""
    return all(dataset(name) is None for name in DATASETS)


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
