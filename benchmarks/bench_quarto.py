"""Benchmark: the built-in path against real Quarto (issue 12), both briefs and one barometer.

Each round renders, in the same process and one right after the other, every document with the built-in
path (``render_brief``, ``force=True``, its cache in a temporary build folder, so it really renders: kernel
start, cells, pandoc, Typst) and with Quarto (``render_with_quarto``: ``quarto render --to brief-typst`` then
``--to html``). The ratio of each round is printed, because this machine's speed drifts between runs; the
summary gives the best time of each engine and the median ratio.

Run:  PATH=~/.cache/essnum-quarto/bin:$PATH .venv/bin/python benchmarks/bench_quarto.py [--rounds 2]
Prints wall time per document and engine, and the peak resident set size of this process (Quarto's runs in
its own processes: Deno, pandoc, the kernel).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

from essnum.paths import briefs_dir
from essnum.publish.render import render_brief, render_with_quarto
from essnum.publish.render.quarto import quarto_available

DOCUMENTS = (
    ("accelerer-ess-numerique", "accelerer-ess-numerique.qmd", None),
    ("transition-pathway-reponse", "transition-pathway-reponse.qmd", None),
    ("barometre région 84", "barometre-regional.qmd", {"region": "84"}),
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    if not quarto_available():
        sys.exit("quarto is not on the PATH: make quarto, then PATH=~/.cache/essnum-quarto/bin:$PATH")
    times: dict[str, dict[str, list[float]]] = {name: {"builtin": [], "quarto": []} for name, _, _ in DOCUMENTS}
    with tempfile.TemporaryDirectory(prefix="bench-quarto-") as work:
        work = Path(work)
        os.environ["ESSNUM_BUILD"] = str(work / "build")
        for round_number in range(1, args.rounds + 1):
            for name, brief, params in DOCUMENTS:
                source = briefs_dir() / brief
                started = time.perf_counter()
                render_brief(source, params, work / "builtin" / name, force=True)
                middle = time.perf_counter()
                render_with_quarto(source, params, work / "quarto" / name)
                ended = time.perf_counter()
                builtin, quarto = middle - started, ended - middle
                times[name]["builtin"].append(builtin)
                times[name]["quarto"].append(quarto)
                print(f"round {round_number}  {name:<28} built-in {builtin:6.1f} s   quarto {quarto:6.1f} s   "
                      f"ratio {quarto / builtin:5.1f}", flush=True)
    print(f"\n{'document':<28} {'built-in (best)':>16} {'quarto (best)':>14} {'ratio (median)':>15}")
    for name, engines in times.items():
        ratios = [q / b for b, q in zip(engines["builtin"], engines["quarto"], strict=True)]
        print(f"{name:<28} {min(engines['builtin']):14.1f} s {min(engines['quarto']):12.1f} s "
              f"{statistics.median(ratios):15.1f}")
    print(f"peak RSS of this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
