"""Every product on the user's own data: `essnum render barometre --atlas DIR` computes the barometer from that
atlas (its organisations, named as the user's atlas), and the PDF's sources appendix says which data it used."""

from __future__ import annotations

import re
import subprocess

import pytest
from click.testing import CliRunner

from essnum.cli import main
from essnum.paths import DATASETS

pytestmark = pytest.mark.slow


def test_a_barometer_rendered_on_a_user_atlas_shows_its_organisations(tmp_path, monkeypatch):
    for variable in DATASETS.values():  # set empty through monkeypatch: the --atlas the CLI sets is undone after
        monkeypatch.setenv(variable, "")
    atlas = tmp_path / "atlas-hauts-de-france"
    atlas.mkdir()
    (atlas / "organisations.csv").write_text(
        "id,name,family,country,city,commune,latitude,longitude,location_source\n"
        "h1,SYNTHETIC Lille numérique,accompagnement,FR,Lille,,,,synthetic\n"
        "h2,SYNTHETIC Amiens coop,tech,FR,80000 Amiens,,,,synthetic\n"
        "h3,SYNTHETIC Roubaix lab,tech,FR,Roubaix,,,,synthetic\n", encoding="utf-8")
    (atlas / "links.csv").write_text("organisation_id,collective_id,collective_label,collective_kind,role,source\n"
                                     "h1,c1,SYNTHETIC réseau,network,,synthetic\n", encoding="utf-8")
    monkeypatch.setenv("ESSNUM_BUILD", str(tmp_path / "build"))
    result = CliRunner().invoke(main, ["render", "barometre", "--region", "32", "--atlas", str(atlas),
                                       "--output-dir", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    pdf = next((tmp_path / "out").rglob("barometre-regional.pdf"))
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    compact = re.sub(r"[\s\u200b]+", "", text).replace("’", "'")  # line breaks and break opportunities out
    assert "L'atlasfourni(atlas-hauts-de-france)nelocaliseque3deses3organisations" in compact
    assert "3organisation(s)del'atlassontlocaliséesdanslarégion" in compact
    assert str(atlas.resolve()) in compact  # the sources appendix names the data used
