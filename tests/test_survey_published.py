"""Intervals, comparisons and synthetic microdata built from the evidence base."""

from pathlib import Path

import pytest

from essnum.data import evidence
from essnum.survey import (
    SYNTHETIC_LABEL,
    maturity_split,
    newcombe,
    published_intervals,
    read_codebook,
    read_microdata,
    synthetic_rs2022,
    urban_rural_sensitivity,
    wave_comparisons,
    weighted_proportions,
    wilson,
)

FIXTURES = Path(__file__).parent / "fixtures" / "survey"


def test_published_intervals_are_keyed_by_figure_id_and_use_the_wave_sample_size():
    table = published_intervals()
    row = table.loc["rs2022.maturity.experienced"]
    assert row["n"] == evidence.figure("rs2022.sample_size").value == 2776
    assert round(row["low"] / 100, 4) == round(wilson(0.22, 2776).low, 4) == 0.2050
    assert table.loc["soga2019.funding_main_barrier", "n"] == evidence.figure("soga2019.sample_size").value
    # every percentage of both waves is there, and nothing else
    ids = {i for i in evidence.figures()["id"] if i.split(".")[0] in ("rs2022", "soga2019")
           and evidence.figure(i).unit == "percent"}
    assert set(table.index) == ids


def test_subpopulations_and_ranges_are_not_given_a_whole_sample_interval():
    table = published_intervals()
    urban = table.loc["rs2022.positive_effects.urban"]
    assert urban["method"] == "subpopulation" and urban["low"] != urban["low"]  # NaN
    support = table.loc["rs2022.external_support"]
    assert support["method"] == "wilson_range"
    assert support["low"] == pytest.approx(100 * wilson(0.15, 2776).low)
    assert support["high"] == pytest.approx(100 * wilson(0.20, 2776).high)


def test_maturity_split_shows_the_undescribed_remainder():
    split = maturity_split()
    assert split["value"].sum() == pytest.approx(100)
    assert split.loc["rs2022.maturity.remainder", "value"] == pytest.approx(3)


def test_urban_rural_conclusion_and_its_minimum_group_size():
    result = urban_rural_sensitivity()
    assert result["holds_everywhere"]
    m = result["minimum_group_size"]
    assert newcombe(0.49, m, 0.33, m).excludes_zero() and not newcombe(0.49, m - 1, 0.33, m - 1).excludes_zero()
    assert 2 * m < 2776


def test_wave_comparisons_compute_no_change_across_different_populations():
    table = wave_comparisons()
    assert set(table["verdict"]) <= {"side_by_side", "not_comparable"}
    assert table["difference"].isna().all()


def test_wave_comparisons_compute_a_newcombe_difference_when_declared_comparable():
    row = wave_comparisons(FIXTURES / "wave_comparisons_difference.csv").iloc[0]
    expected = newcombe(0.39, 2776, 0.39, 218)
    assert row["difference"] == pytest.approx(100 * expected.estimate)
    assert row["difference_low"] == pytest.approx(100 * expected.low)


def test_synthetic_rs2022_recovers_the_published_margins_within_their_intervals(tmp_path):
    survey = synthetic_rs2022()
    assert len(survey.export) == 2776 and (survey.export["synthetic"] == SYNTHETIC_LABEL).all()
    export, codebook = survey.write(tmp_path)
    micro = read_microdata(export, read_codebook(codebook))
    assert micro.read == 2776 and micro.rejected.empty
    published = published_intervals(["rs2022"])
    for question, shares in survey.margins.items():
        estimates = weighted_proportions(micro, question).set_index("answer")
        answered = estimates["respondents"].iloc[0] / 2776
        for answer, share in shares.items():
            fid = f"rs2022.{question}" if question != "maturity" else f"rs2022.maturity.{answer}"
            if answer == "non":
                continue
            # the synthetic estimate's own interval contains the published margin (among respondents)
            assert estimates.loc[answer, "low"] <= share / answered <= estimates.loc[answer, "high"], fid
            # the published interval (whole sample) contains the synthetic estimate rescaled to the whole sample
            estimate = 100 * estimates.loc[answer, "proportion"] * answered
            assert published.loc[fid, "low"] <= estimate <= published.loc[fid, "high"], fid
