"""Benchmark: SYNTHETIC located organisations joined to the 96 simplified départements and aggregated.

Issue 4 §6 target: 2 000 000 points (RNA-sized) joined and counted per département and région (and
family) in under 15 s and 3 GB on this machine; the same work on 10 000 points by a naive per-point loop
in the same run, with the throughput ratio. A plain ``geopandas.sjoin`` on the same points is timed too
(the floor to beat) and used to check that the fast join gives identical départements.

The points are SYNTHETIC (never real organisations): each is drawn uniformly inside a département chosen
with probability proportional to its INSEE 2023 population, and given a synthetic family label.

Run:  .venv/bin/python benchmarks/bench_territory.py [--points 2000000] [--naive 10000] [--no-sjoin]
Prints wall time and peak memory (resident set size, ``resource.getrusage``) of each phase.
"""

from __future__ import annotations

import argparse
import resource
import time
import tracemalloc

import numpy as np
import shapely

from essnum import territory
from essnum.data import reference

FAMILIES = ["insertion_circulaire", "education_inclusion", "communs_open_data", "accompagnement", "reseau",
            "acteur_public", "tech", "financeur", "recherche"]


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kilobytes


def synthetic_points(n: int, polygons, weights: np.ndarray, seed: int = 2026):
    """SYNTHETIC points: (x, y, true département index, family index), drawn inside the polygons."""
    rng = np.random.default_rng(seed)
    per_unit = rng.multinomial(n, weights / weights.sum())
    xs, ys, units = [], [], []
    for index, (polygon, wanted) in enumerate(zip(polygons, per_unit)):
        shapely.prepare(polygon)
        minx, miny, maxx, maxy = polygon.bounds
        got_x, got_y, have = [], [], 0
        while have < wanted:
            k = max(1000, int((wanted - have) * 2.5))
            cx, cy = rng.uniform(minx, maxx, k), rng.uniform(miny, maxy, k)
            inside = shapely.contains_xy(polygon, cx, cy)
            got_x.append(cx[inside])
            got_y.append(cy[inside])
            have += int(inside.sum())
        xs.append(np.concatenate(got_x)[:wanted])
        ys.append(np.concatenate(got_y)[:wanted])
        units.append(np.full(wanted, index))
    order = rng.permutation(n)
    family = rng.integers(0, len(FAMILIES), n)
    return np.concatenate(xs)[order], np.concatenate(ys)[order], np.concatenate(units)[order], family


def aggregate(dep_index: np.ndarray, family: np.ndarray, region_of: np.ndarray, n_regions: int, n_units: int):
    """Counts per département × family, per département, per région (-1 = outside every polygon)."""
    ok = dep_index >= 0
    by_dep_family = np.bincount(dep_index[ok] * len(FAMILIES) + family[ok],
                                minlength=n_units * len(FAMILIES)).reshape(n_units, len(FAMILIES))
    by_dep = by_dep_family.sum(axis=1)
    by_region = np.bincount(region_of, weights=by_dep, minlength=n_regions).astype("int64")
    return by_dep_family, by_dep, by_region, int((~ok).sum())


def naive(x: np.ndarray, y: np.ndarray, family: np.ndarray, polygons, codes, regions):
    """The per-point loop a first script would write: test each polygon in turn, count in dicts."""
    by_dep: dict[str, int] = {}
    by_region: dict[str, int] = {}
    by_dep_family: dict[tuple[str, int], int] = {}
    for px, py, f in zip(x, y, family):
        point = shapely.Point(px, py)
        for polygon, code, region in zip(polygons, codes, regions):
            if polygon.contains(point):
                by_dep[code] = by_dep.get(code, 0) + 1
                by_region[region] = by_region.get(region, 0) + 1
                by_dep_family[(code, f)] = by_dep_family.get((code, f), 0) + 1
                break
    return by_dep, by_region, by_dep_family


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--points", type=int, default=2_000_000)
    parser.add_argument("--naive", type=int, default=10_000)
    parser.add_argument("--no-sjoin", action="store_true", help="skip the geopandas.sjoin reference timing")
    args = parser.parse_args()

    deps = reference.departements(overseas=False)
    pops = reference.departement_populations().set_index("code").loc[deps["code"], "population"].to_numpy()
    region_codes = sorted(set(deps["region"]))
    region_of = np.array([region_codes.index(r) for r in deps["region"]])
    polygons = list(deps.geometry.values)
    print(f"reference: {len(deps)} simplified départements, {len(region_codes)} régions "
          f"({shapely.get_num_coordinates(deps.geometry.values).sum()} vertices)")

    started = time.perf_counter()
    x, y, truth, family = synthetic_points(args.points, polygons, pops)
    print(f"generated {args.points:,} SYNTHETIC located organisations in {time.perf_counter() - started:.1f} s "
          f"(not timed below)")
    baseline_rss = peak_rss_mb()

    tracemalloc.start()
    started = time.perf_counter()
    dep_index = territory.points_in_polygons(x, y, polygons)
    joined = time.perf_counter() - started
    by_dep_family, by_dep, by_region, outside = aggregate(dep_index, family, region_of, len(region_codes), len(deps))
    fast_seconds = time.perf_counter() - started
    fast_rss = peak_rss_mb()
    traced_peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    assert (dep_index == truth).all(), "fast join disagrees with the département each point was drawn in"
    assert by_dep.sum() == args.points - outside and by_region.sum() == by_dep.sum()
    print(f"FAST  {args.points:,} points: join {joined:.2f} s + aggregation {fast_seconds - joined:.2f} s = "
          f"{fast_seconds:.2f} s wall; peak RSS {fast_rss:,.0f} MB (whole process, {fast_rss - baseline_rss:+,.0f} MB "
          f"over data generation), peak allocated by the join and aggregation {traced_peak:,.0f} MB (tracemalloc); "
          f"{outside} outside; every point in the département it was drawn in")

    if not args.no_sjoin:
        import geopandas as gpd

        started = time.perf_counter()
        points = gpd.GeoDataFrame({"family": family}, geometry=gpd.points_from_xy(x, y), crs=deps.crs)
        result = gpd.sjoin(points, deps[["code", "region", "geometry"]], predicate="within", how="left")
        sjoin_only = time.perf_counter() - started
        sjoin_dep = result.groupby("code").size()
        result.groupby("region").size()
        result.groupby(["code", "family"]).size()
        sjoin_seconds = time.perf_counter() - started
        assert (sjoin_dep.reindex(deps["code"]).fillna(0).to_numpy() == by_dep).all()
        print(f"SJOIN {args.points:,} points: geopandas.sjoin {sjoin_only:.2f} s + groupby "
              f"{sjoin_seconds - sjoin_only:.2f} s = {sjoin_seconds:.2f} s wall; peak RSS "
              f"{peak_rss_mb():,.0f} MB; same counts; fast path {sjoin_seconds / fast_seconds:.1f}× faster")
        del points, result

    m = args.naive
    started = time.perf_counter()
    fresh = list(shapely.from_wkb(shapely.to_wkb(deps.geometry.values)))  # unprepared copies, as a naive script has
    naive_dep, naive_region, _ = naive(x[:m], y[:m], family[:m], fresh, list(deps["code"]), list(deps["region"]))
    naive_seconds = time.perf_counter() - started
    check = np.bincount(truth[:m], minlength=len(deps))
    assert all(naive_dep.get(code, 0) == check[i] for i, code in enumerate(deps["code"]))
    region_check = np.bincount(region_of[truth[:m]], minlength=len(region_codes))
    assert all(naive_region.get(code, 0) == region_check[i] for i, code in enumerate(region_codes))
    ratio = (naive_seconds / m) / (fast_seconds / args.points)
    print(f"NAIVE {m:,} points: per-point loop {naive_seconds:.2f} s wall "
          f"(≈{naive_seconds / m * args.points:,.0f} s extrapolated to {args.points:,}); "
          f"per point the fast path is {ratio:,.0f}× faster")
    target_ok = fast_seconds < 15 and fast_rss < 3 * 1024
    print(f"target (< 15 s and < 3 GB for {args.points:,}): {'met' if target_ok else 'NOT met'}")


if __name__ == "__main__":
    main()
