"""Project decisions (thresholds, definitions, colours) read from one commented file: ``decisions.toml``."""

from __future__ import annotations

import tomllib
from functools import lru_cache
from typing import Any

from .paths import package_file


@lru_cache(maxsize=1)
def decisions() -> dict[str, Any]:
    """All decisions, as nested dictionaries."""
    with package_file("decisions.toml").open("rb") as handle:
        return tomllib.load(handle)


def decision(dotted_key: str) -> Any:
    """One decision by dotted key, e.g. ``decision("survey.suppression_threshold")``."""
    node: Any = decisions()
    for part in dotted_key.split("."):
        if not isinstance(node, dict) or part not in node:
            raise KeyError(f"no decision {dotted_key!r} in {package_file('decisions.toml')}")
        node = node[part]
    return node
