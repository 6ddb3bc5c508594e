"""Benchmark of the regional barometers (issue 7), each measured in a fresh process, cold (empty render cache):

1. batch: `essnum render barometre --all --force` — the 18 régions in one kernel sharing the loaded data,
   Typst compiled in process, the conversion of one région overlapping the cells of the next;
   target under 20 s;
2. naive, side by side: a fresh kernel per région (a loop of parameterised renders, as papermill does),
   the same template and outputs; target: the batch at least 8 times faster. ``--naive N`` times the first
   N régions only and extrapolates to 18 (said so in the output);
3. `essnum build` with nothing changed (the project's own build; built first if needed): target under 3 s.

Prints wall time and peak memory of each, and the load average (the machine may be shared).

    .venv/bin/python benchmarks/bench_barometers.py [--naive N]
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
ENV = {**os.environ, "PYTHONHASHSEED": "0", "OPENBLAS_NUM_THREADS": "1", "MPLBACKEND": "Agg"}

NAIVE = """
import sys, time
from pathlib import Path
from essnum.barometer import folder_name
from essnum.barometer_batch import region_list, template
from essnum.render import render_brief
out = Path(sys.argv[1])
for code in region_list()[: int(sys.argv[2])]:
    started = time.perf_counter()
    render_brief(template(), {"region": code}, out / folder_name(code), force=True)  # its own fresh kernel
    print(code, round(time.perf_counter() - started, 2), flush=True)
"""


def timed(command: list[str], env: dict) -> tuple[float, float, str]:
    """Wall seconds, peak memory (MB) of the largest child so far, stdout; fails loudly."""
    started = time.perf_counter()
    completed = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if completed.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{completed.stdout}\n{completed.stderr}")
    return seconds, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, completed.stdout


def load() -> str:
    return ", ".join(f"{value:.1f}" for value in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--naive", type=int, default=18, help="régions rendered the naive way (extrapolated to 18)")
    args = parser.parse_args()
    print(f"load average at start: {load()} (2 cores)")

    build = Path(tempfile.mkdtemp(prefix="essnum-bench-baro-build-"))
    out = Path(tempfile.mkdtemp(prefix="essnum-bench-baro-out-"))
    batch, memory, stdout = timed([str(BIN / "essnum"), "render", "barometre", "--all", "--force", "--engine",
                                   "builtin", "--output-dir", str(out / "batch")], {**ENV, "ESSNUM_BUILD": str(build / "batch")})
    regions = stdout.count("rendered  ")
    pdfs = sorted((out / "batch").glob("*/barometre-regional.pdf"))
    if regions != 18 or len(pdfs) != 18:
        raise SystemExit(f"expected 18 rendered régions and PDFs, got {regions} and {len(pdfs)}:\n{stdout}")
    print(f"batch, 18 régions in one kernel, cold: {batch:.1f} s (target < 20 s); peak memory {memory:.0f} MB")

    n = max(1, min(args.naive, 18))
    naive, memory, stdout = timed([str(BIN / "python"), "-c", NAIVE, str(out / "naive"), str(n)],
                                  {**ENV, "ESSNUM_BUILD": str(build / "naive")})
    per_region = [float(line.split()[1]) for line in stdout.split("\n") if line.strip()]
    naive_18 = naive * 18 / n
    shown = f"{naive:.1f} s" if n == 18 else f"{naive:.1f} s for {n}, extrapolated to 18: {naive_18:.1f} s"
    print(f"naive, a fresh kernel per région: {shown} ({sum(per_region) / len(per_region):.2f} s per région); "
          f"peak memory {memory:.0f} MB")
    print(f"batch is {naive_18 / batch:.1f}x faster (target >= 8x)")

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
