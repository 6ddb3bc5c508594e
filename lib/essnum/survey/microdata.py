"""Questionnaire exports (CSV or XLSX, e.g. LimeSurvey, Framaforms) read through a codebook; weighted estimates.

Codebook, YAML::

    weight: poids            # optional column of design weights
    questions:
      maturity:
        column: Q3
        label: Maturité numérique
        answers: {1: experimentee, 2: en_progres, 3: peu_initiee}
        missing: [99]        # codes meaning "no answer" (optional; empty cells are missing unless `empty`)
      tool_training:
        column: "Q5[SQ002]"  # a multiple-choice option as LimeSurvey exports it: Y or empty
        answers: {Y: oui}
        empty: non           # an empty cell is this answer (not chosen), not a missing answer

or CSV with columns ``question, column, label, code, answer`` (one row per answer code; a row with
``question = weight`` names the weight column; ``answer`` may be ``<missing>`` to declare a no-answer code,
and a row with an empty ``code`` gives the answer an empty cell stands for).
A response whose code is not in the codebook is rejected with its row, column and value: read = kept + rejected.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from essnum.data.tables import Problem

from .intervals import wilson

MISSING_ANSWER = "<missing>"
_EMPTY = "\x00empty"  # internal code of an empty cell when the codebook gives it an answer


@dataclass(frozen=True)
class Question:
    id: str
    column: str
    label: str
    answers: dict[str, str]  # code (as text) → answer label
    missing: tuple[str, ...] = ()
    empty: str | None = None  # answer label of an empty cell (multiple-choice options); None: empty = missing

    def labels(self) -> list[str]:
        """Every answer label, in codebook order, the empty-cell answer last."""
        labels = list(dict.fromkeys(self.answers.values()))
        return labels + ([self.empty] if self.empty is not None and self.empty not in labels else [])


@dataclass(frozen=True)
class Codebook:
    questions: dict[str, Question]
    weight: str | None = None
    source: str = ""


def _code(value) -> str:
    """Answer codes compared as text; 1, 1.0 and "1" are the same code."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def read_codebook(path: Path | str) -> Codebook:
    """A codebook from a ``.yaml``/``.yml`` or ``.csv`` file (format in the module docstring)."""
    path = Path(path)
    if path.suffix.lower() in (".yaml", ".yml"):
        spec = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        if "questions" not in spec:
            raise ValueError(f"{path}: codebook has no 'questions' mapping")
        questions = {}
        for qid, q in spec["questions"].items():
            for key in ("column", "answers"):
                if key not in q:
                    raise ValueError(f"{path}: question {qid!r} has no {key!r}")
            questions[str(qid)] = Question(str(qid), str(q["column"]), str(q.get("label", qid)),
                                           {_code(k): str(v) for k, v in q["answers"].items()},
                                           tuple(_code(m) for m in q.get("missing", [])),
                                           None if q.get("empty") is None else str(q["empty"]))
        return Codebook(questions, spec.get("weight"), str(path))
    if path.suffix.lower() == ".csv":
        table = pd.read_csv(path, dtype="string", keep_default_na=False)
        expected = {"question", "column", "label", "code", "answer"}
        if not expected <= set(table.columns):
            raise ValueError(f"{path}: codebook needs columns {sorted(expected)}, found {list(table.columns)}")
        weight = table.loc[table["question"] == "weight", "column"]
        questions = {}
        for qid, rows in table[table["question"] != "weight"].groupby("question", sort=False):
            columns = rows["column"].unique()
            if len(columns) != 1:
                raise ValueError(f"{path}: question {qid!r} maps to several columns {list(columns)}")
            empty = rows[(rows["code"].str.strip() == "") & (rows["answer"] != MISSING_ANSWER)]
            rows = rows[rows["code"].str.strip() != ""]
            answers = rows[rows["answer"] != MISSING_ANSWER]
            missing = rows[rows["answer"] == MISSING_ANSWER]
            questions[str(qid)] = Question(str(qid), str(columns[0]), str(rows["label"].iloc[0]),
                                           dict(zip(answers["code"].map(_code), answers["answer"])),
                                           tuple(missing["code"].map(_code)),
                                           str(empty["answer"].iloc[0]) if len(empty) else None)
        return Codebook(questions, str(weight.iloc[0]) if len(weight) else None, str(path))
    raise ValueError(f"{path}: codebook must be .yaml, .yml or .csv")


@dataclass
class Microdata:
    """Decoded responses: one column per question (answer labels, ``<NA>`` for no answer) and ``weight``.

    ``responses`` is indexed by the row number in the export (header = row 1, as a spreadsheet shows it).
    ``rejected`` keeps each rejected response with its row and reason; ``problems`` says where and why.
    """

    responses: pd.DataFrame
    rejected: pd.DataFrame
    problems: list[Problem]
    codebook: Codebook
    path: str

    @property
    def read(self) -> int:
        return len(self.responses) + len(self.rejected)

    @property
    def weights(self) -> pd.Series:
        return self.responses["weight"]


def _read_export(path: Path) -> pd.DataFrame:
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return pd.read_excel(path, dtype=object)
    if path.suffix.lower() == ".csv":
        sample = path.read_text(encoding="utf-8-sig")[:4096].splitlines()[0]
        separator = ";" if sample.count(";") > sample.count(",") else ","
        return pd.read_csv(path, dtype="string", sep=separator, keep_default_na=False, encoding="utf-8-sig")
    raise ValueError(f"{path}: questionnaire export must be .csv or .xlsx")


def decode(raw: pd.DataFrame, codebook: Codebook, source: str = "<frame>") -> Microdata:
    """Decode a raw export (codes) into answer labels, rejecting rows with codes absent from the codebook."""
    raw = raw.copy()
    raw.index = pd.RangeIndex(2, len(raw) + 2, name="row")
    needed = [q.column for q in codebook.questions.values()] + ([codebook.weight] if codebook.weight else [])
    absent = [c for c in needed if c not in raw.columns]
    if absent:
        raise ValueError(f"{source}: columns {absent} named by codebook {codebook.source} are not in the export "
                         f"(columns: {list(raw.columns)})")
    problems: list[Problem] = []
    reasons: dict[int, list[str]] = {}
    decoded = {}
    for qid, q in codebook.questions.items():
        text = raw[q.column].map(lambda v: "" if pd.isna(v) else _code(v))
        if q.empty is not None:
            text = text.mask(text.eq(""), _EMPTY)
        is_missing = text.eq("") | text.isin(q.missing)
        answers = {**q.answers, **({_EMPTY: q.empty} if q.empty is not None else {})}
        known = text.isin(list(answers))
        for row in raw.index[~is_missing & ~known]:
            message = f"answer code {text[row]!r} is not in the codebook (known: {sorted(q.answers)})"
            problems.append(Problem(source, int(row), q.column, message,
                                    f"add the code to question {qid!r} of {codebook.source}, or declare it missing"))
            reasons.setdefault(int(row), []).append(f"{q.column}: {message}")
        decoded[qid] = pd.Series(pd.array(text.map(answers).where(~is_missing & known), dtype="string"),
                                 index=raw.index)
    if codebook.weight:
        weight = pd.to_numeric(raw[codebook.weight], errors="coerce")
        for row in raw.index[weight.isna() | (weight <= 0)]:
            message = f"weight {raw.at[row, codebook.weight]!r} is not a positive number"
            problems.append(Problem(source, int(row), codebook.weight, message, "fix or remove the response"))
            reasons.setdefault(int(row), []).append(f"{codebook.weight}: {message}")
    else:
        weight = pd.Series(1.0, index=raw.index)
    responses = pd.DataFrame(decoded, index=raw.index)
    responses["weight"] = weight.astype(float)
    bad = raw.index.isin(list(reasons))
    rejected = raw.loc[bad].astype("string").reset_index()
    rejected["reason"] = ["; ".join(reasons[int(r)]) for r in rejected["row"]]
    problems.sort(key=lambda p: (p.row or 0, p.field or ""))
    return Microdata(responses.loc[~bad], rejected, problems, codebook, source)


def read_microdata(path: Path | str, codebook: Codebook | Path | str) -> Microdata:
    """Read a questionnaire export (CSV, ``,`` or ``;`` separated, or XLSX) and decode it with ``codebook``."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"questionnaire export not found: {path}")
    if not isinstance(codebook, Codebook):
        codebook = read_codebook(codebook)
    return decode(_read_export(path), codebook, str(path))


def effective_sample_size(weights: pd.Series) -> float:
    """Kish's effective sample size (Σw)² / Σw²: the n that weighted intervals use."""
    w = np.asarray(weights, dtype=float)
    return float(w.sum() ** 2 / (w * w).sum())


def weighted_proportions(micro: Microdata, question: str, weights: pd.Series | None = None,
                         confidence: float | None = None) -> pd.DataFrame:
    """Weighted share of each answer of ``question`` among those who answered, with Wilson intervals.

    Intervals use Kish's effective sample size of the respondents to the question. ``count`` is the
    unweighted number of respondents (what disclosure control looks at).
    """
    q = micro.codebook.questions[question]
    answers = micro.responses[question]
    w = (micro.weights if weights is None else weights).reindex(answers.index)
    answered = answers.notna()
    n_eff = effective_sample_size(w[answered]) if answered.any() else 0.0
    total = w[answered].sum()
    rows = []
    for label in q.labels():
        chosen = answered & answers.eq(label).fillna(False)
        p = float(w[chosen].sum() / total) if total else float("nan")
        interval = wilson(p, n_eff, confidence) if total else None
        rows.append({"question": question, "answer": label, "count": int(chosen.sum()),
                     "respondents": int(answered.sum()), "proportion": p,
                     "low": interval.low if interval else float("nan"),
                     "high": interval.high if interval else float("nan"),
                     "n_effective": n_eff})
    return pd.DataFrame(rows)


def crosstab(micro: Microdata, rows: str, columns: str, weights: pd.Series | None = None,
             confidence: float | None = None) -> pd.DataFrame:
    """Weighted distribution of ``columns`` within each answer of ``rows`` (long format, with intervals and counts)."""
    frames = []
    for label in micro.codebook.questions[rows].labels():
        subset = micro.responses[rows].eq(label).fillna(False)
        part = Microdata(micro.responses[subset], micro.rejected, micro.problems, micro.codebook, micro.path)
        table = weighted_proportions(part, columns, None if weights is None else weights[subset], confidence)
        table.insert(0, rows, label)
        frames.append(table)
    return pd.concat(frames, ignore_index=True)


def count_table(micro: Microdata, rows: str, columns: str) -> pd.DataFrame:
    """Unweighted respondent counts of ``rows`` × ``columns`` (all codebook answers, zeros included) — the input of disclosure control."""
    r = micro.codebook.questions[rows].labels()
    c = micro.codebook.questions[columns].labels()
    counts = pd.crosstab(micro.responses[rows], micro.responses[columns])
    return counts.reindex(index=r, columns=c, fill_value=0).rename_axis(index=rows, columns=columns)
