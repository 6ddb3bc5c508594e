"""Benchmark of brief rendering (issue 6): both briefs cold, then with nothing changed.

Cold: an empty build directory (no render cache), a fresh kernel, every cell executed, pandoc and Typst
run; target under 15 s for both briefs. Nothing changed: `essnum render` as a user runs it (a new
process), served from the cache; target under 2 s. Prints wall time and peak memory of each.

    .venv/bin/python benchmarks/bench_render.py [BRIEF.qmd ...]   (default: the two national briefs)
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: The two briefs of issue 6 (the regional barometers have their own benchmark).
NATIONAL_BRIEFS = ("accelerer-ess-numerique", "transition-pathway-reponse")


def peak_mb(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024


def main(argv: list[str]) -> None:
    briefs = [Path(a).resolve() for a in argv] or [ROOT / "briefs" / f"{name}.qmd" for name in NATIONAL_BRIEFS]
    build = Path(tempfile.mkdtemp(prefix="essnum-bench-build-"))
    out = Path(tempfile.mkdtemp(prefix="essnum-bench-out-"))
    os.environ.update(ESSNUM_BUILD=str(build), PYTHONHASHSEED="0", OPENBLAS_NUM_THREADS="1", MPLBACKEND="Agg")

    from essnum.publish.render import render_briefs

    started = time.perf_counter()
    results = render_briefs(briefs, out_dir=out, engine="builtin", progress=False)
    cold = time.perf_counter() - started
    pages = sum(r.pages for r in results)
    print(f"cold, {len(briefs)} brief(s), {pages} pages: {cold:.2f} s (target < 15 s); "
          f"peak memory {peak_mb(resource.RUSAGE_SELF):.0f} MB here, "
          f"{peak_mb(resource.RUSAGE_CHILDREN):.0f} MB in the kernel/pandoc")
    for r in results:
        print(f"  {r.brief}: {r.seconds:.2f} s, {r.pages} pages, {len(r.facts)} facts")

    command = [str(Path(sys.executable).parent / "essnum"), "render", "--engine", "builtin", "--output-dir", str(out),
               *map(str, briefs)]
    # In a checkout where others are editing lib/essnum, a source may change between two runs: then the
    # run re-renders (and says which input changed); try again so that a run with nothing changed is timed.
    for attempt in range(1, 4):
        started = time.perf_counter()
        completed = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
        warm = time.perf_counter() - started
        if completed.returncode != 0:
            raise SystemExit(f"essnum render failed:\n{completed.stdout}{completed.stderr}")
        table = completed.stdout.split("status", 1)[-1]
        if "rendered" not in table:
            break
        print(f"  (attempt {attempt}: a source changed meanwhile, re-rendered in {warm:.2f} s)")
    else:
        raise SystemExit(f"never served from the cache:\n{completed.stdout}")
    print(f"nothing changed, `essnum render` in a new process: {warm:.2f} s (target < 2 s); "
          f"peak memory {peak_mb(resource.RUSAGE_CHILDREN):.0f} MB (largest child so far)")

if __name__ == "__main__":
    main(sys.argv[1:])
