"""Data beside every figure and table (issue 14): a figure or table carries its data as a ``text/csv`` output
(essnum.figure_data); the built-in renderer writes it into ``<document>-donnees/``, links it under the figure
in the HTML page, and writes the facts annex as XLSX."""

from __future__ import annotations

import csv
import io
import json
import zipfile

import pandas as pd
import pytest

from essnum.figure_data import MIME, csv_text, data_of, with_data
from essnum.publish.render.annexes import DataOutput, write_annexes, xlsx_bytes
from essnum.publish.render.assemble import assemble
from essnum.publish.render.execute import Executed
from essnum.publish.render.qmd import parse


def rows(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


def test_a_figure_shows_its_png_and_its_csv_in_one_output():
    """Displayed the way the inline backend displays it, a matplotlib figure with data gives one output
    holding the PNG and the CSV (so an embedded notebook figure brings its data)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from IPython.core.interactiveshell import InteractiveShell
    from IPython.core.pylabtools import select_figure_formats

    shell = InteractiveShell.instance()
    select_figure_formats(shell, {"png"})
    figure, ax = plt.subplots()
    ax.plot([1, 2], [3, 4])
    with_data(figure, pd.DataFrame({"x": [1, 2], "y": [3.0, 4.123456789]}))
    bundle, _ = shell.display_formatter.format(figure)
    plt.close(figure)
    assert {"image/png", MIME} <= set(bundle)
    assert rows(bundle[MIME]) == [{"x": "1", "y": "3.0"}, {"x": "2", "y": "4.123457"}]


def test_a_table_keeps_its_markdown_and_carries_the_data_it_is_given():
    from IPython.core.interactiveshell import InteractiveShell

    from essnum.publish.render import table

    shown = pd.DataFrame({"Région": ["Bretagne"], "Part": ["12,5 %"]})
    bundle, metadata = InteractiveShell.instance().display_formatter.format(
        table(shown, data=pd.DataFrame({"code": ["53"], "share": [0.125]}), name="parts", title="Parts"))
    assert "| Bretagne | 12,5 % |" in bundle["text/markdown"]
    assert rows(bundle[MIME]) == [{"code": "53", "share": "0.125"}]
    assert metadata[MIME] == {"name": "parts", "title": "Parts"}
    assert data_of(table(shown)) == csv_text(shown)  # without data, the table as shown


def test_a_table_with_widths_sizes_its_columns_and_aligns_numbers_right():
    from essnum.publish.render import table

    shown = pd.DataFrame({"Département": ["Finistère (29)"], "Sites": ["12"], "Part": ["3,1 %"]})
    lines = table(shown, widths=[4, 2, 1]).data.splitlines()
    assert lines[1] == "|:------------|------:|---:|"
    assert lines[2] == "| Finistère (29) | 12 | 3,1 % |"
    with pytest.raises(ValueError, match="3 columns but 2 widths"):
        table(shown, widths=[4, 2])


def test_every_chart_of_the_library_carries_what_it_draws():
    from essnum.funding import plots as funding_plots
    from essnum.funding import scenarios
    from essnum.survey import plots, published

    intervals = published.published_intervals()
    maturity = intervals[intervals["group"] == "maturity"]
    drawn = rows(data_of(plots.dot_plot(maturity, "Maturité")))
    assert [r["id"] for r in drawn] == list(maturity.sort_values("value").index[::-1])  # top of the chart first
    assert [float(r["value"]) for r in drawn] == sorted(maturity["value"], reverse=True)
    assert {"label", "low", "high", "method"} <= set(drawn[0])

    result = scenarios.reconditioning_gap()
    path = rows(data_of(funding_plots.reconditioning_plot(result)))
    assert [int(r["year"]) for r in path] == list(result["path"]["year"])
    assert float(path[0]["reconditioned_per_year"]) == result["reconditioned_per_year"]
    procurement = scenarios.procurement_reservation()
    assert len(rows(data_of(funding_plots.procurement_plot(procurement)))) == len(procurement)


def test_a_map_carries_each_unit_its_value_and_its_class():
    from essnum.data import reference
    from essnum.territory import maps

    departements = reference.departements(overseas=True)
    table = pd.DataFrame({"code": departements["code"], "share": range(len(departements))})
    figure = maps.france_map(table, "share", departements, title="Essai", unit="%", legend_title="Part",
                             zero_label="Aucune")
    drawn = {r["code"]: r for r in rows(data_of(figure))}
    assert set(drawn) == set(departements["code"])
    first = departements["code"].iloc[0]
    assert float(drawn[first]["share"]) == 0 and drawn[first]["class"] == "Aucune"
    assert all(r["class"] for r in drawn.values())


def test_the_network_figure_carries_the_ties_it_draws():
    from essnum.network import analyse_atlas
    from essnum.network.views import network_figure

    analysis = analyse_atlas()
    ties = rows(data_of(network_figure(analysis)))
    assert len(ties) == len(analysis.edges)
    assert {"source_name", "source_family", "target_name", "target_family", "shared_collectives", "weight"} <= set(ties[0])


BRIEF = """---
title: Essai
---

Texte.

```{python}
#| label: tbl-parts
#| tbl-cap: "Les parts."
x = 1
```

```{python}
y = 2
```

```{python}
z = 3
```
"""


def _output(csv_text_: str, metadata: dict | None = None, png: bool = False) -> dict:
    data = {MIME: csv_text_, "text/markdown": "| a |\n|:--|\n| 1 |\n"}
    if png:
        data = {MIME: csv_text_, "image/png": ""}
    return {"output_type": "display_data", "data": data, "metadata": {MIME: metadata} if metadata else {}}


def test_assemble_names_links_and_collects_every_data_output(tmp_path):
    document = parse(tmp_path / "essai.qmd", BRIEF)
    cells = [i for i, b in enumerate(document.blocks) if b.__class__.__name__ == "Cell"]
    executed = Executed(cells={cells[0]: [_output("a\n1\n")],
                               cells[1]: [_output("b\n2\n", {"name": "autre", "title": "Un autre tableau"})],
                               cells[2]: [_output("c\n3\n", {"name": "autre"})]})
    assembled = assemble(document, executed, tmp_path / "f", "f", data_rel="essai-donnees")
    names = [d.name for d in assembled.data]
    assert names == ["tbl-parts", "autre", "autre-2"]  # label first, else the name given, never twice the same
    assert assembled.data[0].caption == "Les parts." and assembled.data[1].caption == "Un autre tableau"
    markdown = assembled.markdown
    for name in names:
        assert f'href="essai-donnees/{name}.csv"' in markdown
    # the link comes after the table float, in a raw HTML block the PDF does not show
    assert markdown.index("tbl-cap=") < markdown.index("```{=html}\n<p class=\"data-link\">Données du tableau")
    # without a data folder (Quarto's path), nothing is collected nor linked
    assert assemble(document, executed, tmp_path / "f", "f").data == []


def test_links_go_after_their_figure_or_table_in_a_page_another_engine_wrote():
    from essnum.publish.render.annexes import link_into_page, markdown_header

    page = ('<main><div id="fig-a" class="quarto-float"><div><img src="x.png"></div><p>Figure 1</p></div>'
            "<p>Texte.</p><table><thead><tr><th>Chiffre</th><th>Source\u202f</th></tr></thead>"
            "<tbody><tr><td>1</td><td>x</td></tr></tbody></table><p>Fin.</p></main>")
    outputs = [DataOutput("fig-a", "figure", None, "x\n1\n"),
               DataOutput("chiffres", "table", None, "k\n1\n", header=markdown_header("*D*\n\n| Chiffre | Source |\n|:--|:--|")),
               DataOutput("perdu", "table", None, "k\n1\n", header=["Autre"])]
    linked = link_into_page(page, outputs, "essai-donnees")
    figure_end = linked.index("<p>Figure 1</p></div>") + len("<p>Figure 1</p></div>")
    assert figure_end < linked.index("essai-donnees/fig-a.csv") < linked.index("<p>Texte.</p>")
    assert linked.index("</table>") < linked.index("essai-donnees/chiffres.csv") < linked.index("<p>Fin.</p>")
    assert linked.index("<p>Fin.</p>") < linked.index("essai-donnees/perdu.csv") < linked.index("</main>")


def test_annexes_replace_the_folder_and_list_what_they_hold(tmp_path):
    folder = tmp_path / "essai-donnees"
    folder.mkdir()
    (folder / "stale.csv").write_text("old\n")
    outputs = [DataOutput("fig-a", "figure", "Une figure.", "x,y\n1,2\n3,4\n"),
               DataOutput("chiffres", "table", "Chiffres", "key,value\na.b,1.5\n", xlsx=True)]
    written = write_annexes(folder, outputs, "essai", pd.Timestamp("2025-07-01").date())
    assert sorted(p.name for p in written) == ["chiffres.csv", "chiffres.xlsx", "fig-a.csv", "index.json"]
    assert not (folder / "stale.csv").exists()
    index = json.loads((folder / "index.json").read_text(encoding="utf-8"))
    assert [(e["name"], e["rows"], e["files"]) for e in index["data"]] == [
        ("fig-a", 2, ["fig-a.csv"]), ("chiffres", 1, ["chiffres.csv", "chiffres.xlsx"])]
    sheet = pd.read_excel(folder / "chiffres.xlsx")
    assert sheet.to_dict("records") == [{"key": "a.b", "value": 1.5}]
    assert write_annexes(folder, [], "essai", pd.Timestamp("2025-07-01").date()) == [] and not folder.exists()


def test_the_xlsx_bytes_depend_on_the_content_only():
    frame = pd.DataFrame({"key": ["a"], "value": [1]})
    day = pd.Timestamp("2025-07-01").date()
    first = xlsx_bytes(frame, "chiffres", day)
    assert first == xlsx_bytes(frame, "chiffres", day)
    with zipfile.ZipFile(io.BytesIO(first)) as archive:
        assert {info.date_time for info in archive.infolist()} == {(2025, 7, 1, 0, 0, 0)}
        assert b"2025-07-01T00:00:00Z" in archive.read("docProps/core.xml")


def test_the_facts_annex_holds_source_and_method_of_each_fact():
    from essnum.publish.facts import annex, get

    keys = ["rs2022.sample_size", "support.fs.sites"]
    frame = annex(keys)
    assert list(frame["key"]) == keys
    assert list(frame["text"]) == [get(k).text for k in keys]
    assert frame["source"].notna().all() and frame["method"].notna().all()
    assert frame.loc[1, "data"]  # a computed fact names its data files


@pytest.mark.slow
def test_a_rendered_barometer_links_the_data_of_every_figure_and_table(tmp_path, monkeypatch):
    """Rendered for real: every figure and table of the HTML page has a link under it, to a CSV beside the
    page that parses and has rows; the annex holds every fact of the sources appendix."""
    import re

    from essnum.paths import briefs_dir
    from essnum.publish.render import render_brief

    monkeypatch.setenv("ESSNUM_BUILD", str(tmp_path / "build"))
    result = render_brief(briefs_dir() / "barometre-regional.qmd", {"region": "53"}, tmp_path / "out", force=True)
    page = result.html.read_text(encoding="utf-8")
    floats = re.findall(r'id="((?:fig|tbl)-[\w-]+)"', page)
    assert {"fig-carte-region", "tbl-departements", "tbl-distances"} <= set(floats)
    links = re.findall(r'<p class="data-link">.*?</p>', page, re.S)
    targets = [t for link in links for t in re.findall(r'href="([^"]+)"', link)]
    for label in floats:
        assert f"barometre-regional-donnees/{label}.csv" in targets, label
    for target in targets:
        path = result.html.parent / target
        assert path.is_file(), target
        if path.suffix == ".csv":
            assert rows(path.read_text(encoding="utf-8")), target
    assert sorted(str(p) for p in result.data) == sorted(str(p) for p in (result.html.parent / "barometre-regional-donnees").iterdir())
    departements = rows((result.html.parent / "barometre-regional-donnees" / "tbl-departements.csv").read_text())
    assert {r["code"] for r in departements} == {"22", "29", "35", "56"}
    annex = pd.read_excel(result.html.parent / "barometre-regional-donnees" / "chiffres.xlsx")
    assert set(result.facts) <= set(annex["key"])
    assert annex["method"].notna().all()
