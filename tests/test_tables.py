"""essnum.data.tables: schema-driven CSV validation, row by row, with counts that reconcile."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from essnum.data.tables import load_schema, read_table

SCHEMA = {
    "fields": [
        {"name": "id", "type": "string", "constraints": {"required": True, "pattern": "[a-z0-9-]+"}},
        {"name": "name", "type": "string", "constraints": {"required": True}},
        {"name": "code", "type": "string"},
        {"name": "colour", "type": "string", "constraints": {"enum": ["red", "green", "blue"]}},
        {"name": "count", "type": "integer", "constraints": {"minimum": 0}},
        {"name": "share", "type": "number", "constraints": {"maximum": 100}},
        {"name": "active", "type": "boolean"},
        {"name": "since", "type": "date"},
    ],
    "primaryKey": "id",
    "missingValues": [""],
}


@pytest.fixture
def schema(tmp_path):
    path = tmp_path / "things.schema.json"
    path.write_text(json.dumps(SCHEMA), encoding="utf-8")
    return path


def write(tmp_path, text, name="things.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_valid_table_is_typed_and_codes_stay_strings(tmp_path, schema):
    path = write(tmp_path, "id,name,code,colour,count,share,active,since,extra\n"
                           "a,Alpha,01,red,3,12.5,true,2024-01-31,x\n"
                           "b,Beta,2A,,0,,false,,y\n")
    result = read_table(path, schema)
    assert result.ok and result.counts() == {"read": 2, "kept": 2, "rejected": 0}
    assert list(result.data["code"]) == ["01", "2A"]
    assert result.data["count"].dtype == "Int64" and result.data["share"].dtype == "Float64"
    assert result.data["active"].tolist() == [True, False]
    assert list(result.data.index) == [2, 3]  # line numbers in the file
    assert list(result.data["extra"]) == ["x", "y"]  # undescribed columns are kept
    assert pd.isna(result.data.loc[3, "colour"])


def test_optional_columns_may_be_absent(tmp_path, schema):
    result = read_table(write(tmp_path, "name,id\nAlpha,a\n"), schema)
    assert result.ok and result.kept == 1
    assert pd.isna(result.data.loc[2, "colour"])


def test_each_bad_row_is_rejected_with_its_reason(tmp_path, schema):
    path = write(tmp_path, "id,name,code,colour,count,share,active,since\n"
                           "a,Alpha,01,red,3,12.5,true,2024-01-31\n"
                           "b,,01,red,3,1,true,\n"          # missing required name
                           "c,Gamma,01,Red,3,1,true,\n"     # enum, case
                           "d,Delta,01,red,three,1,true,\n"  # not an integer
                           "e,Eps,01,red,-1,1,true,\n"      # below minimum
                           "f,Phi,01,red,1,\"4,3\",true,\n"  # decimal comma
                           "G!,Gee,01,red,1,1,true,\n"      # pattern
                           "h,Eta,01,red,1,1,maybe,31/01/2024\n"  # boolean + date
                           "a,Again,01,red,1,1,true,\n")    # duplicate primary key
    result = read_table(path, schema)
    assert result.counts() == {"read": 9, "kept": 1, "rejected": 8}
    assert result.read == result.kept + result.rejected_count
    assert list(result.data.index) == [2]
    reasons = dict(zip(result.rejected["row"], result.rejected["reason"]))
    assert "name: missing value" in reasons[3]
    assert "'Red' is not an allowed value (did you mean 'red'?)" in reasons[4]
    assert "'three' is not a valid integer" in reasons[5]
    assert "below the minimum 0" in reasons[6]
    assert "'4,3' is not a valid number" in reasons[7]
    assert "does not match pattern" in reasons[8]
    assert "active:" in reasons[9] and "since:" in reasons[9]
    assert "already on row 2" in reasons[10]
    assert result.rejected.loc[result.rejected["row"] == 10, "name"].item() == "Again"  # original text kept
    by_row = {(p.row, p.field) for p in result.errors}
    assert (3, "name") in by_row and (10, "id") in by_row
    assert all(p.file == str(path) for p in result.problems)
    assert "fill in name" in next(p.hint for p in result.errors if p.row == 3)
    assert "'.' as decimal separator" in next(p.hint for p in result.errors if p.row == 7)


def test_wrong_width_row_is_rejected_not_dropped(tmp_path, schema):
    path = write(tmp_path, "id,name\na,Alpha\nb,Beta,surplus\nc,Gamma\n")
    result = read_table(path, schema)
    assert result.counts() == {"read": 3, "kept": 2, "rejected": 1}
    row = result.rejected.iloc[0]
    assert row["row"] == 3 and row["raw"] == "b,Beta,surplus" and "3 values, header has 2" in row["reason"]


def test_multiline_quoted_values_keep_line_numbers(tmp_path, schema):
    path = write(tmp_path, 'id,name\na,"two\nlines"\nb,\n')
    result = read_table(path, schema)
    assert result.data.loc[2, "name"] == "two\nlines"
    assert result.rejected["row"].tolist() == [4]


def test_latin1_file_gives_one_problem(tmp_path, schema):
    path = write(tmp_path, "id,name\na,Société\nb,Élan\n", encoding="latin-1")
    result = read_table(path, schema)
    assert len(result.problems) == 1
    problem = result.problems[0]
    assert "not UTF-8" in problem.message and "line 2" in problem.message and "UTF-8" in problem.hint
    assert problem.file == str(path)
    assert result.counts() == {"read": 2, "kept": 0, "rejected": 2}
    assert result.rejected["raw"].tolist() == ["a,Société", "b,Élan"]


def test_semicolon_file_gives_one_problem(tmp_path, schema):
    path = write(tmp_path, "id;name;colour\na;Alpha;red\nb;Beta;blue\n")
    result = read_table(path, schema)
    assert [p.message for p in result.problems] == ["delimiter looks like ';', not ','"]
    assert "comma-separated" in result.problems[0].hint
    assert result.counts() == {"read": 2, "kept": 0, "rejected": 2}


def test_missing_required_column(tmp_path, schema):
    result = read_table(write(tmp_path, "id,colour\na,red\n"), schema)
    assert len(result.problems) == 1 and "missing required column(s): name" in result.problems[0].message
    assert result.counts() == {"read": 1, "kept": 0, "rejected": 1}


def test_missing_file_and_bad_schema(tmp_path, schema):
    result = read_table(tmp_path / "nowhere.csv", schema)
    assert not result.ok and result.read == 0 and "file not found" in result.problems[0].message
    bad = tmp_path / "bad.schema.json"
    bad.write_text(json.dumps({"fields": [{"name": "x", "type": "no-such-type"}]}), encoding="utf-8")
    with pytest.raises(ValueError, match="invalid Table Schema"):
        load_schema(bad)


def test_reject_moves_kept_rows_with_reason(tmp_path, schema):
    result = read_table(write(tmp_path, "id,name\na,Alpha\nb,Beta\n"), schema)
    result.reject(result.data["id"] == "b", "id", "'b' is not known elsewhere", "add it")
    assert result.counts() == {"read": 2, "kept": 1, "rejected": 1}
    assert result.rejected.iloc[0]["reason"] == "id: 'b' is not known elsewhere"
    assert result.errors[-1].row == 3


def test_excel_style_utf8_bom_and_crlf(tmp_path, schema):
    path = tmp_path / "things.csv"
    path.write_bytes("\ufeffid,name,code\r\na,Société,01\r\nb,Élan,2B\r\n".encode("utf-8"))
    result = read_table(path, schema)
    assert result.ok and result.counts() == {"read": 2, "kept": 2, "rejected": 0}
    assert list(result.data["name"]) == ["Société", "Élan"] and list(result.data["code"]) == ["01", "2B"]
    assert list(result.data.index) == [2, 3]
