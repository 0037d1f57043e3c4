"""The bad-input corpus (issue 15, ``tests/bad_input/generate.py``) through ``geolage validate`` and ``run``.

Each kind of mistake gets exactly its outcome: a one-line error naming the file or key and the fix (exit 2,
no traceback, nothing written), or a recorded rejection with its reason and count where accepted + rejected
= read, or acceptance with the fix or count shown.
"""

from __future__ import annotations

import pandas as pd
import pytest
from bad_input.generate import Accepted, Error, Rejected, cases

from geolage.cli import main

CASES = cases()


def _quality_line(out: str, source: str = "polis") -> tuple[int, int, int]:
    """(read, accepted, rejected) of a source from the printed data-quality table."""
    line = next(line for line in out.splitlines() if line.startswith(source + " "))
    read, accepted, rejected = (int(v) for v in line.split()[1:4])
    return read, accepted, rejected


def _assert_error(rc: int, err: str, outcome: Error, command: str) -> None:
    assert rc == 2, f"{command}: exit {rc}; stderr: {err}"
    assert "Traceback" not in err
    messages = [line for line in err.splitlines() if line.startswith("geolage: error:")]
    assert len(messages) == 1, err
    for fragment in outcome.fragments:
        assert fragment.lower() in err.lower(), f"{command}: {fragment!r} not in: {err}"


@pytest.mark.parametrize("case", CASES, ids=[c.kind for c in CASES])
def test_bad_input(case, tmp_path, capsys):
    config = case.make().write(tmp_path / "project")
    rejects = tmp_path / "rejects.csv"
    rc = main(["validate", str(config), "--rejects", str(rejects), "-q", "--language", "en"])
    out, err = capsys.readouterr()
    outcome = case.outcome
    if isinstance(outcome, Error):
        if outcome.validate_too:
            _assert_error(rc, err, outcome, "validate")
        else:
            assert rc == 0, err
        for fragment in outcome.stdout:
            assert fragment in out, out
        if outcome.run_too:
            out_dir = tmp_path / "out"
            rc = main(["run", str(config), "--out", str(out_dir), "-q", "--no-pdf", "--language", "en"])
            _assert_error(rc, capsys.readouterr().err, outcome, "run")
            assert not out_dir.exists()
            assert not [p for p in tmp_path.iterdir() if ".partial-" in p.name]
        return
    assert rc == 0, err
    assert "Traceback" not in err
    read, accepted, rejected = _quality_line(out)
    table = pd.read_csv(rejects)
    assert read == outcome.read
    assert accepted + rejected == read
    assert len(table) == rejected
    if isinstance(outcome, Rejected):
        assert table["reason"].value_counts().to_dict() == {outcome.reason: outcome.n}
    else:
        assert isinstance(outcome, Accepted)
        assert rejected == 0, table["reason"].value_counts().to_dict()
        for fragment in outcome.fragments:
            assert fragment in out, out


def test_every_listed_kind_is_in_the_corpus():
    """The 15 cases of issue 15 (and the two off-by-one counts) are all kinds of the corpus."""
    kinds = {c.kind for c in CASES}
    issue = {
        "bandwidth_negative", "confidence_above_one", "permutations_negative", "grid_cell_larger_than_distance",
        "raster_cell_tiny", "grid_cell_huge", "crs_unknown_code", "district_null_geometry", "grid_cell_one_metre",
        "source_in_rt90_declared_sweref", "header_only", "ids_repeated_different_contents", "source_name_traversal",
        "coordinates_far_outside_sweden", "date_30_february",
    }
    assert issue <= kinds
    assert len(kinds) == len(CASES) >= 77


# ---------------------------------------------------------------- unexpected failures
def _boom(*args, **kwargs):
    raise RuntimeError("boom")


def test_unexpected_error_is_short_with_log_file_and_exit_1(tmp_path, capsys, monkeypatch):
    import re
    from pathlib import Path

    import geolage.run.pipeline

    config = CASES[0].make().write(tmp_path / "project")
    config.write_text(config.read_text(encoding="utf-8").replace("bandwidth = -500", "bandwidth = 500"), "utf-8")
    monkeypatch.setattr(geolage.run.pipeline, "prepare", _boom)
    rc = main(["validate", str(config), "--rejects", str(tmp_path / "r.csv"), "-q", "--language", "en"])
    err = capsys.readouterr().err
    assert rc == 1
    assert "Traceback" not in err
    assert "unexpected error (RuntimeError: boom)" in err
    log = Path(re.search(r"the full error is in (\S+) ", err).group(1))
    assert "Traceback" in log.read_text(encoding="utf-8") and "boom" in log.read_text(encoding="utf-8")
    log.unlink()
    with pytest.raises(RuntimeError, match="boom"):  # -v: the whole traceback
        main(["validate", str(config), "--rejects", str(tmp_path / "r.csv"), "-v", "--overwrite"])


def test_reasons_for_unreadable_dates_in_a_swedish_run(tmp_path, capsys):
    """The reject messages of a Swedish run say why a date cannot be read in Swedish (Excel serials, no such day)."""
    case = next(c for c in CASES if c.kind == "excel_date_serials")
    config = case.make().write(tmp_path / "project")
    assert main(["validate", str(config), "--rejects", str(tmp_path / "r.csv"), "-q", "--language", "sv"]) == 2
    out = capsys.readouterr().out
    assert "ser ut som ett datumtal från Excel (44197 = 2021-01-01); formatera kolumnen som datum" in out
    assert "looks like" not in out and "expected ISO" not in out
    messages = pd.read_csv(tmp_path / "r.csv")["message"]
    assert len(messages) == 60 and messages.str.contains("datumtal från Excel").all()
