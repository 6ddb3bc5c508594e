"""Benchmark: validate a SYNTHETIC 100 000-row organisations table (5 % bad rows) against the atlas schema.

Prints wall time and peak memory. Target: a few seconds. Run: .venv/bin/python benchmarks/tables_validation.py
"""

from __future__ import annotations

import random
import resource
import tempfile
import time
from pathlib import Path

from essnum.data.tables import read_table
from essnum.paths import atlas_dir

ROWS = 100_000


def synthetic_organisations(path: Path, rows: int, seed: int = 0) -> None:
    """Write a synthetic organisations.csv (labelled synthetic in every name); 5 % of rows carry an error."""
    rng = random.Random(seed)
    families = ["insertion_circulaire", "education_inclusion", "communs_open_data", "accompagnement", "reseau",
                "acteur_public", "tech", "financeur", "recherche"]
    lines = ["id,name,country,city,commune,latitude,longitude,family,legal_form,source"]
    for i in range(rows):
        bad = rng.random() < 0.05
        country = "XX" if bad else rng.choice(["FR", "BE", "DE", "IT", "ES"])
        lines.append(f"synthetic-{i},Synthetic organisation {i},{country},,{rng.randint(1000, 95999):05d},"
                     f"{rng.uniform(41, 51):.5f},{rng.uniform(-5, 9):.5f},{rng.choice(families)},,synthetic")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "organisations.csv"
        synthetic_organisations(path, ROWS)
        start = time.perf_counter()
        result = read_table(path, atlas_dir() / "organisations.schema.json")
        seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(f"rows read {result.read}, kept {result.kept}, rejected {result.rejected_count}")
    print(f"wall time {seconds:.2f} s, peak resident memory of the process {peak:.0f} MiB")


if __name__ == "__main__":
    main()
