"""Quarto delegation: the `brief-typst` format uses the built-in path's template and filters, and
`essnum render` hands briefs and parameters to `quarto render` when it is on the PATH."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
import yaml

from essnum.paths import package_file, project_root
from essnum.publish.render import RenderError, quarto_available, render

EXTENSION = project_root() / "briefs" / "_extensions" / "brief"


def test_quarto_format_uses_the_same_template_and_filters():
    manifest = yaml.safe_load((EXTENSION / "_extension.yml").read_text(encoding="utf-8"))
    typst = manifest["contributes"]["formats"]["typst"]
    shared = {"typst-template.typ": package_file("publish", "render", "templates", "brief.typ"),
              "typst-show.typ": package_file("publish", "render", "templates", "typst-show.typ"),
              "french.lua": package_file("publish", "render", "filters", "french.lua"),
              "sources.lua": package_file("publish", "render", "filters", "sources.lua")}
    assert set(typst["template-partials"]) | set(typst["filters"]) == set(shared)
    for name, target in shared.items():
        assert (EXTENSION / name).resolve() == target.resolve(), name


def test_template_partials_are_valid_pandoc_partials():
    """Pandoc reads the partials as templates: a `$` in the Typst code would be taken as a variable."""
    assert "$" not in package_file("publish", "render", "templates", "brief.typ").read_text(encoding="utf-8")
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
    script.write_text(f"""#!/bin/sh
echo "$@" >> {log}
out=""; prev=""; for a in "$@"; do [ "$prev" = "--output-dir" ] && out="$a"; prev="$a"; done
stem=$(basename "$2" .qmd)
mkdir -p "$out"
printf '%%PDF-1.7 /Type /Page /Type /Pages' > "$out/$stem.pdf"
echo '<html></html>' > "$out/$stem.html"
""", encoding="utf-8")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{script.parent}{os.pathsep}{os.environ['PATH']}")
    return log


def test_render_delegates_to_quarto_with_format_parameters_and_output_dir(fake_quarto, tmp_path):
    assert quarto_available()
    brief = Path(__file__).parent / "fixtures" / "briefs" / "essai.qmd"
    result = render(brief, {"territoire": "Bretagne"}, tmp_path / "out")
    calls = fake_quarto.read_text().splitlines()
    assert [c.split(" --to ")[1].split()[0] for c in calls] == ["brief-typst", "html"]
    assert all("-P territoire:Bretagne" in c and f"--output-dir {tmp_path / 'out'}" in c for c in calls)
    assert result.pdf == tmp_path / "out" / "essai.pdf" and result.pages == 1


def test_asking_for_quarto_without_quarto_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(RenderError, match="quarto is not on the PATH"):
        render(Path(__file__).parent / "fixtures" / "briefs" / "essai.qmd", engine="quarto")
