"""Pandoc (from the pypandoc-binary wheel) with the Lua filters, then Typst (in process) for the PDF.

Pandoc runs as long-lived processes (``pandoc lua convert_server.lua``, :class:`PandocServer`), as many
as conversions ran at the same time (:class:`PandocServers`). For each document one of them reads the
markdown once — cross-references numbered, citations resolved by citeproc against the CSL-JSON
bibliography, French typography — then writes the Typst source and the self-contained HTML page, each with
the filters of its format (source lines, and what Quarto would otherwise do: figures with alt text, table
floats, callouts, cross-references as Typst references or HTML links). A batch of briefs thus pays
pandoc's start and its Lua modules once per server, and citeproc once per document.
"""

from __future__ import annotations

import atexit
import json
import re
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

from essnum.paths import package_file

from .qmd import RenderError

#: Lua filters of the built-in path. Reading: prepare.lua runs before citeproc (numbering,
#: cross-references), french.lua after; each writer then runs the format-specific ones.
BEFORE_CITEPROC = ("prepare.lua",)
AFTER_CITEPROC = ("french.lua",)
WRITER_FILTERS = ("sources.lua", "offline.lua")
PDF_PAGE = re.compile(rb"/Type\s*/Page(?![s\w])")


def pandoc_path() -> str:
    import pypandoc

    return pypandoc.get_pandoc_path()


def template_file(name: str) -> Path:
    return package_file("publish", "render", "templates", name)


def filter_file(name: str) -> Path:
    return package_file("publish", "render", "filters", name)


class PandocServer:
    """A ``pandoc lua`` process converting documents one request at a time (thread-safe); restarted if it
    died. Its stderr goes to a temporary file, quoted when the process fails."""

    def __init__(self):
        self._process, self._stderr, self._lock = None, None, threading.Lock()

    def _start(self) -> subprocess.Popen:
        if self._process is None or self._process.poll() is not None:
            self._stderr = tempfile.TemporaryFile()
            self._process = subprocess.Popen([pandoc_path(), "lua", str(filter_file("convert_server.lua"))],
                                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._stderr,
                                             text=True, encoding="utf-8")
        return self._process

    def _died(self) -> str:
        self._process.wait()
        self._stderr.seek(0)
        return self._stderr.read().decode("utf-8", "replace").strip() or f"exit status {self._process.returncode}"

    def request(self, payload: dict) -> dict:
        with self._lock:
            process = self._start()
            try:
                process.stdin.write(json.dumps(payload, ensure_ascii=False) + "\n")
                process.stdin.flush()
                answer = process.stdout.readline()
            except BrokenPipeError:
                answer = ""
            if not answer:
                raise RenderError(f"pandoc stopped: {self._died()}")
            return json.loads(answer)

    def close(self) -> None:
        with self._lock:
            if self._process is not None and self._process.poll() is None:
                self._process.stdin.close()
                self._process.wait()
            self._process = None


class PandocServers:
    """The process's pandoc servers: a conversion takes an idle one, or starts one when all are busy (so there
    are as many as conversions ever ran at once: two in a barometer batch, one otherwise), and gives it back."""

    def __init__(self):
        self._idle: list[PandocServer] = []
        self._all: list[PandocServer] = []
        self._lock = threading.Lock()

    @contextmanager
    def server(self) -> Iterator[PandocServer]:
        with self._lock:
            if self._idle:
                server = self._idle.pop()
            else:
                server = PandocServer()
                self._all.append(server)
        try:
            yield server
        finally:
            with self._lock:
                self._idle.append(server)

    def __len__(self) -> int:
        return len(self._all)

    def close(self) -> None:
        for server in self._all:
            server.close()


@lru_cache(maxsize=1)
def pandoc_servers() -> PandocServers:
    """The process's pandoc servers (closed at exit)."""
    servers = PandocServers()
    atexit.register(servers.close)
    return servers


def conversion_request(markdown: Path, work_dir: Path, bibliography: Path | None, typst: Path, html: Path) -> dict:
    """What :class:`PandocServer` is asked to convert (see ``convert_server.lua``): the files, the filters
    of each pass, the templates."""
    return {
        "markdown": str(markdown), "work_dir": str(work_dir),
        "bibliography": str(bibliography) if bibliography is not None else None,
        "before_citeproc": [str(filter_file(name)) for name in BEFORE_CITEPROC],
        "after_citeproc": [str(filter_file(name)) for name in AFTER_CITEPROC],
        "writer_filters": [str(filter_file(name)) for name in WRITER_FILTERS],
        "typst": str(typst), "typst_template": str(template_file("offline.typ")),
        "html": str(html), "css": str(template_file("brief.css")),
    }


def convert(markdown: Path, work_dir: Path, bibliography: Path | None, typst: Path, html: Path) -> None:
    """Write the Typst source (brief template, title block from the front matter, citations as text) and the
    HTML page (figures and stylesheet embedded) of ``markdown``, its relative paths read from ``work_dir``.
    A pandoc warning (e.g. an unresolved citation) is an error."""
    with pandoc_servers().server() as server:
        answer = server.request(conversion_request(markdown, work_dir, bibliography, typst, html))
    if "error" in answer:
        raise RenderError(f"pandoc failed on {markdown}: {answer['error']}")


@lru_cache(maxsize=1)
def _typst_compiler():
    """One Typst compiler per process, fonts loaded once (embedded fonts only) for every document it compiles;
    it reads each document's files afresh at every compile."""
    import typst

    return typst.Compiler(ignore_system_fonts=True)


_TYPST_LOCK = threading.Lock()  # one compile at a time: the compiler is shared by the conversion threads


def compile_pdf(typst_file: Path, timestamp: int) -> bytes:
    """Compile with the embedded fonts only and a fixed timestamp, so a rebuild is byte-identical."""
    try:
        with _TYPST_LOCK:
            return _typst_compiler().compile(input=str(typst_file), root=str(typst_file.parent), timestamp=timestamp)
    except Exception as error:  # typst.TypstError carries the Typst diagnostic
        raise RenderError(f"typst failed on {typst_file}: {error}") from None


def page_count(pdf: bytes) -> int:
    return len(PDF_PAGE.findall(pdf))
