"""Every ``essnum`` command, given a broken input: a message naming the input, a non-zero exit, no traceback.

The commands are read from click's command tree (what ``essnum --help`` lists), so a new command without a
case here fails ``test_every_command_has_a_broken_input_case``. Commands that read no user input are
exempt, each with its reason. ``facts`` commands run in a fresh process (no cached reference data) with an
empty mirror and cache and downloads pointed at an unreachable proxy.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from essnum.cli import main
from essnum.paths import project_root

FIXTURES = Path(__file__).parent / "fixtures"
BROKEN = FIXTURES / "broken"

EXEMPT = {
    "build": "builds the embedded data only (no input file); each step's inputs are checked by its own command",
    "lab": "starts JupyterLab; reads no input file",
    "sources list": "lists the project's declared catalogue; reads no user file",
    "data check": "validates the project's own data/ (no user file); its failures are tested in test_validate.py",
    "synth atlas": "writes a synthetic atlas; reads no input file",
    "site": "writes the static site from the project's own build outputs and data; reads no user file",
}


def leaf_commands(group: click.Group = main, prefix: tuple[str, ...] = ()) -> list[str]:
    """Every runnable command of the tree, as 'group sub' paths."""
    found = []
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            found += leaf_commands(command, prefix + (name,))
        else:
            found.append(" ".join(prefix + (name,)))
    return found


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _facts(tmp_path: Path, *args: str):
    return {"process": ["facts", *args], "named": str(tmp_path / "mirror")}


def _cases(tmp_path: Path) -> dict[str, dict]:
    """command path → {"args": [...]} (CliRunner) or {"process": [...]} (subprocess), and the input it must name."""
    codebook = _write(tmp_path / "codebook.yaml",
                      "questions:\n  maturity:\n    column: Q9\n    answers: {1: oui, 2: non}\n")
    no_programme = _write(tmp_path / "no-programme.csv",
                          "recipient,siren,legal_category,esus,amount\nSYNTHETIC A,123456789,9220,false,100\n")
    qmd = _write(tmp_path / "no-question.qmd", "---\ntitle: SYNTHETIC\n---\n\nNo answer here.\n")
    points = _write(tmp_path / "points.csv", "code,lon\n75056,2.35\n")
    corrupted = _write(tmp_path / "mirror" / "anct-conseillers-numeriques" / "cnfs.json", "{}\n")
    return {
        "notebooks": {"args": ["notebooks", "no-such-notebook"], "named": "no-such-notebook"},
        "consultation": {"args": ["consultation", str(qmd), "--out", str(tmp_path / "answers")], "named": qmd.name},
        "sources fetch": {"args": ["sources", "fetch", "no-such-source", "--mirror", str(tmp_path / "empty")],
                          "named": "no-such-source"},
        "sources verify": {"args": ["sources", "verify", "anct-conseillers-numeriques", "--mirror",
                                    str(tmp_path / "mirror")], "named": str(corrupted)},
        "territory": {"args": ["territory", "--atlas", str(BROKEN / "unknown-country"), "--out", str(tmp_path / "t"),
                               "--commune-points", str(points)], "named": points.name},
        "places": {"args": ["places", str(FIXTURES / "support" / "places-unknown-layout.txt"), "--out",
                            str(tmp_path / "p")], "named": "places-unknown-layout.txt"},
        "atlas check": {"args": ["atlas", "check", str(BROKEN / "wrong-delimiter"), "--output", str(tmp_path / "a")],
                        "named": "organisations.csv"},
        "render": {"args": ["render", "no-such-brief", "--output-dir", str(tmp_path / "r")], "named": "no-such-brief"},
        "facts show": {"args": ["facts", "show", "no.such.fact"], "named": "no.such.fact"},
        "facts build": _facts(tmp_path, "build"),
        "facts lock": _facts(tmp_path, "lock"),
        "facts diff": _facts(tmp_path, "diff"),
        "survey intervals": {"args": ["survey", "intervals", "--wave", "nowave"], "named": "nowave"},
        "survey tabulate": {"args": ["survey", "tabulate", str(FIXTURES / "survey" / "export.csv"), str(codebook),
                                     "--rows", "maturity", "--columns", "maturity"], "named": "export.csv"},
        "funding shares": {"args": ["funding", "shares", str(no_programme), "--replicates", "10"],
                           "named": no_programme.name},
        "funding scenarios": {"args": ["funding", "scenarios", "--envelope", "-5"], "named": "--envelope"},
        "network": {"args": ["network", "--atlas", str(BROKEN / "unknown-country"), "--out", str(tmp_path / "n"),
                             "--no-graphs"], "named": "organisations.csv"},
    }


def test_every_command_has_a_broken_input_case(tmp_path):
    commands = set(leaf_commands())
    covered = set(_cases(tmp_path)) | set(EXEMPT)
    assert commands - covered == set(), "add a broken-input case (or an exemption with its reason) for these"
    assert covered - commands == set(), "cases for commands that no longer exist"
    assert len(commands) >= 20 and {"survey tabulate", "facts diff", "places"} <= commands


def _run_process(args: list[str], tmp_path: Path) -> tuple[int, str]:
    (tmp_path / "mirror").mkdir(exist_ok=True)
    (tmp_path / "cache").mkdir(exist_ok=True)
    env = {**os.environ, "ESSNUM_MIRROR": str(tmp_path / "mirror"), "ESSNUM_CACHE": str(tmp_path / "cache"),
           "HTTPS_PROXY": "http://127.0.0.1:9", "HTTP_PROXY": "http://127.0.0.1:9", "NO_PROXY": ""}
    command = [sys.executable, "-c", "from essnum.cli import main; main()", *args]
    done = subprocess.run(command, capture_output=True, text=True, env=env, cwd=project_root(), timeout=300, check=False)
    return done.returncode, done.stdout + done.stderr


@pytest.mark.parametrize("command", [c for c in leaf_commands() if c not in EXEMPT])
def test_broken_input_gives_a_message_and_a_non_zero_exit(command, tmp_path):
    case = _cases(tmp_path)[command]
    if "process" in case:
        lock = project_root() / "briefs" / "facts.lock.json"
        before = lock.read_bytes() if lock.is_file() else None
        code, output = _run_process(case["process"], tmp_path)
        assert (lock.read_bytes() if lock.is_file() else None) == before, "the lock must not be rewritten"
    else:
        result = CliRunner().invoke(main, case["args"])
        code, output = result.exit_code, result.output
        assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in output, output
    assert code != 0, output
    assert case["named"] in output, output


def test_tabulate_with_rejected_responses_exits_1_unless_allowed(tmp_path):
    args = ["survey", "tabulate", str(FIXTURES / "survey" / "export.csv"), str(FIXTURES / "survey" / "codebook.yaml"),
            "--rows", "maturity", "--columns", "funding_barrier"]
    refused = CliRunner().invoke(main, args)
    assert refused.exit_code == 1 and "--allow-rejected" in refused.output
    assert "2 of 8 responses" in refused.output and "export.csv:8: error: [Q1]" in refused.output
    allowed = CliRunner().invoke(main, [*args, "--allow-rejected"])
    assert allowed.exit_code == 0, allowed.output


def test_warnings_never_change_the_exit_code(tmp_path):
    # no rejected row, one warning (a collective without a label): exit 0
    folder = tmp_path / "atlas"
    _write(folder / "organisations.csv", "id,name,country\na,Alpha (synthetic),FR\nb,Beta (synthetic),XK\n")
    _write(folder / "links.csv", "organisation_id,collective_id,collective_kind\na,p1,project\nb,p1,project\n")
    result = CliRunner().invoke(main, ["atlas", "check", str(folder), "--output", str(tmp_path / "check")])
    assert result.exit_code == 0 and "warning: [collective_label]" in result.output, result.output
    result = CliRunner().invoke(main, ["network", "--atlas", str(folder), "--out", str(tmp_path / "n"), "--no-graphs"])
    assert result.exit_code == 0, result.output


def test_tabulate_names_each_bad_weight_and_what_to_write(tmp_path):
    export = _write(tmp_path / "export.csv", "id;Q1;poids\n1;1;1.0\n2;2;1,5\n3;1;-1\n4;2;2\n")
    codebook = _write(tmp_path / "codebook.yaml", "weight: poids\nquestions:\n  q:\n    column: Q1\n"
                                                  "    answers: {1: oui, 2: non}\n")
    result = CliRunner().invoke(main, ["survey", "tabulate", str(export), str(codebook), "--rows", "q",
                                       "--columns", "q"])
    assert result.exit_code == 1, result.output
    assert "export.csv:3: error: [poids] weight '1,5' is not a positive number — write the decimal with a point" \
        in result.output
    assert "export.csv:4: error: [poids] weight '-1' is not a positive number" in result.output
    assert "4 responses read = 2 kept + 2 rejected" in result.output
