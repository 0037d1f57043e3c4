"""Pipeline: atomic outputs, run record, focus/reference areas, base tables."""

from __future__ import annotations

import json

import pytest

from geolage.config import read_config
from geolage.errors import OutputExistsError
from geolage.outputs import write_outputs
from geolage.run.pipeline import prepare


def _fail_after_writing(results, folder, **kwargs):
    (folder / "lagesbild.gpkg").write_bytes(b"half")
    raise RuntimeError("disk full")


def test_failed_run_leaves_no_output(tmp_path, tiny_project, monkeypatch):
    import geolage.outputs.write as pl

    results = prepare(read_config(tiny_project))
    monkeypatch.setattr(pl, "_write_all", _fail_after_writing)
    out = tmp_path / "ut"
    with pytest.raises(RuntimeError, match="disk full"):
        write_outputs(results, out)
    assert not out.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".ut")]


def test_failed_overwrite_keeps_the_old_output(tmp_path, tiny_project, monkeypatch):
    import geolage.outputs.write as pl

    results = prepare(read_config(tiny_project))
    out = tmp_path / "ut"
    out.mkdir()
    (out / "old.txt").write_text("old", encoding="utf-8")
    monkeypatch.setattr(pl, "_write_all", _fail_after_writing)
    with pytest.raises(RuntimeError):
        write_outputs(results, out, overwrite=True)
    assert (out / "old.txt").read_text(encoding="utf-8") == "old"


def test_existing_output_needs_overwrite(tmp_path, tiny_project):
    results = prepare(read_config(tiny_project))
    (tmp_path / "ut").mkdir()
    with pytest.raises(OutputExistsError, match="already exists"):
        write_outputs(results, tmp_path / "ut")


def test_run_json_records_hashes_seed_and_parameters(tmp_path, tiny_project, monkeypatch):
    import geolage.outputs.write as pl

    results = prepare(read_config(tiny_project))
    monkeypatch.setattr(pl, "_write_all", lambda results, folder, **kw: {})
    write_outputs(results, tmp_path / "ut")
    doc = json.loads((tmp_path / "ut" / "run.json").read_text(encoding="utf-8"))
    rec = doc["record"]
    assert rec["seed"] == 1
    assert len(rec["config_sha256"]) == 64
    assert any(p.endswith("brott.csv") for p in rec["input_sha256"])
    assert rec["packages"]["geopandas"]
    assert doc["parameters"]["grid"]["cell_size_m"] in (100, 250, 500, 1000)
    assert "cell_size_rule" in doc["parameters"]["grid"]
    assert doc["quality"]["read"] == 6


def test_focus_and_reference(tiny_project):
    text = tiny_project.read_text(encoding="utf-8") + '\n[areas]\nfocus = ["Centrum", "D2"]\nreference = "rest"\n'
    tiny_project.write_text(text, encoding="utf-8")
    d = prepare(read_config(tiny_project)).districts
    assert d["is_focus"].tolist() == [True, True, False]
    assert d["is_reference"].tolist() == [False, False, True]


def test_base_tables(tiny_project):
    r = prepare(read_config(tiny_project))
    assert {"incidents", "rejects", "districts", "grid", "data_quality"} <= set(r.tables)
    assert r.tables["incidents"].internal_only and r.tables["rejects"].internal_only
    assert r.tables["grid"].data["count"].sum() == len(r.incidents)
