"""Bring your own data: the atlas and the mediation places a build uses are the embedded ones unless the user
names others (--atlas / --places, $ESSNUM_ATLAS / $ESSNUM_PLACES, [data] of essnum.toml); outputs say which
data they come from; the facts lock applies to the embedded data only."""

from __future__ import annotations

import shutil

import pytest

from essnum import paths
from essnum.data.atlas import load_atlas
from essnum.publish import facts


@pytest.fixture
def user_atlas(tmp_path):
    """A small atlas folder of the user's (synthetic rows), outside the project."""
    folder = tmp_path / "mon-atlas"
    folder.mkdir()
    (folder / "organisations.csv").write_text(
        "id,name,family,country,city,commune,latitude,longitude,location_source\n"
        "u1,SYNTHETIC Tiers-lieu,accompagnement,FR,Lille,,,,synthetic\n"
        "u2,SYNTHETIC Coop,tech,FR,,2A004,,,synthetic\n", encoding="utf-8")
    (folder / "links.csv").write_text("organisation_id,collective_id,collective_label,collective_kind,role,source\n"
                                      "u1,c1,SYNTHETIC réseau,network,,synthetic\n", encoding="utf-8")
    return folder


def test_the_embedded_data_by_default(monkeypatch):
    for variable in paths.DATASETS.values():
        monkeypatch.delenv(variable, raising=False)
    assert paths.dataset("atlas") is None and paths.atlas_dir() == paths.embedded_atlas_dir()
    assert paths.uses_embedded_data()
    assert "atlas embarqué" in facts.datasets_text()


def test_an_atlas_named_by_the_environment_is_used_and_checked_against_the_embedded_schemas(monkeypatch, user_atlas):
    monkeypatch.setenv("ESSNUM_ATLAS", str(user_atlas))
    assert paths.atlas_dir() == user_atlas.resolve() and not paths.uses_embedded_data()
    atlas = load_atlas()
    assert atlas.ok, atlas.report.render()
    assert sorted(atlas.organisations["id"]) == ["u1", "u2"]
    assert str(user_atlas.resolve()) in facts.datasets_text()
    used = facts.datasets_used()
    assert used["atlas"]["embedded"] is False and set(used["atlas"]["sha256"]) == {"organisations.csv", "links.csv"}
    assert used["mediation_places"]["embedded"] is True


def test_essnum_toml_names_the_datasets_relative_to_the_project(monkeypatch, tmp_path, user_atlas):
    project = tmp_path / "projet"
    (project / "lib" / "essnum").mkdir(parents=True)
    (project / "_quarto.yml").write_text("project:\n  type: default\n", encoding="utf-8")
    shutil.copytree(user_atlas, project / "atlas")
    (project / "essnum.toml").write_text('[data]\natlas = "atlas"\n', encoding="utf-8")
    monkeypatch.delenv("ESSNUM_ATLAS", raising=False)
    monkeypatch.setenv("ESSNUM_ROOT", str(project))
    assert paths.dataset("atlas") == (project / "atlas").resolve()
    (project / "essnum.toml").write_text('[data]\natlas = "absent"\n', encoding="utf-8")
    with pytest.raises(FileNotFoundError, match=r"\[data\] atlas in .*essnum.toml names .*absent"):
        paths.dataset("atlas")


def test_the_lock_applies_to_the_embedded_data_only(monkeypatch, user_atlas):
    monkeypatch.setenv("ESSNUM_ATLAS", str(user_atlas))
    with pytest.raises(facts.FactError, match="applies to the embedded data"):
        facts.lock_diff()
    with pytest.raises(facts.FactError, match="applies to the embedded data"):
        facts.write_lock()


def test_the_sources_appendix_says_which_data(monkeypatch, user_atlas):
    monkeypatch.setenv("ESSNUM_ATLAS", str(user_atlas))
    facts.reset_used()  # facts other tests used (some of synthetic régions) are not this document's
    text = facts.sources_appendix().data
    assert text.startswith("*Données : l'atlas du dossier ") and str(user_atlas.resolve()) in text
