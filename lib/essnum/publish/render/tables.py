"""Tables in briefs: a DataFrame shown as a markdown pipe table (``text/markdown``), which Quarto and the
built-in renderer both turn into a real table (with ``#| label: tbl-…`` and ``#| tbl-cap:``), carrying its data
as CSV (:mod:`essnum.figure_data`)."""

from __future__ import annotations

from essnum.figure_data import with_data


def _cell(value) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


def table(frame, index: bool = False, data=None, name: str | None = None, title: str | None = None):
    """``IPython.display.Markdown`` of ``frame`` (values printed as they are: format them first), carrying
    ``data`` (default: ``frame`` itself) as the table's CSV, named ``name`` and described by ``title`` when the
    cell has no label and caption."""
    from IPython.display import Markdown

    frame = frame.reset_index() if index else frame
    shown = frame if data is None else data
    header = "| " + " | ".join(_cell(c) for c in frame.columns) + " |"
    rule = "|" + "|".join(":--" for _ in frame.columns) + "|"
    rows = ["| " + " | ".join(_cell(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return with_data(Markdown("\n".join([header, rule, *rows]) + "\n"), shown, name, title)
