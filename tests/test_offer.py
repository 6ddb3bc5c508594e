"""The support offer against the raw files: each région's France Services count is the count of its rows
in the ANCT list, the CnFS totals are the programme's, the bounds are ordered, and the cache is a cache."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from essnum.data import reference
from essnum.data.sources import fetch
from essnum.territory import offer as offer_module
from essnum.territory.offer import support_offer


@pytest.fixture(scope="module")
def offer():
    return support_offer()


def _region_of_raw_codes(codes: pd.Series) -> pd.Series:
    """Région of each raw INSEE code through the COG alone (an arrondissement or a commune déléguée: its
    parent's région), independently of the placement code."""
    cog = reference.cog_communes().drop_duplicates("code").set_index("code")
    return codes.map(cog["region"])


def test_each_region_counts_the_rows_of_the_anct_file(offer):
    raw = pd.read_csv(fetch("anct-france-services-2024-08-01"), dtype=str)
    expected = _region_of_raw_codes(raw["insee_com"].str.zfill(5)).value_counts()
    counted = offer.regions.set_index("code")["fs_sites"]
    assert counted.sum() == expected.sum() == 2843  # 2 845 rows, 2 of Saint-Martin (outside the 18 régions)
    assert (counted == expected.reindex(counted.index).fillna(0).astype(int)).all(), \
        pd.DataFrame({"counted": counted, "raw rows": expected}).query("counted != `raw rows`")


def test_cnfs_totals_are_the_programme_s(offer):
    hosts = offer.of_kind("cnfs_host")
    assert len(hosts) == 1450
    assert hosts["posts"].sum() == 2138 and hosts["state_funding_eur"].sum() == 110_520_090
    assert offer.regions["cnfs_posts"].sum() + hosts[hosts["region"].isna()]["posts"].sum() == 2138


def test_ess_share_bounds_are_ordered_and_below_the_private_share(offer):
    funding = offer.bounds.loc["state_funding_eur"]
    assert 0 < funding["lower_pct"] <= funding["upper_pct"] <= funding["private_pct"]
    assert round(funding["private_pct"], 1) == 16.5  # private hosts: 18 255 280 € of 110 520 090 €


def test_every_commune_has_a_distance_in_its_own_territory(offer):
    communes = offer.communes
    assert len(communes) == 34875 and communes["fs_distance_km"].notna().all()
    reunion = communes[communes["departement"] == "974"]
    assert reunion["fs_distance_km"].max() < 60  # to a site of La Réunion, never to the metropole
    national = offer.beyond[(offer.beyond["level"] == "national") & (offer.beyond["code"] == "all")]
    shares = national.set_index(["offer", "threshold_km"])["share_beyond"]
    assert shares[("fs", 20)] <= shares[("fs", 10)] and shares[("mediation", 20)] <= shares[("mediation", 10)]


def test_counts_reconcile_for_every_kind(offer):
    for kind, counts in offer.counts.items():
        assert counts["read"] == counts["rejected"] + counts["placed"] + counts["unplaced"] + counts["conflict"], kind
    assert offer.counts["france_services"]["read"] == 2845 and offer.counts["mediation"]["read"] == 3811


def test_the_cache_is_reused_and_refreshed_when_an_input_changes(offer, tmp_path, monkeypatch):
    monkeypatch.setattr(offer_module, "cache_dir", lambda: tmp_path)
    support_offer.cache_clear()
    try:
        first = support_offer()
        meta = json.loads((tmp_path / "meta.json").read_text(encoding="utf-8"))
        support_offer.cache_clear()
        monkeypatch.setattr(offer_module, "compute_support_offer", lambda: pytest.fail("recomputed"))
        again = support_offer()
        pd.testing.assert_frame_equal(again.regions, first.regions, check_dtype=False)
        monkeypatch.setattr(offer_module, "_key", lambda: "another key")
        support_offer.cache_clear()
        with pytest.raises(pytest.fail.Exception, match="recomputed"):
            support_offer()
        assert meta["counts"] == first.counts
    finally:
        support_offer.cache_clear()
