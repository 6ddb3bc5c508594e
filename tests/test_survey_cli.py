"""``essnum survey`` and ``essnum funding`` commands: outputs, rejected rows reported, files written."""

from pathlib import Path

import pandas as pd
from click.testing import CliRunner

from essnum.cli import main

FIXTURES = Path(__file__).parent / "fixtures"


def test_funding_shares_reports_rejections_and_writes_tables(tmp_path):
    args = ["funding", "shares", str(FIXTURES / "funding" / "malformed.csv"), "--replicates", "200", "--out", str(tmp_path)]
    refused = CliRunner().invoke(main, args)  # rejected rows are errors: exit 1, after writing the outputs
    assert refused.exit_code == 1 and "4 of 6 rows" in refused.output and "--allow-rejected" in refused.output
    result = CliRunner().invoke(main, [*args, "--allow-rejected"])
    assert result.exit_code == 0, result.output
    assert "6 rows read = 2 kept + 4 rejected" in result.output
    assert "malformed.csv:3: error: [amount]" in result.output
    rejected = pd.read_csv(tmp_path / "rejected.csv")
    assert rejected["row"].tolist() == [3, 4, 5, 6]
    assert pd.read_csv(tmp_path / "shares.csv")["programme"].tolist()[-1] == "Ensemble"


def test_survey_tabulate_suppresses_small_cells(tmp_path):
    out = tmp_path / "table.csv"
    result = CliRunner().invoke(main, ["survey", "tabulate", str(FIXTURES / "survey" / "export.csv"),
                                       str(FIXTURES / "survey" / "codebook.yaml"), "--rows", "maturity",
                                       "--columns", "funding_barrier", "--out", str(out), "--allow-rejected"])
    assert result.exit_code == 0, result.output
    assert "×" in result.output and "threshold 11" in result.output
    table = pd.read_csv(out, index_col=0)
    assert table.loc["experimentee"].isna().all()  # every count below 11 is withheld


def test_survey_tabulate_names_unknown_questions():
    result = CliRunner().invoke(main, ["survey", "tabulate", str(FIXTURES / "survey" / "export.csv"),
                                       str(FIXTURES / "survey" / "codebook.yaml"), "--rows", "nope",
                                       "--columns", "maturity"])
    assert result.exit_code != 0 and "no question 'nope'" in result.output


def test_funding_scenarios_for_a_given_envelope():
    result = CliRunner().invoke(main, ["funding", "scenarios", "--envelope", "2000000"])
    assert result.exit_code == 0 and "100000.0" in result.output and "posts_per_year: 1000.0" in result.output
