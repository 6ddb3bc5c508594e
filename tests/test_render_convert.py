"""The pandoc server of the built-in renderer: one process converting document after document, each with its
own filter state, warnings as errors, a crashed process restarted, figures and stylesheet embedded in HTML."""

from __future__ import annotations

import base64
import re

import pytest

from essnum.paths import data_dir
from essnum.publish.render import RenderError, convert

DOCUMENT = """---
title: Essai
lang: fr
---

![Une carte.](fig.png){#fig-carte fig-alt="Une carte en couleurs."}

Voir @fig-carte ; selon l'enquête [@rs2022].
"""

PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")


@pytest.fixture
def server():
    server = convert.PandocServer()
    yield server
    server.close()


def convert_with(server, tmp_path, markdown: str, name: str = "doc"):
    (tmp_path / "fig.png").write_bytes(PNG)
    source = tmp_path / f"{name}.md"
    source.write_text(markdown, encoding="utf-8")
    answer = server.request(convert.conversion_request(source, tmp_path, data_dir() / "evidence" / "bibliography.json",
                                                       tmp_path / f"{name}.typ", tmp_path / f"{name}.html"))
    return answer, tmp_path / f"{name}.typ", tmp_path / f"{name}.html"


def test_two_documents_in_one_process_number_their_figures_afresh(server, tmp_path):
    for name in ("un", "deux"):
        answer, typst, html = convert_with(server, tmp_path, DOCUMENT, name)
        assert answer == {"ok": True}
        page = html.read_text(encoding="utf-8")
        assert "Figure\u00a01\u00a0:" in page and "Figure\u00a02" not in page  # prepare.lua's state is per document
        assert '<a href="#fig-carte">Figure\u00a01</a>' in page
        assert "@fig-carte" in typst.read_text(encoding="utf-8")  # Typst numbers the reference itself
        assert "Figure\u00a01</a>\u202f;" in page  # french.lua: a narrow no-break space before ";"


def test_html_embeds_the_figure_and_the_stylesheet(server, tmp_path):
    _, _, html = convert_with(server, tmp_path, DOCUMENT)
    page = html.read_text(encoding="utf-8")
    image = re.search(r"<img [^>]*>", page).group(0)
    assert f'src="data:image/png;base64,{base64.b64encode(PNG).decode()}"' in image
    assert 'alt="Une carte en couleurs."' in image
    assert 'role="img"' in image and 'aria-label="Une carte en couleurs."' in image  # as --embed-resources did
    assert "<link" not in page and "fig.png" not in page
    assert convert.template_file("brief.css").read_text(encoding="utf-8").splitlines()[1] in page


def test_a_pandoc_warning_is_an_error_and_the_server_goes_on(server, tmp_path):
    answer, _, _ = convert_with(server, tmp_path, DOCUMENT.replace("[@rs2022]", "[@pas_dans_la_bibliographie]"))
    assert "citation pas_dans_la_bibliographie not found" in answer["error"]
    assert convert_with(server, tmp_path, DOCUMENT)[0] == {"ok": True}


def test_a_missing_file_names_it(server, tmp_path):
    answer, _, _ = convert_with(server, tmp_path, DOCUMENT.replace("fig.png", "absente.png"))
    assert "absente.png" in answer["error"]


def test_a_dead_server_is_restarted(server, tmp_path):
    assert convert_with(server, tmp_path, DOCUMENT)[0] == {"ok": True}
    server._process.kill()
    server._process.wait()
    assert convert_with(server, tmp_path, DOCUMENT)[0] == {"ok": True}


def test_convert_raises_a_render_error_naming_the_document(tmp_path):
    (tmp_path / "fig.png").write_bytes(PNG)
    source = tmp_path / "cite.md"
    source.write_text(DOCUMENT.replace("[@rs2022]", "[@inconnue]"), encoding="utf-8")
    with pytest.raises(RenderError, match=r"cite\.md.*citation inconnue not found"):
        convert.convert(source, tmp_path, data_dir() / "evidence" / "bibliography.json", tmp_path / "c.typ",
                        tmp_path / "c.html")


def test_the_pool_starts_a_server_per_concurrent_conversion_only(tmp_path):
    import threading

    pool = convert.PandocServers()
    try:
        for _ in range(3):  # one after the other: one server
            with pool.server():
                pass
        assert len(pool) == 1
        both_busy = threading.Barrier(2)

        def hold():
            with pool.server():
                both_busy.wait(timeout=10)

        threads = [threading.Thread(target=hold) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(pool) == 2
    finally:
        pool.close()
