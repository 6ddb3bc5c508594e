"""Parse a ``.qmd`` brief into front matter and blocks, refusing what the built-in renderer cannot do.

The supported Quarto subset (see docs/briefs.md): YAML front matter; pandoc markdown; ``{python}``
cells with ``#|`` options; inline `` `{python} expr` ``; ``{{< embed nb.ipynb#label >}}`` and
``{{< pagebreak >}}``; ``@fig-``/``@tbl-`` cross-references; ``[@key]`` citations; callout divs,
``.source`` divs and the ``#refs`` div; raw ``{=typst}``/``{=html}`` blocks. Anything else that
Quarto would interpret raises :class:`UnsupportedSyntax` naming the file and line, instead of
producing a silently different PDF.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml


class RenderError(Exception):
    """A brief cannot be rendered; the message names the file and line when there is one."""

    def __init__(self, message: str, path: Path | None = None, line: int | None = None):
        self.path, self.line, self.reason = path, line, message
        where = f"{path}:{line}: " if path and line else f"{path}: " if path else ""
        super().__init__(where + message)


class UnsupportedSyntax(RenderError):
    """Quarto syntax outside the subset both renderers understand."""


#: Cell options (``#| key: value``) the built-in renderer honours.
CELL_OPTIONS = {"label", "fig-cap", "fig-alt", "tbl-cap", "echo", "output", "include", "warning", "tags", "eval"}
#: Front-matter keys the built-in renderer honours (others Quarto would act on are refused).
FRONT_MATTER = {"title", "subtitle", "author", "date", "lang", "kicker", "bibliography", "format", "execute",
                "params", "jupyter", "abstract", "keywords", "description", "draft"}
CALLOUTS = {"note", "tip", "important", "warning", "caution"}
DIV_CLASSES = {"source"} | {f"callout-{kind}" for kind in CALLOUTS}
DIV_ATTRIBUTES = {"title"}

FENCE = re.compile(r"^(\s*)(`{3,}|~{3,})\s*(.*?)\s*$")
INLINE_CODE = re.compile(r"`\{(\w+)\}\s*([^`]+?)\s*`")
SHORTCODE = re.compile(r"\{\{<\s*([\w-]+)\s*(.*?)\s*>\}\}")
DIV_OPEN = re.compile(r"^(:{3,})\s*(\{.*\}|[\w-]+)\s*$")
DIV_CLOSE = re.compile(r"^:{3,}\s*$")
CROSSREF = re.compile(r"(?<![\w@])@((fig|tbl|sec|eq|lst|thm|lem|cor|prp|cnj|def|exm|exr)-[\w-]*\w)")
CITATION = re.compile(r"(?<![\w@.])-?@([A-Za-z0-9_][\w:.#$%&+?<>~/-]*[A-Za-z0-9_])")
IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)(\{[^}]*\})?")


@dataclass
class Cell:
    """A ``{python}`` cell: its code (without option lines), options, and first line in the file."""

    code: str
    options: dict
    line: int

    @property
    def label(self) -> str | None:
        return self.options.get("label")


@dataclass
class Embed:
    """``{{< embed notebook.ipynb#label >}}``: outputs of a research-notebook cell."""

    notebook: Path
    label: str
    line: int


@dataclass
class Markdown:
    """Markdown lines; ``inlines`` are the inline python expressions, in order, with their lines."""

    text: str
    line: int
    inlines: list[tuple[int, str]] = field(default_factory=list)


@dataclass
class Raw:
    """A raw block for one output format (``typst`` or ``html``)."""

    format: str
    text: str


@dataclass
class Document:
    path: Path
    meta: dict
    blocks: list
    body_line: int  # first line after the front matter
    citations: list[tuple[int, str]] = field(default_factory=list)
    crossrefs: list[tuple[int, str]] = field(default_factory=list)

    @property
    def cells(self) -> list[Cell]:
        return [b for b in self.blocks if isinstance(b, Cell)]

    @property
    def embeds(self) -> list[Embed]:
        return [b for b in self.blocks if isinstance(b, Embed)]

    def labels(self) -> set[str]:
        """Figure and table labels defined by cells, embeds and markdown images."""
        found = {c.label for c in self.cells if c.label}
        found |= {e.label for e in self.embeds}
        for block in self.blocks:
            if isinstance(block, Markdown):
                found |= set(re.findall(r"\{#((?:fig|tbl)-[\w-]+)", block.text))
        return found

    def parameter_cell(self) -> Cell | None:
        return next((c for c in self.cells if "parameters" in (c.options.get("tags") or [])), None)


def _front_matter(path: Path, lines: list[str]) -> tuple[dict, int]:
    if not lines or lines[0].strip() != "---":
        return {}, 0
    for index in range(1, len(lines)):
        if lines[index].strip() in {"---", "..."}:
            try:
                meta = yaml.safe_load("".join(lines[1:index])) or {}
            except yaml.YAMLError as error:
                mark = getattr(error, "problem_mark", None)
                raise RenderError(f"invalid YAML front matter: {error}", path, (mark.line + 2) if mark else 1) from None
            if not isinstance(meta, dict):
                raise RenderError("the front matter must be a YAML mapping", path, 1)
            for number, text in enumerate(lines[1:index], start=2):
                key = text.split(":", 1)[0].strip()
                if text[:1] not in {" ", "\t", "-", "#"} and ":" in text and key not in FRONT_MATTER:
                    raise UnsupportedSyntax(f"front-matter key {key!r} is not supported by the built-in renderer "
                                            f"(supported: {', '.join(sorted(FRONT_MATTER))})", path, number)
            return meta, index + 1
    raise RenderError("front matter opened with '---' is never closed", path, 1)


def _cell_options(path: Path, option_lines: list[tuple[int, str]]) -> dict:
    options: dict = {}
    for number, text in option_lines:
        try:
            parsed = yaml.safe_load(text)
        except yaml.YAMLError as error:
            raise RenderError(f"invalid cell option: {error.__class__.__name__}", path, number) from None
        if not isinstance(parsed, dict):
            raise RenderError(f"a cell option must read 'key: value', got {text.strip()!r}", path, number)
        for key in parsed:
            if key not in CELL_OPTIONS:
                raise UnsupportedSyntax(f"cell option {key!r} is not supported (supported: "
                                        f"{', '.join(sorted(CELL_OPTIONS))})", path, number)
        options.update(parsed)
    return options


def _div_attributes(path: Path, number: int, spec: str) -> None:
    if not spec.startswith("{"):
        classes, ids, attributes = [spec], [], {}
    else:
        inner = spec[1:-1]
        pairs = re.findall(r'([\w-]+)=(?:"([^"]*)"|(\S+))', inner)
        attributes = {key: quoted or bare for key, quoted, bare in pairs}
        rest = re.sub(r'([\w-]+)=(?:"[^"]*"|\S+)', "", inner)
        classes = re.findall(r"\.([\w-]+)", rest)
        ids = re.findall(r"#([\w-]+)", rest)
    for div_id in ids:
        if div_id != "refs":
            raise UnsupportedSyntax(f"div id #{div_id} is not supported (figures and tables come from cells or "
                                    "embeds; the only div id allowed is #refs)", path, number)
    for name in classes:
        if name not in DIV_CLASSES:
            raise UnsupportedSyntax(f"div class .{name} is not supported (supported: "
                                    f"{', '.join('.' + c for c in sorted(DIV_CLASSES))})", path, number)
    for name in attributes:
        if name not in DIV_ATTRIBUTES:
            raise UnsupportedSyntax(f"div attribute {name}= is not supported", path, number)


def _scan_markdown_line(path: Path, number: int, text: str, document: Document, block: Markdown) -> str:
    """Check one markdown line; record inline expressions, citations and cross-references."""
    for match in INLINE_CODE.finditer(text):
        if match.group(1) != "python":
            raise UnsupportedSyntax(f"inline `{{{match.group(1)}}}` code is not supported (only {{python}})", path, number)
        block.inlines.append((number, match.group(2)))
    for match in SHORTCODE.finditer(text):
        if match.group(1) not in {"embed", "pagebreak"}:
            raise UnsupportedSyntax(f"shortcode {{{{< {match.group(1)} >}}}} is not supported "
                                    "(supported: embed, pagebreak)", path, number)
        if text.strip() != match.group(0):
            raise UnsupportedSyntax(f"shortcode {{{{< {match.group(1)} >}}}} must stand alone on its line", path, number)
    if re.match(r"^\s*(:|Table:)\s.*\{#tbl-", text):
        raise UnsupportedSyntax("a labelled table caption is not supported: produce the table in a cell with "
                                "'#| label: tbl-…' and '#| tbl-cap:'", path, number)
    for match in IMAGE.finditer(text):
        attributes = match.group(1) or ""
        if "fig-alt=" not in attributes:
            raise RenderError("image without alt text: add fig-alt=\"…\" in its {…} attributes", path, number)
    stripped = INLINE_CODE.sub("", re.sub(r"`[^`]*`", "", text))
    stripped = re.sub(r"\]\([^)]*\)", "]", stripped)  # link targets
    stripped = re.sub(r"<https?://[^>]*>", "", stripped)
    stripped = re.sub(r"https?://\S+", "", stripped)
    for match in CROSSREF.finditer(stripped):
        if match.group(2) not in {"fig", "tbl"}:
            raise UnsupportedSyntax(f"cross-reference @{match.group(1)} is not supported (only @fig- and @tbl-)",
                                    path, number)
        document.crossrefs.append((number, match.group(1)))
    for match in CITATION.finditer(CROSSREF.sub("", stripped)):
        document.citations.append((number, match.group(1)))
    return text


def parse(path: Path, text: str | None = None) -> Document:
    """Parse the brief at ``path`` (or ``text``, reported as ``path``)."""
    path = Path(path)
    lines = (path.read_text(encoding="utf-8") if text is None else text).splitlines(keepends=True)
    meta, start = _front_matter(path, lines)
    document = Document(path=path, meta=meta, blocks=[], body_line=start + 1)
    markdown: Markdown | None = None
    divs: list[int] = []

    def flush() -> None:
        nonlocal markdown
        if markdown is not None and markdown.text.strip():
            document.blocks.append(markdown)
        markdown = None

    index = start
    while index < len(lines):
        number, text_line = index + 1, lines[index]
        fence = FENCE.match(text_line)
        if fence:
            marker, info = fence.group(2), fence.group(3)
            close = re.compile(rf"^\s*{re.escape(marker[0])}{{{len(marker)},}}\s*$")
            end = next((j for j in range(index + 1, len(lines)) if close.match(lines[j])), None)
            if end is None:
                raise RenderError(f"code block opened with {marker} is never closed", path, number)
            body = lines[index + 1:end]
            if info.startswith("{") and not info.startswith("{=") and not info.startswith("{."):
                engine = re.match(r"\{(\w+)(.*)\}$", info)
                if not engine or engine.group(1) != "python":
                    raise UnsupportedSyntax(f"executable cell {info} is not supported (only {{python}} cells)", path, number)
                if engine.group(2).strip():
                    raise UnsupportedSyntax(f"options in the cell header {info} are not supported: "
                                            "write them as '#| key: value' lines", path, number)
                option_lines = []
                for offset, code_line in enumerate(body):
                    if not code_line.startswith("#|"):
                        break
                    option_lines.append((number + 1 + offset, code_line[2:]))
                flush()
                cell = Cell(code="".join(body[len(option_lines):]).rstrip("\n"),
                            options=_cell_options(path, option_lines), line=number)
                label = cell.label
                if label and not re.match(r"^(fig|tbl)-[\w-]+$", str(label)):
                    raise UnsupportedSyntax(f"cell label {label!r} must start with fig- or tbl-", path, number)
                document.blocks.append(cell)
            elif info.startswith("{=") and info[2:-1] in {"typst", "html"}:
                flush()
                document.blocks.append(Raw(info[2:-1], "".join(body)))
            else:
                markdown = markdown or Markdown("", number)
                markdown.text += "".join(lines[index:end + 1])
            index = end + 1
            continue
        div_open = DIV_OPEN.match(text_line)
        if div_open:
            _div_attributes(path, number, div_open.group(2))
            divs.append(number)
        elif DIV_CLOSE.match(text_line):
            if not divs:
                raise RenderError("':::' closes a div that was never opened", path, number)
            divs.pop()
        shortcode = SHORTCODE.search(text_line)
        markdown = markdown or Markdown("", number)
        _scan_markdown_line(path, number, text_line, document, markdown)
        if shortcode and shortcode.group(1) == "embed":
            flush()
            target = shortcode.group(2).strip()
            if "#" not in target:
                raise RenderError("embed needs a cell label: {{< embed notebook.ipynb#fig-label >}}", path, number)
            notebook, label = target.rsplit("#", 1)
            document.blocks.append(Embed((path.parent / notebook).resolve(), label, number))
        elif shortcode and shortcode.group(1) == "pagebreak":
            flush()
            document.blocks.append(Raw("typst", "#pagebreak()\n"))
        else:
            markdown.text += text_line
        index += 1
    flush()
    if divs:
        raise RenderError("div opened here is never closed with ':::'", path, divs[-1])
    labels = document.labels()
    for number, ref in document.crossrefs:
        if ref not in labels:
            raise RenderError(f"cross-reference @{ref} names no figure or table of this brief "
                              f"(labels: {', '.join(sorted(labels)) or 'none'})", path, number)
    return document
