"""Questionnaire exports through a codebook, weighted estimates, raking, synthetic microdata."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from essnum.survey import (
    SYNTHETIC_LABEL,
    count_table,
    crosstab,
    effective_sample_size,
    rake,
    read_codebook,
    read_microdata,
    synthetic_survey,
    weighted_proportions,
    wilson,
)

FIXTURES = Path(__file__).parent / "fixtures" / "survey"


@pytest.mark.parametrize("codebook", ["codebook.yaml", "codebook.csv"])
def test_export_is_decoded_and_bad_rows_reported_with_row_and_field(codebook):
    micro = read_microdata(FIXTURES / "export.csv", FIXTURES / codebook)
    assert micro.read == 8 and len(micro.responses) == 6 and len(micro.rejected) == 2
    where = {(p.row, p.field) for p in micro.problems}
    assert where == {(8, "Q1"), (9, "poids")}  # header is row 1: response 7 is row 8
    assert "'7' is not in the codebook" in micro.rejected.loc[0, "reason"]
    assert micro.responses.loc[6, "funding_barrier"] is pd.NA  # code 99 declared missing
    assert micro.responses.loc[7, "funding_barrier"] is pd.NA  # empty cell


def test_xlsx_export_reads_like_csv(tmp_path):
    frame = pd.read_csv(FIXTURES / "export.csv", sep=";", dtype="string", keep_default_na=False)
    frame.to_excel(tmp_path / "export.xlsx", index=False)
    micro = read_microdata(tmp_path / "export.xlsx", FIXTURES / "codebook.yaml")
    assert len(micro.responses) == 6 and {(p.row, p.field) for p in micro.problems} == {(8, "Q1"), (9, "poids")}


def test_weighted_proportion_and_interval_by_hand():
    micro = read_microdata(FIXTURES / "export.csv", FIXTURES / "codebook.yaml")
    table = weighted_proportions(micro, "maturity").set_index("answer")
    # kept weights: rows 2,3 (exp, 1+1), 4,5 (prog, 2+1), 6 (peu, 1), 7 (exp, 0.5) → total 6.5
    assert table.loc["experimentee", "proportion"] == pytest.approx(2.5 / 6.5)
    n_eff = 6.5 ** 2 / (1 + 1 + 4 + 1 + 1 + 0.25)
    assert table.loc["experimentee", "n_effective"] == pytest.approx(n_eff)
    assert table.loc["experimentee", "low"] == pytest.approx(wilson(2.5 / 6.5, n_eff).low)
    assert table["count"].tolist() == [3, 2, 1]
    barrier = weighted_proportions(micro, "funding_barrier").set_index("answer")
    assert barrier["respondents"].iloc[0] == 4  # two no-answers excluded


def test_crosstab_and_count_table():
    micro = read_microdata(FIXTURES / "export.csv", FIXTURES / "codebook.yaml")
    tab = crosstab(micro, "maturity", "funding_barrier")
    exp = tab[tab["maturity"] == "experimentee"].set_index("answer")
    assert exp.loc["oui", "proportion"] == pytest.approx(0.5)
    counts = count_table(micro, "maturity", "funding_barrier")
    assert counts.loc["experimentee"].tolist() == [1, 1] and counts.loc["peu_initiee"].tolist() == [0, 0]


def test_effective_sample_size_of_equal_weights_is_n():
    assert effective_sample_size(pd.Series([2.0] * 10)) == pytest.approx(10)


def test_raking_toy_table_reproduces_both_margins():
    data = pd.DataFrame({"size": ["small"] * 6 + ["large"] * 4,
                         "region": ["north", "south", "south", "north", "south", "south", "north", "north", "south", "north"]})
    margins = {"size": {"small": 300, "large": 700}, "region": {"north": 0.55, "south": 0.45}}
    result = rake(data, margins)
    assert result.converged and result.iterations < 100
    shares = {var: result.weights.groupby(data[var]).sum() / result.weights.sum() for var in margins}
    assert shares["size"]["small"] == pytest.approx(0.3, abs=1e-8)
    assert shares["region"]["north"] == pytest.approx(0.55, abs=1e-8)
    assert result.weights.sum() == pytest.approx(10)
    assert result.history == sorted(result.history, reverse=True)
    assert "converged" in result.report()


def test_raking_reports_non_convergence_and_impossible_margins():
    data = pd.DataFrame({"a": ["x", "x", "y"], "b": ["u", "v", "v"]})
    # x only with u/v, y only with v: a=y 90 % and b=u 50 % together cannot be met exactly within 2 passes
    result = rake(data, {"a": {"x": 0.1, "y": 0.9}, "b": {"u": 0.5, "v": 0.5}}, max_iterations=2)
    assert not result.converged and result.iterations == 2 and "did NOT converge" in result.report()
    with pytest.raises(ValueError, match="no respondent"):
        rake(data, {"a": {"x": 0.5, "z": 0.5}})
    with pytest.raises(ValueError, match="no target"):
        rake(data, {"a": {"x": 1.0}})


def test_synthetic_export_is_labelled_and_reproduces_margins(tmp_path):
    margins = {"maturity": {"experienced": 0.22, "intermediate": 0.53, "beginner": 0.22},
               "covid_accelerated": {"oui": 0.45, "non": 0.55}}
    survey = synthetic_survey(2776, margins, seed=1)
    assert (survey.export["synthetic"] == SYNTHETIC_LABEL).all()
    export, codebook = survey.write(tmp_path)
    assert SYNTHETIC_LABEL in codebook.read_text(encoding="utf-8")
    micro = read_microdata(export, read_codebook(codebook))
    assert micro.read == 2776 and micro.rejected.empty
    table = weighted_proportions(micro, "maturity").set_index("answer")
    # 3 % no answer: shares among respondents are the published ones rescaled by 0.97
    for answer, share in margins["maturity"].items():
        row = table.loc[answer]
        assert row["low"] <= share / 0.97 <= row["high"]
        assert row["count"] == round(share * 2776)
    assert np.array_equal(synthetic_survey(2776, margins, seed=1).export, survey.export)


def test_synthetic_rejects_margins_over_one():
    with pytest.raises(ValueError, match="at most 1"):
        synthetic_survey(10, {"q": {"a": 0.7, "b": 0.5}})


@pytest.mark.parametrize("codebook_format", ["yaml", "csv"])
def test_multiple_choice_option_counts_an_empty_cell_as_not_chosen(tmp_path, codebook_format):
    # LimeSurvey exports each option of a multiple-choice question as a column holding Y or nothing
    (tmp_path / "export.csv").write_text("id,Q5[SQ002]\n1,Y\n2,\n3,\n4,Y\n5,N?\n", encoding="utf-8")
    if codebook_format == "yaml":
        (tmp_path / "codebook.yaml").write_text(
            "questions:\n  tool_training:\n    column: 'Q5[SQ002]'\n    answers: {Y: oui}\n    empty: non\n",
            encoding="utf-8")
    else:
        (tmp_path / "codebook.csv").write_text(
            "question,column,label,code,answer\ntool_training,Q5[SQ002],Formation aux outils,Y,oui\n"
            "tool_training,Q5[SQ002],Formation aux outils,,non\n", encoding="utf-8")
    micro = read_microdata(tmp_path / "export.csv", tmp_path / f"codebook.{codebook_format}")
    table = weighted_proportions(micro, "tool_training").set_index("answer")
    assert table["count"].to_dict() == {"oui": 2, "non": 2}
    assert table.loc["oui", "proportion"] == pytest.approx(0.5)
    assert [(p.row, p.field) for p in micro.problems] == [(6, "Q5[SQ002]")]
