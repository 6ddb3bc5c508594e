"""essnum.data.validate and the CLI checks: project data passes; each broken file fails precisely, nothing is lost."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from essnum.cli import main
from essnum.data.evidence import seeds_dir
from essnum.data.validate import check_project, project_tables, write_report
from essnum.paths import data_dir, project_root

BROKEN = Path(__file__).parent / "fixtures" / "broken"

# fixture folder → (file, row, field, message fragment, hint fragment, {table: (read, kept, rejected)})
CASES = {
    "wrong-delimiter": ("organisations.csv", None, None, "delimiter looks like ';'", "comma-separated",
                        {"organisations": (3, 0, 3), "links": (3, 0, 3)}),
    "latin1": ("organisations.csv", None, None, "file is not UTF-8 (byte 0xe9 on line 2", "re-save the file as UTF-8",
               {"organisations": (3, 0, 3), "links": (3, 0, 3)}),
    "duplicate-ids": ("organisations.csv", 5, "id", "duplicate id 'synthetic-a': already on row 2", "distinct id",
                      {"organisations": (4, 3, 1), "links": (3, 3, 0)}),
    "missing-required": ("organisations.csv", 3, "name", "missing value for a required field", "fill in name",
                         {"organisations": (3, 2, 1), "links": (3, 2, 1)}),
    "unknown-family": ("organisations.csv", 4, "family", "'recherches' is not an allowed value (did you mean 'recherche'?)",
                       "use one of", {"organisations": (3, 2, 1), "links": (3, 2, 1)}),
    "unknown-country": ("organisations.csv", 3, "country", "'UK' is not an allowed value", "United Kingdom is GB",
                        {"organisations": (3, 2, 1), "links": (3, 2, 1)}),
    "dangling-link": ("links.csv", 5, "organisation_id", "'synthetic-z' is not an id of organisations.csv",
                      "add the organisation", {"organisations": (3, 3, 0), "links": (4, 3, 1)}),
}


def test_every_broken_fixture_has_a_case():
    assert sorted(p.name for p in BROKEN.iterdir() if p.is_dir()) == sorted(CASES)


@pytest.mark.parametrize("case", sorted(CASES))
def test_atlas_check_fails_precisely(case, tmp_path):
    file, row, field, message, hint, counts = CASES[case]
    folder = BROKEN / case
    result = CliRunner().invoke(main, ["atlas", "check", str(folder), "--output", str(tmp_path)])
    assert result.exit_code == 1, result.output
    where = f"{(folder / file).relative_to(project_root())}" + (f":{row}" if row else "") + ": error: " + (f"[{field}] " if field else "")
    assert where + message in result.output, result.output
    assert hint in result.output
    assert result.output.count(": error: ") == 1  # one root cause, no cascade of errors
    summary = json.loads((tmp_path / "summary.json").read_text(encoding="utf-8"))
    assert summary["ok"] is False and summary["errors"] == 1
    for table, (read, kept, rejected) in counts.items():
        merged = {"merged": 0} if table == "links" else {}  # links repeating a pair are merged, not rejected
        assert summary["tables"][table] == {"read": read, "kept": kept, "rejected": rejected, **merged,
                                            "file": summary["tables"][table]["file"]}
        assert read == kept + rejected
        if rejected:  # nothing is lost: every rejected row is written with its reason
            written = pd.read_csv(tmp_path / "rejected" / f"{table}.csv", dtype=str, keep_default_na=False)
            assert len(written) == rejected and (written["reason"] != "").all() and "row" in written


def test_project_data_passes_and_counts_reconcile():
    report = check_project()
    assert report.ok, report.render()
    names = set(report.tables)
    assert {"atlas/organisations", "atlas/links", "atlas/collectives", "atlas/families"} <= names
    assert {name for name, _, _ in project_tables()} <= names
    for counts in report.counts().values():
        assert counts["read"] == counts["kept"] + counts["rejected"] + counts.get("merged", 0)


def test_data_check_cli_on_broken_project_copy(tmp_path, monkeypatch):
    monkeypatch.setenv("ESSNUM_SEEDS", str(seeds_dir()))
    root = tmp_path / "project"
    shutil.copytree(data_dir(), root / "data")
    (root / "_quarto.yml").write_text("project: {}\n", encoding="utf-8")
    monkeypatch.setenv("ESSNUM_ROOT", str(root))
    links = root / "data" / "atlas" / "links.csv"
    lines = links.read_text(encoding="utf-8").splitlines()
    links.write_text("\n".join([*lines, "ghost-org,cafes-ia,\"Cafés IA (SOGA, SAW-B, FARI)\",event,,synthetic"]) + "\n",
                     encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["data", "check", "--output", str(out)])
    assert result.exit_code == 1, result.output
    assert f"data/atlas/links.csv:{len(lines) + 1}: error: [organisation_id] 'ghost-org' is not an id" in result.output
    assert re.search(rf"^atlas/links +{len(lines)} +{len(lines) - 1} +1 ", result.output, re.MULTILINE)
    rejected = pd.read_csv(out / "rejected" / "atlas" / "links.csv", dtype=str)
    assert rejected["row"].tolist() == [str(len(lines) + 1)] and "ghost-org" in rejected["reason"][0]

    links.write_text("\n".join(lines) + "\n", encoding="utf-8")  # repaired: passes, stale rejected file removed
    result = CliRunner().invoke(main, ["data", "check", "--output", str(out)])
    assert result.exit_code == 0, result.output
    assert not (out / "rejected").exists()


def test_write_report_summary(tmp_path):
    report = check_project()
    written = write_report(report, tmp_path)
    assert written == [tmp_path / "summary.json"]
    summary = json.loads(written[0].read_text(encoding="utf-8"))
    assert summary["ok"] is True and summary["tables"]["atlas/organisations"]["file"] == "data/atlas/organisations.csv"
