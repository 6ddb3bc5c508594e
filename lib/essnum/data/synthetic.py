"""Synthetic atlases in the atlas import format, for tests and benchmarks only (never quoted in a brief).

Every row is labelled synthetic three times: ``synthetic`` column set to true, a ``SYNTHETIC`` prefix on
every name and label, and ``source = "synthetic"``. The structure imitates a real ecosystem: organisations
belong to the nine atlas families in fixed proportions and to European countries (France first); each
organisation has a heavy-tailed activity (a few organisations sit in many collectives); collective sizes
follow a truncated Pareto law (many pairs and small projects, a few federations with thousands of members);
members of a collective are drawn mostly from its dominant family and, for national collectives, from its
country (homophily), the rest from the whole population.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from essnum.paths import atomic_write

FAMILY_SHARES = {
    "insertion_circulaire": 0.14, "education_inclusion": 0.16, "communs_open_data": 0.10,
    "accompagnement": 0.12, "reseau": 0.08, "acteur_public": 0.08, "tech": 0.14,
    "financeur": 0.06, "recherche": 0.12,
}
LEGAL_FORMS = {
    "insertion_circulaire": ["association", "scic", "scop"], "education_inclusion": ["association", "scic"],
    "communs_open_data": ["association", "scop", "sas"], "accompagnement": ["association", "scop", "sas"],
    "reseau": ["association", "federation"], "acteur_public": ["collectivite", "etablissement_public"],
    "tech": ["sas", "sarl", "scop"], "financeur": ["fondation", "fonds_de_dotation"],
    "recherche": ["universite", "etablissement_public", "association"],
}
COUNTRY_SHARES = {"FR": 0.30, "BE": 0.10, "DE": 0.10, "ES": 0.09, "IT": 0.09, "NL": 0.06, "PT": 0.05,
                  "PL": 0.05, "AT": 0.04, "SE": 0.04, "IE": 0.03, "DK": 0.03, "GR": 0.02}
COLLECTIVE_KINDS = {"project": 0.35, "event": 0.20, "partnership": 0.15, "programme": 0.12,
                    "coalition": 0.10, "network": 0.08}
#: Share of a collective's members drawn from its dominant family, and (national collectives) its country.
FAMILY_HOMOPHILY = 0.6
COUNTRY_HOMOPHILY = 0.3
NATIONAL_SHARE = 0.6
#: Collective sizes: Pareto tail exponent, smallest size, and largest size as a share of the organisations.
SIZE_ALPHA = 1.35
SIZE_MIN = 2
SIZE_MAX_SHARE = 0.05
#: Collectives per organisation (sets the mean number of memberships, about 2.5 per organisation).
COLLECTIVES_PER_ORGANISATION = 0.5


def _choice(rng: np.random.Generator, shares: dict[str, float], size: int) -> np.ndarray:
    keys = np.array(list(shares))
    weights = np.array(list(shares.values()), dtype=float)
    return keys[rng.choice(len(keys), size=size, p=weights / weights.sum())]


def _sampler(weights: np.ndarray):
    """Weighted sampling with replacement from ``weights`` by inverse CDF (fast for many small draws)."""
    cumulative = np.cumsum(weights)
    return lambda rng, k: np.searchsorted(cumulative, rng.random(k) * cumulative[-1], side="right")


def synthetic_atlas(n_organisations: int, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A synthetic atlas of ``n_organisations``: ``(organisations, links)`` in the atlas import format."""
    if n_organisations < 10:
        raise ValueError(f"a synthetic atlas needs at least 10 organisations, got {n_organisations}")
    rng = np.random.default_rng(seed)
    n = n_organisations
    width = len(str(n))
    ids = np.array([f"SYN-O{i:0{width}d}" for i in range(1, n + 1)])
    family = _choice(rng, FAMILY_SHARES, n)
    country = _choice(rng, COUNTRY_SHARES, n)
    legal_form = np.array([LEGAL_FORMS[f][k % len(LEGAL_FORMS[f])] for f, k in zip(family, rng.integers(0, 6, n))])
    organisations = pd.DataFrame({
        "id": ids,
        "name": [f"SYNTHETIC org {i:0{width}d}" for i in range(1, n + 1)],
        "country": country, "family": family, "legal_form": legal_form,
        "source": "synthetic", "synthetic": True,
    })

    activity = rng.lognormal(0.0, 0.8, n)
    everyone = _sampler(activity)
    by_family = {f: (np.flatnonzero(family == f), _sampler(activity[family == f])) for f in FAMILY_SHARES}
    by_country = {c: (np.flatnonzero(country == c), _sampler(activity[country == c])) for c in COUNTRY_SHARES
                  if (country == c).any()}

    n_collectives = max(5, int(n * COLLECTIVES_PER_ORGANISATION))
    size_max = max(SIZE_MIN + 1, int(n * SIZE_MAX_SHARE))
    sizes = np.minimum((SIZE_MIN * rng.random(n_collectives) ** (-1.0 / SIZE_ALPHA)).astype(int), size_max)
    kinds = _choice(rng, COLLECTIVE_KINDS, n_collectives)
    dominant = _choice(rng, FAMILY_SHARES, n_collectives)
    national = rng.random(n_collectives) < NATIONAL_SHARE
    home = _choice(rng, COUNTRY_SHARES, n_collectives)
    cwidth = len(str(n_collectives))

    members_of: list[np.ndarray] = []
    for k in range(n_collectives):
        size = sizes[k]
        shares = [FAMILY_HOMOPHILY, COUNTRY_HOMOPHILY if national[k] and home[k] in by_country else 0.0]
        counts = rng.multinomial(size, [*shares, 1.0 - sum(shares)])
        pool_f, draw_f = by_family[dominant[k]]
        parts = [pool_f[draw_f(rng, counts[0])], everyone(rng, counts[2])]
        if counts[1]:
            pool_c, draw_c = by_country[home[k]]
            parts.append(pool_c[draw_c(rng, counts[1])])
        members_of.append(np.unique(np.concatenate(parts)))
    lengths = np.array([len(m) for m in members_of])
    collective = np.repeat(np.arange(n_collectives), lengths)
    links = pd.DataFrame({
        "organisation_id": ids[np.concatenate(members_of)],
        "collective_id": [f"SYN-C{k + 1:0{cwidth}d}" for k in collective],
        "collective_label": [f"SYNTHETIC {kinds[k]} {k + 1:0{cwidth}d}" for k in collective],
        "collective_kind": kinds[collective],
        "role": "member", "source": "synthetic", "synthetic": True,
    })
    return organisations, links


def write_synthetic_atlas(directory: Path, n_organisations: int, seed: int = 0) -> list[Path]:
    """Write a synthetic atlas as ``organisations.csv`` + ``links.csv`` in ``directory``; return the paths."""
    organisations, links = synthetic_atlas(n_organisations, seed)
    directory = Path(directory)
    written = []
    for name, table in (("organisations.csv", organisations), ("links.csv", links)):
        with atomic_write(directory / name, "w") as handle:
            table.to_csv(handle, index=False, lineterminator="\n")
        written.append(directory / name)
    return written
