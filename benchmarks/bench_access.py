"""Benchmark: distance from every commune to the nearest support place (``essnum.territory.access.nearest_distances``).

Target: all communes (≈35 000) to all places (France Services: 2 845 sites; up to one place per commune) well
under a second on this machine. Two SYNTHETIC cases — 35 000 communes × 4 000 places and 35 000 × 35 000 —
are timed against two naive baselines run in the same process on a subset of the communes:

- MATRIX: the full commune × place matrix of haversine distances in numpy, then argmin per row (what a first
  vectorised script writes; its memory grows as communes × places);
- LOOP: a pure-Python loop, commune by commune and place by place, with ``math``.

Ratios are per commune (time) and extrapolated to all communes (memory of the matrix). The fast path and the
matrix are checked to choose the same place (the sphere of haversine and the ellipsoid of the fast path may
disagree on near-ties only).

The communes and places are SYNTHETIC (never real ones): points drawn uniformly in boxes around the metropole
and the five overseas départements, in the proportions of the 2023 commune counts (34 816 metropolitan,
129 overseas), with synthetic populations. If ``essnum.data.reference.commune_points`` and
``essnum.data.support.france_services`` exist and load, the REAL case (every commune point to every France
Services site) is timed too; otherwise the script says why it is skipped.

Run:  .venv/bin/python benchmarks/bench_access.py [--communes 35000] [--places 4000 35000] [--matrix 2000]
      [--matrix-cells 8000000] [--loop 100] [--snapshot SNAPSHOT]
Prints wall time (best of --repeat runs for the fast path) and peak memory: allocations traced by
``tracemalloc`` during the call (numpy arrays included) and the peak resident set size of the whole process.
"""

from __future__ import annotations

import argparse
import inspect
import math
import resource
import time
import tracemalloc

import numpy as np
import pandas as pd
from pyproj import Geod

from essnum.territory import access

EARTH_RADIUS_KM = 6371.0088
#: SYNTHETIC drawing boxes (lon min, lon max, lat min, lat max) and 2023 commune counts per territory.
BOXES = {"01": ((-4.5, 8.0, 42.5, 51.0), 34_816), "971": ((-61.75, -61.2, 15.95, 16.45), 32),
         "972": ((-61.2, -60.82, 14.42, 14.86), 34), "973": ((-54.3, -51.7, 2.3, 5.7), 22),
         "974": ((55.25, 55.8, -21.35, -20.9), 24), "976": ((45.05, 45.28, -12.98, -12.65), 17)}
REGION_OF = {"01": "84", "971": "01", "972": "02", "973": "03", "974": "04", "976": "06"}


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kilobytes


def synthetic(n: int, kind: str, rng: np.random.Generator) -> pd.DataFrame:
    """SYNTHETIC communes (kind="commune") or places (kind="place"), spread over the territories."""
    weights = np.array([count for _, count in BOXES.values()], dtype=float)
    per_territory = rng.multinomial(n, weights / weights.sum())
    per_territory = np.maximum(per_territory, 1)  # every territory gets at least one
    frames = []
    for (dep, ((x0, x1, y0, y1), _)), k in zip(BOXES.items(), per_territory):
        frame = pd.DataFrame({"longitude": rng.uniform(x0, x1, k), "latitude": rng.uniform(y0, y1, k),
                              "departement": dep, "region": REGION_OF[dep]})
        frames.append(frame)
    frame = pd.concat(frames, ignore_index=True)
    if kind == "commune":
        frame.insert(0, "code", [f"S{i:05d}" for i in range(len(frame))])
        frame["population"] = np.round(rng.lognormal(6.2, 1.3, len(frame))).astype("int64")
    else:
        frame.insert(0, "id", [f"synthetic-place-{i}" for i in range(len(frame))])
    return frame


def traced(function, *args):
    """(result, peak MB allocated during the call according to tracemalloc)."""
    tracemalloc.start()
    result = function(*args)
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return result, peak


def timed(function, *args, repeat: int = 1):
    """(result, best wall time in seconds over ``repeat`` runs)."""
    best = math.inf
    for _ in range(repeat):
        started = time.perf_counter()
        result = function(*args)
        best = min(best, time.perf_counter() - started)
    return result, best


def matrix_nearest(communes: pd.DataFrame, places: pd.DataFrame):
    """Naive MATRIX baseline: haversine to every place, argmin per commune (no territory logic needed here:
    every synthetic territory has places, so the nearest is always in the commune's own territory)."""
    lon1 = np.radians(communes["longitude"].to_numpy())[:, None]
    lat1 = np.radians(communes["latitude"].to_numpy())[:, None]
    lon2 = np.radians(places["longitude"].to_numpy())[None, :]
    lat2 = np.radians(places["latitude"].to_numpy())[None, :]
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    km = 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(a))
    best = km.argmin(axis=1)
    return places["id"].to_numpy()[best], km[np.arange(len(communes)), best]


def loop_nearest(communes: pd.DataFrame, places: pd.DataFrame):
    """Naive LOOP baseline: one commune at a time, one place at a time, in pure Python."""
    sites = list(zip(places["id"], np.radians(places["longitude"]), np.radians(places["latitude"])))
    ids, kms = [], []
    for lon, lat in zip(np.radians(communes["longitude"]), np.radians(communes["latitude"])):
        best_id, best_km = None, math.inf
        for site, slon, slat in sites:
            a = math.sin((slat - lat) / 2) ** 2 + math.cos(lat) * math.cos(slat) * math.sin((slon - lon) / 2) ** 2
            km = 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(a))
            if km < best_km:
                best_id, best_km = site, km
        ids.append(best_id)
        kms.append(best_km)
    return np.array(ids, dtype=object), np.array(kms)


def run_case(communes: pd.DataFrame, places: pd.DataFrame, args) -> None:
    n, m = len(communes), len(places)
    label = f"{n:,} × {m:,}"
    table, fast_s = timed(access.nearest_distances, communes, places, repeat=args.repeat)
    _, fast_mb = traced(access.nearest_distances, communes, places)
    print(f"FAST   {label}: {fast_s:.3f} s wall (best of {args.repeat}); peak traced {fast_mb:,.1f} MB; "
          f"process peak RSS {peak_rss_mb():,.0f} MB; median distance {table['distance_km'].median():.2f} km")

    k = max(1, min(args.matrix, n, args.matrix_cells // m))  # keep the matrix (and the machine) bounded
    subset = communes.iloc[:k]
    (ids, kms), matrix_s = timed(matrix_nearest, subset, places)
    _, matrix_mb = traced(matrix_nearest, subset, places)
    fast_ids = table["nearest_id"].to_numpy()[:k]
    agree = (ids == fast_ids).mean()
    differ = np.flatnonzero(ids != fast_ids)
    if len(differ):  # on the ellipsoid, the fast path's place must be at least as near as the sphere's choice
        where = places.set_index("id")
        lon, lat = subset["longitude"].to_numpy()[differ], subset["latitude"].to_numpy()[differ]
        ours = Geod(ellps="WGS84").inv(lon, lat, where.loc[fast_ids[differ], "longitude"].to_numpy(),
                                       where.loc[fast_ids[differ], "latitude"].to_numpy())[2]
        theirs = Geod(ellps="WGS84").inv(lon, lat, where.loc[ids[differ], "longitude"].to_numpy(),
                                         where.loc[ids[differ], "latitude"].to_numpy())[2]
        assert (ours <= theirs + 1e-6).all(), "the fast path missed the geodesic nearest place"
        tie = f"; the {len(differ)} others are near-ties (≤ {np.max(theirs / ours - 1):.3%} apart), won on the ellipsoid"
    else:
        tie = ""
    gap = np.abs(table["distance_km"].to_numpy()[:k] / kms - 1).max()
    per_commune = (matrix_s / k) / (fast_s / n)
    extrapolated_gb = matrix_mb * n / k / 1024
    print(f"MATRIX {k:,} × {m:,} (subset): {matrix_s:.3f} s wall "
          f"(≈{matrix_s / k * n:,.1f} s extrapolated to {n:,}); "
          f"peak traced {matrix_mb:,.0f} MB (≈{extrapolated_gb:,.1f} GB for all {n:,} communes at once); "
          f"process peak RSS {peak_rss_mb():,.0f} MB")
    print(f"       same nearest place for {agree:.2%} of the subset{tie}; distance gap to haversine ≤ {gap:.3%} "
          f"(sphere vs ellipsoid)")
    print(f"       ratios: per commune the fast path is {per_commune:,.0f}× faster; memory for all communes "
          f"{extrapolated_gb * 1024 / fast_mb:,.0f}× less ({fast_mb:,.1f} MB vs ≈{extrapolated_gb * 1024:,.0f} MB)")

    j = min(args.loop, n)
    (loop_ids, _), loop_s = timed(loop_nearest, communes.iloc[:j], places)
    assert (loop_ids == ids[:j]).all(), "loop and matrix baselines disagree"
    print(f"LOOP   {j:,} × {m:,} (subset): {loop_s:.3f} s wall (≈{loop_s / j * n:,.0f} s extrapolated to {n:,}); "
          f"per commune the fast path is {(loop_s / j) / (fast_s / n):,.0f}× faster")
    print(f"target (all {n:,} communes in well under 1 s): {'met' if fast_s < 0.5 else 'NOT met'} ({fast_s:.3f} s)")


def real_case(args) -> None:
    try:
        from essnum.data.reference import commune_points
        from essnum.data.support import france_services
    except ImportError as error:
        print(f"REAL   skipped: the loaders are not available yet ({error}); only the SYNTHETIC cases ran")
        return
    try:
        points = commune_points()
        parameters = inspect.signature(france_services).parameters
        if args.snapshot is not None:
            sites = france_services(args.snapshot)
        elif parameters and next(iter(parameters.values())).default is inspect.Parameter.empty:
            print("REAL   skipped: france_services needs a snapshot; pass --snapshot")
            return
        else:
            sites = france_services()
    except Exception as error:  # noqa: BLE001 — a missing mirror, a loader being written: say so, carry on
        print(f"REAL   skipped: the loaders failed ({type(error).__name__}: {error})")
        return
    table, real_s = timed(access.nearest_distances, points, sites, repeat=args.repeat)
    _, real_mb = traced(access.nearest_distances, points, sites)
    located = table["distance_km"].notna()
    print(f"REAL   {len(points):,} commune points × {len(sites):,} France Services sites: {real_s:.3f} s wall "
          f"(best of {args.repeat}); peak traced {real_mb:,.1f} MB; {located.sum():,} communes with a distance, "
          f"median {table.loc[located, 'distance_km'].median():.1f} km, max {table['distance_km'].max():.1f} km; "
          f"target (< 1 s): {'met' if real_s < 1 else 'NOT met'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--communes", type=int, default=35_000)
    parser.add_argument("--places", type=int, nargs="+", default=[4_000, 35_000])
    parser.add_argument("--matrix", type=int, default=2_000, help="communes in the MATRIX baseline subset")
    parser.add_argument("--matrix-cells", type=int, default=8_000_000,
                        help="at most this many commune × place cells in the MATRIX subset (64 MB per float array)")
    parser.add_argument("--loop", type=int, default=100, help="communes in the LOOP baseline subset")
    parser.add_argument("--repeat", type=int, default=3, help="runs of the fast path (best time kept)")
    parser.add_argument("--snapshot", default=None, help="France Services snapshot for the REAL case")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()

    rng = np.random.default_rng(args.seed)
    communes = synthetic(args.communes, "commune", rng)
    print(f"SYNTHETIC data: {len(communes):,} communes in {len(BOXES)} territories (metropole + 5 overseas); "
          f"process peak RSS {peak_rss_mb():,.0f} MB before timing")
    for m in args.places:
        places = synthetic(m, "place", rng)
        run_case(communes, places, args)
    real_case(args)


if __name__ == "__main__":
    main()
