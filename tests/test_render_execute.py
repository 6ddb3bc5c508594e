"""Executing a brief in one kernel request (essnum.publish.render.kernel): each cell keeps its own outputs, in order,
a failing cell stops the document and names its line, parameters are injected after the parameters cell."""

from __future__ import annotations

import pytest

from essnum.publish.render import KernelSession, RenderError, parse
from essnum.publish.render.execute import execute_document

pytestmark = pytest.mark.slow

HEAD = "---\ntitle: Essai\nlang: fr\n---\n\n"


@pytest.fixture(scope="module")
def session(tmp_path_factory):
    with KernelSession(cwd=tmp_path_factory.mktemp("kernel")) as session:
        yield session


def document(tmp_path, body: str):
    path = tmp_path / "essai.qmd"
    path.write_text(HEAD + body, encoding="utf-8")
    return parse(path)


def cell(code: str) -> str:
    return f"```{{python}}\n{code}\n```\n\n"


def texts(outputs: list[dict]) -> list[str]:
    return [o.get("text") or o["data"]["text/plain"] for o in outputs]


def test_each_cell_keeps_its_own_printed_and_displayed_outputs(session, tmp_path):
    doc = document(tmp_path, cell("print('a')\nprint('b')") + cell("x = 41\nx + 1") + "Texte.\n\n"
                   + cell("print('c')\nfrom IPython.display import display\ndisplay('d')\nprint('e')"))
    executed = execute_document(doc, session)
    by_cell = [texts(executed.cells[index]) for index in sorted(executed.cells)]
    assert by_cell == [["a\nb\n"], ["42"], ["c\n", "'d'", "e\n"]]


def test_cells_share_one_namespace_and_inline_expressions_see_it(session, tmp_path):
    doc = document(tmp_path, cell("n = 6 * 7") + "La réponse est `{python} n` et `{python} f'{n:.1f}'`.\n")
    executed = execute_document(doc, session)
    assert list(executed.inlines.values()) == [["42", "42.0"]]


def test_a_failing_cell_stops_the_document_and_names_its_line(session, tmp_path):
    doc = document(tmp_path, cell("ran = []") + cell("ran.append(1)\n1 / 0") + cell("ran.append(2)"))
    with pytest.raises(RenderError, match=r"essai.qmd:10: cell failed: ZeroDivisionError: division by zero"):
        execute_document(doc, session)
    check = document(tmp_path, cell("print(ran)"))
    assert [texts(o) for o in execute_document(check, session).cells.values()] == [["[1]\n"]]  # the third never ran


def test_a_syntax_error_names_its_cell(session, tmp_path):
    doc = document(tmp_path, cell("x = 1") + cell("x = ("))
    with pytest.raises(RenderError, match=r"essai.qmd:10: cell failed: SyntaxError"):
        execute_document(doc, session)


def test_an_inline_expression_that_does_not_compile_is_named(session, tmp_path):
    doc = document(tmp_path, "Valeur `{python} 1 +`.\n")
    with pytest.raises(RenderError, match=r"essai.qmd:6: inline expression `1 \+` failed: SyntaxError"):
        execute_document(doc, session)


def test_a_cell_clearing_its_output_is_refused(session, tmp_path):
    doc = document(tmp_path, cell("print('a')") + cell("from IPython.display import clear_output\nclear_output()"))
    with pytest.raises(RenderError, match="clear_output"):
        execute_document(doc, session)


def test_parameters_are_set_after_the_parameters_cell(session, tmp_path):
    doc = document(tmp_path, cell("#| tags: [parameters]\nregion = '84'") + cell("print(region)"))
    executed = execute_document(doc, session, {"region": "11"})
    assert texts(executed.cells[max(executed.cells)]) == ["11\n"]


def test_the_epilogue_runs_after_the_cells(session, tmp_path):
    doc = document(tmp_path, cell("seen = 'cellule'"))
    assert texts(execute_document(doc, session, epilogue="print(seen)").epilogue) == ["cellule\n"]


def test_a_document_without_code_needs_no_kernel(tmp_path):
    idle = KernelSession(cwd=tmp_path)
    assert execute_document(document(tmp_path, "Texte seul.\n"), idle).cells == {}
    assert idle._client is None  # never started


def test_running_cells_does_not_import_the_iri_grammar(tmp_path):
    """rfc3987-syntax compiles its grammars with lark at import (about 1 s): kept out of every render."""
    import subprocess
    import sys

    code = ("import sys\nfrom essnum.publish.render import KernelSession\n"
            "with KernelSession() as session:\n    session.run('1')\n"
            "print(sorted(m for m in ('lark', 'rfc3987_syntax', 'nbformat') if sys.modules.get(m)))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, check=True)
    assert done.stdout.split("\n")[-2] == "['nbformat']"
