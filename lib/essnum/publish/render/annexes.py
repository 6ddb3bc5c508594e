"""The data beside a rendered document (issue 14): ``<document>-donnees/`` next to its HTML page holds the CSV of
each figure and table (the ``text/csv`` output of :mod:`essnum.figure_data`), the facts annex as XLSX, and
``index.json``, which lists them for the site's data page. The HTML links each file under its figure or table:
the built-in path writes the links into the markdown it hands pandoc; a page Quarto wrote gets them afterwards
(:func:`link_into_page`).
"""

from __future__ import annotations

import datetime as dt
import html
import io
import json
import re
import shutil
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from essnum.paths import atomic_write

SUFFIX = "-donnees"
INDEX = "index.json"


@dataclass
class DataOutput:
    """One figure's or table's data, as the kernel printed it."""

    name: str  # file stem: the cell's label, else the name the cell gave
    kind: str  # "figure" or "table"
    caption: str | None
    csv: str
    xlsx: bool = False
    header: list[str] = field(default_factory=list)  # a table's column headers as printed (finds it in a page)

    @property
    def files(self) -> list[str]:
        return [f"{self.name}.csv", *([f"{self.name}.xlsx"] if self.xlsx else [])]

    def link(self, folder: str) -> str:
        """The HTML paragraph under the figure or table linking its files (relative to the page)."""
        csv = f'<a href="{folder}/{self.name}.csv" download>CSV</a>'
        if self.xlsx:
            return (f'<p class="data-link">Tous les chiffres du document, avec leur source et leur méthode : '
                    f'<a href="{folder}/{self.name}.xlsx" download>XLSX</a> · {csv}</p>')
        what = "de la figure" if self.kind == "figure" else "du tableau"
        return f'<p class="data-link">Données {what} : {csv}</p>'


def _plain(fragment: str) -> str:
    """Text of an HTML or markdown fragment, without tags, markup or any kind of space (for comparing)."""
    return re.sub(r"[\s\u00a0\u202f\u200b*_`\\]+", "", html.unescape(re.sub(r"<[^>]+>", "", fragment)))


def markdown_header(markdown: str) -> list[str]:
    """The column headers of the first pipe table of ``markdown``."""
    line = next((ln for ln in markdown.splitlines() if ln.lstrip().startswith("|")), "")
    return [_plain(cell) for cell in re.split(r"(?<!\\)\|", line.strip().strip("|"))] if line else []


def _element_end(page: str, start: int) -> int:
    """Where the element opening at ``start`` (a ``<div>`` or a ``<table>``) closes, its closing tag included."""
    tag = re.match(r"<(\w+)", page[start:]).group(1)
    depth = 0
    for match in re.finditer(rf"<(/?){tag}\b[^>]*>", page[start:]):
        depth += -1 if match.group(1) else 1
        if depth == 0:
            return start + match.end()
    return len(page)


def link_into_page(page: str, outputs: list[DataOutput], folder: str) -> str:
    """A page another engine wrote (Quarto) with the link of each output after its figure or table: the element
    whose id is the output's label, else the first table with the same column headers, else the end of the
    page's main content (a link is never dropped)."""
    insertions: list[tuple[int, str]] = []
    tables = [(m.start(), _plain("".join(re.findall(r"<th\b[^>]*>(.*?)</th>", page[m.start():_element_end(page, m.start())],
                                                     re.S)[:50])))
              for m in re.finditer(r"<table\b", page)]
    used: set[int] = set()
    for output in outputs:
        anchor = re.search(rf'<div\b[^>]*\bid="{re.escape(output.name)}"', page)
        if anchor:
            insertions.append((_element_end(page, anchor.start()), output.link(folder)))
            continue
        wanted = "".join(output.header)
        table = next((start for start, header in tables if wanted and start not in used and header.startswith(wanted)),
                     None)
        if table is not None:
            used.add(table)
            insertions.append((_element_end(page, table), output.link(folder)))
            continue
        ends = [position for position in (page.find("</main>"), page.rfind("</body>")) if position >= 0]
        insertions.append((ends[0] if ends else len(page), output.link(folder)))
    for position, link in sorted(insertions, key=lambda item: item[0], reverse=True):
        page = page[:position] + "\n" + link + "\n" + page[position:]
    return page


def folder_name(document: str) -> str:
    return f"{document}{SUFFIX}"


def unique_name(name: str, taken: set[str]) -> str:
    """``name``, or ``name-2``, ``name-3``… when a figure or table of the document already took it."""
    candidate, number = name, 1
    while candidate in taken:
        number += 1
        candidate = f"{name}-{number}"
    taken.add(candidate)
    return candidate


def xlsx_bytes(frame, sheet: str, when: dt.date) -> bytes:
    """``frame`` as an XLSX workbook whose bytes depend on its content only: the zip entries and the document
    properties carry ``when`` (the document's date), not the clock."""
    raw = io.BytesIO()
    frame.astype(object).where(frame.notna(), None).to_excel(raw, index=False, sheet_name=sheet[:31])
    stamp = dt.datetime.combine(when, dt.time()).strftime("%Y-%m-%dT%H:%M:%SZ")
    out = io.BytesIO()
    with zipfile.ZipFile(raw) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*", rb"\g<1>" + stamp.encode(), data)
            entry = zipfile.ZipInfo(info.filename, date_time=(when.year, when.month, when.day, 0, 0, 0))
            entry.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(entry, data)
    return out.getvalue()


def write_annexes(folder: Path, outputs: list[DataOutput], document: str, when: dt.date) -> list[Path]:
    """Replace ``folder`` with the files of ``outputs`` and its ``index.json``; return the files written
    (none, and no folder, when the document shows no data)."""
    import pandas as pd

    if folder.exists():
        shutil.rmtree(folder)
    if not outputs:
        return []
    folder.mkdir(parents=True)
    written, entries = [], []
    for output in outputs:
        path = folder / f"{output.name}.csv"
        with atomic_write(path, "w") as handle:
            handle.write(output.csv)
        written.append(path)
        frame = pd.read_csv(io.StringIO(output.csv), dtype=str, keep_default_na=False)
        if output.xlsx:
            typed = pd.read_csv(io.StringIO(output.csv))
            path = folder / f"{output.name}.xlsx"
            with atomic_write(path, "wb") as handle:
                handle.write(xlsx_bytes(typed, output.name, when))
            written.append(path)
        entries.append({"name": output.name, "kind": output.kind, "caption": output.caption,
                        "rows": len(frame), "columns": list(frame.columns), "files": output.files})
    index = folder / INDEX
    with atomic_write(index, "w") as handle:
        json.dump({"document": document, "data": entries}, handle, ensure_ascii=False, indent=1)
        handle.write("\n")
    return [*written, index]
