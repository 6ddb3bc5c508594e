"""The data behind a figure or a table, carried with it to the page that shows it (issue 14).

:func:`with_data` attaches a table to a figure (matplotlib, ``MapFigure``) or to a markdown table. Displayed in
a kernel, the object then adds its data as CSV (``text/csv``) to the output that shows it, beside the PNG or the
markdown: the built-in renderer writes that CSV beside the HTML page and links it under the caption, and
stored notebooks keep it with the figure, so an embedded figure brings its data. Jupyter and Quarto show the
PNG or the markdown, as before.
"""

from __future__ import annotations

MIME = "text/csv"
#: Decimals kept in the CSV (enough for any share or distance, stable from run to run).
DECIMALS = 6


def csv_text(frame) -> str:
    """``frame`` as CSV text (UTF-8, no index, ``\\n`` line ends, floats rounded to :data:`DECIMALS`)."""
    return frame.round(DECIMALS).to_csv(index=False, lineterminator="\n")


class _Bundle:
    """The ``_repr_mimebundle_`` of a shown object: its CSV, and how the renderer names the file."""

    def __init__(self, csv: str, metadata: dict):
        self.csv, self.metadata = csv, metadata

    def __call__(self, include=None, exclude=None) -> tuple[dict, dict]:
        return {MIME: self.csv}, ({MIME: self.metadata} if self.metadata else {})


def with_data(shown, frame, name: str | None = None, title: str | None = None, xlsx: bool = False):
    """``shown`` (returned) carrying ``frame`` as its data. ``name`` and ``title`` name the file and say what it
    holds when the cell has no ``label`` and caption (those win); ``xlsx`` asks the renderer for an XLSX copy
    too (the facts annex)."""
    metadata = {key: value for key, value in (("name", name), ("title", title), ("xlsx", xlsx)) if value}
    shown._repr_mimebundle_ = _Bundle(csv_text(frame), metadata)
    return shown


def data_of(shown) -> str | None:
    """The CSV text attached to ``shown``, or ``None``."""
    bundle = getattr(shown, "_repr_mimebundle_", None)
    return bundle.csv if isinstance(bundle, _Bundle) else None
