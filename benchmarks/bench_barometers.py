"""Benchmark of the regional barometers (issue 7), each measured in a fresh process, cold (empty render cache):

1. batch: `essnum render barometre --all --force` — the 18 régions in one kernel sharing the loaded data,
   Typst compiled in process, the conversion of one région overlapping the cells of the next;
   target under 20 s;
2. naive, side by side, two ways, same template and outputs; target: the batch at least 8 times faster:
   a. a shell loop of parameterised renders, `essnum render briefs/barometre-regional.qmd -P region=CODE`
      (a fresh process and a fresh kernel per région, as papermill run per région does);
   b. stricter: one Python process rendering the régions in turn, each with a fresh kernel (the
      process's own imports paid once, and not counted);
   The machine is shared and its speed drifts over minutes: the measures are interleaved in ``--rounds``
   rounds (default 3), each a cold batch then a third of the régions both naive ways; the median batch
   is compared with the naive totals. ``--naive N`` times the first N régions only and extrapolates to 18;
3. `essnum build` with nothing changed (the project's own build; built first if needed): target under 3 s.

"Cold" means an empty render cache in a fresh build folder (``ESSNUM_BUILD``) holding only the build caches the
barometers read, made by the steps before theirs: the support offer (``build/support-offer/``, step "support
offer", about 20 s to compute) and the placed atlas (``build/barometer-atlas/``, about 15 s: the placement reads
every commune outline). They are computed once in the project's build folder, then copied into each fresh folder;
a batch that had to recompute them (an input edited meanwhile, e.g. by someone else in a shared checkout) is
reported.

Prints wall time and peak memory of each, and the load average (the machine may be shared).
``--bytecode-cache DIR`` lets every process cache compiled bytecode in DIR (``PYTHONPYCACHEPREFIX``; a
warm-up render fills it first), as a normal installation does: where ``PYTHONDONTWRITEBYTECODE=1`` and the
virtual environment holds no ``.pyc`` (uv's default), each fresh process compiles pandas, geopandas and
matplotlib again, which lengthens every cold start, the batch's once and the naive way's 18 times.

    .venv/bin/python benchmarks/bench_barometers.py [--naive N] [--bytecode-cache DIR]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from functools import lru_cache
from pathlib import Path

from essnum.publish.barometer import region_codes

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
ENV = {**os.environ, "PYTHONHASHSEED": "0", "OPENBLAS_NUM_THREADS": "1", "MPLBACKEND": "Agg"}

NAIVE = """
import sys, time
from pathlib import Path
from essnum.publish.barometer import folder_name
from essnum.publish.batch import template
from essnum.publish.render import render_brief
out = Path(sys.argv[1])
for code in sys.argv[2].split(","):
    started = time.perf_counter()
    render_brief(template(), {"region": code}, out / folder_name(code), force=True)  # its own fresh kernel
    print(code, round(time.perf_counter() - started, 3), flush=True)
"""


def timed(command: list[str], env: dict) -> tuple[float, float, str]:
    """Wall seconds, peak memory (MB) of the largest child so far, stdout; fails loudly."""
    started = time.perf_counter()
    completed = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if completed.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{completed.stdout}\n{completed.stderr}")
    return seconds, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, completed.stdout


def report(what: str, seconds: float, n: int, batch: float, target: str) -> None:
    total = seconds * 18 / n
    shown = f"{seconds:.1f} s" if n == 18 else f"{seconds:.1f} s for {n} régions, extrapolated to 18: {total:.1f} s"
    print(f"{what}: {shown} ({seconds / n:.2f} s per région); the batch is {total / batch:.1f}x faster ({target})")


CACHES = ("support-offer", "barometer-atlas")
PREPARE = "from essnum.publish import barometer; barometer.offer(); barometer.national()"


@lru_cache(maxsize=1)
def project_build() -> Path:
    return Path(subprocess.run([str(BIN / "python"), "-c", "from essnum.paths import build_dir; print(build_dir())"],
                               cwd=ROOT, env=ENV, capture_output=True, text=True, check=True).stdout.strip())


def seed(folder: Path) -> Path:
    """A fresh build folder holding copies of the barometers' build caches (support offer, placed atlas)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in CACHES:
        shutil.copytree(project_build() / name, folder / name, dirs_exist_ok=True)
    return folder


def recomputed(folder: Path) -> list[str]:
    """The caches a run in ``folder`` had to recompute (their key no longer matched the copied one)."""
    return [name for name in CACHES if (folder / name / "meta.json").read_bytes()
            != (project_build() / name / "meta.json").read_bytes()]


def load() -> str:
    return ", ".join(f"{value:.1f}" for value in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--naive", type=int, default=18, help="régions rendered the naive way (extrapolated to 18)")
    parser.add_argument("--rounds", type=int, default=3,
                        help="rounds of one cold batch then a share of the naive régions (median batch compared)")
    parser.add_argument("--bytecode-cache", type=Path, default=None, help="let Python cache bytecode in this folder")
    args = parser.parse_args()
    prepared = timed([str(BIN / "python"), "-c", PREPARE], ENV)[0]  # the build caches, where `essnum build` puts them
    if args.bytecode_cache:
        ENV.pop("PYTHONDONTWRITEBYTECODE", None)
        ENV["PYTHONPYCACHEPREFIX"] = str(args.bytecode_cache.resolve())
        timed([str(BIN / "essnum"), "render", "barometre", "--region", "84", "--force", "--output-dir",
               tempfile.mkdtemp()], {**ENV, "ESSNUM_BUILD": str(seed(Path(tempfile.mkdtemp())))})  # warm-up
    bytecode = f"bytecode cached in {args.bytecode_cache}" if args.bytecode_cache else (
        "no bytecode caching" if os.environ.get("PYTHONDONTWRITEBYTECODE") else "default bytecode caching")
    print(f"load average at start: {load()} (2 cores); {bytecode}; support offer and atlas caches ready in "
          f"{prepared:.1f} s")

    build = Path(tempfile.mkdtemp(prefix="essnum-bench-baro-build-"))
    out = Path(tempfile.mkdtemp(prefix="essnum-bench-baro-out-"))
    n = max(1, min(args.naive, 18))
    codes = region_codes()[:n]
    rounds = max(1, min(args.rounds, n))
    chunks = [codes[len(codes) * r // rounds: len(codes) * (r + 1) // rounds] for r in range(rounds)]
    for name in ("loop", "naive"):
        seed(build / name)
    batches, loop, naive, memory = [], 0.0, 0.0, 0.0
    for run, chunk in enumerate(chunks):  # interleaved, so that a change of the machine's speed hits all three
        seconds, memory, stdout = timed([str(BIN / "essnum"), "render", "barometre", "--all", "--force", "--engine",
                                         "builtin", "--output-dir", str(out / "batch")],
                                        {**ENV, "ESSNUM_BUILD": str(seed(build / f"batch-{run}"))})
        if recomputed(build / f"batch-{run}"):
            print(f"round {run + 1}: the batch recomputed {', '.join(recomputed(build / f'batch-{run}'))} "
                  "(an input changed meanwhile): its time includes that")
        regions = stdout.count("rendered  ")
        pdfs = sorted((out / "batch").glob("*/barometre-regional.pdf"))
        if regions != 18 or len(pdfs) != 18:
            raise SystemExit(f"expected 18 rendered régions and PDFs, got {regions} and {len(pdfs)}:\n{stdout}")
        batches.append(seconds)
        chunk_loop = 0.0
        for code in chunk:
            chunk_loop += timed([str(BIN / "essnum"), "render", "briefs/barometre-regional.qmd", "-P", f"region={code}",
                                 "--force", "--engine", "builtin", "--output-dir", str(out / "loop" / code)],
                                {**ENV, "ESSNUM_BUILD": str(build / "loop")})[0]
        _, memory, stdout = timed([str(BIN / "python"), "-c", NAIVE, str(out / "naive"), ",".join(chunk)],
                                  {**ENV, "ESSNUM_BUILD": str(build / "naive")})
        # the per-région times it printed: the process's own imports excluded
        chunk_naive = sum(float(line.split()[1]) for line in stdout.splitlines())
        loop, naive = loop + chunk_loop, naive + chunk_naive
        a, b = chunk_loop / len(chunk), chunk_naive / len(chunk)
        print(f"round {run + 1}: batch {seconds:.1f} s; naive a {a:.2f} s and naive b {b:.2f} s per région over "
              f"{len(chunk)} régions (within the round: {18 * a / seconds:.1f}x and {18 * b / seconds:.1f}x); "
              f"load average {load()}")
    batch = statistics.median(batches)
    print(f"batch, 18 régions in one kernel, cold: {batch:.1f} s, median of {len(batches)} runs "
          f"({', '.join(f'{r:.1f}' for r in batches)}; target < 20 s); peak memory {memory:.0f} MB")
    report("naive a, a shell loop of `essnum render -P region=…`", loop, n, batch,
           "target >= 8x: the issue's loop of parameterised renders")
    report("naive b, one process, a fresh kernel per région (its own imports not counted)", naive, n, batch,
           "stricter than the issue's naive way, for information")
    print(f"peak memory of any process so far: {memory:.0f} MB")

    essnum_build = [str(BIN / "essnum"), "build"]
    first, _, stdout = timed(essnum_build, ENV)
    for _attempt in range(3):  # a file edited meanwhile (shared checkout) rebuilds its step: measure again
        seconds, memory, stdout = timed(essnum_build, ENV)
        if "Nothing to rebuild" in stdout:
            break
    else:
        raise SystemExit(f"`essnum build` kept rebuilding:\n{stdout}")
    print(f"`essnum build` with nothing changed: {seconds:.2f} s (target < 3 s; the run before took {first:.1f} s); "
          f"peak memory {memory:.0f} MB")
    print(f"load average at end: {load()}")


if __name__ == "__main__":
    main()
