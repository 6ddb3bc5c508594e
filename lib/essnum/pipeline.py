"""The steps of ``essnum build``, in order. Each later concern adds its step here."""

from __future__ import annotations

from pathlib import Path

from .build import Step, code_files
from .notebooks import execute_notebook, research_notebooks
from .paths import briefs_dir, build_dir, data_dir, package_file, project_root


def _atlas_files() -> list[Path]:
    """The atlas the build uses (the embedded one unless the user named another) and the embedded schemas."""
    from .paths import atlas_dir, dataset_files, embedded_atlas_dir

    return sorted({*atlas_dir().glob("*"), *embedded_atlas_dir().glob("*"), *dataset_files()})


def _data_files() -> list[Path]:
    return sorted(p for p in data_dir().rglob("*") if p.is_file())


def _check_data() -> list[Path]:
    from essnum.data.validate import check_project, write_report

    report = check_project()
    outputs = write_report(report, build_dir() / "data-check")
    if not report.ok:
        raise SystemExit(report.render())
    return outputs


def _territory() -> list[Path]:
    from essnum.territory.export import build_territory

    from .paths import uses_embedded_data

    # the embedded atlas must place cleanly; a user's atlas gets its unplaced rows as warnings
    return build_territory(None, build_dir() / "territory", strict=uses_embedded_data(), progress=False)[1]


def _network() -> list[Path]:
    from essnum.network.analysis import analyse_atlas
    from essnum.network.export import write_exports

    return write_exports(analyse_atlas(), build_dir() / "network")


def _support_offer() -> list[Path]:
    from essnum.territory.offer import write_tables

    return write_tables()


def _support_inputs() -> list[Path]:
    from essnum.territory.offer import inputs

    return inputs()


def _facts() -> list[Path]:
    from essnum.publish.facts import write_facts_json

    return [write_facts_json()]


def _plain_briefs() -> list[Path]:
    """briefs/*.qmd except the regional barometer template, which has its own step (one render per région)."""
    from essnum.publish.batch import TEMPLATE_NAME

    return sorted(p for p in briefs_dir().glob("*.qmd") if p.name != TEMPLATE_NAME)


def _briefs(engine: str = "builtin") -> list[Path]:
    from essnum.publish.render import render_briefs

    results = render_briefs(_plain_briefs(), engine=engine, progress=False)
    over_limit = [problem for result in results for problem in result.over_limit]
    if over_limit:
        raise SystemExit("consultation answers over the length limit:\n  " + "\n  ".join(over_limit))
    return [path for result in results for path in (result.pdf, result.html, *map(Path, result.data))]


def _brief_inputs() -> list[Path]:
    return [*_plain_briefs(), *research_notebooks(), *_data_files(), *code_files(""),
            project_root() / "_quarto.yml", *package_file("publish", "render", "templates").iterdir()]


def _quarto_brief_inputs() -> list[Path]:
    """With Quarto, also the format extension (its manifest names the template and filters)."""
    return [*_brief_inputs(), *sorted((briefs_dir() / "_extensions").rglob("*"))]


def _briefs_step(engine: str) -> Step:
    """The briefs step; with Quarto it has a stamp of its own ("briefs (quarto)"), so switching engines
    re-renders (the outputs the other engine wrote no longer match its stamp either)."""
    if engine == "quarto":
        return Step("briefs (quarto)", _quarto_brief_inputs, lambda: _briefs("quarto"),
                    "render briefs/*.qmd to PDF and HTML with quarto render (_output/briefs/)")
    return Step("briefs", _brief_inputs, _briefs, "render briefs/*.qmd to PDF and HTML (_output/briefs/)")


def _barometers() -> list[Path]:
    from essnum.publish.batch import render_barometers

    return [path for item in render_barometers(progress=False)
            for path in (item.result.pdf, item.result.html, *map(Path, item.result.data))]


def _barometer_inputs() -> list[Path]:
    """What the regional barometers depend on: their template, the atlas, the evidence base (survey figures,
    bibliography), the declared reference data, the lock file, the Quarto project file, their code
    (the renderer's templates and filters included)."""
    from essnum.publish.batch import template

    data = [*_atlas_files(), *sorted((data_dir() / "evidence").glob("*")),
            data_dir() / "reference" / "sources.toml"]
    code = code_files("publish", "territory", "data", "survey", "funding", "figure_data", "french", "config", "paths",
                      "build")
    return [template(), *data, project_root() / "requirements.lock", project_root() / "_quarto.yml", *code]


def _notebook_step(notebook: Path) -> Step:
    target = build_dir() / "notebooks" / notebook.name

    def run() -> list[Path]:
        return [execute_notebook(notebook, target)]

    return Step(
        name=f"notebook {notebook.stem}",
        inputs=lambda: [notebook, *_data_files(), *code_files("")],
        run=run,
        description=f"execute research/{notebook.name}",
    )


def steps(engine: str = "builtin") -> list[Step]:
    """Every step of the full build, in dependency order (``engine``: renderer of the briefs step; the
    regional barometers are always rendered by the built-in batch, one kernel for the 18 régions)."""
    return [
        Step("data check", lambda: [*_data_files(), *code_files("data")], _check_data,
             "validate every table and cross-reference"),
        Step("territory", lambda: [*_atlas_files(), data_dir() / "reference" / "sources.toml",
                                   *code_files("territory", "data")], _territory,
             "place the embedded atlas in communes, départements, régions, NUTS; densities and distances"),
        Step("network", lambda: [*_atlas_files(),
                                 *code_files("network", "data/atlas", "data/tables")],
             _network, "network of the embedded atlas: GEXF, GraphML, CSV and summary.json in build/network/"),
        Step("support offer", _support_inputs, _support_offer,
             "France Services, mediation places and CnFS hosts placed; distances from every commune "
             "(build/support-offer/)"),
        *(_notebook_step(nb) for nb in research_notebooks()),
        Step("facts", lambda: [*_data_files(), *code_files("")], _facts,
             "every printable number with its French text and source: build/facts.json"),
        _briefs_step(engine),
        Step("barometres", _barometer_inputs, _barometers,
             "regional barometer of each région, PDF and HTML (_output/barometres/<code>-<région>/)"),
        Step("site", _site_inputs, _site,
             "the static offline site: map, « made in ESS » directory, data, publications (_output/site/)"),
    ]


def _site_inputs() -> list[Path]:
    from essnum.publish.site.pages import inputs

    return inputs()


def _site() -> list[Path]:
    from essnum.publish.site import build_site

    return build_site()
