"""Tables in briefs: a DataFrame shown as a markdown pipe table (``text/markdown``), which Quarto and the
built-in renderer both turn into a real table (with ``#| label: tbl-…`` and ``#| tbl-cap:``), carrying its data
as CSV (:mod:`essnum.figure_data`)."""

from __future__ import annotations

from essnum.figure_data import with_data


def _cell(value) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


def _rule(columns: int, widths: list[int] | None) -> str:
    """The header rule: every column left-aligned; with ``widths``, columns sized relatively (pandoc reads the
    widths from the dashes), the first left-aligned and the others, numbers, right-aligned."""
    if widths is None:
        return "|" + "|".join(":--" for _ in range(columns)) + "|"
    if len(widths) != columns:
        raise ValueError(f"{columns} columns but {len(widths)} widths")
    return "|" + "|".join(":" + "-" * (3 * w) if i == 0 else "-" * (3 * w) + ":" for i, w in enumerate(widths)) + "|"


def table(frame, index: bool = False, data=None, name: str | None = None, title: str | None = None,
          widths: list[int] | None = None):
    """``IPython.display.Markdown`` of ``frame`` (values printed as they are: format them first), carrying
    ``data`` (default: ``frame`` itself) as the table's CSV, named ``name`` and described by ``title`` when the
    cell has no label and caption; ``widths``: relative column widths (see :func:`_rule`)."""
    from IPython.display import Markdown

    frame = frame.reset_index() if index else frame
    shown = frame if data is None else data
    header = "| " + " | ".join(_cell(c) for c in frame.columns) + " |"
    rule = _rule(len(frame.columns), widths)
    rows = ["| " + " | ".join(_cell(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return with_data(Markdown("\n".join([header, rule, *rows]) + "\n"), shown, name, title)
