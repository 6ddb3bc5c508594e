"""``essnum synth atlas`` then ``essnum network --atlas DIR --out DIR``, and the missing-folder error."""

import json

from click.testing import CliRunner

from essnum.cli import main


def test_network_command_on_a_synthetic_atlas(tmp_path):
    runner = CliRunner()
    result = runner.invoke(main, ["synth", "atlas", "--n", "150", "--seed", "3", "--out", str(tmp_path / "atlas")])
    assert result.exit_code == 0, result.output
    result = runner.invoke(main, ["network", "--atlas", str(tmp_path / "atlas"), "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert "organisations: read 150 = kept 150 + rejected 0" in result.output
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["synthetic"] is True and summary["counts"]["organisations_kept"] == 150
    assert (tmp_path / "out" / "organisations.gexf").is_file() and (tmp_path / "out" / "bipartite.graphml").is_file()


def test_network_command_names_a_missing_folder(tmp_path):
    result = CliRunner().invoke(main, ["network", "--atlas", str(tmp_path / "nowhere"), "--out", str(tmp_path)])
    assert result.exit_code != 0
    assert "atlas folder not found" in result.output and "nowhere" in result.output
