"""The geolage command: one clear line for expected errors, no traceback; files reopened."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
from conftest import CSV_HEADER, write_config

from geolage.cli import main


def _run(*args: str, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "geolage.cli", *args], capture_output=True, text=True, cwd=cwd)


# ---------------------------------------------------------------- inputs
def test_bad_config_one_line_no_traceback(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[project]\nnamn = 'x'\n", encoding="utf-8")
    res = _run("validate", str(bad), "--language", "en")
    assert res.returncode == 2
    assert res.stderr.startswith("geolage: error: ")
    assert "Traceback" not in res.stderr
    assert "unknown key 'project.namn'" in res.stderr


def test_missing_config_file(tmp_path):
    res = _run("run", str(tmp_path / "nope.toml"), "--out", str(tmp_path / "out"), "--language", "en")
    assert res.returncode == 2 and "configuration file not found" in res.stderr and "Traceback" not in res.stderr


def test_refuses_to_overwrite(tmp_path, tiny_project):
    (tmp_path / "out").mkdir()
    res = _run("run", str(tiny_project), "--out", str(tmp_path / "out"))
    assert res.returncode == 2 and "already exists; choose another --out or add --overwrite" in res.stderr


def test_validate_refuses_to_overwrite_rejects(tmp_path, tiny_project):
    target = tmp_path / "rejects.csv"
    target.write_text("keep me", encoding="utf-8")
    assert main(["validate", str(tiny_project), "--rejects", str(target), "-q"]) == 2
    assert target.read_text(encoding="utf-8") == "keep me"


# ---------------------------------------------------------------- outputs
def test_validate_prints_summary_and_writes_rejects(tmp_path, capsys):
    rows = [
        "1,A,370100,6400100,2021-03-01 22:00,",
        "2,A,,,2021-03-01 22:00,",
        "3,X,370100,6400100,2021-03-01,",
        "4,S,6400500,371500,2022-05-05 12:00,",
    ]
    cfg = write_config(tmp_path, CSV_HEADER + "\n".join(rows) + "\n")
    out = tmp_path / "avvisade.csv"
    # 2 of 4 rows rejected: not over the 50 % limit (validation.max_rejected_share), so exit 0
    assert main(["validate", str(cfg), "--rejects", str(out), "-q"]) == 0
    captured = capsys.readouterr()
    text = captured.out
    assert captured.err == ""
    # the top reasons with the example row and its fix, on the console
    assert "(row 3) Okänd brottskod 'X' i kolumnen kod; lägg till den i källans [sources.categories]." in text
    assert "polis" in text and "lästa rader" in text
    assert "missing_coordinates" in text and "unknown_category" in text and "swapped_axes" in text
    rej = pd.read_csv(out)
    assert rej["source_row"].tolist() == [2, 3]
    assert rej["reason"].tolist() == ["missing_coordinates", "unknown_category"]


def test_validate_in_english(tmp_path, tiny_project, capsys):
    assert main(["validate", str(tiny_project), "--rejects", str(tmp_path / "r.csv"), "-q", "--language", "en"]) == 0
    assert "rows read" in capsys.readouterr().out
