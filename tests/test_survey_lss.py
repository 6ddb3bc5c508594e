"""LimeSurvey's survey structure (.lss) read as the codebook, and survey microdata kept private."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from essnum.cli import main
from essnum.data.tables import InputError
from essnum.survey import read_codebook, read_microdata, weighted_proportions
from essnum.survey.microdata import privacy_problems, read_lss

FIXTURES = Path(__file__).parent / "fixtures" / "survey"
LSS = FIXTURES / "limesurvey_structure.lss"
EXPORT = FIXTURES / "limesurvey_export.csv"


def test_lss_gives_questions_answers_and_subquestions_in_the_base_language():
    codebook = read_codebook(LSS)
    assert list(codebook.questions) == ["Q1", "Q2", "Q3_SQ001", "Q3_SQ002", "Q4_SQ001", "Q4_SQ002", "Q6"]
    q1 = codebook.questions["Q1"]
    assert q1.label == "Comment décririez-vous la maturité numérique de votre structure ?"  # HTML removed
    assert q1.answers == {"A1": "Expérimentée", "A2": "En progrès", "A3": "Peu initiée"}
    assert codebook.questions["Q2"].answers == {"Y": "oui", "N": "non"}
    array = codebook.questions["Q3_SQ002"]
    assert array.column == "Q3[SQ002]" and array.label.endswith("— Visioconférence")
    assert array.answers == {"AO01": "Jamais", "AO02": "Parfois", "AO03": "Souvent"}
    option = codebook.questions["Q4_SQ001"]
    assert (option.column, option.answers, option.empty) == ("Q4[SQ001]", {"Y": "oui"}, "non")
    assert codebook.questions["Q6"].answers["-oth-"] == "Autre"  # the question has "other"
    assert "Q5" not in codebook.questions  # free text is not tabulated
    english = read_lss(LSS, language="en")
    assert english.questions["Q1"].answers["A3"] == "Beginner"


def test_export_decoded_through_the_lss():
    micro = read_microdata(EXPORT, LSS)
    assert (micro.read, len(micro.responses), len(micro.rejected)) == (10, 9, 1)
    assert [(p.row, p.field) for p in micro.problems] == [(8, "Q1")]  # response 7: code A9
    table = weighted_proportions(micro, "Q4_SQ001").set_index("answer")
    assert table["count"].to_dict() == {"oui": 4, "non": 5}  # unticked options count as "non" (row 8 rejected)
    assert micro.responses["Q6"].tolist().count("Autre") == 1


def test_limesurvey_3_structure_with_inline_texts(tmp_path):
    path = tmp_path / "ls3.lss"
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?><document><LimeSurveyDocType>Survey</LimeSurveyDocType>'
        "<languages><language>fr</language></languages>"
        "<answers><rows>"
        "<row><qid>5</qid><code>1</code><answer>Oui</answer><sortorder>1</sortorder><language>fr</language><scale_id>0</scale_id></row>"
        "<row><qid>5</qid><code>2</code><answer>Non</answer><sortorder>2</sortorder><language>fr</language><scale_id>0</scale_id></row>"
        "<row><qid>5</qid><code>1</code><answer>Yes</answer><sortorder>1</sortorder><language>en</language><scale_id>0</scale_id></row>"
        "</rows></answers>"
        "<questions><rows><row><qid>5</qid><parent_qid>0</parent_qid><gid>1</gid><type>!</type><title>A1</title>"
        "<question>Adhérent ?</question><other>N</other><question_order>1</question_order><language>fr</language>"
        "</row></rows></questions></document>", encoding="utf-8")
    codebook = read_codebook(path)
    assert codebook.questions["A1"].answers == {"1": "Oui", "2": "Non"} and codebook.questions["A1"].label == "Adhérent ?"


def test_tabulate_reads_the_lss_and_prints_only_the_controlled_table(tmp_path):
    out = tmp_path / "table.csv"
    result = CliRunner().invoke(main, ["survey", "tabulate", str(EXPORT), str(LSS), "--rows", "Q2",
                                       "--columns", "Q4_SQ001", "--out", str(out), "--allow-rejected"])
    assert result.exit_code == 0, result.output
    assert "10 responses read = 9 kept + 1 rejected" in result.output
    published = pd.read_csv(out, index_col=0)
    assert list(published.columns) == ["oui", "non", "Total"] and published.isna().all().all()  # all below 11
    assert "Gestion de projet" not in result.output and "Rien à signaler" not in result.output  # no free text


def test_microdata_never_shows_responses_in_a_notebook_output():
    micro = read_microdata(EXPORT, LSS)
    assert repr(micro) == f"Microdata({str(EXPORT)!r}: 10 responses read, 9 kept, 1 rejected; 7 questions)"
    assert "Expérimentée" not in micro._repr_html_() and "A9" not in repr(micro)


def _git(*args: str, cwd: Path) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


@pytest.fixture
def repository(tmp_path):
    """A throw-away git repository (not the project's) with a private/ folder ignored."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    repo = tmp_path / "repo"
    repo.mkdir()
    _git("init", "-q", cwd=repo)
    (repo / ".gitignore").write_text("private/\n", encoding="utf-8")
    return repo


def _personal_export(path: Path) -> Path:
    """The fixture without its SYNTHETIC label: what a real export looks like."""
    path.parent.mkdir(parents=True, exist_ok=True)
    frame = pd.read_csv(EXPORT, dtype=str, keep_default_na=False).drop(columns="synthetic")
    frame.to_csv(path, index=False)
    return path


def test_an_export_tracked_by_git_is_refused_with_the_reason(repository):
    export = _personal_export(repository / "reponses.csv")
    _git("add", "reponses.csv", cwd=repository)
    with pytest.raises(InputError, match="tracked by git") as error:
        read_microdata(export, LSS)
    assert "private/" in str(error.value) and "personal data" in str(error.value)
    result = CliRunner().invoke(main, ["survey", "tabulate", str(export), str(LSS), "--rows", "Q2",
                                       "--columns", "Q1"])
    assert result.exit_code == 1 and "Traceback" not in result.output and "reponses.csv" in result.output


def test_an_export_in_private_is_read_and_one_outside_it_gets_a_warning(repository):
    inside = read_microdata(_personal_export(repository / "private" / "reponses.csv"), LSS)
    assert [p.field for p in inside.problems] == ["Q1"]  # the unknown code only: no privacy problem
    loose = read_microdata(_personal_export(repository / "reponses.csv"), LSS)
    assert loose.problems[0].severity == "warning" and "not git-ignored" in loose.problems[0].message
    outside = _personal_export(repository.parent / "elsewhere" / "reponses.csv")
    assert privacy_problems(outside) == []  # outside any git work tree


def test_the_project_ignores_its_private_folder():
    from essnum.paths import project_root

    root = project_root()
    if not (root / ".git").exists() or shutil.which("git") is None:
        pytest.skip("not a git checkout")
    done = subprocess.run(["git", "check-ignore", "-q", "private/reponses.csv"], cwd=root, check=False)
    assert done.returncode == 0


@pytest.mark.parametrize("name, text, message", [
    ("broken.lss", "<document><LimeSurveyDocType>Survey", "not a readable LimeSurvey structure file"),
    ("broken.lss", "<document><LimeSurveyDocType>Label set</LimeSurveyDocType></document>",
     "not a LimeSurvey survey structure"),
    ("broken.lss", "<document><LimeSurveyDocType>Survey</LimeSurveyDocType></document>", "has no <questions> rows"),
    ("codebook.yaml", "questions:\n  q: {column: Q1\n", "not valid UTF-8 YAML"),
    ("codebook.yaml", "weight: w\n", "has no 'questions' mapping"),
    ("codebook.yaml", "questions:\n  q:\n    answers: {1: oui}\n", "question 'q' has no 'column'"),
    ("codebook.yaml", "questions:\n  q:\n    column: Q1\n    answers: [oui, non]\n", "'answers' must map codes to labels"),
])
def test_a_broken_codebook_is_an_input_error_naming_the_file(tmp_path, name, text, message):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=message) as error:
        read_codebook(path)
    assert str(path) in str(error.value)


def test_a_single_missing_code_may_be_written_without_a_list(tmp_path):
    path = tmp_path / "codebook.yaml"
    path.write_text("questions:\n  q:\n    column: Q1\n    answers: {1: oui}\n    missing: 99\n", encoding="utf-8")
    assert read_codebook(path).questions["q"].missing == ("99",)


def test_an_unreadable_export_is_an_input_error_naming_it(tmp_path):
    fake = tmp_path / "export.xlsx"
    fake.write_text("not a workbook", encoding="utf-8")
    with pytest.raises(InputError, match="cannot be read") as error:
        read_microdata(fake, LSS)
    assert str(fake) in str(error.value)
    latin1 = tmp_path / "export.csv"
    latin1.write_bytes("id,Q1\n1,Expérimentée\n".encode("latin-1"))
    with pytest.raises(InputError, match="not UTF-8"):
        read_microdata(latin1, LSS)
