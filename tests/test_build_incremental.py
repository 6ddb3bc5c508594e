"""Incremental builds (issue 7): content hashes decide what `essnum build` reruns.

First the runner itself on small steps (fast): nothing changed → nothing runs; one input touched → exactly
its dependants; a truncated output → rebuilt; an interrupted step → no stamp, no half-written file.
Then the real `barometres` step of the pipeline on a copy of the project, for two régions."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from essnum import build, pipeline
from essnum.build import Step, run_steps
from essnum.data.sources import mirror_dir
from essnum.paths import atomic_write, project_root


def _copy_step(name: str, sources: list[Path], target: Path, runs: list[str]) -> Step:
    """A step writing ``target`` (atomically) as the concatenation of ``sources``; records each run."""

    def run() -> list[Path]:
        runs.append(name)
        with atomic_write(target, "w") as handle:
            handle.write("".join(p.read_text(encoding="utf-8") for p in sources))
        return [target]

    return Step(name, lambda: sources, run)


@pytest.fixture
def small(tmp_path, monkeypatch):
    """Two inputs, three steps: `a` reads a.txt, `b` reads b.txt, `ab` reads both."""
    monkeypatch.setenv("ESSNUM_BUILD", str(tmp_path / "build"))
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text("alpha\n", encoding="utf-8")
    b.write_text("beta\n", encoding="utf-8")
    runs: list[str] = []
    out = tmp_path / "out"
    steps = [_copy_step("a", [a], out / "a.out", runs), _copy_step("b", [b], out / "b.out", runs),
             _copy_step("ab", [a, b], out / "ab.out", runs)]
    return steps, runs, a, b, out


def _statuses(results) -> dict[str, str]:
    return {r.name: r.status for r in results}


def test_second_run_rebuilds_nothing(small):
    steps, runs, *_ = small
    assert set(_statuses(run_steps(steps)).values()) == {"built"}
    assert set(_statuses(run_steps(steps)).values()) == {"up to date"}
    assert runs == ["a", "b", "ab"]


def test_cached_tables_computes_once_per_key_and_stores_tables_and_meta(tmp_path):
    import json

    import pandas as pd

    computed: list[str] = []

    def compute() -> dict:
        computed.append("run")
        table = pd.DataFrame({"code": ["11", "84"], "n": [3, 4]}, index=pd.Index(["a", "b"], name="unit"))
        table.attrs["sources"] = ["test"]
        return {"table": table, "total": 7}

    def cached(key: str) -> dict:
        return build.cached_tables(tmp_path / "cache", key, ["table"], compute,
                                   store=lambda r: ({"table": r["table"].reset_index()}, {"total": r["total"]}),
                                   load=lambda tables, meta: {"table": tables["table"], "total": meta["total"]})

    first = cached("k1")
    assert computed == ["run"] and first["table"].attrs == {"sources": ["test"]}  # returned as computed
    assert json.loads((tmp_path / "cache" / "meta.json").read_text(encoding="utf-8")) == {"key": "k1", "total": 7}
    again = cached("k1")
    assert computed == ["run"] and again["total"] == 7 and again["table"].attrs == {}  # read back, no attrs
    pd.testing.assert_frame_equal(again["table"], first["table"].reset_index())
    cached("k2")
    assert computed == ["run", "run"]  # another key: computed again
    (tmp_path / "cache" / "table.parquet").unlink()
    cached("k2")
    assert computed == ["run", "run", "run"]  # a table missing: computed again
    assert sorted(p.name for p in (tmp_path / "cache").iterdir()) == ["meta.json", "table.parquet"]  # no temp file


def test_touching_one_input_rebuilds_exactly_its_dependants(small):
    steps, runs, a, b, out = small
    run_steps(steps)
    b.write_text("beta, edited\n", encoding="utf-8")
    assert _statuses(run_steps(steps)) == {"a": "up to date", "b": "built", "ab": "built"}
    assert (out / "ab.out").read_text(encoding="utf-8") == "alpha\nbeta, edited\n"
    b.write_text("beta, edited\n", encoding="utf-8")  # same content, new mtime: hashes decide, not dates
    assert set(_statuses(run_steps(steps)).values()) == {"up to date"}


def test_truncated_output_is_detected_and_rebuilt(small):
    steps, runs, a, b, out = small
    run_steps(steps)
    full = (out / "ab.out").read_bytes()
    (out / "ab.out").write_bytes(full[:3])
    assert _statuses(run_steps(steps)) == {"a": "up to date", "b": "up to date", "ab": "built"}
    assert (out / "ab.out").read_bytes() == full
    (out / "a.out").unlink()
    assert _statuses(run_steps(steps))["a"] == "built"


def test_interrupted_step_leaves_no_half_file_and_no_stamp(small, tmp_path):
    steps, runs, a, b, out = small
    run_steps(steps)
    before = (out / "ab.out").read_bytes()
    a.write_text("alpha, edited\n", encoding="utf-8")

    def interrupted() -> list[Path]:
        with atomic_write(out / "ab.out", "w") as handle:
            handle.write("half of a new ")
            raise KeyboardInterrupt  # Ctrl-C in the middle of writing
        return []

    broken = [steps[0], steps[1], Step("ab", steps[2].inputs, interrupted)]
    with pytest.raises(KeyboardInterrupt):
        run_steps(broken)
    assert (out / "ab.out").read_bytes() == before  # the old complete file, never half a new one
    assert not [p for p in out.iterdir() if p.name.endswith(".tmp")]
    assert _statuses(run_steps(steps)) == {"a": "up to date", "b": "up to date", "ab": "built"}
    assert (out / "ab.out").read_text(encoding="utf-8") == "alpha, edited\nbeta\n"


# --------------------------------------------------------------------------- the barometres step


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A copy of the project's data, barometer template and lock file (code linked, not copied), with the
    barometres step limited to two régions."""
    from essnum.publish import batch

    real = project_root()
    root = tmp_path / "project"
    (root / "briefs").mkdir(parents=True)
    shutil.copytree(real / "data", root / "data")
    shutil.copy(real / "briefs" / batch.TEMPLATE_NAME, root / "briefs")
    for name in ("_quarto.yml", "requirements.lock"):
        shutil.copy(real / name, root / name)
    (root / "lib").symlink_to(real / "lib")
    monkeypatch.setenv("ESSNUM_MIRROR", str(mirror_dir()))
    monkeypatch.setenv("ESSNUM_ROOT", str(root))
    monkeypatch.delenv("ESSNUM_BUILD", raising=False)
    monkeypatch.setattr(batch, "region_list", lambda regions=None, all_regions=False: ["84", "04"])
    step = next(s for s in pipeline.steps() if s.name == "barometres")
    return root, step


def _pdfs(root: Path) -> dict[str, Path]:
    return {p.parent.name[:2]: p for p in sorted((root / "_output" / "barometres").glob("*/barometre-regional.pdf"))}


@pytest.mark.slow
def test_barometres_step_is_incremental_and_atomic(project, monkeypatch):
    from essnum.publish.render import engine

    root, step = project
    # 1. Interrupted while writing the second région's PDF: nothing half-written, no stamp.
    real_write = engine.atomic_write

    def failing_write(path, mode="wb"):
        if Path(path).name.endswith(".pdf") and Path(path).parent.name.startswith("04-"):
            raise KeyboardInterrupt
        return real_write(path, mode)

    monkeypatch.setattr(engine, "atomic_write", failing_write)
    with pytest.raises(KeyboardInterrupt):
        run_steps([step])
    monkeypatch.setattr(engine, "atomic_write", real_write)
    assert set(_pdfs(root)) == {"84"}
    assert not list((root / "_output").rglob("*.tmp"))
    assert "barometres" not in build.Stamps().data

    # 2. The next build finishes the job: région 84 comes from the render cache, 04 is rendered.
    stamp_84 = _pdfs(root)["84"].stat().st_mtime_ns
    assert _statuses(run_steps([step])) == {"barometres": "built"}
    pdfs = _pdfs(root)
    assert set(pdfs) == {"84", "04"} and pdfs["84"].stat().st_mtime_ns == stamp_84
    assert all(p.read_bytes().startswith(b"%PDF") and p.read_bytes().rstrip().endswith(b"%%EOF") for p in pdfs.values())

    # 3. Nothing changed: nothing runs.
    assert _statuses(run_steps([step])) == {"barometres": "up to date"}

    # 4. A truncated PDF is detected and rebuilt; the other région is not re-rendered.
    full = pdfs["04"].read_bytes()
    stamp_84 = pdfs["84"].stat().st_mtime_ns
    pdfs["04"].write_bytes(full[: len(full) // 2])
    assert _statuses(run_steps([step])) == {"barometres": "built"}
    assert pdfs["04"].read_bytes() == full and pdfs["84"].stat().st_mtime_ns == stamp_84

    # 5. A data file the barometers do not read: still up to date (the national briefs would rebuild).
    funding = root / "data" / "funding" / "legal_categories.csv"
    assert funding.resolve() not in {p.resolve() for p in step.inputs()}
    briefs = next(s for s in pipeline.steps() if s.name == "briefs")
    assert funding.resolve() in {p.resolve() for p in briefs.inputs()}
    funding.write_text(funding.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert _statuses(run_steps([step])) == {"barometres": "up to date"}

    # 6. The template changes: every région is rendered again.
    template = root / "briefs" / "barometre-regional.qmd"
    template.write_text(template.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    stamps = {code: p.stat().st_mtime_ns for code, p in pdfs.items()}
    assert _statuses(run_steps([step])) == {"barometres": "built"}
    assert all(p.stat().st_mtime_ns != stamps[code] for code, p in pdfs.items())
