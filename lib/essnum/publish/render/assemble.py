"""Turn an executed brief into pandoc markdown plus figure files.

Inline expressions are replaced by their text; cell and embedded-notebook outputs become markdown,
figures (PNG written next to the markdown, with caption, label and alt text) or table floats.
Every figure must carry a label, a caption and alt text, and be followed by a ``.source`` div. An output that
carries its data (``text/csv``, :mod:`essnum.figure_data`) is collected as a :class:`DataOutput` and linked
under its figure or table in the HTML page (a raw HTML block: the PDF does not show it).
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from essnum.figure_data import MIME as DATA_MIME

from .annexes import DataOutput, markdown_header, unique_name
from .execute import Executed
from .qmd import INLINE_CODE, Cell, Document, Embed, Markdown, Raw, RenderError

#: Front-matter keys passed on to pandoc (title block, language, abstract).
PANDOC_META = ("title", "subtitle", "author", "date", "lang", "kicker", "abstract", "keywords", "description")
MARKDOWN_SPECIALS = re.compile(r"([\\`*_\[\]<>#$@])")
SOURCE_DIV = re.compile(r"^:{3,}\s*(\{[^}]*\.source\b[^}]*\}|source)\s*$")


@dataclass
class Assembled:
    markdown: str
    figures: list[Path] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    data: list[DataOutput] = field(default_factory=list)


@lru_cache(maxsize=32)
def _notebook(path: Path, mtime_ns: int) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _options_of(source: str) -> dict:
    options: dict = {}
    for line in source.splitlines():
        if not line.startswith("#|"):
            break
        parsed = yaml.safe_load(line[2:])
        if isinstance(parsed, dict):
            options.update(parsed)
    return options


def embedded_cell(embed: Embed, path: Path) -> tuple[dict, list[dict]]:
    """Options and stored outputs of the notebook cell labelled ``embed.label``."""
    if not embed.notebook.is_file():
        raise RenderError(f"embedded notebook {embed.notebook} does not exist", path, embed.line)
    notebook = _notebook(embed.notebook, embed.notebook.stat().st_mtime_ns)
    labels = []
    for cell in notebook.get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        options = _options_of(source)
        if options.get("label"):
            labels.append(str(options["label"]))
        if options.get("label") == embed.label:
            if not cell.get("outputs"):
                raise RenderError(f"cell {embed.label} of {embed.notebook.name} has no stored outputs: run "
                                  f"`essnum notebooks {embed.notebook.stem}`", path, embed.line)
            return options, cell["outputs"]
    raise RenderError(f"{embed.notebook.name} has no cell labelled {embed.label!r} (labels: "
                      f"{', '.join(labels) or 'none'})", path, embed.line)


def _attribute(text: str) -> str:
    return str(text).replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")


def _text(value) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def _data_output(output: dict, options: dict, result: Assembled) -> DataOutput | None:
    """The data an output carries, named by the cell's label, else by the name the output gives."""
    if DATA_MIME not in output.get("data", {}):
        return None
    meta = output.get("metadata", {}).get(DATA_MIME, {})
    label = options.get("label")
    kind = "figure" if "image/png" in output["data"] else "table"
    caption = options.get("fig-cap" if kind == "figure" else "tbl-cap") if label else None
    name = unique_name(str(label or meta.get("name") or f"{kind}-{len(result.data) + 1}"),
                       {d.name for d in result.data})
    return DataOutput(name=name, kind=kind, caption=caption or meta.get("title"),
                      csv=_text(output["data"][DATA_MIME]), xlsx=bool(meta.get("xlsx")),
                      header=markdown_header(_text(output["data"].get("text/markdown", ""))))


def _outputs_markdown(outputs: list[dict], options: dict, line: int, path: Path, figures_dir: Path,
                      figures_rel: str, result: Assembled, data_rel: str | None = None) -> str:
    label = options.get("label")
    pieces: list[str] = []
    images = 0
    asis = options.get("output") == "asis"
    links: list[str] = []
    for output in outputs:
        carried = _data_output(output, options, result) if data_rel else None
        if carried is not None:
            result.data.append(carried)
            links.append(f"```{{=html}}\n{carried.link(data_rel)}\n```")
        kind = output.get("output_type")
        if kind == "stream":
            if output.get("name") == "stderr":
                result.warnings.append(f"{path.name}:{line}: {_text(output.get('text', '')).strip()}")
                continue
            text = _text(output.get("text", ""))
            pieces.append(text if asis else f"```\n{text.rstrip()}\n```")
            continue
        data = output.get("data", {})
        if "image/png" in data:
            images += 1
            if not (label and str(label).startswith("fig-")):
                raise RenderError("a cell drawing a figure needs '#| label: fig-…', '#| fig-cap:' and '#| fig-alt:'",
                                  path, line)
            if images > 1:
                raise RenderError(f"cell {label} draws {images} figures; a labelled cell must draw exactly one",
                                  path, line)
            for needed in ("fig-cap", "fig-alt"):
                if not options.get(needed):
                    raise RenderError(f"figure {label} has no '#| {needed}:'", path, line)
            target = figures_dir / f"{label}.png"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(base64.b64decode(_text(data["image/png"])))
            result.figures.append(target)
            pieces.append(f'![{options["fig-cap"]}]({figures_rel}/{target.name})'
                          f'{{#{label} fig-alt="{_attribute(options["fig-alt"])}"}}')
        elif "text/markdown" in data:
            pieces.append(_text(data["text/markdown"]))
        elif "text/plain" in data and kind == "execute_result":
            pieces.append(f"```\n{_text(data['text/plain']).rstrip()}\n```")
    body = "\n\n".join(p.strip("\n") for p in pieces if p.strip())
    if label and str(label).startswith("tbl-"):
        if not options.get("tbl-cap"):
            raise RenderError(f"table {label} has no '#| tbl-cap:'", path, line)
        body = f'::: {{#{label} tbl-cap="{_attribute(options["tbl-cap"])}"}}\n{body}\n:::'
    return "\n\n".join([body, *links]) if body else body


def _substitute_inlines(block: Markdown, texts: list[str]) -> str:
    values = iter(texts)
    return INLINE_CODE.sub(lambda _: MARKDOWN_SPECIALS.sub(r"\\\1", next(values)), block.text)


def _check_source_lines(document: Document) -> None:
    for position, block in enumerate(document.blocks):
        label = block.label if isinstance(block, (Cell, Embed)) else None
        if not (label and label.startswith("fig-")):
            continue
        following = document.blocks[position + 1] if position + 1 < len(document.blocks) else None
        first = next((ln for ln in following.text.splitlines() if ln.strip()), "") if isinstance(following, Markdown) else ""
        if not SOURCE_DIV.match(first.strip()):
            raise RenderError(f"figure {label} is not followed by its source line: add '::: {{.source}}' "
                              "Source : … ':::' right after it", document.path, block.line)


def front_matter(document: Document, extra: dict | None = None) -> str:
    meta = {key: document.meta[key] for key in PANDOC_META if key in document.meta}
    if "lang" in meta:
        meta["lang"] = str(meta["lang"]).split("-")[0]  # Typst wants a language code ("fr"), not "fr-FR"
    meta.update(extra or {})
    return "---\n" + yaml.safe_dump(meta, allow_unicode=True, sort_keys=True) + "---\n\n"


def assemble(document: Document, executed: Executed, figures_dir: Path, figures_rel: str, echo: bool = False,
             extra_meta: dict | None = None, data_rel: str | None = None) -> Assembled:
    """Pandoc markdown of the executed ``document``; figures are written into ``figures_dir``; the data outputs
    are collected and linked to ``data_rel/<name>.csv`` (not when ``data_rel`` is ``None``)."""
    _check_source_lines(document)
    result = Assembled(markdown="")
    parts = [front_matter(document, extra_meta)]
    for index, block in enumerate(document.blocks):
        if isinstance(block, Markdown):
            parts.append(_substitute_inlines(block, executed.inlines.get(index, [])))
        elif isinstance(block, Raw):
            parts.append(f"\n```{{={block.format}}}\n{block.text.rstrip()}\n```\n")
        elif isinstance(block, Cell):
            options = block.options
            if options.get("include") is False:
                continue
            if options.get("echo", echo):
                parts.append(f"\n```python\n{block.code}\n```\n")
            if options.get("output", True) is not False:
                body = _outputs_markdown(executed.cells.get(index, []), options, block.line, document.path,
                                         figures_dir, figures_rel, result, data_rel)
                if body:
                    parts.append(f"\n{body}\n\n")
        elif isinstance(block, Embed):
            options, outputs = embedded_cell(block, document.path)
            options["label"] = block.label
            body = _outputs_markdown(outputs, options, block.line, document.path, figures_dir, figures_rel, result,
                                     data_rel)
            parts.append(f"\n{body}\n\n")
    result.markdown = "".join(parts)
    return result
