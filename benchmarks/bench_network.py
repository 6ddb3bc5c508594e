"""Benchmark of the network analysis on synthetic atlases (essnum.data.synthetic; never quoted in a brief).

Prints, for each size, the wall time and the peak resident memory of each step of
``essnum.network.NetworkAnalysis`` plus the exports, and checks the targets of issue 3: 1 200
organisations fully analysed in under 5 s; 100 000 organisations, every measure, in under 120 s and 4 GB.
Then measures, on the 1 200 case, the error of the two approximations used at scale: betweenness from
sampled sources (against exact) and Louvain on the backbone (against Louvain on the full projection).

    .venv/bin/python benchmarks/bench_network.py            # 1 200, 10 000, 100 000
    .venv/bin/python benchmarks/bench_network.py 1200 5000  # chosen sizes

Each size runs in a fresh process so that its peak memory is its own. The machine is shared: the load
average printed first says how busy it was.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import psutil

TARGETS = {1200: ("every step and the exports", 5.0, None), 100000: ("every measure", 120.0, 4.0)}
GRAPH_EXPORT_MAX = 10000  # GEXF/GraphML above this size are large files nobody opens in Gephi


class PeakMemory:
    """Highest resident memory of this process while the ``with`` block runs (sampled every 5 ms)."""

    def __enter__(self):
        self.process = psutil.Process()
        self.peak = self.process.memory_info().rss
        self.running = True
        self.thread = threading.Thread(target=self._sample, daemon=True)
        self.thread.start()
        return self

    def _sample(self):
        while self.running:
            self.peak = max(self.peak, self.process.memory_info().rss)
            time.sleep(0.005)

    def __exit__(self, *exc):
        self.running = False
        self.thread.join()
        self.peak = max(self.peak, self.process.memory_info().rss)


def measure(n: int) -> dict:
    """Run every step on a synthetic atlas of ``n`` organisations; return seconds and peak GB per step."""
    from essnum.data.synthetic import synthetic_atlas
    from essnum.network.analysis import NetworkAnalysis
    from essnum.network.export import write_exports

    rows = []

    def timed(name, function):
        with PeakMemory() as memory:
            started = time.perf_counter()
            result = function()
            seconds = time.perf_counter() - started
        rows.append({"step": name, "seconds": seconds, "peak_gb": memory.peak / 1e9})
        return result

    organisations, links = timed("generate (synthetic)", lambda: synthetic_atlas(n, seed=0))
    analysis = NetworkAnalysis(organisations, links)
    for step in analysis.STEPS:
        timed(step, getattr(analysis, f"step_{step}"))
    graphs = n <= GRAPH_EXPORT_MAX
    with tempfile.TemporaryDirectory() as out:
        timed("exports" + ("" if graphs else " (CSV + JSON only)"), lambda: write_exports(analysis, Path(out), graphs=graphs))
    graph = analysis.summary["graphs"]["organisation_projection"]
    return {"n": n, "rows": rows, "ties": graph["edges"], "links": analysis.atlas.counts["links_kept"],
            "communities": analysis.summary["communities"]["method"],
            "betweenness": analysis.summary["betweenness"]["method"]}


def adjusted_rand_index(a: np.ndarray, b: np.ndarray) -> float:
    """Agreement of two partitions, 1 = identical, ~0 = chance (Hubert & Arabie 1985)."""
    _, a = np.unique(a, return_inverse=True)
    _, b = np.unique(b, return_inverse=True)
    table = np.zeros((a.max() + 1, b.max() + 1))
    np.add.at(table, (a, b), 1)
    pairs = lambda x: (x * (x - 1) / 2).sum()  # noqa: E731
    both, rows, cols, total = pairs(table), pairs(table.sum(1)), pairs(table.sum(0)), pairs(np.array([len(a)]))
    expected = rows * cols / total
    return float((both - expected) / ((rows + cols) / 2 - expected))


def approximation_errors(n: int = 1200) -> dict:
    """Sampled betweenness and backbone Louvain against their exact versions on ``n`` organisations."""
    from essnum.data.synthetic import synthetic_atlas
    from essnum.network import measures
    from essnum.network.analysis import NetworkAnalysis, backbone, louvain

    analysis = NetworkAnalysis(*synthetic_atlas(n, seed=0)).run()
    s = analysis.settings
    exact = analysis.values["betweenness"]
    sampled = measures.betweenness(analysis.weight, measures.sample_sources(n, s.betweenness_samples, s.seed))
    top = np.argsort(-exact, kind="stable")[: s.top]
    top_sampled = np.argsort(-sampled, kind="stable")[: s.top]
    ranks = lambda x: np.argsort(np.argsort(x, kind="stable"), kind="stable")  # noqa: E731
    tied = exact > 0
    relative = np.abs(sampled[top] - exact[top]) / exact[top]
    full = louvain(analysis.weight, s.louvain_resolution, s.seed)
    other_seed = louvain(analysis.weight, s.louvain_resolution, s.seed + 1)
    light = louvain(backbone(analysis.weight, analysis.shared, s.backbone_ties_per_node), s.louvain_resolution, s.seed)
    in_graph = analysis.values["degree"] > 0
    return {
        "betweenness": {
            "sources": f"{s.betweenness_samples} of {n}",
            "spearman_rank_correlation": float(np.corrcoef(ranks(exact[tied]), ranks(sampled[tied]))[0, 1]),
            f"top_{s.top}_overlap": len(set(top) & set(top_sampled)),
            f"median_relative_error_top_{s.top}": float(np.median(relative)),
        },
        "louvain_backbone": {
            "ties_full": int(analysis.weight.nnz // 2),
            "ties_backbone": int(backbone(analysis.weight, analysis.shared, s.backbone_ties_per_node).nnz // 2),
            "modularity_full": measures.modularity(analysis.weight, full),
            "modularity_backbone_partition": measures.modularity(analysis.weight, light),
            "adjusted_rand_index": adjusted_rand_index(full[in_graph], light[in_graph]),
            # Reference: Louvain itself, full projection, another seed (its own instability).
            "adjusted_rand_index_full_other_seed": adjusted_rand_index(full[in_graph], other_seed[in_graph]),
        },
    }


def main(argv: list[str]) -> int:
    if argv[:1] == ["--one"]:
        print(json.dumps(measure(int(argv[1]))))
        return 0
    if argv[:1] == ["--errors"]:
        print(json.dumps(approximation_errors()))
        return 0
    sizes = [int(a) for a in argv] or [1200, 10000, 100000]
    env = {**os.environ, "PYTHONHASHSEED": "0", "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    print(f"essnum network benchmark — {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} "
          f"(synthetic atlases, seed 0)")
    failed = False
    for n in sizes:
        out = subprocess.run([sys.executable, __file__, "--one", str(n)], env=env, check=True,
                             capture_output=True, text=True).stdout
        result = json.loads(out.strip().splitlines()[-1])
        print(f"\n{n:,} organisations, {result['links']:,} links, {result['ties']:,} projection ties "
              f"(betweenness: {result['betweenness']}; communities: {result['communities']})")
        print(f"  {'step':<34}{'seconds':>9}{'peak GB':>9}")
        for row in result["rows"]:
            print(f"  {row['step']:<34}{row['seconds']:>9.2f}{row['peak_gb']:>9.2f}")
        analysis_rows = [r for r in result["rows"] if not r["step"].startswith(("generate", "exports"))]
        measures_s = sum(r["seconds"] for r in analysis_rows)
        all_s = measures_s + result["rows"][-1]["seconds"]
        peak = max(r["peak_gb"] for r in result["rows"])
        print(f"  {'analysis (every measure)':<34}{measures_s:>9.2f}{peak:>9.2f}")
        print(f"  {'analysis + exports':<34}{all_s:>9.2f}")
        if n in TARGETS:
            what, seconds, gigabytes = TARGETS[n]
            measured = all_s if n == 1200 else measures_s
            ok = measured < seconds and (gigabytes is None or peak < gigabytes)
            failed |= not ok
            limit = f"< {seconds:g} s" + (f" and < {gigabytes:g} GB" if gigabytes else "")
            print(f"  target ({what} {limit}): {'met' if ok else 'MISSED'}")
    out = subprocess.run([sys.executable, __file__, "--errors"], env=env, check=True, capture_output=True, text=True)
    print("\nApproximation errors on 1 200 organisations (exact = reference):")
    print(json.dumps(json.loads(out.stdout.strip().splitlines()[-1]), indent=1))
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
