"""ESS share of a beneficiary list: classification, hand-computed shares, bootstrap, malformed input."""

from pathlib import Path

import pandas as pd
import pytest

from essnum.funding.shares import ALL_PROGRAMMES, classify, ess_shares, legal_categories, read_beneficiaries

FIXTURES = Path(__file__).parent / "fixtures" / "funding"


def test_classification_table_covers_the_ess_families_by_legal_form():
    table = legal_categories()
    assert table.loc["9220", "ess"] == "yes" and table.loc["9220", "family"] == "association"
    assert table.loc["5458", "family"] == "cooperative" and "SCOP" in table.loc["5458", "label"]
    assert table.loc["5558", "family"] == "cooperative" and table.loc["5658", "family"] == "cooperative"
    assert table.loc["8210", "family"] == "mutual" and table.loc["9300", "family"] == "foundation"
    assert table.loc["5710", "ess"] == "esus"
    assert (table["source"].str.contains("INSEE")).all()


def test_classify_uses_level_three_then_whole_division_and_the_esus_flag():
    codes = pd.Series(["9220", "5710", "5710", "7210", "1000", "5999"])
    esus = pd.Series([False, False, True, False, False, False])
    result = classify(codes, esus)
    assert result["ess"].tolist()[:5] == [True, False, True, False, False]
    assert result["family"].tolist()[:5] == ["association", "commercial", "commercial", "public", "individual"]
    assert result["ess"].isna().iloc[5] and result["rule"].isna().iloc[5]  # unknown: not guessed


def test_hand_made_list_gives_the_hand_computed_shares():
    beneficiaries = read_beneficiaries(FIXTURES / "beneficiaries.csv")
    assert beneficiaries.counts() == {"read": 8, "kept": 8, "rejected": 0}
    shares = ess_shares(beneficiaries, replicates=500, seed=1)
    # Pass numérique: association 100k + SCOP 50k + ESUS SAS 100k out of 500k; 3 of 4 recipients
    assert shares.loc["Pass numérique", "amount_share"] == pytest.approx(50.0)
    assert shares.loc["Pass numérique", "recipient_share"] == pytest.approx(75.0)
    # IA Booster: mutual 40k (+ foundation 0) out of 1 000k; 2 of 4 recipients
    assert shares.loc["IA Booster", "amount_share"] == pytest.approx(4.0)
    assert shares.loc["IA Booster", "recipient_share"] == pytest.approx(50.0)
    assert shares.loc[ALL_PROGRAMMES, "amount_share"] == pytest.approx(100 * 290_000 / 1_500_000)
    assert shares.loc[ALL_PROGRAMMES, "recipient_share"] == pytest.approx(62.5)
    for prefix in ("amount", "recipient"):
        assert (shares[f"{prefix}_low"] <= shares[f"{prefix}_share"]).all()
        assert (shares[f"{prefix}_share"] <= shares[f"{prefix}_high"]).all()


def test_bootstrap_is_reproducible_with_its_seed_and_moves_with_another():
    beneficiaries = read_beneficiaries(FIXTURES / "beneficiaries.csv")
    first = ess_shares(beneficiaries, replicates=300, seed=7)
    assert first.equals(ess_shares(beneficiaries, replicates=300, seed=7))
    assert not first.equals(ess_shares(beneficiaries, replicates=300, seed=8))


def test_malformed_input_is_reported_with_row_and_field():
    beneficiaries = read_beneficiaries(FIXTURES / "malformed.csv")
    assert beneficiaries.counts() == {"read": 6, "kept": 2, "rejected": 4}
    where = {(p.row, p.field) for p in beneficiaries.problems}
    assert (3, "amount") in where                   # non-numeric amount
    assert (4, "legal_category") in where           # well-formed but unknown category
    assert (5, "siren+programme") in where          # SIREN twice in the same programme
    assert (6, "legal_category") in where           # malformed category
    reasons = dict(zip(beneficiaries.rejected["row"], beneficiaries.rejected["reason"]))
    assert "unknown INSEE legal category '5999'" in reasons[4]
    assert "already on row 2" in reasons[5]
    # the same SIREN in another programme is fine
    assert sorted(beneficiaries.data["programme"]) == ["IA Booster", "Pass numérique"]


def test_missing_file_and_empty_list_fail_clearly(tmp_path):
    with pytest.raises(FileNotFoundError, match="beneficiary list"):
        read_beneficiaries(tmp_path / "absent.csv")
    empty = tmp_path / "empty.csv"
    empty.write_text("recipient,siren,legal_category,esus,amount,programme\n", encoding="utf-8")
    with pytest.raises(ValueError, match="no beneficiary"):
        ess_shares(read_beneficiaries(empty))
