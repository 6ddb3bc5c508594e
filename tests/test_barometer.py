"""Regional barometers (issues 7 and 11): région codes; the support-offer facts of a région against the raw ANCT
file and the offer's own tables (France Services counts, densities and ranks, distances kept in the région's own
territory, no number a région does not have); the atlas section on a SYNTHETIC atlas, so the expected numbers are
known; rendering of real barometers: two régions in one kernel keep their own figures, an overseas région gets its
own map, the CLI rejects an unknown code."""

from __future__ import annotations

import dataclasses
import shutil
import subprocess

import pandas as pd
import pytest
from click.testing import CliRunner

from essnum import territory
from essnum.cli import main
from essnum.data import reference
from essnum.data.sources import fetch
from essnum.french import french_number
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


def _refresh():
    facts.refresh()
    barometer._facts_by_region.cache_clear()


@pytest.fixture
def synthetic(monkeypatch):
    """The barometer computed on the synthetic atlas (facts recomputed before and after)."""
    national = barometer.from_placement(territory.place(SYNTHETIC, "synthetic/organisations.csv"))
    monkeypatch.setattr(barometer, "national", lambda: national)
    _refresh()
    yield national
    _refresh()


def spaces(text: str) -> str:
    return text.replace("\u202f", " ").replace("\u00a0", " ")


def value(code: str, name: str):
    return facts.get(f"barometre.{code}.{name}").value


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


# --------------------------------------------------------------------------- the support offer (real data)


def test_each_region_s_france_services_count_is_its_rows_in_the_anct_file():
    raw = pd.read_csv(fetch("anct-france-services-2024-08-01"), dtype=str)
    cog = reference.cog_communes().drop_duplicates("code").set_index("code")  # arrondissements: their commune's
    expected = raw["insee_com"].str.zfill(5).map(cog["region"]).value_counts()
    for code in barometer.region_codes():
        assert value(code, "fs_sites") == expected.get(code, 0), code
    assert sum(value(code, "fs_sites") for code in barometer.region_codes()) == facts.get("support.fs.sites").value


def test_densities_ranks_and_change_follow_the_offer():
    regions = barometer.offer().regions.set_index("code")
    for code in barometer.region_codes():
        row = regions.loc[code]
        assert value(code, "fs_density") == round(row["fs_sites"] / row["population"] * 100_000, 1)
        assert value(code, "fs_sites_2022") == row["fs_sites_2022"]
        if row["fs_change"]:
            assert value(code, "fs_change") == abs(row["fs_sites"] - row["fs_sites_2022"])
        else:
            assert not barometer.has_fact(code, "fs_change") and not barometer.has_fact(code, "fs_change_pct")
    ranks = {code: value(code, "fs_rank") for code in barometer.region_codes()}
    densest = regions["fs_per_100000"].idxmax()
    assert ranks[densest] == 1 and sorted(ranks.values())[-1] == 18
    assert ranks[regions["fs_per_100000"].idxmin()] == 18


def test_population_beyond_each_threshold_is_the_offer_s():
    beyond = barometer.offer().beyond
    rows = beyond[beyond["level"] == "region"].set_index(["offer", "code", "threshold_km"])
    for code in ("84", "11", "03", "94"):
        for prefix in ("fs", "mediation"):
            for threshold in barometer.thresholds():
                row = rows.loc[(prefix, code, threshold)]
                assert value(code, f"{prefix}_beyond_{threshold}km_inhabitants") == row["population_beyond"]
                text = facts.get(f"barometre.{code}.{prefix}_beyond_{threshold}km_pct").text
                share = 100 * row["share_beyond"]
                assert text == ("moins de 0,1\u00a0%" if 0 < share < 0.05 else french_number(round(share, 1), "%"))


def test_distance_bands_add_up_to_the_region_s_population():
    for code in ("84", "04"):
        table = barometer.distance_table(code)
        assert list(table["Distance à vol d'oiseau"]) == barometer.band_labels()
        counts = table["Habitants (site France Services)"].map(lambda s: int(spaces(s).replace(" ", "")))
        communes = barometer.region_communes(code)
        assert counts.sum() == communes.loc[communes["fs_distance_km"].notna(), "population"].sum()
        last = barometer.thresholds()[-1]
        assert counts.iloc[-1] == value(code, f"fs_beyond_{last}km_inhabitants")


@pytest.mark.parametrize("code", ["04", "03", "06"])
def test_an_overseas_region_s_distances_stay_in_its_own_territory(code):
    offer = barometer.offer()
    communes = barometer.region_communes(code)
    sites = offer.of_kind("france_services").set_index("id")
    nearest = sites.loc[communes["fs_nearest_id"].dropna(), "region"]
    assert len(nearest) == len(communes) and (nearest == code).all()  # never a site of the metropole
    assert value(code, "fs_median_km") < 50
    assert "jamais vers la métropole" in barometer.distance_text(code)
    assert "en métropole" not in barometer.key_points(code)


def test_reunion_is_close_to_a_site_and_says_so_without_a_fake_twenty_km_share():
    assert value("04", "fs_beyond_20km_inhabitants") == 0
    assert "aucun habitant n'est à plus de 20 km" in spaces(barometer.distance_text("04"))
    assert value("06", "fs_beyond_10km_inhabitants") == 0  # Mayotte: said in words, not "0 %"
    assert "Aucun habitant ne vit à plus de 10 km à vol d'oiseau d'un site" in spaces(barometer.key_points("06"))


def test_a_region_gets_no_number_it_does_not_have(monkeypatch):
    """Remove Corse's France Services rank and 2022 count, and its CnFS posts' areas: no rank, no change, no
    ZRR/QPV share, and the sentences say nothing of them."""
    real = barometer.offer()
    regions = real.regions.copy()
    corse = regions["code"] == "94"
    regions.loc[corse, "fs_rank"] = pd.NA
    regions.loc[corse, ["fs_sites_2022"]] = 0
    regions.loc[corse, "fs_change"] = regions.loc[corse, "fs_sites"]
    regions.loc[corse, "fs_change_pct"] = float("nan")
    priority = real.priority.copy()
    unknown = (priority["level"] == "region") & (priority["code"] == "94")
    priority.loc[unknown, "posts_unknown"] = priority.loc[unknown, "posts"]
    monkeypatch.setattr(barometer, "offer", lambda: dataclasses.replace(real, regions=regions, priority=priority))
    _refresh()
    try:
        names = barometer.fact_names("94")
        for missing in ("fs_rank", "fs_change_pct", "cnfs_zrr_posts_pct", "cnfs_qpv_posts_pct"):
            assert missing not in names
            with pytest.raises(facts.FactError):
                facts.get(f"barometre.94.{missing}")
        assert "fs_change" in names and "mediation_rank" in names
        text = barometer.offer_text("94") + barometer.key_points("94")
        assert "ZRR" not in text and "une hausse de" not in text
        first_fs = barometer.key_points("94").splitlines()[1]
        assert "rang" not in first_fs
        table = barometer.comparison_table("94").set_index("Indicateur")
        assert table.iloc[0]["Rang de la région"] == "—"
        assert table.loc["Postes de conseillers numériques en ZRR", "Région"] == "—"
    finally:
        _refresh()


def test_sentences_print_the_region_s_facts():
    text = spaces(barometer.key_points("84") + barometer.offer_text("84") + barometer.distance_text("84"))
    for name in ("population", "fs_sites", "fs_density", "fs_rank", "fs_change", "fs_change_pct", "mediation_places",
                 "mediation_density", "mediation_rank", "cnfs_hosts", "cnfs_posts", "cnfs_posts_density",
                 "cnfs_funding_per_inhabitant_eur", "cnfs_zrr_posts_pct", "cnfs_qpv_posts_pct", "fs_beyond_10km_pct",
                 "fs_beyond_20km_pct", "fs_median_km", "mediation_median_km"):
        assert spaces(facts.get(f"barometre.84.{name}").text) in text, name
    for key in ("support.fs.per_inhabitants", "support.fs.beyond_10km_pct", "support.cnfs.funding_per_inhabitant_eur"):
        assert spaces(facts.get(key).text) in text, key


def test_departements_table_has_one_row_per_departement_with_the_offer_s_numbers():
    table = barometer.departements_table("84")
    assert len(table) == 12 and table["Département"].iloc[0] == "Ain (01)"
    sites = table["Sites France Services"].map(lambda s: int(spaces(s).replace(" ", "")))
    assert sites.sum() == value("84", "fs_sites")
    assert list(barometer.departements_table("94")["Département"]) == ["Corse-du-Sud (2A)", "Haute-Corse (2B)"]
    assert list(barometer.departements_table("06")["Département"]) == ["Mayotte (976)"]


def test_the_region_map_shows_its_france_services_sites_in_its_projection():
    import matplotlib.collections

    for code, metres in (("04", 300_000), ("84", 600_000)):
        drawn = barometer.region_map(code)
        ax = drawn.figure.axes[0]
        scatters = [c for c in ax.collections if isinstance(c, matplotlib.collections.PathCollection)]
        assert len(scatters[0].get_offsets()) == value(code, "fs_sites")
        assert ax.get_xlim()[1] > metres  # metres of RGR92 / UTM 40S or Lambert-93, not degrees
        assert barometer.region_name(code) in drawn.title and f"de la région {code}" in drawn.alt_text
        (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
        assert all(x0 < x < x1 and y0 < y < y1 for x, y in scatters[0].get_offsets())


# --------------------------------------------------------------------------- the atlas section (synthetic atlas)


def test_region_with_organisations_has_density_and_rank(synthetic):
    population = synthetic.regions.set_index("code").loc["84", "population"]
    assert facts.get("barometre.84.organisations").value == 2
    assert facts.get("barometre.84.density").value == round(2 / population * 100_000, 3)
    assert facts.get("barometre.84.rank").value == 1
    assert facts.get("barometre.france.located").value == 2
    assert facts.get("barometre.france.atlas_organisations").value == 3
    text = spaces(barometer.presence_text("84"))
    assert "rang 1 des 18 régions" in text and "ne localise que 2 de ses 3 organisations" in text
    assert "localise 2 de ses organisations dans la région (rang 1)" in spaces(barometer.key_points("84"))


def test_region_without_organisation_gets_no_rank_and_says_so(synthetic):
    assert facts.get("barometre.53.organisations").value == 0
    with pytest.raises(facts.FactError):
        facts.get("barometre.53.rank")
    assert not barometer.has_fact("53", "rank") and barometer.has_fact("84", "rank")
    assert "ne localise aucune organisation dans la région" in barometer.key_points("53")
    assert "pas de densité, pas de rang." in barometer.key_points("53")
    assert "ni densité à comparer ni rang" in barometer.presence_text("53")


def test_families_table_lists_the_located_families(synthetic):
    table = barometer.families_table("84")
    assert len(table) == 2 and set(table["Organisations"]) == {"1"}
    assert barometer.families_table("53").empty


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
    """The PDF's text, every run of white space as one space (table cells wrap)."""
    if shutil.which("pdftotext") is None:
        pytest.fail("pdftotext is missing: install poppler-utils")
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return " ".join(spaces(text).split())


@pytest.fixture(scope="module")
def two_regions(tmp_path_factory):
    """Auvergne-Rhône-Alpes then La Réunion (overseas), rendered by the batch in one kernel."""
    from essnum.paths import build_dir
    from essnum.publish.batch import render_barometers

    root = tmp_path_factory.mktemp("barometres")
    barometer.national(), barometer.offer()  # the build caches of the earlier steps, filled if missing
    for cache in (barometer.atlas_cache_dir(), build_dir() / "support-offer"):
        if cache.is_dir():
            shutil.copytree(cache, root / "build" / cache.name)
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
            assert " ".join(spaces(facts.get(key).text).split()) in text, key


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
