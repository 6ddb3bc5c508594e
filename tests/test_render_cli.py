"""`essnum render` and `essnum facts`: arguments, errors and outputs (rendering itself is tested elsewhere)."""

from __future__ import annotations

from click.testing import CliRunner

from essnum.cli import main


def test_unknown_brief_name_lists_the_briefs():
    result = CliRunner().invoke(main, ["render", "pas-de-note"])
    assert result.exit_code == 2
    assert "'pas-de-note' names no brief; briefs: accelerer-ess-numerique" in result.output


def test_malformed_parameter_is_refused():
    result = CliRunner().invoke(main, ["render", "accelerer-ess-numerique", "-P", "region"])
    assert result.exit_code == 2 and "write NAME=VALUE" in result.output


def test_facts_show_prints_key_french_text_and_source():
    result = CliRunner().invoke(main, ["facts", "show", "rs2022.sample_size"])
    assert result.exit_code == 0
    assert "rs2022.sample_size" in result.output and "2\u202f776" in result.output
    assert "evidence: rs2022.sample_size" in result.output
    assert CliRunner().invoke(main, ["facts", "show", "zzz."]).exit_code == 1


def test_facts_diff_passes_when_the_lock_matches():
    result = CliRunner().invoke(main, ["facts", "diff"])
    assert result.exit_code == 0, result.output
    assert "matches briefs/facts.lock.json" in result.output
