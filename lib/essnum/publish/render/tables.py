"""Tables in briefs: a DataFrame shown as a markdown pipe table (``text/markdown``), which Quarto and the
built-in renderer both turn into a real table (with ``#| label: tbl-…`` and ``#| tbl-cap:``)."""

from __future__ import annotations


def _cell(value) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


def table(frame, index: bool = False):
    """``IPython.display.Markdown`` of ``frame`` (values printed as they are: format them first)."""
    from IPython.display import Markdown

    frame = frame.reset_index() if index else frame
    header = "| " + " | ".join(_cell(c) for c in frame.columns) + " |"
    rule = "|" + "|".join(":--" for _ in frame.columns) + "|"
    rows = ["| " + " | ".join(_cell(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return Markdown("\n".join([header, rule, *rows]) + "\n")
