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

Or LimeSurvey's survey structure file (``.lss``, XML, LimeSurvey 3 to 6) as it comes: every question with
answer codes becomes a question of the codebook (list, yes/no, gender, 5-point choice; each sub-question
of an array or of a multiple choice becomes a question ``TITLE_SQ`` on the export column ``TITLE[SQ]``),
see :func:`read_lss`.

Microdata are personal data. An export tracked by git is refused (unless every row is labelled
``synthetic = SYNTHETIC``); keep exports in the git-ignored ``private/`` folder or outside the repository.
Nothing here writes respondent-level rows: outputs are disclosure-controlled tables (``essnum.survey.disclosure``).
"""

from __future__ import annotations

import re
import subprocess
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from essnum.data.tables import InputError, Problem

from .intervals import wilson

MISSING_ANSWER = "<missing>"
SYNTHETIC_LABEL = "SYNTHETIC"  # value of the ``synthetic`` column of every row of a synthetic export
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
    """A codebook from a ``.yaml``/``.yml``, ``.csv`` or LimeSurvey ``.lss`` file (formats in the module docstring).

    A file that cannot be used raises ``InputError`` naming the file, the question and what to do.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if not path.is_file():
        raise InputError(f"{path}: codebook not found — give the path of a .yaml, .csv or .lss codebook")
    if suffix == ".lss":
        return read_lss(path)
    if suffix in (".yaml", ".yml"):
        try:
            spec = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (yaml.YAMLError, UnicodeDecodeError) as error:
            raise InputError(f"{path}: the codebook is not valid UTF-8 YAML ({error}) — fix the syntax "
                             "(indentation, quotes around columns such as 'Q5[SQ002]')") from None
        if not isinstance(spec, dict) or not isinstance(spec.get("questions"), dict):
            raise InputError(f"{path}: codebook has no 'questions' mapping — write `questions:` then one entry per "
                             "question (column, label, answers)")
        questions = {}
        for qid, q in spec["questions"].items():
            if not isinstance(q, dict):
                raise InputError(f"{path}: question {qid!r} is not a mapping — give it column, label and answers")
            for key in ("column", "answers"):
                if key not in q:
                    raise InputError(f"{path}: question {qid!r} has no {key!r} — add it (see docs/survey-funding.md)")
            if not isinstance(q["answers"], dict):
                raise InputError(f"{path}: question {qid!r}: 'answers' must map codes to labels, e.g. {{1: oui, 2: non}}")
            missing = q.get("missing") or []
            missing = missing if isinstance(missing, list) else [missing]  # `missing: 99` is one code
            questions[str(qid)] = Question(str(qid), str(q["column"]), str(q.get("label", qid)),
                                           {_code(k): str(v) for k, v in q["answers"].items()},
                                           tuple(_code(m) for m in missing),
                                           None if q.get("empty") is None else str(q["empty"]))
        return Codebook(questions, spec.get("weight"), str(path))
    if suffix == ".csv":
        try:
            table = pd.read_csv(path, dtype="string", keep_default_na=False, encoding="utf-8-sig")
        except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as error:
            raise InputError(f"{path}: the codebook cannot be read as a UTF-8 CSV ({error}) — re-save it as "
                             "comma-separated UTF-8") from None
        expected = {"question", "column", "label", "code", "answer"}
        if not expected <= set(table.columns):
            raise InputError(f"{path}: codebook needs columns {sorted(expected)}, found {list(table.columns)} — "
                             f"add the missing column(s) {sorted(expected - set(table.columns))} to the header line")
        weight = table.loc[table["question"] == "weight", "column"]
        questions = {}
        for qid, rows in table[table["question"] != "weight"].groupby("question", sort=False):
            columns = rows["column"].unique()
            if len(columns) != 1:
                raise InputError(f"{path}: question {qid!r} maps to several columns {list(columns)} — "
                                 "give one column per question")
            empty = rows[(rows["code"].str.strip() == "") & (rows["answer"] != MISSING_ANSWER)]
            rows = rows[rows["code"].str.strip() != ""]
            answers = rows[rows["answer"] != MISSING_ANSWER]
            missing = rows[rows["answer"] == MISSING_ANSWER]
            label = rows["label"].iloc[0] if len(rows) else empty["label"].iloc[0]
            questions[str(qid)] = Question(str(qid), str(columns[0]), str(label),
                                           dict(zip(answers["code"].map(_code), answers["answer"])),
                                           tuple(missing["code"].map(_code)),
                                           str(empty["answer"].iloc[0]) if len(empty) else None)
        return Codebook(questions, str(weight.iloc[0]) if len(weight) else None, str(path))
    raise InputError(f"{path}: codebook must be .yaml, .yml, .csv or LimeSurvey's .lss")


# --- LimeSurvey survey structure (.lss) --------------------------------------------------------------

#: Question types whose answers are fixed by LimeSurvey (code → label), single column.
LSS_FIXED_ANSWERS = {
    "Y": {"Y": "oui", "N": "non"},
    "G": {"F": "femme", "M": "homme"},
    "5": {str(i): str(i) for i in range(1, 6)},
}
#: Array types: one column per sub-question, answers fixed by the type (``F``, ``H``: the question's answers).
LSS_ARRAY_ANSWERS = {
    "A": {str(i): str(i) for i in range(1, 6)},
    "B": {str(i): str(i) for i in range(1, 11)},
    "C": {"Y": "oui", "N": "non", "U": "incertain"},
    "E": {"I": "augmentation", "S": "stable", "D": "diminution"},
    "F": None,
    "H": None,
}
#: Single-column list types whose answers are the question's answer options.
LSS_LIST_TYPES = ("L", "!", "O")
#: Multiple choice: one column per option, "Y" when ticked, empty otherwise.
LSS_MULTIPLE_TYPES = ("M", "P")
LSS_MULTIPLE_ANSWERS = ("oui", "non")  # ticked, not ticked


def _lss_rows(root: ET.Element, table: str) -> list[dict[str, str]]:
    """The rows of a table of the .lss document (``<table><rows><row><field>…``) as dicts of text."""
    element = root.find(table)
    if element is None:
        return []
    return [{child.tag: (child.text or "").strip() for child in row} for row in element.iter("row")]


def _plain(text: str) -> str:
    """Question text without its HTML markup and extra spaces."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text or "")).strip()


def read_lss(path: Path | str, language: str | None = None) -> Codebook:
    """A codebook from a LimeSurvey survey structure file (``.lss``), in ``language`` (default: the survey's
    base language).

    Reads the ``questions``, ``subquestions`` and ``answers`` tables, with their texts either inline
    (LimeSurvey 3: ``question``, ``answer`` and ``language`` in the rows) or in ``question_l10ns`` and
    ``answer_l10ns`` (LimeSurvey 5 and 6). Questions with answer codes become codebook questions, the id
    being the question code (``title``): list types (L, !, O: the answer options, plus ``-oth-`` = « Autre »
    when the question has "other"), Yes/No (Y), gender (G), 5-point choice (5); arrays (A, B, C, E, F, H)
    and multiple choice (M, P) give one question per sub-question, ``TITLE_SQ`` on column ``TITLE[SQ]``
    (multiple choice: ``Y`` = oui, empty = non). Free text, numbers, dates and equations are not codebook
    questions (they are not tabulated).
    """
    path = Path(path)
    try:
        root = ET.parse(path).getroot()
    except (ET.ParseError, OSError) as error:
        raise InputError(f"{path}: not a readable LimeSurvey structure file (.lss is XML): {error} — export it "
                         "again from LimeSurvey (Display/Export → Survey structure (.lss))") from None
    doc_type = (root.findtext("LimeSurveyDocType") or "").strip()
    if root.tag != "document" or doc_type != "Survey":
        raise InputError(f"{path}: not a LimeSurvey survey structure (root <{root.tag}>, LimeSurveyDocType "
                         f"{doc_type!r}, expected <document> and 'Survey') — export the survey structure (.lss)")
    questions = _lss_rows(root, "questions")
    if not questions:
        raise InputError(f"{path}: the survey structure has no <questions> rows — export the whole survey structure")
    surveys = _lss_rows(root, "surveys")
    base = language or (surveys[0].get("language") if surveys else None) \
        or (root.findtext("languages/language") or "").strip() or None

    def in_language(rows: list[dict[str, str]]) -> list[dict[str, str]]:
        if base is None or not any("language" in r for r in rows):
            return rows
        return [r for r in rows if r.get("language", base) == base]

    question_rows = in_language(questions)
    sub_rows = in_language(_lss_rows(root, "subquestions"))
    texts = {r["qid"]: r.get("question", "") for r in in_language(_lss_rows(root, "question_l10ns"))}
    answer_texts = {r["aid"]: r.get("answer", "") for r in in_language(_lss_rows(root, "answer_l10ns"))}
    options: dict[str, list[tuple[int, str, str]]] = {}
    for r in in_language(_lss_rows(root, "answers")):
        if r.get("scale_id", "0") not in ("", "0"):
            continue  # dual-scale arrays: second scale not read
        label = r.get("answer") if r.get("answer") is not None else answer_texts.get(r.get("aid", ""), "")
        options.setdefault(r["qid"], []).append((int(r.get("sortorder") or 0), r["code"], _plain(label)))
    order = lambda r: (int(r.get("question_order") or 0), r.get("title", ""))  # noqa: E731
    subquestions: dict[str, list[dict[str, str]]] = {}
    for r in sorted(sub_rows + [q for q in question_rows if q.get("parent_qid", "0") not in ("", "0")], key=order):
        if r.get("scale_id", "0") in ("", "0"):
            subquestions.setdefault(r["parent_qid"], []).append(r)

    def text(row: dict[str, str]) -> str:
        return _plain(row.get("question") if row.get("question") is not None else texts.get(row["qid"], ""))

    codebook: dict[str, Question] = {}
    for q in sorted((q for q in question_rows if q.get("parent_qid", "0") in ("", "0")), key=lambda r: (
            int(r.get("gid") or 0), *order(r))):
        qtype, title = q.get("type", ""), q.get("title", "")
        if not title:
            raise InputError(f"{path}: question qid {q.get('qid')!r} has no <title> (question code) — fix the survey")
        label = text(q) or title
        own = {code: answer for _, code, answer in sorted(options.get(q["qid"], []))}
        if qtype in LSS_LIST_TYPES or qtype in LSS_FIXED_ANSWERS:
            answers = dict(own) if qtype in LSS_LIST_TYPES else dict(LSS_FIXED_ANSWERS[qtype])
            if not answers:
                raise InputError(f"{path}: question {title!r} (type {qtype}) has no answer options — add them in "
                                 "LimeSurvey, or describe the question in a YAML codebook")
            if q.get("other") == "Y":
                answers["-oth-"] = "Autre"
            codebook[title] = Question(title, title, label, answers)
        elif qtype in LSS_ARRAY_ANSWERS or qtype in LSS_MULTIPLE_TYPES:
            subs = subquestions.get(q["qid"], [])
            if not subs:
                raise InputError(f"{path}: question {title!r} (type {qtype}) has no sub-questions — export the "
                                 "survey structure with its sub-questions")
            for sub in subs:
                qid, column = f"{title}_{sub['title']}", f"{title}[{sub['title']}]"
                sub_label = f"{label} — {text(sub) or sub['title']}"
                if qtype in LSS_MULTIPLE_TYPES:
                    codebook[qid] = Question(qid, column, sub_label, {"Y": LSS_MULTIPLE_ANSWERS[0]},
                                             empty=LSS_MULTIPLE_ANSWERS[1])
                else:
                    answers = LSS_ARRAY_ANSWERS[qtype] or own
                    if not answers:
                        raise InputError(f"{path}: array {title!r} (type {qtype}) has no answer options")
                    codebook[qid] = Question(qid, column, sub_label, dict(answers))
    if not codebook:
        raise InputError(f"{path}: no question with answer codes (list, yes/no, array, multiple choice) — nothing "
                         "to tabulate")
    return Codebook(codebook, None, str(path))


@dataclass
class Microdata:
    """Decoded responses: one column per question (answer labels, ``<NA>`` for no answer) and ``weight``.

    ``responses`` is indexed by the row number in the export (header = row 1, as a spreadsheet shows it).
    ``rejected`` keeps each rejected response with its row and reason; ``problems`` says where and why.
    """

    responses: pd.DataFrame = field(repr=False)
    rejected: pd.DataFrame = field(repr=False)
    problems: list[Problem]
    codebook: Codebook = field(repr=False)
    path: str

    def __repr__(self) -> str:
        """Counts only: the responses are personal data and never printed (nor shown in a notebook output)."""
        return (f"Microdata({self.path!r}: {self.read} responses read, {len(self.responses)} kept, "
                f"{len(self.rejected)} rejected; {len(self.codebook.questions)} questions)")

    def _repr_html_(self) -> str:
        from html import escape

        return f"<p>{escape(repr(self))}</p>"

    @property
    def read(self) -> int:
        return len(self.responses) + len(self.rejected)

    @property
    def weights(self) -> pd.Series:
        return self.responses["weight"]


def _read_export(path: Path) -> pd.DataFrame:
    suffix = path.suffix.lower()
    if suffix not in (".xlsx", ".xlsm", ".csv"):
        raise InputError(f"{path}: questionnaire export must be .csv or .xlsx — export the responses again "
                         "(LimeSurvey: Responses → Export → CSV, answer codes, question codes as headings)")
    try:
        if suffix in (".xlsx", ".xlsm"):
            return pd.read_excel(path, dtype=object)
        text = path.read_text(encoding="utf-8-sig")
        if not text.strip():
            raise InputError(f"{path}: the export is empty — export the responses with a header line")
        sample = text[:4096].splitlines()[0]
        separator = ";" if sample.count(";") > sample.count(",") else ","
        return pd.read_csv(path, dtype="string", sep=separator, keep_default_na=False, encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        raise InputError(f"{path}: the export is not UTF-8 (byte {error.start}) — export it again as UTF-8 "
                         "(LimeSurvey: Export → CSV, character set UTF-8)") from None
    except (pd.errors.ParserError, ValueError, OSError, zipfile.BadZipFile) as error:  # BadZipFile: not an XLSX
        if isinstance(error, InputError):
            raise
        raise InputError(f"{path}: the export cannot be read ({error}) — check the separator and the quoting "
                         "of values containing it") from None


def _git(args: list[str], where: Path) -> subprocess.CompletedProcess | None:
    try:
        return subprocess.run(["git", *args], cwd=where, capture_output=True, text=True, timeout=20, check=False)
    except (OSError, subprocess.SubprocessError):
        return None  # no git: nothing can be tracked


def _labelled_synthetic(raw: pd.DataFrame) -> bool:
    return "synthetic" in raw.columns and len(raw) > 0 and \
        raw["synthetic"].astype("string").str.strip().str.upper().eq(SYNTHETIC_LABEL).all()


def privacy_problems(path: Path | str, raw: pd.DataFrame | None = None) -> list[Problem]:
    """Where a respondent-level export sits, as problems: an error when git tracks it (personal data in a
    repository's history; a file whose every row is labelled ``synthetic = SYNTHETIC`` is allowed), a warning
    when it is inside a git work tree but not git-ignored (``git add .`` would commit it). Nothing outside a
    git work tree."""
    path = Path(path).resolve()
    if raw is not None and _labelled_synthetic(raw):
        return []
    inside = _git(["rev-parse", "--show-toplevel"], path.parent)
    if inside is None or inside.returncode != 0:
        return []
    top = inside.stdout.strip()
    tracked = _git(["ls-files", "--error-unmatch", "--", path.name], path.parent)
    if tracked is not None and tracked.returncode == 0:
        return [Problem(str(path), None, None,
                        f"respondent-level survey export tracked by git (repository {top}): refused, survey "
                        "responses are personal data and must not enter a repository's history",
                        f"move it to {top}/private/ (git-ignored) or outside the repository, then "
                        f"`git rm --cached {path.name}` (and purge it from the history if it was committed)")]
    ignored = _git(["check-ignore", "-q", "--", path.name], path.parent)
    if ignored is not None and ignored.returncode == 1:
        return [Problem(str(path), None, None,
                        f"respondent-level survey export inside the git work tree {top} but not git-ignored",
                        f"move it to {top}/private/ (git-ignored) or outside the repository", severity="warning")]
    return []


def decode(raw: pd.DataFrame, codebook: Codebook, source: str = "<frame>") -> Microdata:
    """Decode a raw export (codes) into answer labels, rejecting rows with codes absent from the codebook."""
    raw = raw.copy()
    raw.index = pd.RangeIndex(2, len(raw) + 2, name="row")
    needed = [q.column for q in codebook.questions.values()] + ([codebook.weight] if codebook.weight else [])
    absent = [c for c in needed if c not in raw.columns]
    if absent:
        shown = list(raw.columns)
        shown = shown[:30] + (["…"] if len(shown) > 30 else [])
        raise InputError(f"{source}: column(s) {', '.join(map(repr, absent))} named by the codebook {codebook.source} "
                         f"are not in the export (its columns: {', '.join(map(str, shown))}) — export the responses "
                         "with question codes as column headings, or fix the column names in the codebook")
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
            value = raw.at[row, codebook.weight]
            message = f"weight {value!r} is not a positive number"
            hint = "write the decimal with a point (1.5, not 1,5)" if isinstance(value, str) and \
                re.fullmatch(r"\s*\d+,\d+\s*", value) else "fix or remove the response"
            problems.append(Problem(source, int(row), codebook.weight, message, hint))
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
    """Read a questionnaire export (CSV, ``,`` or ``;`` separated, or XLSX) and decode it with ``codebook``
    (a ``Codebook``, or a .yaml/.csv/.lss file).

    Refused (``InputError``) when git tracks the export (see :func:`privacy_problems`); a warning when it is
    in a git work tree without being git-ignored.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"questionnaire export not found: {path}")
    if not isinstance(codebook, Codebook):
        codebook = read_codebook(codebook)
    raw = _read_export(path)
    privacy = privacy_problems(path, raw)
    refused = [p for p in privacy if p.severity == "error"]
    if refused:
        raise InputError(str(refused[0]))
    micro = decode(raw, codebook, str(path))
    micro.problems[:0] = privacy
    return micro


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
