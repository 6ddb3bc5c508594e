"""``essnum build``: the whole pipeline as steps with content-hashed inputs, rebuilt only when needed.

Each step declares the files its outputs depend on. A step is skipped when the hashes of its inputs
match those recorded at its last successful run and every output it recorded still has the recorded
hash (a truncated or edited output is rebuilt). Stamps live in ``build/.stamps.json``, so deleting
``build/`` forces a full rebuild.

Computations that several steps read (the support offer, the placed atlas) keep their tables in a cache
folder of their own, keyed on a hash of their inputs: :func:`cached_tables`.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from .paths import atomic_write, build_dir, project_root

if TYPE_CHECKING:  # pandas is imported where a cache is read or written, not by every ``essnum build``
    import pandas as pd

STAMPS_NAME = ".stamps.json"
T = TypeVar("T")


@dataclass
class Step:
    """One unit of the build: ``run()`` writes files and returns their paths."""

    name: str
    inputs: Callable[[], Iterable[Path]]
    run: Callable[[], Iterable[Path]]
    description: str = ""


@dataclass
class StepResult:
    name: str
    status: str  # "built" or "up to date" (a failing step raises)
    seconds: float
    outputs: list[Path] = field(default_factory=list)
    message: str = ""


def file_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _rel(path: Path) -> str:
    path = Path(path).resolve()
    try:
        return str(path.relative_to(project_root()))
    except ValueError:
        return str(path)


def hash_files(paths: Iterable[Path]) -> dict[str, str]:
    """Content hash of each existing file, keyed by project-relative path (sorted, deterministic)."""
    return {_rel(p): file_hash(p) for p in sorted({Path(p).resolve() for p in paths}) if Path(p).is_file()}


def code_files(*modules: str) -> list[Path]:
    """The source files of essnum modules or subpackages, as build inputs."""
    base = project_root() / "lib" / "essnum"
    found: list[Path] = []
    for module in modules:
        target = base / module
        if target.is_dir():
            found.extend(sorted(target.rglob("*.py")))
            found.extend(sorted(p for p in target.rglob("*") if p.suffix in {".typ", ".lua", ".toml", ".json"}))
        else:
            found.append(target.with_suffix(".py"))
    found.append(base / "decisions.toml")
    return found


def cached_tables(folder: Path, key: str, names: Sequence[str], compute: Callable[[], T],
                  store: Callable[[T], tuple[dict[str, pd.DataFrame], dict]],
                  load: Callable[[dict[str, pd.DataFrame], dict], T]) -> T:
    """A computation whose result is kept in ``folder`` as tables ``<name>.parquet`` and ``meta.json``.

    When ``meta.json`` records ``key`` and every table is there, ``load(tables, meta)`` rebuilds the result
    from them. Otherwise the result is ``compute()``, returned as computed after ``store(result)`` gave its
    tables (each written atomically, without its index or ``attrs``) and the rest of its meta (``meta.json``,
    with ``key``, written last).
    """
    import pandas as pd

    folder = Path(folder)
    meta_path = folder / "meta.json"
    if meta_path.is_file():
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        if meta.get("key") == key and all((folder / f"{name}.parquet").is_file() for name in names):
            return load({name: pd.read_parquet(folder / f"{name}.parquet") for name in names}, meta)
    result = compute()
    tables, meta = store(result)
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        frame = tables[name].copy()
        frame.attrs = {}
        with atomic_write(folder / f"{name}.parquet", "wb") as handle:
            frame.to_parquet(handle, index=False)
    with atomic_write(meta_path, "w") as handle:
        json.dump({"key": key, **meta}, handle, indent=1, sort_keys=True)
    return result


class Stamps:
    """Recorded input and output hashes of each step."""

    def __init__(self, directory: Path | None = None):
        self.path = (directory or build_dir()) / STAMPS_NAME
        self.data: dict[str, dict] = json.loads(self.path.read_text()) if self.path.is_file() else {}

    def up_to_date(self, step: str, inputs: dict[str, str]) -> bool:
        record = self.data.get(step)
        if not record or record.get("inputs") != inputs:
            return False
        root = project_root()
        for rel, digest in record.get("outputs", {}).items():
            path = root / rel if not Path(rel).is_absolute() else Path(rel)
            if not path.is_file() or file_hash(path) != digest:
                return False
        return True

    def record(self, step: str, inputs: dict[str, str], outputs: Iterable[Path]) -> None:
        self.data[step] = {"inputs": inputs, "outputs": hash_files(outputs)}
        with atomic_write(self.path, "w") as handle:
            json.dump(self.data, handle, indent=1, sort_keys=True)


def run_steps(steps: list[Step], force: bool = False) -> list[StepResult]:
    """Run each step that is out of date; stop at the first failure (its exception propagates)."""
    from tqdm import tqdm

    stamps = Stamps()
    results: list[StepResult] = []
    bar = tqdm(steps, desc="essnum build", unit="step", leave=False)
    for step in bar:
        bar.set_postfix_str(step.name)
        inputs = hash_files(step.inputs())
        if not force and stamps.up_to_date(step.name, inputs):
            results.append(StepResult(step.name, "up to date", 0.0, [project_root() / r for r in stamps.data[step.name]["outputs"]]))
            continue
        started = time.perf_counter()
        outputs = [Path(p) for p in step.run()]
        stamps.record(step.name, inputs, outputs)
        results.append(StepResult(step.name, "built", time.perf_counter() - started, outputs))
    bar.close()
    return results
