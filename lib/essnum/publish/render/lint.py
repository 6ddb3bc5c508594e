"""Checks on brief sources that do not need a render: no number typed by hand in the prose.

Rule (documented in docs/briefs.md): every number a brief prints comes from a fact
(`` `{python} fact("key")` ``). Digits left in the prose after removing code, inline expressions,
citations, cross-references, attributes, links and URLs must match one of the allowed patterns of
``decisions.toml`` (``briefs.prose_digits_allowed``: years, dates, numbered questions, proposals and
sections, ordinals).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from essnum.config import decision

from .qmd import Markdown, parse

#: Removed before looking for digits: not prose.
NOT_PROSE = [
    re.compile(r"`[^`]*`"),                       # inline code and inline python expressions
    re.compile(r"\[[^\]]*@[^\]]*\]"),             # [@citations]
    re.compile(r"(?<![\w@])@[\w:.#$%&+?<>~/-]+"),  # @citations and @fig-/@tbl- references
    re.compile(r"\{[^}]*\}"),                     # {#id .class key=value} attributes
    re.compile(r"\]\([^)]*\)"),                   # link targets
    re.compile(r"<https?://[^>]*>|https?://\S+"),  # URLs
    re.compile(r"<!--.*?-->"),                    # comments
    re.compile(r"\{\{<.*?>\}\}"),                 # shortcodes
]
FENCE_OR_DIV = re.compile(r"^\s*(:::|```|~~~)")


@dataclass(frozen=True)
class Digit:
    path: Path
    line: int
    text: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: number typed in the prose, use a fact: {self.text.strip()}"


def prose_digits(path: Path) -> list[Digit]:
    """Lines of the brief whose prose holds a digit outside facts and the allowed patterns."""
    allowed = [re.compile(pattern) for pattern in decision("briefs.prose_digits_allowed")]
    found = []
    for block in parse(path).blocks:
        if not isinstance(block, Markdown):
            continue
        in_fence = False
        for offset, line in enumerate(block.text.splitlines()):
            if line.lstrip().startswith(("```", "~~~")):
                in_fence = not in_fence
                continue
            if in_fence or FENCE_OR_DIV.match(line):
                continue
            prose = line
            for pattern in NOT_PROSE + allowed:
                prose = pattern.sub(" ", prose)
            if re.search(r"\d", prose):
                found.append(Digit(Path(path), block.line + offset, line))
    return found
