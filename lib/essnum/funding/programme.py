"""ESS share of a real programme from its host list, as BOUNDS, by documented evidence only.

Built for the hosts of the « conseillers numériques France Services » (CnFS, France Relance 2021), but any
host list in the same layout works. The programme publishes each host's name, SIRET, type (public or
private), posts and estimated State funding, but not its legal form. So the share of the ESS is not a
point estimate: each private host is classified by what documents it, and the share is given between
what is proven and what is possible.

Evidence, in order (the first one that decides wins):

1. **register** — the host's SIREN is in the ESS candidate register (``essnum.data.support.ess_register()``):
   with an ESS family (association, cooperative, foundation, mutual) it is proven ESS; with the ESUS
   approval too (a company then counts); without either, its INSEE legal category decides when
   ``data/funding/legal_categories.csv`` classifies it (a SAS without ESUS is a company, not ESS);
2. **name rule** — a curated rule of ``data/funding/host_name_rules.csv`` finds, as whole words of the
   normalised name, a legal form that the name states about the host itself: ASSOCIATION, FONDATION, SCOP,
   SCIC, COOPERATIVE, MUTUELLE (ESS proven), GIP, CCAS, OPH (a public legal person declared private: not
   ESS), SAS, SARL, SA… (a company: not ESS, since its name can never show the ESUS approval);
3. **none** — the host stays ``unknown``: possibly ESS. Names that only suggest a form (MISSION LOCALE,
   CENTRE SOCIAL, MAISON DE L'EMPLOI, REGIE DE QUARTIER…) have no rule on purpose: such bodies are
   associations, public bodies or GIP depending on the place.

Public hosts (``host_type = "public"``) stay ``public`` and are not ESS.

Input layouts (DataFrames from the caller; this module reads no raw file):

- hosts — ``essnum.data.support.cnfs_hosts()``: ``id``, ``name``, ``siret``, ``siren``, ``host_type``
  (``public``/``private``), ``posts``, ``state_funding_eur``, ``commune``, ``departement``, ``zrr``, ``qpv``
  (only ``name``, ``host_type``, ``posts``, ``state_funding_eur`` and ``siren`` or ``siret`` are needed);
- register — ``essnum.data.support.ess_register()``: ``siren``, ``name``, ``legal_category``, ``ess_family``,
  ``esus``… (only ``siren`` and ``ess_family`` are needed; ``legal_category`` and ``esus`` are used when
  present).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd

from essnum.data.tables import read_table
from essnum.funding.shares import classify as classify_legal_categories
from essnum.paths import data_dir

HOST_CLASSES = ("public", "association", "foundation", "cooperative", "mutual", "company", "unknown")
ESS_STATUSES = ("proven", "possible", "no")
MEASURES = ("hosts", "posts", "state_funding_eur")

# The register's ESS family (French or English, accents and case ignored) → host class.
_FAMILIES = {"association": "association", "associations": "association",
             "cooperative": "cooperative", "cooperatives": "cooperative",
             "fondation": "foundation", "fondations": "foundation", "foundation": "foundation",
             "mutuelle": "mutual", "mutuelles": "mutual", "mutual": "mutual", "mutuals": "mutual"}
# Families of data/funding/legal_categories.csv that decide a host class; the others (social_protection,
# foreign, other) say nothing about the legal form's ESS status here and leave the name rules to decide.
_LEGAL_FAMILIES = {"association": "association", "cooperative": "cooperative", "mutual": "mutual",
                   "foundation": "foundation", "commercial": "company", "individual": "company",
                   "public": "public"}
_TRUE = {"true", "1", "oui", "yes", "o", "y", "vrai"}


def _funding_dir() -> Path:
    return data_dir() / "funding"


def normalise_name(name) -> str:
    """The form the name rules are matched against: no accents, upper case, only A-Z/0-9 words.

    ``"L'Association S.A.R.L. « Coopérative »"`` → ``"L ASSOCIATION S A R L COOPERATIVE"``;
    a missing name → ``""``.
    """
    if name is None or (not isinstance(name, str) and pd.isna(name)):
        return ""
    text = unicodedata.normalize("NFKD", str(name))
    text = "".join(c for c in text if not unicodedata.combining(c)).upper()
    text = text.replace("Œ", "OE").replace("Æ", "AE")
    return " ".join(re.sub(r"[^A-Z0-9]+", " ", text).split())


@dataclass(frozen=True)
class NameRule:
    """One row of ``data/funding/host_name_rules.csv``, its pattern compiled as whole words."""

    rule_id: str
    pattern: str
    host_class: str
    ess: str
    note: str
    source: str
    regex: re.Pattern

    def matches(self, normalised: str) -> bool:
        return self.regex.search(normalised) is not None


def compile_rule_pattern(pattern: str) -> re.Pattern:
    """``pattern`` matched only as whole words of a normalised name (see the rules' Table Schema)."""
    return re.compile(rf"(?<![A-Z0-9])(?:{pattern})(?![A-Z0-9])")


@lru_cache(maxsize=4)
def _rules_from(path: str, schema: str, _mtime: float) -> tuple[NameRule, ...]:
    result = read_table(path, schema)
    if not result.ok:
        raise ValueError(f"invalid host name rules {path}:\n" + "\n".join(map(str, result.problems)))
    rules = []
    for line, row in result.data.iterrows():
        where = f"{path}:{line} (rule {row['rule_id']!r})"
        try:
            regex = compile_rule_pattern(row["pattern"])
        except re.error as exc:
            raise ValueError(f"{where}: pattern {row['pattern']!r} is not a valid regular expression: {exc}") from exc
        expected = "no" if row["host_class"] in ("company", "public") else "proven"
        if row["ess"] != expected:
            raise ValueError(f"{where}: a rule proving host_class {row['host_class']!r} must have ess "
                             f"{expected!r}, not {row['ess']!r}")
        rules.append(NameRule(row["rule_id"], row["pattern"], row["host_class"], row["ess"], row["note"],
                              row["source"], regex))
    return tuple(rules)


def host_name_rules(path: Path | str | None = None) -> tuple[NameRule, ...]:
    """The curated name rules, in file order (validated against ``host_name_rules.schema.json``; a table
    problem, an invalid regular expression or an ess status contradicting the class raises)."""
    path = Path(path) if path is not None else _funding_dir() / "host_name_rules.csv"
    schema = _funding_dir() / "host_name_rules.schema.json"
    mtime = path.stat().st_mtime if path.is_file() else 0.0
    return _rules_from(str(path), str(schema), mtime)


def match_name_rule(name, rules: tuple[NameRule, ...] | None = None) -> NameRule | None:
    """The first rule whose pattern is in the normalised ``name`` (file order), or ``None``."""
    normalised = normalise_name(name)
    for rule in host_name_rules() if rules is None else rules:
        if rule.matches(normalised):
            return rule
    return None


def _flag(values: pd.Series) -> pd.Series:
    """A yes/no column read leniently (booleans, ``True``/``"true"``/``"oui"``/``1``); missing → False."""
    if values.dtype == bool:
        return values
    return values.map(lambda v: False if v is None or (not isinstance(v, str) and pd.isna(v))
                      else (bool(v) if isinstance(v, (bool, int, float)) else str(v).strip().lower() in _TRUE)
                      ).astype(bool)


def _siren(hosts: pd.DataFrame) -> pd.Series:
    """Each host's 9-digit SIREN: the ``siren`` column, else the first 9 digits of ``siret``; else <NA>."""
    siren = hosts["siren"].astype("string") if "siren" in hosts else pd.Series(pd.NA, index=hosts.index,
                                                                                 dtype="string")
    if "siret" in hosts:
        from_siret = hosts["siret"].astype("string").str.extract(r"^\s*(\d{14})\s*$")[0].str[:9]
        siren = siren.fillna(from_siret)
    return siren.where(siren.str.fullmatch(r"\d{9}").fillna(False).astype(bool))


def _legal_category_codes(values: pd.Series) -> pd.Series:
    """INSEE legal categories as 4-digit strings (``9220.0`` → ``9220``); anything else → <NA>."""
    codes = values.astype("string").str.strip().str.replace(r"\.0+$", "", regex=True)
    return codes.where(codes.str.fullmatch(r"\d{4}").fillna(False).astype(bool))


def _register_evidence(register: pd.DataFrame) -> pd.DataFrame:
    """Per register SIREN: ``host_class``, ``ess`` and ``evidence`` when the register decides, else NA."""
    missing = [c for c in ("siren", "ess_family") if c not in register]
    if missing:
        raise KeyError(f"register lacks column(s) {', '.join(missing)} (layout of essnum.data.support.ess_register())")
    reg = register.copy()
    reg["siren"] = reg["siren"].astype("string").str.strip()
    duplicated = reg["siren"].dropna().duplicated()
    if duplicated.any():
        raise ValueError("the ESS register must have one row per SIREN; repeated: "
                         + ", ".join(sorted(set(reg["siren"].dropna()[duplicated]))[:10]))
    family_text = reg["ess_family"].map(lambda v: normalise_name(v).lower())
    unknown = sorted(set(family_text[(family_text != "") & ~family_text.isin(_FAMILIES)]))
    if unknown:
        raise ValueError(f"unknown ESS family value(s) in the register: {', '.join(unknown)} "
                         f"(known: {', '.join(sorted(set(_FAMILIES)))})")
    family = family_text.map(_FAMILIES)
    esus = _flag(reg["esus"]) if "esus" in reg else pd.Series(False, index=reg.index)
    codes = _legal_category_codes(reg["legal_category"]) if "legal_category" in reg \
        else pd.Series(pd.NA, index=reg.index, dtype="string")
    legal = classify_legal_categories(codes.fillna("").astype("string"), esus)
    legal_class = legal["family"].map(_LEGAL_FAMILIES).where(codes.notna())
    label = codes.fillna("") + " (" + legal["category_label"].fillna("?").astype(str) + ")"

    host_class = pd.Series(pd.NA, index=reg.index, dtype="object")
    ess = pd.Series(pd.NA, index=reg.index, dtype="object")
    evidence = pd.Series(pd.NA, index=reg.index, dtype="object")

    by_family = family.notna()
    # with an ESS family: the family is the class (even when the legal category would say otherwise)
    host_class[by_family] = family[by_family]
    ess[by_family] = "proven"
    evidence[by_family] = "register: SIREN in the ESS candidate register (famille_ess=" \
        + reg.loc[by_family, "ess_family"].astype(str) + ")"
    # no family, ESUS approval: proven ESS, class from the legal category (a company, mostly)
    by_esus = ~by_family & esus
    host_class[by_esus] = legal_class[by_esus].fillna("company")
    ess[by_esus] = "proven"
    evidence[by_esus] = "register: SIREN in the ESS candidate register with the ESUS approval (legal category " \
        + label[by_esus] + ")"
    # neither: the legal category decides when the classification table knows its family
    by_category = ~by_family & ~esus & legal_class.notna()
    host_class[by_category] = legal_class[by_category]
    ess[by_category] = legal["ess"][by_category].map({True: "proven", False: "no"})
    evidence[by_category] = "register: SIREN in the ESS candidate register without ESS family, legal category " \
        + label[by_category]
    decided = pd.DataFrame({"siren": reg["siren"], "host_class": host_class, "ess": ess, "evidence": evidence})
    return decided[decided["host_class"].notna() & decided["siren"].notna()].set_index("siren")


def classify_hosts(hosts: pd.DataFrame, register: pd.DataFrame,
                   rules: tuple[NameRule, ...] | None = None) -> pd.DataFrame:
    """One row per host, in input order, with ``host_class``, ``ess``, ``evidence`` and ``rule_id`` added.

    - ``host_class``: ``public`` for public hosts; for private hosts ``association``, ``foundation``,
      ``cooperative``, ``mutual``, ``company``, ``public`` (a public legal person declared private, proven
      by its name: GIP, CCAS, OPH) or ``unknown``;
    - ``ess``: ``proven`` (register ESS family or ESUS, an ESS legal category in the register, or a name
      rule proving an ESS legal form), ``no`` (public hosts, companies without ESUS, public legal
      persons), ``possible`` (unknown);
    - ``evidence``: ``"register: …"``, ``"name rule: <rule_id>"``, ``"host type: public"`` or ``"none"``;
    - ``rule_id``: the name rule that decided, else <NA>.

    The register overrides the name rules. ``rules`` defaults to ``host_name_rules()``.
    """
    missing = [c for c in ("name", "host_type", "posts", "state_funding_eur") if c not in hosts]
    if missing:
        raise KeyError(f"hosts lack column(s) {', '.join(missing)} (layout of essnum.data.support.cnfs_hosts())")
    bad_type = sorted(set(hosts["host_type"].dropna().astype(str)) - {"public", "private"})
    if bad_type or hosts["host_type"].isna().any():
        raise ValueError("host_type must be 'public' or 'private' for every host; found "
                         + ", ".join(bad_type + (["<missing>"] if hosts["host_type"].isna().any() else [])))
    rules = host_name_rules() if rules is None else rules
    out = hosts.copy()
    siren = _siren(hosts)
    private = (hosts["host_type"] == "private").to_numpy()
    decided = _register_evidence(register)

    host_class, ess, evidence, rule_ids = [], [], [], []
    for is_private, name, number in zip(private, hosts["name"], siren):
        if not is_private:
            host_class.append("public"), ess.append("no"), evidence.append("host type: public")
            rule_ids.append(pd.NA)
            continue
        if not pd.isna(number) and number in decided.index:
            row = decided.loc[number]
            host_class.append(row["host_class"]), ess.append(row["ess"]), evidence.append(row["evidence"])
            rule_ids.append(pd.NA)
            continue
        rule = match_name_rule(name, rules)
        if rule is not None:
            host_class.append(rule.host_class), ess.append(rule.ess)
            evidence.append(f"name rule: {rule.rule_id}"), rule_ids.append(rule.rule_id)
        else:
            host_class.append("unknown"), ess.append("possible"), evidence.append("none"), rule_ids.append(pd.NA)
    out["host_class"] = pd.Series(host_class, index=hosts.index, dtype="string")
    out["ess"] = pd.Series(ess, index=hosts.index, dtype="string")
    out["evidence"] = pd.Series(evidence, index=hosts.index, dtype="string")
    out["rule_id"] = pd.Series(rule_ids, index=hosts.index, dtype="string")
    return out


def _check_classified(classified: pd.DataFrame) -> None:
    missing = [c for c in ("host_type", "host_class", "ess", "posts", "state_funding_eur") if c not in classified]
    if missing:
        raise KeyError(f"not a classify_hosts() result: missing column(s) {', '.join(missing)}")
    for column, allowed in (("host_class", HOST_CLASSES), ("ess", ESS_STATUSES), ("host_type", ("public", "private"))):
        bad = sorted(set(classified[column].astype(str)) - set(allowed))
        if bad:
            raise ValueError(f"{column}: unexpected value(s) {', '.join(bad)} (allowed: {', '.join(allowed)})")


def _measures(frame: pd.DataFrame) -> pd.Series:
    return pd.Series({"hosts": float(len(frame)), "posts": float(frame["posts"].sum()),
                      "state_funding_eur": float(frame["state_funding_eur"].sum())})


def ess_share_bounds(classified: pd.DataFrame) -> pd.DataFrame:
    """The programme's ESS share of hosts, posts and State funding, as bounds.

    One row per measure (``hosts``, ``posts``, ``state_funding_eur``); columns:

    - ``total``: all hosts; ``private``: private hosts; ``public_hosts``: public hosts;
    - ``proven``: private hosts proven ESS; ``possible``: private hosts of unknown form;
      ``not_ess``: private hosts proven outside the ESS (companies without ESUS, public legal persons);
    - ``lower`` = ``proven``; ``upper`` = ``proven + possible`` (every private host that no evidence puts
      outside the ESS);
    - ``lower_pct``, ``upper_pct``, ``private_pct``: ``lower``, ``upper`` and ``private`` in percent of
      ``total`` (the all-private share is the reference the upper bound cannot exceed).

    Counts of hosts are host rows (a SIREN hosting in two places counts twice); euros are the programme's
    estimated State funding. ``total = public_hosts + proven + possible + not_ess`` on every row.
    """
    _check_classified(classified)
    private = classified["host_type"] == "private"
    parts = {"total": classified, "public_hosts": classified[~private], "private": classified[private],
             "proven": classified[private & (classified["ess"] == "proven")],
             "possible": classified[private & (classified["ess"] == "possible")],
             "not_ess": classified[private & (classified["ess"] == "no")]}
    table = pd.DataFrame({name: _measures(part) for name, part in parts.items()})
    table["lower"] = table["proven"]
    table["upper"] = table["proven"] + table["possible"]
    for column in ("lower", "upper", "private"):
        table[f"{column}_pct"] = (100 * table[column] / table["total"]).where(table["total"] > 0)
    table.index.name = "measure"
    return table.loc[list(MEASURES), ["total", "public_hosts", "private", "proven", "possible", "not_ess",
                                      "lower", "upper", "lower_pct", "upper_pct", "private_pct"]]


def funding_by(classified: pd.DataFrame, by: str | list[str] = ("host_type", "host_class")) -> pd.DataFrame:
    """Hosts, posts and State funding per group of ``by`` (a column name or a list of them).

    ``by`` may be any column of ``classified``: ``host_type``, ``host_class``, ``ess``, ``evidence``,
    ``departement``, ``region`` (when the caller added one) …; a missing column raises ``KeyError`` naming
    the available ones. Columns: ``hosts``, ``posts``, ``state_funding_eur`` and their shares of the
    programme in percent (``hosts_pct``, ``posts_pct``, ``funding_pct``). Missing group values form their own
    group. Per-inhabitant figures are the territory side's business.
    """
    _check_classified(classified)
    by = [by] if isinstance(by, str) else list(by)
    absent = [c for c in by if c not in classified]
    if absent:
        raise KeyError(f"cannot group by {', '.join(absent)}: not a column (available: "
                       + ", ".join(map(str, classified.columns)) + ")")
    grouped = classified.groupby(by, dropna=False, sort=True, observed=True)
    table = pd.DataFrame({"hosts": grouped.size(), "posts": grouped["posts"].sum(),
                          "state_funding_eur": grouped["state_funding_eur"].sum()})
    totals = {"hosts": len(classified), "posts": classified["posts"].sum(),
              "state_funding_eur": classified["state_funding_eur"].sum()}
    for column, share in (("hosts", "hosts_pct"), ("posts", "posts_pct"), ("state_funding_eur", "funding_pct")):
        table[share] = 100 * table[column] / totals[column] if totals[column] else float("nan")
    return table
