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
    cfg = write_config(tmp_path, CSV_HEADER + "\n".join(rows) + "\n", extra="[validation]\nmax_rejected_share = 0.5\n")
    out = tmp_path / "avvisade.csv"
    # 2 of 4 rows rejected: not over the 50 % limit set here (validation.max_rejected_share), so exit 0
    assert main(["validate", str(cfg), "--rejects", str(out), "-q"]) == 0
    captured = capsys.readouterr()
    text = captured.out
    assert captured.err == ""
    # the top reasons in words with the example row and its fix, on the console; no codes
    assert "(rad 3) Okänd brottskod 'X' i kolumnen kod; lägg till den i källans [sources.categories]." in text
    assert "polis" in text and "lästa rader" in text
    assert "koordinater saknas" in text and "okänd brottskod" in text and "x och y omkastade" in text
    assert "missing_coordinates" not in text and "unknown_category" not in text and "swapped_axes" not in text
    assert "75,0\u00a0%" in text  # the geocoded share as Swedish writes it (3 of 4 rows have coordinates)
    rej = pd.read_csv(out)
    assert rej["source_row"].tolist() == [2, 3]
    assert rej["reason"].tolist() == ["missing_coordinates", "unknown_category"]


def test_validate_and_run_stop_over_the_default_loss_limit_with_reasons_in_words(tmp_path, capsys, monkeypatch):
    """Default limit 10 %: 2 of 4 rows lost stops validate and run (exit 2), reasons in words, no codes."""
    rows = [
        "1,A,370100,6400100,2021-03-01 22:00,",
        "2,A,,,2021-03-01 22:00,",
        "3,X,370100,6400100,2021-03-01,",
        "4,A,370300,6400300,2022-05-05 12:00,",
    ]
    cfg = write_config(tmp_path, CSV_HEADER + "\n".join(rows) + "\n")
    assert main(["validate", str(cfg), "--rejects", str(tmp_path / "r.csv"), "-q", "--language", "en"]) == 2
    captured = capsys.readouterr()
    assert "Top reasons in polis" in captured.out and "(row 3) Unknown category code 'X'" in captured.out
    err = captured.err
    assert "source 'polis'" in err and "lost 2 of 4 rows (50.0%: 1 coordinates missing, 1 unknown category code)" in err
    assert "more than the limit validation.max_rejected_share = 10%" in err
    assert "missing_coordinates" not in err and "unknown_category" not in err
    monkeypatch.setattr("geolage.preflight.check_district_count", lambda config: None)  # 3 districts: enough here
    assert main(["run", str(cfg), "--out", str(tmp_path / "out"), "-q", "--no-pdf"]) == 2
    captured = capsys.readouterr()
    assert "Vanligaste orsaker i polis" in captured.out and "(rad 3) Okänd brottskod 'X'" in captured.out
    assert "tappade 2 av 4 rader (50,0\u00a0%: 1 koordinater saknas, 1 okänd brottskod)" in captured.err
    assert not (tmp_path / "out").exists()


def test_validate_in_english(tmp_path, tiny_project, capsys):
    assert main(["validate", str(tiny_project), "--rejects", str(tmp_path / "r.csv"), "-q", "--language", "en"]) == 0
    assert "rows read" in capsys.readouterr().out
