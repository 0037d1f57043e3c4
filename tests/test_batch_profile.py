"""geolage batch --profile national, output parts, and worker logs kept out of the console."""

from __future__ import annotations

import dataclasses
import json
import logging
import multiprocessing
import warnings

import pandas as pd
import pytest

from geolage.batch.plan import plan_national, read_boundaries
from geolage.batch.profiles import PROFILES, get_profile
from geolage.batch.run import LOG_DIR, RunOptions, _task_log, run_batch, warning_summary
from geolage.batch.summary import RECORD_JSON
from geolage.cli import main
from geolage.config import read_config
from geolage.errors import ConfigError
from geolage.grid import choose_cell_size
from geolage.outputs.write import OUTPUT_PARTS, write_outputs
from geolage.run.pipeline import analyse, prepare
from geolage.run.steps import DEFAULT_STEPS
from tests.test_batch import CODES, _write_inputs

NATIONAL_DROPPED = ("density", "emerging", "near_repeat", "forecast", "areas", "report", "map", "qgis", "workbook")


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("profile")
    paths = _write_inputs(folder)
    template = read_config(paths["template"])
    bounds = read_boundaries(paths["boundaries"], code_field="kod", name_field="namn")
    plan = plan_national(template, by="kommun_kod", out_dir=folder / "ut", work_dir=folder / "arbete",
                         boundaries=bounds)
    return folder, paths, plan


# ---------------------------------------------------------------- profiles
def test_full_profile_changes_nothing(inputs):
    _, _, plan = inputs
    cfg = plan.municipalities[0].config
    assert PROFILES["full"].apply(cfg) == cfg
    assert PROFILES["full"].steps is None and PROFILES["full"].parts == OUTPUT_PARTS


def test_national_profile_sets_auto_grid_and_fewer_moran_permutations(inputs):
    _, _, plan = inputs
    cfg = plan.municipalities[0].config
    cfg = dataclasses.replace(cfg, grid=dataclasses.replace(cfg.grid, cell_size=250),
                              hotspots=dataclasses.replace(cfg.hotspots, distance=500.0),
                              emerging=dataclasses.replace(cfg.emerging, distance=500.0))
    got = PROFILES["national"].apply(cfg)
    assert got.grid.cell_size == "auto"
    assert got.hotspots.permutations == 99 and cfg.hotspots.permutations == 999
    assert got.hotspots.distance == "auto" == got.emerging.distance
    # never more permutations than the template asks for
    few = dataclasses.replace(cfg, hotspots=dataclasses.replace(cfg.hotspots, permutations=49))
    assert PROFILES["national"].apply(few).hotspots.permutations == 49
    # everything else as the template
    assert dataclasses.replace(got, grid=cfg.grid, hotspots=cfg.hotspots, emerging=cfg.emerging) == cfg
    assert dataclasses.replace(got.hotspots, permutations=999, distance=cfg.hotspots.distance) == cfg.hotspots


def test_national_profile_records_what_it_leaves_out_in_both_languages():
    rec = PROFILES["national"].record()
    assert rec["name"] == "national"
    assert [x["what"] for x in rec["left_out"]] == [
        "grid.cell_size", "hotspots.distance", "density", "emerging", "near_repeat", "forecast", "areas",
        "hotspots.permutations", "report", "map", "qgis", "workbook"]
    for item in rec["left_out"]:
        assert item["sv"] and item["en"] and item["sv"] != item["en"]
    assert rec["outputs"] == ["tables", "gpkg"]
    assert set(rec["description"]) == {"sv", "en"}
    # every step dropped is a real step, and every output part dropped a real part
    steps = {s.name for s in DEFAULT_STEPS}
    assert set(PROFILES["national"].steps) | {x for x in NATIONAL_DROPPED if x in steps} == steps
    assert set(rec["outputs"]) | {x for x in NATIONAL_DROPPED if x in OUTPUT_PARTS} == set(OUTPUT_PARTS)


def test_unknown_profile_is_named():
    with pytest.raises(ConfigError, match="no batch profile 'county'.*full, national"):
        get_profile("county")


# ---------------------------------------------------------------- output parts
def _files(folder):
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def test_output_parts_write_only_those_and_the_same_files(inputs, tmp_path):
    """tables + gpkg: the CSVs, README and GeoPackage of a full write (the same bytes / layers), nothing else."""
    _, _, plan = inputs
    m = plan.municipalities[0]
    results = analyse(prepare(m.config), steps=tuple(s for s in DEFAULT_STEPS if s.name in ("statistics",
                                                                                           "hotspots")))
    write_outputs(results, tmp_path / "full", pdf=False)
    write_outputs(results, tmp_path / "part", pdf=False, parts=("tables", "gpkg"))
    full, part = _files(tmp_path / "full"), _files(tmp_path / "part")
    assert set(part) < set(full)
    assert sorted(set(full) - set(part)) == sorted(
        f for f in full if f.endswith((".html", ".qgs", ".tif", ".qml", ".xlsx", ".png", ".js", ".css", ".pdf"))
        or "/" in f and not f.startswith("tabeller/")
    )
    assert "lagesbild.gpkg" in part and "run.json" in part and "tabeller/README.txt" in part
    assert not any(f.endswith((".html", ".xlsx", ".qgs", ".tif")) for f in part)
    for f in part:
        if f.endswith(".csv") or f.endswith("README.txt"):
            assert (tmp_path / "part" / f).read_bytes() == (tmp_path / "full" / f).read_bytes(), f
    import pyogrio

    layers = [name for name, _ in pyogrio.list_layers(tmp_path / "full" / "lagesbild.gpkg")]
    assert [name for name, _ in pyogrio.list_layers(tmp_path / "part" / "lagesbild.gpkg")] == layers
    for name in layers:
        a = pyogrio.read_dataframe(tmp_path / "full" / "lagesbild.gpkg", layer=name)
        b = pyogrio.read_dataframe(tmp_path / "part" / "lagesbild.gpkg", layer=name)
        if name == "layer_styles":  # QGIS' style table stamps the time it was written
            a, b = a.drop(columns="update_time"), b.drop(columns="update_time")
        pd.testing.assert_frame_equal(a, b)
    run = json.loads((tmp_path / "part" / "run.json").read_text(encoding="utf-8"))
    assert sorted(run["outputs"]) == sorted(f for f in part if f != "run.json")


def test_unknown_output_part_is_refused(inputs, tmp_path):
    _, _, plan = inputs
    results = prepare(plan.municipalities[0].config)
    with pytest.raises(ValueError, match="no output part \\['pdf'\\]"):
        write_outputs(results, tmp_path / "x", parts=("tables", "pdf"))
    assert not (tmp_path / "x").exists()


# ---------------------------------------------------------------- national batch
def test_national_batch_runs_the_profile_and_records_it(inputs, tmp_path):
    _, _, plan = inputs
    jobs = [dataclasses.replace(m, out_dir=tmp_path / m.code) for m in plan.municipalities]
    result = run_batch(dataclasses.replace(plan, municipalities=jobs), options=RunOptions(profile="national"),
                       workers=1, processes=False)
    assert [r["status"] for r in result.rows] == ["ok"] * len(CODES), result.rows
    for m, row in zip(jobs, result.rows, strict=True):
        run = json.loads((m.out_dir / "run.json").read_text(encoding="utf-8"))
        assert run["record"]["steps"] == ["statistics", "hotspots"]
        prof = run["record"]["batch_profile"]
        assert prof["name"] == "national" and prof["steps"] == ["statistics", "hotspots"]
        assert [x["what"] for x in prof["left_out"]] == [x["what"] for x in PROFILES["national"].record()["left_out"]]
        assert run["parameters"]["hotspots"]["permutations"] == 99
        # the grid cell size is the automatic rule on the municipality's accepted incidents
        results = prepare(PROFILES["national"].apply(m.config))
        want, _ = choose_cell_size(results.incidents["x"].to_numpy(), results.incidents["y"].to_numpy())
        assert run["parameters"]["grid"]["cell_size_m"] == want == row["cell_size"]
        names = _files(m.out_dir)
        assert "lagesbild.gpkg" in names and not any(n.endswith((".html", ".xlsx", ".tif", ".qgs")) for n in names)
        assert row["cpu_seconds"] > 0 and (tmp_path / LOG_DIR / f"{m.code}.log").is_file()


def test_steps_given_override_the_profile(inputs, tmp_path):
    _, _, plan = inputs
    m = dataclasses.replace(plan.municipalities[0], out_dir=tmp_path / "a")
    result = run_batch(dataclasses.replace(plan, municipalities=[m]),
                       options=RunOptions(profile="national", steps=("statistics",)), workers=1, processes=False)
    assert result.rows[0]["status"] == "ok"
    run = json.loads((m.out_dir / "run.json").read_text(encoding="utf-8"))
    assert run["record"]["steps"] == ["statistics"] == run["record"]["batch_profile"]["steps"]


def test_cli_national_profile_says_what_it_leaves_out(inputs, capsys):
    folder, paths, _ = inputs
    out = folder / "cli-ut"
    code = main(["batch", str(paths["template"]), "--by", "kommun_kod", "--out", str(out), "--boundaries",
                 str(paths["boundaries"]), "--boundary-code-field", "kod", "--boundary-name-field", "namn",
                 "--workers", "1", "--threads", "--profile", "national", "--language", "en"])
    err = capsys.readouterr().err
    assert code == 0, err
    assert "Profile national" in err and "The report (HTML/PDF) is not written." in err
    record = json.loads((out / RECORD_JSON).read_text(encoding="utf-8"))
    assert record["profile"]["name"] == "national"
    assert record["steps"] == ["statistics", "hotspots"]
    assert {x["what"] for x in record["profile"]["left_out"]} >= {"report", "forecast", "grid.cell_size"}
    assert all(x["sv"] and x["en"] for x in record["profile"]["left_out"])
    assert [m["cell_size"] for m in record["municipalities"]] == [
        json.loads((out / c / "run.json").read_text(encoding="utf-8"))["parameters"]["grid"]["cell_size_m"]
        for c in CODES]


# ---------------------------------------------------------------- worker logs
def _log_in_task() -> tuple[list[str], int, list[tuple[str, int]], bool]:
    with _task_log() as h:
        logging.getLogger("geolage.density").warning("bandwidth rule gave %d m for %d points; upper bound 1000 m "
                                                     "used instead", 6883, 11036)
        logging.getLogger("geolage.x").info("an info line")
        warnings.warn("a python warning", UserWarning, stacklevel=1)
    return h.lines, sum(h.warnings.values()), sorted(h.warnings.items()), multiprocessing.current_process().daemon


def test_a_worker_process_logs_to_the_task_not_the_console(capfd):
    """In a daemonic process (as a Dask worker), warnings and info go to the task's log, nothing to stderr."""
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(1) as pool:
        lines, n, counted, daemon = pool.apply(_log_in_task)
    assert daemon
    captured = capfd.readouterr()
    assert "bandwidth" not in captured.err and "python warning" not in captured.err
    assert n == 2
    assert counted == [("UserWarning: a python warning", 1),
                       ("bandwidth rule gave 6883 m for 11036 points; upper bound 1000 m used instead", 1)]
    assert any("INFO geolage.x: an info line" in line for line in lines)
    assert logging.getLogger("geolage").handlers == []  # the handler is removed after the task


def test_warning_summary_counts_the_same_message_about_different_numbers_as_one():
    rows = [
        {"code": "1", "warnings": 3, "warning_lines": [["bandwidth rule gave 6883 m for 11036 points", 2],
                                                       ["other", 1]]},
        {"code": "2", "warnings": 1, "warning_lines": [["bandwidth rule gave 12.5 m for 9 points", 1]]},
        {"code": "3", "warnings": 0, "warning_lines": []},
        {"code": "4", "status": "failed"},
    ]
    total, where, common = warning_summary(rows)
    assert (total, where) == (4, 2)
    assert common == [("bandwidth rule gave # m for # points", 3, 2), ("other", 1, 1)]


def test_batch_log_file_holds_the_warnings_counted(inputs, tmp_path):
    _, _, plan = inputs
    m = dataclasses.replace(plan.municipalities[0], out_dir=tmp_path / "k")
    result = run_batch(dataclasses.replace(plan, municipalities=[m]), options=RunOptions(steps=("statistics",
                                                                                                 "density")),
                       workers=1, processes=False)
    row = result.rows[0]
    assert row["status"] == "ok" and row["log"] == f"{LOG_DIR}/{m.code}.log"
    text = (tmp_path / row["log"]).read_text(encoding="utf-8")
    assert text.count(" WARNING ") == row["warnings"]
    assert sum(n for _, n in row["warning_lines"]) == row["warnings"]


# ---------------------------------------------------------------- splitting the national file
def test_codes_computed_per_distinct_value_equal_the_rule_on_every_row():
    from geolage.batch.plan import _code, _code_of_values

    values = pd.Series(["180", "180.0", " 0180 ", "1490", None, "", "x1", "12345", "7", "180", None, "1490.00"] * 7,
                       dtype=object)
    want = _code(values)
    got = _code_of_values(values)
    pd.testing.assert_series_equal(got, want)
    assert got.iloc[0] == "0180" and pd.isna(got.iloc[4])


def test_split_writes_each_municipality_the_rows_of_the_reference_path(tmp_path, monkeypatch):
    """Chunk by chunk, Arrow slices per municipality: each file holds its rows in file order, as a filter does."""
    import numpy as np
    import pyarrow.parquet as pq

    from geolage.batch import plan as P
    from geolage.config import ColumnsConfig, SourceConfig

    rng = np.random.default_rng(3)
    n = 2_503
    raw = rng.choice(["180", "0180", "180.0", "1490", " 1490 ", "", "9999", "2584"], n)
    frame = pd.DataFrame({"id": [f"r{i}" for i in range(n)], "kommun_kod": raw,
                          "kod": rng.choice(["A", "S", ""], n), "x": rng.integers(0, 10**6, n).astype(str),
                          "y": rng.integers(0, 10**7, n).astype(str), "text": rng.choice(["a;b", "å \"q\"", ""], n)})
    frame.to_csv(tmp_path / "national.csv", index=False)
    src = SourceConfig(name="polis", path=tmp_path / "national.csv", format="csv", crs="EPSG:3006", categories={},
                       columns=ColumnsConfig(id="id", category="kod", x="x", y="y", datetime="id"))
    monkeypatch.setattr(P, "_CHUNK_ROWS", 400)  # several chunks, a municipality in each
    codes = ["0180", "1490", "2584", "0114"]
    writer, read, lost = P._split_source(src, "kommun_kod", codes, tmp_path / "split")
    assert read == n
    ref = pd.read_csv(tmp_path / "national.csv", dtype=str, keep_default_na=False, na_values=[""])
    ref[P.BATCH_ROW] = [str(i) for i in range(1, n + 1)]
    norm = P._code(ref["kommun_kod"])
    for code in codes:
        got = pq.read_table(writer.path(code)).to_pandas()
        want = ref[(norm == code).fillna(False).to_numpy()].reset_index(drop=True)
        assert writer.rows[code] == len(want) == len(got)
        assert list(got.columns) == list(want.columns)
        pd.testing.assert_frame_equal(got.astype(object).where(got.notna(), None),
                                      want.astype(object).where(want.notna(), None), check_dtype=False)
    assert writer.rows["0114"] == 0 and pq.read_table(writer.path("0114")).num_rows == 0
    assert sorted(lost["reason"].unique()) == ["missing_municipality", "unknown_municipality"]
    assert len(lost) + sum(writer.rows.values()) == n
