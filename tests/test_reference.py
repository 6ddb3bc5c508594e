"""essnum.data.reference: real boundaries and populations (from the local mirror) with stable string codes."""

from __future__ import annotations

import pytest

from essnum.data import reference
from essnum.data.sources import mirror_dir

pytestmark = pytest.mark.skipif(not (mirror_dir() / "insee-population" / "donnees_communes.csv").is_file(),
                                reason="no local mirror of the reference data")


def test_commune_populations_sum_to_the_insee_totals():
    communes = reference.communes()
    assert communes.loc[~communes["older_estimate"], "pmun"].sum() == 68_094_280  # metropole + 971–974
    mayotte = communes[communes["departement"] == "976"]
    assert len(mayotte) == 17 and mayotte["older_estimate"].all()
    assert mayotte["pmun"].sum() == 256_518
    assert mayotte["code"].str.match(r"^976\d\d$").all() and "97611" in set(mayotte["code"])  # Mamoudzou
    assert communes["code"].is_unique and communes["pmun"].dtype == "int64"


def test_region_and_departement_populations():
    regions = reference.region_populations().set_index("code")
    assert regions.loc["11", "population"] == 12_463_067
    assert regions.loc["94", "population"] == 355_486
    assert regions.loc["04", "population"] == 889_679
    assert regions.loc["06", "older_estimate"] and not regions.loc["11", "older_estimate"]
    assert regions["population"].sum() == 68_094_280 + 256_518
    departements = reference.departement_populations()
    assert len(departements) == 101
    assert departements["population"].sum() == regions["population"].sum()
    by_region = departements.groupby("region")["population"].sum()
    assert (by_region == regions["population"].loc[by_region.index]).all()


def test_every_departement_lies_in_exactly_one_region():
    cog = reference.cog_departements()
    assert cog["code"].is_unique and cog["region"].notna().all()
    assert set(cog["region"]) == set(reference.cog_regions()["code"])
    shapes = reference.departements(overseas=True)
    assert set(shapes["code"]) == set(cog["code"])
    # geometrically too: each département's interior point falls in one région polygon, its own
    regions = reference.regions(overseas=True)
    points = shapes.set_geometry(shapes.representative_point())[["code", "region", "geometry"]]
    joined = points.sjoin(regions[["code", "geometry"]].rename(columns={"code": "in_region"}), predicate="within")
    assert joined["code"].is_unique and len(joined) == 101
    assert (joined["in_region"] == joined["region"]).all()


def test_codes_are_stable_strings():
    deps = reference.departements(overseas=True)
    assert {"01", "2A", "2B", "971", "976"} <= set(deps["code"])
    assert len(reference.departements(overseas=False)) == 96
    assert len(reference.regions(overseas=False)) == 13 and len(reference.regions()) == 18
    assert "2A004" in set(reference.communes()["code"])  # Ajaccio
    assert reference.nuts(2).set_index("nuts_id").loc["FR10", "name"] == "Ile-de-France"


def test_paris_lyon_marseille_arrondissements_are_flagged():
    communes = reference.communes()
    arr = communes.dropna(subset=["arrondissement_of"]).groupby("arrondissement_of")["code"].size()
    assert arr.to_dict() == {"13055": 16, "69123": 9, "75056": 20}


def test_departement_nuts_correspondence():
    table = reference.departement_nuts().set_index("departement")
    assert len(table) == 101 and table["nuts3"].is_unique
    assert table.loc["75", "nuts3"] == "FR101" and table.loc["75", "nuts2"] == "FR10"
    assert table.loc["2A", "nuts3"] == "FRM01" and table.loc["974", "nuts3"] == "FRY40"


def test_nuts_crs_and_scale():
    assert reference.nuts(0, crs="EPSG:3035", scale="60M").crs.to_epsg() == 3035
    assert len(reference.nuts(3)) == 1512
    with pytest.raises(KeyError, match="nuts-2021-60m-level-3"):
        reference.nuts(3, scale="60M")


def test_countries_have_alpha2_codes_and_population_year():
    countries = reference.countries().set_index("iso_a3")
    assert countries.loc["FRA", "iso_a2"] == "FR" and countries.loc["NOR", "iso_a2"] == "NO"
    assert countries.loc["GRC", "iso_a2"] == "GR"
    assert (countries["pop_year"] == 2019).all()
    assert countries.attrs["attribution"].startswith("Made with Natural Earth")


def test_frames_are_copies_carrying_attribution():
    first = reference.departements()
    first.loc[0, "name"] = "changed"
    assert reference.departements().loc[0, "name"] == "Ain"
    assert first.attrs["attribution"].startswith("© IGN – INSEE, Licence Ouverte")


def test_normalise_name():
    assert reference.normalise_name("L'Abergement-Clémenciat") == "abergement clemenciat"
    assert reference.normalise_name("St-Denis") == reference.normalise_name("Saint Denis") == "saint denis"
    assert reference.normalise_name("Val-d’Oise") == reference.normalise_name("Val-d'Oise")
    assert reference.normalise_name("Les Abymes") == "abymes"
