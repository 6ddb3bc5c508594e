"""``render_brief``: a ``.qmd`` brief to PDF and HTML with the built-in path, cached.

parse (qmd) → execute in one kernel (execute) → markdown + figures (assemble) → a pandoc server of the
process: markdown read once (citeproc, Lua filters), Typst and HTML written → Typst in process (convert).
Beside the HTML page, ``<brief>-donnees/`` holds the data of each figure and table and the facts annex
(:mod:`.annexes`). The result is cached under ``build/render/``: the key covers the brief source, its parameters, embedded
notebooks, the bibliography, the data files and the essnum code its cells imported (which together
determine its facts), the renderer, templates and filters; when nothing changed the outputs are reused as
they are.
"""

from __future__ import annotations

import calendar
import datetime as dt
import hashlib
import json
import re
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import yaml

from essnum.build import code_files, file_hash, hash_files
from essnum.config import decision
from essnum.paths import atomic_write, build_dir, data_dir, dataset_files, output_dir, package_file, project_root

from . import convert
from .annexes import folder_name, write_annexes
from .answers import export_consultation
from .assemble import assemble, embedded_cell
from .citations import bibliography, check_citations
from .execute import KernelSession, check_parameters, execute_document
from .qmd import Document, parse

CACHE_VERSION = 1


@dataclass
class RenderResult:
    brief: str
    pdf: Path
    html: Path
    pages: int
    seconds: float
    cached: bool
    facts: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)  # inputs that differ from the last render (why it ran)
    over_limit: list[str] = field(default_factory=list)  # consultation answers longer than the form allows
    data: list[str] = field(default_factory=list)  # files of <brief>-donnees/ (figure and table data, annex)


def project_options() -> dict:
    """``_quarto.yml`` of the project (execute defaults are honoured by the built-in path too)."""
    path = project_root() / "_quarto.yml"
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {} if path.is_file() else {}


def french_date(value) -> str:
    from babel.dates import format_date

    if isinstance(value, dt.datetime):
        value = value.date()
    return format_date(value, "d MMMM y", locale="fr_FR") if isinstance(value, dt.date) else str(value)


def document_date(document: Document) -> dt.date:
    """The date a brief's files carry: its ``date``, else the configured default (never the clock)."""
    value = document.meta.get("date")
    if isinstance(value, dt.datetime):
        value = value.date()
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(decision("briefs.default_date"))


def timestamp(document: Document) -> int:
    """Fixed PDF timestamp: :func:`document_date` at midnight UTC."""
    return calendar.timegm(document_date(document).timetuple())


def _slug(params: dict) -> str:
    return "-".join(re.sub(r"[^\w.-]+", "_", f"{k}-{v}") for k, v in sorted(params.items()))


#: essnum modules a render always depends on (the renderer itself); other essnum code counts only if the
#: brief's cells imported it, so editing, say, the network module does not re-render a brief that never uses it.
RENDERER_CODE = ("publish/render", "publish/facts", "french", "config", "paths", "build")

#: Run after a document's cells (the epilogue of its execution): the facts it used, their French text, the
#: essnum files imported.
KERNEL_REPORT = """
import json as __j, sys as __s
from essnum.publish.facts import fact as __f, used as __u
print(__j.dumps({"facts": __u(), "texts": {k: str(__f(k)) for k in __u()},
                 "modules": sorted({m.__file__ for n, m in list(__s.modules.items())
                                    if (n == "essnum" or n.startswith("essnum.")) and getattr(m, "__file__", None)})}))
"""


def cache_inputs(document: Document, bib: Path | None, code: list[Path] | None = None) -> list[Path]:
    """Files whose content decides the rendered brief (``code``: the essnum modules its cells used;
    ``None``: all of essnum)."""
    files = [document.path, *(e.notebook for e in document.embeds), project_root() / "_quarto.yml"]
    files += [bib] if bib else []
    files += code_files("") if code is None else [*code_files(*RENDERER_CODE), *code]
    files += sorted(package_file("publish", "render", "templates").iterdir())
    files += sorted(p for p in data_dir().rglob("*") if p.is_file())  # facts are computed from data and code
    files += dataset_files()  # the user's atlas or places, when named (--atlas, --places, essnum.toml)
    return files


def _key(files: dict[str, str], params: dict) -> str:
    payload = {"version": CACHE_VERSION, "params": params, "files": files}
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def _relative(path: Path | str) -> str:
    path = Path(path).resolve()
    return str(path.relative_to(project_root())) if path.is_relative_to(project_root()) else str(path)


def _only_used_code(files: dict[str, str], used: list[str]) -> dict[str, str]:
    """Drop the essnum Python files neither the renderer nor the brief's cells imported."""
    keep = {_relative(p) for p in code_files(*RENDERER_CODE)} | set(used)
    # keys are project-relative, or absolute when the package lies outside the project (ESSNUM_ROOT elsewhere)
    return {k: v for k, v in files.items() if not ("lib/essnum/" in k and k.endswith(".py")) or k in keep}


def _printed_json(outputs: list[dict]):
    return json.loads("".join(o.get("text", "") for o in outputs if o.get("output_type") == "stream"))


def _record(record_path: Path) -> dict | None:
    return json.loads(record_path.read_text(encoding="utf-8")) if record_path.is_file() else None


def changed_inputs(record: dict | None, files: dict[str, str]) -> list[str]:
    """Inputs added, removed or modified since the recorded render (among the code it used)."""
    if record is None:
        return ["(no previous render)"]
    before = record.get("files", {})
    files = _only_used_code(files, record.get("code", []))
    return sorted(k for k in set(before) | set(files) if before.get(k) != files.get(k))


def _cached(record: dict | None, document: Document, bib: Path | None, params: dict) -> RenderResult | None:
    """The recorded result if every input it depended on and every output are unchanged."""
    if record is None:
        return None
    code = [project_root() / c for c in record.get("code", [])]
    if _key(hash_files(cache_inputs(document, bib, code)), params) != record.get("key"):
        return None
    for path, digest in record["outputs"].items():
        if not Path(path).is_file() or file_hash(Path(path)) != digest:
            return None
    result = record["result"]
    return RenderResult(**{**result, "pdf": Path(result["pdf"]), "html": Path(result["html"]), "seconds": 0.0,
                           "cached": True})


def render_brief(path: Path, params: dict | None = None, out_dir: Path | None = None,
                 session: KernelSession | None = None, force: bool = False) -> RenderResult:
    """Render ``path`` to ``out_dir`` as PDF and HTML (default ``_output/<folder of the brief>``, plus a
    ``<brief>--<name>-<value>`` folder when parameters are given).

    ``session`` lets a batch share one kernel; ``params`` override the brief's parameters
    (parameters cell or front-matter ``params``); ``force`` ignores the cache.
    """
    pending = start_render(path, params, out_dir, session, force)
    return pending if isinstance(pending, RenderResult) else pending()


@dataclass(frozen=True)
class Source:
    """A brief parsed and checked (bibliography, citations, embeds), with the hashes of every file its
    render may depend on (:func:`cache_inputs`). A batch of parameterised renders (issue 7) reads it once
    and passes it to each :func:`start_render`, instead of parsing and hashing again per région."""

    document: Document
    bib: Path | None
    files: dict[str, str]


def read_source(path: Path) -> Source:
    document = parse(Path(path).resolve())
    bib = bibliography(document)
    check_citations(document, bib)
    for embed in document.embeds:  # fail before executing anything
        embedded_cell(embed, document.path)
    return Source(document, bib, hash_files(cache_inputs(document, bib)))


def start_render(path: Path, params: dict | None = None, out_dir: Path | None = None,
                 session: KernelSession | None = None, force: bool = False,
                 source: Source | None = None) -> RenderResult | Callable[[], RenderResult]:
    """The kernel half of :func:`render_brief`: the cached result, or — once the brief's cells have run —
    a function that converts and writes it without the kernel, so a batch can run it in a thread while
    the kernel executes the next brief (issue 7). ``source``: the brief as :func:`read_source` read it
    (hashed before executing: a file edited meanwhile re-renders next time)."""
    started = time.perf_counter()
    path = Path(path).resolve()
    source = source or read_source(path)
    document, bib = source.document, source.bib
    values = check_parameters(document, params)
    name = path.stem
    relative = path.parent.relative_to(project_root()) if path.parent.is_relative_to(project_root()) else Path()
    variant = f"{name}--{_slug(params)}" if params else name  # one folder per parameter set: nothing shared
    out_dir = Path(out_dir) if out_dir else output_dir() / relative / (variant if params else "")
    work = build_dir() / "render" / variant
    record_path = work / "cache.json"
    previous = _record(record_path)
    if not force:
        hit = _cached(previous, document, bib, values)
        if hit is not None and hit.pdf.parent == out_dir.resolve():
            return hit
    files = source.files
    changed = changed_inputs(previous, files)

    own_session = session is None
    session = session or KernelSession(cwd=path.parent)
    try:
        executed = execute_document(document, session, params, epilogue=KERNEL_REPORT)
        report = _printed_json(executed.epilogue)
        facts_used, texts = report["facts"], report["texts"]
        code_used = sorted({_relative(f) for f in report["modules"]})
    finally:
        if own_session:
            session.close()

    def finish() -> RenderResult:
        echo = (project_options().get("execute") or {}).get("echo", True)
        echo = (document.meta.get("execute") or {}).get("echo", echo)
        extra_meta = {"date": french_date(document.meta["date"])} if "date" in document.meta else {}
        work.mkdir(parents=True, exist_ok=True)
        assembled = assemble(document, executed, work / f"{name}_files", f"{name}_files", echo=echo,
                             extra_meta=extra_meta, data_rel=folder_name(name))
        markdown, typst_file, html_file = work / f"{name}.md", work / f"{name}.typ", work / f"{name}.html"
        markdown.write_text(assembled.markdown, encoding="utf-8")
        convert.convert(markdown, work, bib, typst_file, html_file)  # citeproc once for both outputs
        pdf_bytes = convert.compile_pdf(typst_file, timestamp(document))

        pdf, html = (out_dir / f"{name}.pdf").resolve(), (out_dir / f"{name}.html").resolve()
        with atomic_write(pdf, "wb") as handle:
            handle.write(pdf_bytes)
        with atomic_write(html, "wb") as handle:
            handle.write(html_file.read_bytes())
        answers, over_limit = export_consultation(path, out_dir, texts.__getitem__)
        annexes = write_annexes(out_dir / folder_name(name), assembled.data, name, document_date(document))
        result = RenderResult(brief=name, pdf=pdf, html=html, pages=convert.page_count(pdf_bytes),
                              seconds=time.perf_counter() - started, cached=False, facts=facts_used,
                              warnings=assembled.warnings, changed=changed, over_limit=over_limit,
                              data=[str(p) for p in annexes])
        kept = _only_used_code(files, code_used)
        record = {"key": _key(kept, values), "files": kept, "code": code_used,
                  "outputs": {str(p): file_hash(p) for p in (pdf, html, *answers, *annexes)},
                  "result": {**asdict(result), "pdf": str(pdf), "html": str(html)}}
        with atomic_write(record_path, "w") as handle:
            json.dump(record, handle, ensure_ascii=False, indent=1, sort_keys=True)
        return result

    return finish
