"""The facts registry: French formatting, evidence figures as facts, providers, build output, lock and diff."""

from __future__ import annotations

import json

import pytest

from essnum import french
from essnum.data import evidence
from essnum.publish import facts

NNBSP, NBSP = "\u202f", "\u00a0"


@pytest.mark.parametrize(
    ("value", "unit", "comparator", "value_max", "decimals", "expected"),
    [
        (2776, "persons", "=", None, None, f"2{NNBSP}776"),
        (22, "percent", "=", None, None, f"22{NBSP}%"),
        (22.0, "%", "=", None, None, f"22{NBSP}%"),
        (1_300_000, "persons", "=", None, None, "1,3 million"),
        (4_300_000, "devices_per_year", "=", None, None, "4,3 millions"),
        (15, "percent", "=", 20, None, f"15 à 20{NBSP}%"),
        (5, "percent", "<", None, None, f"moins de 5{NBSP}%"),
        (1200, "organisations", ">", None, None, f"plus de 1{NNBSP}200"),
        (350, "organisations", "~", None, None, "environ 350"),
        (156, "organisations", ">=", None, None, "au moins 156"),
        (2030, "year", "=", None, None, "2030"),
        (2028, "year", "=", 2035, None, "2028 à 2035"),
        (5_000_000, "eur", "=", None, None, "5 millions d’euros"),
        (1_000_000, "eur", "=", None, None, "1 million d’euros"),
        (1_000_000_000, "persons", "=", None, None, "1 milliard"),
        (999_960_000, "persons", "=", None, None, "1 milliard"),
        (1_500_000_000, "eur", "=", None, None, "1,5 milliard d’euros"),
        (12_500_000, "persons", "=", None, None, "12,5 millions"),
        (15_000, "eur", "=", None, None, f"15{NNBSP}000{NBSP}€"),
        (1.35, "", "=", None, None, "1,35"),
        (20.5, "percent", "=", 90, 1, f"20,5 à 90,0{NBSP}%"),
    ],
)
def test_french_text(value, unit, comparator, value_max, decimals, expected):
    assert french.french_text(value, unit, comparator, value_max, decimals) == expected


def test_unknown_comparator_and_missing_value_are_refused():
    with pytest.raises(french.NumberFormatError, match="unknown comparator"):
        french.french_text(3, "", "≈")
    with pytest.raises(french.NumberFormatError, match="missing value"):
        french.french_number(float("nan"))
    missing = facts.Fact(key="essai.manquant", value=float("nan"), unit="", label="", source="", method="")
    with pytest.raises(facts.FactError, match="essai.manquant.*missing value"):
        missing.text


def test_every_evidence_figure_is_a_fact_with_its_value_and_source():
    table = evidence.figures()
    registry = facts.registry()
    for record in table.to_dict("records"):
        item = registry[record["id"]]
        assert item.value == pytest.approx(record["value"])
        assert item.source == f"evidence: {record['id']}"
        assert item.publication == record["publication"]


def test_fact_returns_french_text_records_use_and_suggests_close_keys():
    facts.reset_used()
    text = facts.fact("rs2022.sample_size")
    assert text == f"2{NNBSP}776" and text._repr_markdown_() == text
    assert facts.used() == ["rs2022.sample_size"]
    with pytest.raises(facts.FactError, match="did you mean rs2022.sample_size"):
        facts.fact("rs2022.sample_sise")
    facts.reset_used()


def test_computed_facts_carry_their_data_hashes():
    item = facts.get("survey.rs2022.maturity.experienced.ci")
    assert item.data == {"data/evidence/figures.csv": pytest.approx(item.data["data/evidence/figures.csv"])}
    assert len(item.data["data/evidence/figures.csv"]) == 64
    assert item.value < 22 < item.value_max
    assert item.text.endswith(f"{NBSP}%") and " à " in item.text


@pytest.fixture
def extra_provider():
    """Register a provider for one test only."""
    registered = []

    def register(prefix, func):
        facts.provider(prefix)(func)
        registered.append(facts._PROVIDERS[-1])
        facts.refresh()

    yield register
    for entry in registered:
        facts._PROVIDERS.remove(entry)
    facts.refresh()


def test_a_provider_redefining_a_key_is_an_error(extra_provider):
    def duplicate():
        yield facts.computed("rs2022.sample_size", 1, "persons", "doublon", "test")

    extra_provider("rs2022.", duplicate)
    with pytest.raises(facts.FactError, match="defined twice"):
        facts.registry()
    with pytest.raises(facts.FactError, match="defined twice"):
        facts.get("rs2022.sample_size")


def test_providers_run_only_for_their_prefixes(extra_provider):
    calls = []

    def counted():
        calls.append(1)
        yield facts.computed("essai.compte", 3, "persons", "essai", "test")

    extra_provider("essai.", counted)
    assert facts.fact("rs2022.sample_size") and calls == []
    assert facts.get("essai.compte").text == "3" and calls == [1]
    facts.get("essai.compte")
    assert calls == [1]
    facts.reset_used()


def test_a_provider_yielding_outside_its_prefixes_is_an_error(extra_provider):
    def stray():
        yield facts.computed("ailleurs.x", 1, "", "x", "test")

    extra_provider("essai.", stray)
    with pytest.raises(facts.FactError, match="outside its prefixes essai."):
        facts.registry()


def test_facts_json_has_facts_data_hashes_and_commit(tmp_path):
    target = facts.write_facts_json(tmp_path / "facts.json")
    document = json.loads(target.read_text(encoding="utf-8"))
    assert document["facts"]["rs2022.sample_size"]["text"] == f"2{NNBSP}776"
    assert "data/evidence/figures.csv" in document["data"]
    assert "commit" in document


def test_keys_in_text_reads_literal_fact_calls():
    text = 'a `{python} fact("x.y")` b `{python} fact(\'z\')` c `{python} fact("x.y")`'
    assert facts.keys_in_text(text) == ["x.y", "z"]


def test_lock_diff_names_old_value_new_value_and_source(tmp_path):
    keys = ["rs2022.sample_size", "rs2022.maturity.experienced"]
    lock = facts.write_lock(keys, tmp_path / "facts.lock.json")
    assert facts.lock_diff(lock, keys) == []
    document = json.loads(lock.read_text(encoding="utf-8"))
    document["facts"]["rs2022.maturity.experienced"].update(value=21, text=f"21{NBSP}%")
    lock.write_text(json.dumps(document), encoding="utf-8")
    changes = facts.lock_diff(lock, keys)
    assert [c.key for c in changes] == ["rs2022.maturity.experienced"]
    message = changes[0].describe()
    assert "value 21 → 22" in message and "evidence: rs2022.maturity.experienced" in message


def test_lock_diff_reports_unlocked_and_undefined_keys(tmp_path):
    lock = facts.write_lock(["rs2022.sample_size"], tmp_path / "facts.lock.json")
    changes = {c.key: c.describe() for c in facts.lock_diff(lock, ["rs2022.sample_size", "rs2022.maturity.beginner",
                                                                     "no.such.fact"])}
    assert "not locked" in changes["rs2022.maturity.beginner"]
    assert "defined nowhere" in changes["no.such.fact"]


def test_briefs_facts_match_the_lock():
    """CI gate: a fact a brief prints changed value. Check the claim, then `essnum facts lock` on purpose."""
    changes = facts.lock_diff()
    assert not changes, "facts differ from briefs/facts.lock.json:\n" + "\n".join(c.describe() for c in changes)


def test_sources_appendix_lists_the_facts_of_the_brief_with_their_sources(tmp_path):
    brief = tmp_path / "b.qmd"
    brief.write_text('x `{python} fact("rs2022.sample_size")` y', encoding="utf-8")
    facts.reset_used()
    facts.fact("scenario.hybrid_posts.per_year")
    table = facts.sources_appendix(brief).data
    facts.reset_used()
    data, table = table.split("\n\n", 1)
    assert data == "*Données : l'atlas embarqué de l'observatoire (data/atlas) ; les lieux de médiation numérique " \
                   "de data·inclusion (début 2023).*"
    lines = table.replace("\u200b", "").replace("\\_", "_").splitlines()  # identifiers may wrap after dots
    assert lines[0].startswith("| Chiffre |")
    assert f"| 2{NNBSP}776 |" in lines[2] and "[@rs2022]" in lines[2]
    assert "scenario.hybrid_posts.per_year" in lines[3] and "data/evidence/figures.csv" in lines[3]


def test_network_and_territory_facts_wrap_their_analyses():
    from essnum.data.atlas import load_atlas
    from essnum.network.analysis import analyse_atlas
    from essnum.territory.placement import place

    analysis = analyse_atlas()
    assert facts.get("network.organisations").value == analysis.n_org
    assert facts.get("network.collectives").value == analysis.incidence.shape[1]
    assert facts.get("network.largest_group").value <= analysis.n_org
    counts = place(load_atlas().organisations).counts()
    assert facts.get("territory.organisations_located_france").value == counts["placed in France"]
    item = facts.get("territory.regions_with_organisations")
    assert "data/atlas/organisations.csv" in item.data and item.text == str(item.value)
