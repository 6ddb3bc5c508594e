"""Regional barometers (issue 7): région codes, the facts and sentences of one région (on a SYNTHETIC atlas,
so the expected numbers are known), and rendering of real barometers: two régions in one kernel keep
their own figures, an overseas région gets its own map, the CLI rejects an unknown code."""

from __future__ import annotations

import shutil
import subprocess

import pandas as pd
import pytest
from click.testing import CliRunner

from essnum import territory
from essnum.cli import main
from essnum.publish import barometer, facts
from essnum.publish.render import KernelSession
from essnum.publish.render.lint import prose_digits

#: SYNTHETIC atlas rows (never quoted in a brief): two organisations in Auvergne-Rhône-Alpes (Lyon, Grenoble),
#: one support organisation in Lyon, none anywhere else.
SYNTHETIC = pd.DataFrame([
    {"id": "syn-1", "name": "Synthétique Lyon", "country": "FR", "commune": "69123", "family": "accompagnement"},
    {"id": "syn-2", "name": "Synthétique Grenoble", "country": "FR", "commune": "38185", "family": "tech"},
    {"id": "syn-3", "name": "Synthétique sans lieu", "country": "FR", "commune": pd.NA, "family": "reseau"},
])


@pytest.fixture
def synthetic(monkeypatch):
    """The barometer computed on the synthetic atlas (facts recomputed before and after)."""
    national = barometer.from_placement(territory.place(SYNTHETIC, "synthetic/organisations.csv"))
    monkeypatch.setattr(barometer, "national", lambda: national)
    facts.refresh()
    yield national
    facts.refresh()


def spaces(text: str) -> str:
    return text.replace("\u202f", " ").replace("\u00a0", " ")


def test_region_codes_are_normalised():
    assert barometer.region_code(84) == "84"
    assert barometer.region_code("1") == "01"
    assert barometer.region_code(" 94 ") == "94"
    assert barometer.folder_name("93") == "93-provence-alpes-cote-d-azur"


def test_unknown_region_code_lists_every_valid_code():
    with pytest.raises(barometer.UnknownRegion) as error:
        barometer.region_code("99")
    message = str(error.value)
    assert "'99'" in message
    for code, name in zip(barometer.regions()["code"], barometer.regions()["name"], strict=True):
        assert f"{code} ({name})" in message


def test_eighteen_regions_thirteen_metropolitan_five_overseas():
    table = barometer.regions()
    assert len(table) == 18
    assert sorted(table.loc[table["overseas"], "code"]) == ["01", "02", "03", "04", "06"]
    assert table["departements"].sum() == 101


def test_region_with_organisations_has_density_and_rank(synthetic):
    population = synthetic.regions.set_index("code").loc["84", "population"]
    assert facts.get("barometre.84.organisations").value == 2
    assert facts.get("barometre.84.density").value == round(2 / population * 100_000, 3)
    assert facts.get("barometre.84.rank").value == 1
    assert facts.get("barometre.84.support").value == 1
    assert facts.get("barometre.france.located").value == 2
    assert facts.get("barometre.france.atlas_organisations").value == 3
    text = spaces(barometer.presence_text("84"))
    assert "rang 1 des 18 régions" in text and "ne localise que 2 de ses 3 organisations" in text


def test_region_without_organisation_gets_no_rank_and_says_so(synthetic):
    assert facts.get("barometre.53.organisations").value == 0
    with pytest.raises(facts.FactError):
        facts.get("barometre.53.rank")
    assert not barometer.has_fact("53", "rank")
    assert "Aucune organisation de l'atlas embarqué n'est localisée dans la région : pas de densité, pas de rang." \
        in barometer.key_points("53")
    assert "ni densité à comparer ni rang" in barometer.presence_text("53")
    labels = barometer.facts_table("53")["Signification"].tolist()
    assert labels and not any(label.startswith("Rang") for label in labels)
    assert any(label.startswith("Rang") for label in barometer.facts_table("84")["Signification"])


def test_distances_go_to_the_nearest_located_support_organisation(synthetic):
    deps = barometer.region_departements("84").set_index("code")
    assert deps.loc["69", "nearest_support_id"] == "syn-1"
    assert deps["distance_km"].min() == deps.loc["69", "distance_km"]
    assert facts.get("barometre.84.distance_min_km").value == round(deps["distance_km"].min())
    assert facts.get("barometre.84.distance_max_km").value == round(deps["distance_km"].max())
    text = spaces(barometer.support_text("84"))
    assert "Synthétique Lyon" in text and "km à vol d'oiseau du centre du département" in text
    table = barometer.departements_table("84")
    assert len(table) == 12 and table["Département"].iloc[0] == "Ain (01)"


def test_overseas_region_says_the_distance_is_to_the_metropole(synthetic):
    text = barometer.support_text("04")
    assert "en métropole" in text and "pas un trajet réaliste" in text
    assert facts.get("barometre.04.distance_min_km").value > 8000


def test_no_support_located_means_no_distance(monkeypatch):
    rows = SYNTHETIC[SYNTHETIC["family"] == "tech"]
    national = barometer.from_placement(territory.place(rows, "synthetic/organisations.csv"))
    monkeypatch.setattr(barometer, "national", lambda: national)
    facts.refresh()
    try:
        assert not barometer.has_fact("84", "distance_min_km")
        assert "ne peut pas être calculée" in barometer.support_text("84")
        assert "Structure d'accompagnement" not in barometer.key_points("84")
    finally:
        facts.refresh()


def test_survey_table_is_national_with_intervals():
    table = barometer.survey_table()
    assert list(table.columns) == ["Indicateur (France entière)", "Valeur publiée", "Intervalle de confiance"]
    row = table[table["Indicateur (France entière)"] == facts.get("rs2022.maturity.experienced").label].iloc[0]
    assert row["Valeur publiée"] == facts.get("rs2022.maturity.experienced").text
    assert row["Intervalle de confiance"] == facts.get("survey.rs2022.maturity.experienced.ci").text


def test_template_prose_has_no_typed_number():
    from essnum.publish.batch import template

    assert prose_digits(template()) == []


# --------------------------------------------------------------------------- rendering (real atlas)


def pdf_text(pdf) -> str:
    if shutil.which("pdftotext") is None:
        pytest.fail("pdftotext is missing: install poppler-utils")
    return spaces(subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout)


@pytest.fixture(scope="module")
def two_regions(tmp_path_factory):
    """Auvergne-Rhône-Alpes then La Réunion (overseas), rendered by the batch in one kernel."""
    from essnum.publish.batch import render_barometers

    root = tmp_path_factory.mktemp("barometres")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ESSNUM_BUILD", str(root / "build"))
        with KernelSession() as session:
            renders = render_barometers(["84", "4"], root / "out", force=True, progress=False, engine="builtin",
                                        session=session)
        yield root, {item.code: item.result for item in renders}


@pytest.mark.slow
def test_two_regions_in_one_run_do_not_share_figures(two_regions):
    root, results = two_regions
    assert set(results) == {"84", "04"}
    assert results["84"].pdf.parent.name == "84-auvergne-rhone-alpes"
    assert results["04"].pdf.parent.name == "04-la-reunion"
    first, second = pdf_text(results["84"].pdf), pdf_text(results["04"].pdf)
    assert "Auvergne-Rhône-Alpes" in first and "Isère (38)" in first and "La Réunion" not in first
    assert "La Réunion (974)" in second and "Auvergne-Rhône-Alpes" not in second and "Isère" not in second
    maps = [root / "build" / "render" / f"barometre-regional--region-{code}" / "barometre-regional_files"
            / "fig-carte-region.png" for code in ("84", "04")]
    assert maps[0].read_bytes() != maps[1].read_bytes()
    assert "barometre.84.population" in results["84"].facts and "barometre.84.population" not in results["04"].facts
    assert "barometre.04.population" in results["04"].facts
    for result in results.values():
        assert result.warnings == [] and result.html.is_file() and result.pages >= 3
        text = pdf_text(result.pdf)
        for key in result.facts:
            assert spaces(facts.get(key).text) in text, key


@pytest.mark.slow
def test_overseas_region_map_is_drawn_in_its_own_projection(two_regions):
    root, results = two_regions
    png = (root / "build" / "render" / "barometre-regional--region-04" / "barometre-regional_files"
           / "fig-carte-region.png")
    assert png.read_bytes().startswith(b"\x89PNG")
    figure = barometer.region_map("04")
    assert "La Réunion" in figure.title and "de la région 04" in figure.alt_text
    assert figure.figure.axes[0].get_xlim()[1] > 300_000  # metres of RGR92 / UTM 40S, not degrees
    assert "La Réunion (974)" in pdf_text(results["04"].pdf)


def test_cli_rejects_an_unknown_region_with_the_valid_codes():
    result = CliRunner().invoke(main, ["render", "barometre", "--region", "99"])
    assert result.exit_code == 2
    assert "unknown région code '99'" in result.output and "84 (Auvergne-Rhône-Alpes)" in result.output


def test_cli_region_options_only_apply_to_the_barometer():
    result = CliRunner().invoke(main, ["render", "accelerer", "--all"])
    assert result.exit_code == 2 and "regional barometer only" in result.output
