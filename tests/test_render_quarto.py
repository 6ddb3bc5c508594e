"""Quarto delegation: the `brief-typst` format uses the built-in path's template and filters (by path: no
copies, no symbolic links), and `essnum render --engine quarto` hands briefs and parameters to
`quarto render`; the built-in path stays the default. The real Quarto renders: test_render_quarto_parity.py."""

from __future__ import annotations

import inspect
import os
import stat
import sys
from pathlib import Path

import pytest
import yaml

from essnum.paths import package_file, project_root
from essnum.publish.render import RenderError, quarto_available, render, render_briefs

EXTENSION = project_root() / "briefs" / "_extensions" / "brief"


def _paths(entries: list) -> list[str]:
    return [entry["path"] if isinstance(entry, dict) else entry for entry in entries]


def test_quarto_format_uses_the_same_template_and_filters():
    manifest = yaml.safe_load((EXTENSION / "_extension.yml").read_text(encoding="utf-8"))
    typst = manifest["contributes"]["formats"]["typst"]
    shared = {package_file("publish", "render", "templates", "typst-template.typ"),
              package_file("publish", "render", "templates", "typst-show.typ"),
              package_file("publish", "render", "filters", "french.lua"),
              package_file("publish", "render", "filters", "sources.lua"),
              package_file("publish", "render", "filters", "quarto.lua")}
    named = [EXTENSION / p for p in typst["template-partials"] + _paths(typst["filters"])]
    assert {p.resolve() for p in named} == {p.resolve() for p in shared}
    # Quarto replaces its own partial of the same file name
    assert [Path(p).name for p in typst["template-partials"]] == ["typst-template.typ", "typst-show.typ"]


def test_extension_holds_no_symbolic_link():
    """Quarto copies template partials into its temporary folder as they are: a relative symbolic link
    dangles there ("NotFound … typst-template.typ", issue 12)."""
    links = [p for p in EXTENSION.rglob("*") if p.is_symlink()]
    assert not links, f"symbolic links in the extension: {links}"


def test_html_format_uses_the_same_filters_in_the_same_order():
    options = yaml.safe_load((project_root() / "_quarto.yml").read_text(encoding="utf-8"))
    html = options["format"]["html"]
    typst = yaml.safe_load((EXTENSION / "_extension.yml").read_text(encoding="utf-8"))["contributes"]["formats"]["typst"]
    assert [Path(p).name for p in _paths(html["filters"])] == [Path(p).name for p in _paths(typst["filters"])]
    for path in _paths(html["filters"]):
        assert (project_root() / path).is_file(), path
    assert html["embed-resources"] is True
    assert options["language"]["crossref-tbl-title"] == "Tableau"  # Quarto's French file says "Table"


def test_template_partials_are_valid_pandoc_partials():
    """Pandoc reads the partials as templates: a `$` in the Typst code would be taken as a variable."""
    assert "$" not in package_file("publish", "render", "templates", "typst-template.typ").read_text(encoding="utf-8")
    assert "$" not in package_file("publish", "render", "templates", "definitions.typ").read_text(encoding="utf-8")


def test_project_declares_the_brief_format():
    options = yaml.safe_load((project_root() / "_quarto.yml").read_text(encoding="utf-8"))
    assert "brief-typst" in options["format"] and "html" in options["format"]
    assert options["execute"]["echo"] is False


@pytest.fixture
def fake_quarto(tmp_path, monkeypatch):
    """A `quarto` on the PATH that records its arguments and writes the files Quarto would write."""
    log = tmp_path / "calls.txt"
    script = tmp_path / "bin" / "quarto"
    script.parent.mkdir()
    # as Quarto in a project: outputs under --output-dir at the brief's folder relative to the project
    script.write_text(f"""#!/bin/sh
echo "$@ QUARTO_PYTHON=$QUARTO_PYTHON" >> {log}
out=""; prev=""; for a in "$@"; do [ "$prev" = "--output-dir" ] && out="$a"; prev="$a"; done
stem=$(basename "$2" .qmd)
dir="$out/$(realpath --relative-to="$PWD" "$(dirname "$2")")"
mkdir -p "$dir"
printf '%%PDF-1.7 /Type /Page /Type /Pages' > "$dir/$stem.pdf"
echo '<html></html>' > "$dir/$stem.html"
""", encoding="utf-8")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{script.parent}{os.pathsep}{os.environ['PATH']}")
    return log


def test_render_delegates_to_quarto_with_format_parameters_and_output_dir(fake_quarto, tmp_path, monkeypatch):
    monkeypatch.delenv("QUARTO_PYTHON", raising=False)
    assert quarto_available()
    brief = Path(__file__).parent / "fixtures" / "briefs" / "essai.qmd"
    result = render(brief, {"territoire": "Bretagne"}, tmp_path / "out", engine="quarto")
    calls = fake_quarto.read_text().splitlines()
    assert [c.split(" --to ")[1].split()[0] for c in calls] == ["brief-typst", "html"]
    assert all("-P territoire:Bretagne" in c for c in calls)
    assert all(c.endswith(f"QUARTO_PYTHON={sys.executable}") for c in calls)  # the cells run in this venv
    assert result.pdf == (tmp_path / "out" / "essai.pdf").resolve() and result.pages == 1
    # the fake page has no figure to put the data links after: they close it, none is lost
    page = result.html.read_text()
    assert page.startswith("<html></html>\n") and 'href="essai-donnees/tbl-maturite.csv"' in page
    assert sorted(Path(p).name for p in result.data) == ["chiffres.csv", "chiffres.xlsx", "index.json",
                                                         "tbl-maturite.csv"]


def test_the_built_in_path_is_the_default_even_with_quarto_installed():
    from essnum.cli.build import build
    from essnum.cli.render import render as render_command

    assert inspect.signature(render).parameters["engine"].default == "builtin"
    assert inspect.signature(render_briefs).parameters["engine"].default == "builtin"
    for command in (render_command, build):
        engine = next(p for p in command.params if p.name == "engine")
        assert engine.default == "builtin" and "quarto" in engine.type.choices


def test_build_with_quarto_has_its_own_stamp_and_the_extension_as_input():
    from essnum import pipeline

    builtin = next(s for s in pipeline.steps() if s.name.startswith("briefs"))
    quarto = next(s for s in pipeline.steps("quarto") if s.name.startswith("briefs"))
    assert (builtin.name, quarto.name) == ("briefs", "briefs (quarto)")
    assert EXTENSION / "_extension.yml" in quarto.inputs() and EXTENSION / "_extension.yml" not in builtin.inputs()


def test_asking_for_quarto_without_quarto_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(RenderError, match="quarto is not on the PATH"):
        render(Path(__file__).parent / "fixtures" / "briefs" / "essai.qmd", engine="quarto")
