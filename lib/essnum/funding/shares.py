"""Share of a funding programme that reaches the ESS, estimated from its list of beneficiaries.

Recipients are classified by their INSEE legal category (``data/funding/legal_categories.csv``):
associations, cooperatives (SCOP, SCIC…), mutuals and foundations are ESS by legal form; commercial
companies count only with the ESUS approval. Unknown categories are rejected with their row, never
guessed. Shares of amounts and of recipients come with seeded bootstrap intervals (recipients resampled
within each programme). If the list is exhaustive, the point share is exact for that list; the interval
then says how much the share depends on which recipients happened to be funded (a few large grants
make it wide), and it is the sampling interval when the list is a sample of a larger set of grants.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from essnum.config import decision
from essnum.data.tables import InputError, TableResult, read_table
from essnum.paths import data_dir

ALL_PROGRAMMES = "Ensemble"
_BATCH = 250  # bootstrap replicates drawn at once (bounds memory to batch × list length)


def _funding_dir() -> Path:
    return data_dir() / "funding"


@lru_cache(maxsize=1)
def legal_categories() -> pd.DataFrame:
    """The classification table, indexed by code (validated against its schema; invalid rows raise)."""
    result = read_table(_funding_dir() / "legal_categories.csv", _funding_dir() / "legal_categories.schema.json")
    if not result.ok:
        raise ValueError("invalid legal category table:\n" + "\n".join(map(str, result.problems)))
    return result.data.set_index("code")


def classify(codes: pd.Series, esus: pd.Series) -> pd.DataFrame:
    """Family and ESS status for each 4-digit legal category (with the recipient's ESUS flag).

    Level-III codes are looked up first, then the level-I code of their division when the table covers the
    whole division. Returns columns ``family``, ``ess`` (boolean; ``<NA>`` when the code is unknown),
    ``rule`` (``yes``/``no``/``esus`` from the table) and ``category_label``.
    """
    table = legal_categories()
    codes = codes.astype("string")
    level3 = codes.where(codes.isin(table.index[table["level"] == 3]))
    level1 = codes.str[0].where(codes.str[0].isin(table.index[table["level"] == 1]))
    key = level3.fillna(level1)
    known = key.notna()
    found = table.reindex(key.fillna("").to_numpy())
    found.index = codes.index
    rule = found["ess"].where(known)
    is_ess = pd.Series(pd.NA, index=codes.index, dtype="boolean")
    is_ess[known] = (rule[known] == "yes") | ((rule[known] == "esus") & esus[known].fillna(False).astype(bool))
    return pd.DataFrame({"family": found["family"].where(known), "ess": is_ess, "rule": rule,
                         "category_label": found["label"].where(known)}, index=codes.index)


@dataclass
class Beneficiaries:
    """A validated beneficiary list: ``table`` holds kept rows, classified, and ``rejected``/``problems``."""

    result: TableResult

    @property
    def data(self) -> pd.DataFrame:
        return self.result.data

    @property
    def rejected(self) -> pd.DataFrame:
        return self.result.rejected

    @property
    def problems(self):
        return self.result.problems

    def counts(self) -> dict[str, int]:
        return self.result.counts()


def read_beneficiaries(path: Path | str) -> Beneficiaries:
    """Read and classify a beneficiary list (CSV, schema ``data/funding/beneficiaries.schema.json``).

    Malformed rows (non-numeric or negative amount, SIREN twice in a programme, malformed category) and
    rows whose legal category is not in the classification table are rejected with row and field;
    read = kept + rejected.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"beneficiary list not found: {path}")
    result = read_table(path, _funding_dir() / "beneficiaries.schema.json")
    classes = classify(result.data["legal_category"], result.data["esus"])
    unknown = classes["rule"].isna()
    result.reject(unknown, "legal_category",
                  result.data["legal_category"].map(lambda c: f"unknown INSEE legal category {c!r}"),
                  f"check the code in Sirene, or add it with its ESS status to {_funding_dir() / 'legal_categories.csv'}")
    result.data = result.data.join(classes[~unknown])
    result.rejected = result.rejected.sort_values("row", kind="stable").reset_index(drop=True)
    result.problems.sort(key=lambda p: (p.row or 0, p.field or ""))
    return Beneficiaries(result)


def _bootstrap_sums(amounts: np.ndarray, ess: np.ndarray, replicates: int, rng: np.random.Generator) -> np.ndarray:
    """Per bootstrap replicate (rows resampled with replacement): [total amount, ESS amount, ESS recipients]."""
    n = len(amounts)
    sums = []
    for start in range(0, replicates, _BATCH):
        index = rng.integers(0, n, size=(min(_BATCH, replicates - start), n))
        sums.append(np.stack([amounts[index].sum(axis=1), (amounts * ess)[index].sum(axis=1),
                              ess[index].sum(axis=1)], axis=1))
    return np.concatenate(sums)


def ess_shares(beneficiaries: Beneficiaries | pd.DataFrame, replicates: int | None = None,
               seed: int | None = None, confidence: float | None = None) -> pd.DataFrame:
    """ESS share of amounts and of recipients per programme, and for all programmes together (``Ensemble``).

    Intervals: percentile bootstrap (``funding.bootstrap_replicates``, ``funding.bootstrap_seed``,
    ``funding.confidence``), recipients resampled within each programme (the overall row adds the
    programmes' resamples up: a stratified bootstrap). Shares in percent; the overall recipient share
    counts recipient × programme rows.
    """
    data = beneficiaries.data if isinstance(beneficiaries, Beneficiaries) else beneficiaries
    replicates = decision("funding.bootstrap_replicates") if replicates is None else replicates
    seed = decision("funding.bootstrap_seed") if seed is None else seed
    confidence = decision("funding.confidence") if confidence is None else confidence
    if data.empty:
        where = f"{beneficiaries.result.path}: " if isinstance(beneficiaries, Beneficiaries) else ""
        raise InputError(f"{where}no beneficiary left to estimate a share from — every row was rejected (see the "
                         "rejected rows and their reasons); fix them, or check the columns "
                         "recipient, siren, legal_category, esus, amount, programme")
    rng = np.random.default_rng(seed)
    tails = [100 * (1 - confidence) / 2, 100 * (1 + confidence) / 2]
    rows, overall = [], np.zeros((replicates, 3))
    for programme, part in data.groupby("programme", sort=True):
        amounts = part["amount"].to_numpy(dtype=float)
        ess = part["ess"].to_numpy(dtype=bool).astype(float)
        sums = _bootstrap_sums(amounts, ess, replicates, rng)
        overall += sums
        rows.append(_row(programme, amounts, ess, sums, tails))
    amounts = data["amount"].to_numpy(dtype=float)
    rows.append(_row(ALL_PROGRAMMES, amounts, data["ess"].to_numpy(dtype=bool).astype(float), overall, tails))
    return pd.DataFrame(rows).set_index("programme")


def _row(programme, amounts: np.ndarray, ess: np.ndarray, sums: np.ndarray, tails) -> dict:
    total = amounts.sum()
    with np.errstate(invalid="ignore", divide="ignore"):
        amount_share = np.where(sums[:, 0] > 0, sums[:, 1] / sums[:, 0], np.nan)
    low_a, high_a = np.nanpercentile(amount_share, tails) if np.isfinite(amount_share).any() else (np.nan, np.nan)
    low_r, high_r = np.percentile(sums[:, 2] / len(amounts), tails)
    return {"programme": programme, "recipients": len(amounts), "ess_recipients": int(ess.sum()),
            "recipient_share": 100 * ess.mean(), "recipient_low": 100 * low_r, "recipient_high": 100 * high_r,
            "amount": total, "ess_amount": float((amounts * ess).sum()),
            "amount_share": 100 * (amounts * ess).sum() / total if total > 0 else float("nan"),
            "amount_low": 100 * low_a, "amount_high": 100 * high_a}
