"""Benchmark: survey and funding computations on SYNTHETIC inputs (never real respondents or recipients).

1. ``ess_shares`` on a synthetic beneficiary list (default 100 000 rows, 10 programmes) with the
   decided number of bootstrap replicates (funding.bootstrap_replicates).
2. Reading a synthetic questionnaire export of n respondents (default: the 2022 survey's 2 776, scaled by
   --respondents) through its codebook, weighted proportions of every question, and raking on two questions.
3. ``disclosure.suppress`` on a random R × C count table with many small cells (default 12 × 12), with the
   linear-programming audit of every suppressed cell.

Run:  .venv/bin/python benchmarks/bench_survey_funding.py [--rows 100000] [--respondents 27760] [--table 12]
Prints wall time and peak memory (resident set size, ``resource.getrusage``) after each phase.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from essnum import survey
from essnum.config import decision
from essnum.funding.shares import ess_shares
from essnum.survey import disclosure


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kilobytes


def synthetic_beneficiaries(rows: int, seed: int = 2026) -> pd.DataFrame:
    """SYNTHETIC classified beneficiary rows: lognormal amounts, a third ESS, ten programmes."""
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"programme": rng.choice([f"SYNTHETIC-{i}" for i in range(10)], rows),
                         "amount": np.round(rng.lognormal(10, 1.5, rows), 2),
                         "ess": rng.random(rows) < 1 / 3})


def phase(name: str, start: float) -> float:
    now = time.perf_counter()
    print(f"{name:<58} {now - start:8.2f} s   peak RSS {peak_rss_mb():8.1f} MB")
    return now


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--respondents", type=int, default=27_760)
    parser.add_argument("--table", type=int, default=12)
    args = parser.parse_args()

    start = time.perf_counter()
    data = synthetic_beneficiaries(args.rows)
    shares = ess_shares(data)
    start = phase(f"ess_shares: {args.rows} rows × {decision('funding.bootstrap_replicates')} replicates", start)
    print(shares.loc["Ensemble", ["amount_share", "amount_low", "amount_high"]].round(2).to_dict())

    synthetic = survey.synthetic_rs2022()
    margins = synthetic.margins
    big = survey.synthetic_survey(args.respondents, margins)
    with tempfile.TemporaryDirectory() as tmp:
        export, codebook = big.write(Path(tmp))
        start = time.perf_counter()
        micro = survey.read_microdata(export, codebook)
        for question in micro.codebook.questions:
            survey.weighted_proportions(micro, question)
        raking = survey.rake_microdata(micro, {"digital_indispensable": {"oui": 0.8, "non": 0.2},
                                               "covid_accelerated": {"oui": 0.5, "non": 0.5}})
        start = phase(f"microdata: {args.respondents} respondents read, estimated, raked", start)
        print(raking.report())

    rng = np.random.default_rng(7)
    table = pd.DataFrame(rng.choice([0, 1, 3, 6, 9, 15, 30, 80], size=(args.table, args.table)))
    start = time.perf_counter()
    result = disclosure.suppress(table)
    phase(f"suppress: {args.table}×{args.table} table, LP audit of every hidden cell", start)
    print(result.suppressed_count, "min feasible width", float(result.audit["width"].min()))


if __name__ == "__main__":
    main()
