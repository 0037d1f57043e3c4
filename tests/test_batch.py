"""geolage batch: a national file split by municipality, run on Dask, summarised; failures isolated."""

from __future__ import annotations

import dataclasses
import json
import textwrap
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from geolage.batch.plan import plan_national, read_boundaries
from geolage.batch.run import RunOptions, run_batch
from geolage.batch.summary import (
    RECORD_JSON,
    SUMMARY_CSV,
    SUMMARY_GPKG,
    SUMMARY_LAYER,
    SUMMARY_MAP,
    UNASSIGNED_CSV,
    municipality_numbers,
    summary_table,
    write_summary,
)
from geolage.cli import main
from geolage.config import read_config
from geolage.run.pipeline import analyse, prepare
from geolage.run.steps import DEFAULT_STEPS

CRS = "EPSG:3006"
X0, Y0 = 370_000, 6_400_000
#: Three made-up municipalities side by side, 3 km × 2 km each, two districts each.
CODES = ("1401", "1402", "1403")
NAMES = ("Västby", "Mittby", "Östby")
POP = {"1401": (1000, 3000), "1402": (2000, 2000), "1403": (500, 700)}
#: Incidents per municipality (1403 gets 3: under min_count 5 in public mode).
N_INC = {"1401": 40, "1402": 25, "1403": 3}
STEPS = ("statistics",)
#: The municipality whose input is broken in the batch runs.
BROKEN = "1402"


def _write_inputs(folder: Path) -> dict[str, Path]:
    boxes = [shapely.box(X0 + i * 3000, Y0, X0 + (i + 1) * 3000, Y0 + 2000) for i in range(3)]
    bounds = gpd.GeoDataFrame({"kod": list(CODES), "namn": list(NAMES)}, geometry=boxes, crs=CRS)
    bounds.to_file(folder / "kommuner.gpkg", layer="kommuner", driver="GPKG")
    rows = []
    for i, code in enumerate(CODES):
        for j in range(2):
            x0 = X0 + i * 3000 + j * 1500
            rows.append({"deso": f"{code}D{j}", "namn": f"{NAMES[i]} {'väst' if j == 0 else 'öst'}",
                         "bef": POP[code][j], "kommun": code, "geometry": shapely.box(x0, Y0, x0 + 1500, Y0 + 2000)})
    gpd.GeoDataFrame(rows, crs=CRS).to_file(folder / "deso.gpkg", layer="deso", driver="GPKG")
    rng = np.random.default_rng(5)
    lines = ["id,kommun_kod,kod,x,y,tid"]
    k = 0
    for i, code in enumerate(CODES):
        for _ in range(N_INC[code]):
            k += 1
            x = X0 + i * 3000 + rng.uniform(100, 2900)
            y = Y0 + rng.uniform(100, 1900)
            day = pd.Timestamp("2021-01-01") + pd.Timedelta(minutes=int(rng.integers(0, 3 * 365 * 1440)))
            lines.append(f"{k},{int(code)},{'A' if k % 2 else 'S'},{x:.0f},{y:.0f},{day:%Y-%m-%d %H:%M}")
    lines.append("900,,A,371000,6401000,2021-05-05 10:00")  # no municipality code
    lines.append("901,9999,A,371000,6401000,2021-05-05 10:00")  # no such municipality
    (folder / "brott.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    bra = ["kommun_kod,period,category,reported_offences"]
    for code, total in (("1401", 100), ("1402", 50)):
        bra += [f"{code},{y},total,{total}" for y in (2021, 2022, 2023)]
    (folder / "bra.csv").write_text("\n".join(bra) + "\n", encoding="utf-8")
    toml = textwrap.dedent(
        """
        [project]
        name = "Test"
        as_of = 2025-06-30
        seed = 1
        bra_totals = "bra.csv"

        [districts]
        path = "deso.gpkg"
        layer = "deso"
        id_field = "deso"
        name_field = "namn"
        population_field = "bef"

        [[sources]]
        name = "polis"
        path = "brott.csv"
        [sources.columns]
        id = "id"
        category = "kod"
        x = "x"
        y = "y"
        datetime = "tid"
        [sources.categories]
        "A" = "misshandel"
        "S" = "stold"

        [periods]
        start = 2021-01-01
        end = 2023-12-31

        [output]
        pdf = false
        """
    )
    (folder / "mall.toml").write_text(toml, encoding="utf-8")
    return {"template": folder / "mall.toml", "boundaries": folder / "kommuner.gpkg"}


@pytest.fixture(scope="module")
def national(tmp_path_factory):
    folder = tmp_path_factory.mktemp("batch")
    paths = _write_inputs(folder)
    template = read_config(paths["template"])
    bounds = read_boundaries(paths["boundaries"], code_field="kod", name_field="namn")
    plan = plan_national(template, by="kommun_kod", out_dir=folder / "ut", work_dir=folder / "arbete",
                         boundaries=bounds)
    # 1402's input is broken (its file lacks the coordinate columns): it must fail alone
    broken = folder / "trasig.csv"
    broken.write_text("id,kommun_kod,kod,tid\n1,1402,A,2021-05-05 10:00\n", encoding="utf-8")
    jobs = []
    for m in plan.municipalities:
        if m.code == BROKEN:
            src = dataclasses.replace(m.config.sources[0], path=broken, format="csv")
            m = dataclasses.replace(m, config=dataclasses.replace(m.config, sources=(src,)))
        jobs.append(m)
    run_plan = dataclasses.replace(plan, municipalities=jobs)
    result = run_batch(run_plan, options=RunOptions(steps=STEPS), workers=1, processes=False)
    return folder, run_plan, result


# ---------------------------------------------------------------- inputs
def test_bundled_boundaries_are_sweden():
    b = read_boundaries()
    assert len(b) == 290
    assert b.crs.to_epsg() == 3006
    assert b.loc[b["code"] == "1490", "name"].item() == "Borås"


def test_a_source_without_the_code_column_is_named(tmp_path):
    paths = _write_inputs(tmp_path)
    template = read_config(paths["template"])
    bounds = read_boundaries(paths["boundaries"], code_field="kod", name_field="namn")
    with pytest.raises(Exception, match="sources 'polis'.*no column 'kommunkod'"):
        plan_national(template, by="kommunkod", out_dir=tmp_path / "ut", work_dir=tmp_path / "w", boundaries=bounds)


def test_cli_batch_needs_a_template_and_by(tmp_path, capsys):
    assert main(["batch", "--out", str(tmp_path / "ut")]) == 2
    assert "--by" in capsys.readouterr().err
    assert not (tmp_path / "ut").exists()


def test_plan_accounts_for_every_row(national):
    _, plan, _ = national
    assert [m.code for m in plan.municipalities] == list(CODES)
    assert {m.code: m.rows for m in plan.municipalities} == N_INC
    assert plan.read == {"polis": sum(N_INC.values()) + 2}
    assert sorted(plan.unassigned["reason"]) == ["missing_municipality", "unknown_municipality"]
    assert sorted(plan.unassigned["source_row"]) == [sum(N_INC.values()) + 1, sum(N_INC.values()) + 2]
    # each municipality's districts are its own two
    for m in plan.municipalities:
        d = gpd.read_file(m.config.districts.path, layer=m.config.districts.layer)
        assert sorted(d["deso"]) == [f"{m.code}D0", f"{m.code}D1"]


# ---------------------------------------------------------------- outputs
def test_each_municipality_has_a_normal_output_folder_and_a_broken_one_fails_alone(national):
    _, plan, result = national
    assert [r["status"] for r in result.rows] == ["ok", "failed", "ok"]
    failed = result.failed[0]
    assert failed["code"] == BROKEN and "trasig.csv" in failed["error"]
    for m in plan.municipalities:
        if m.code == BROKEN:
            assert not m.out_dir.exists()  # no half-written output
            continue
        assert (m.out_dir / "run.json").is_file()
        assert (m.out_dir / "lagesbild.gpkg").is_file()
        run = json.loads((m.out_dir / "run.json").read_text(encoding="utf-8"))
        assert run["record"]["steps"] == list(STEPS)


def test_the_batch_runs_in_dask_worker_processes(national, tmp_path):
    """The default cluster (worker processes, which are daemonic) runs a municipality as a thread cluster does.

    A run splits its work over forked children; a daemonic Dask worker may not have any, so
    the run goes in order there (every municipality failed with "daemonic processes are not
    allowed to have children" before).
    """
    _, plan, threaded = national
    ok = next(m for m in plan.municipalities if m.code != BROKEN)
    one = dataclasses.replace(ok, out_dir=tmp_path / ok.out_dir.name)
    result = run_batch(dataclasses.replace(plan, municipalities=[one]), options=RunOptions(steps=STEPS), workers=1)
    assert [(r["code"], r["status"]) for r in result.rows] == [(ok.code, "ok")], result.rows
    same = next(r for r in threaded.rows if r["code"] == ok.code)
    mine = json.loads((one.out_dir / "run.json").read_text(encoding="utf-8"))
    theirs = json.loads((ok.out_dir / "run.json").read_text(encoding="utf-8"))
    assert mine["quality"] == theirs["quality"] and same["status"] == "ok"
    pd.testing.assert_frame_equal(pd.read_csv(one.out_dir / "tabeller" / "rates_district.csv", sep=";"),
                                  pd.read_csv(ok.out_dir / "tabeller" / "rates_district.csv", sep=";"))


def test_workers_is_one_in_a_daemonic_process():
    import multiprocessing

    from geolage.run.parallel import workers

    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(1) as pool:  # pool workers are daemonic
        assert pool.apply(workers) == 1


def test_summary_equals_single_runs(national):
    """Each municipality run on its own (no batch, no Dask) gives the numbers of the national table."""
    _, plan, result = national
    table = summary_table(result.rows, plan.boundaries, mode="internal").data.set_index("code")
    steps = tuple(s for s in DEFAULT_STEPS if s.name in STEPS)
    for m in plan.municipalities:
        if m.code == BROKEN:
            assert table.loc[m.code, "status"] == "failed" and np.isnan(table.loc[m.code, "count"])
            continue
        single = analyse(prepare(m.config), steps=steps)
        inc = single.incidents
        own = municipality_numbers(single)
        for col in ("read", "accepted", "rejected", "count", "population", "exposure", "rate", "bra_coverage"):
            assert table.loc[m.code, col] == pytest.approx(own[col], nan_ok=True), col
        assert table.loc[m.code, "accepted"] == len(inc) == N_INC[m.code]
        assert table.loc[m.code, "count"] == N_INC[m.code]
        # rate per 1000 inhabitants per year: 3 full years, population of both districts
        want = N_INC[m.code] / (sum(POP[m.code]) * 3) * 1000
        assert table.loc[m.code, "rate"] == pytest.approx(want, rel=2e-3)
    assert table.loc["1401", "bra_coverage"] == pytest.approx(40 / 300)
    assert np.isnan(table.loc["1403", "bra_coverage"])


def test_public_summary_withholds_small_counts(national):
    _, plan, result = national
    pub = summary_table(result.rows, plan.boundaries, mode="public", min_count=5).data.set_index("code")
    assert np.isnan(pub.loc["1403", "count"]) and np.isnan(pub.loc["1403", "rate"])
    assert bool(pub.loc["1403", "count_suppressed"])
    assert pub.loc["1401", "count"] == 40


def test_summary_files(national, tmp_path):
    """The national summary as CSV, GeoPackage layer, self-contained map and record; unassigned rows listed."""
    _, plan, result = national
    table = summary_table(result.rows, plan.boundaries, mode="public", min_count=5, language="en")
    write_summary(table, tmp_path, record={"mode": "public"}, unassigned=plan.unassigned, language="en")
    csv = pd.read_csv(tmp_path / SUMMARY_CSV, dtype={"code": str})
    assert list(csv["code"]) == list(CODES)
    assert csv["count"].isna().tolist() == [False, True, True]  # 1402 failed; public: 3 incidents withheld
    assert csv["status"].tolist() == ["ok", "failed", "ok"]
    layer = gpd.read_file(tmp_path / SUMMARY_GPKG, layer=SUMMARY_LAYER)
    assert len(layer) == 3 and layer.crs.to_epsg() == 3006
    page = (tmp_path / SUMMARY_MAP).read_text(encoding="utf-8")
    assert "Content-Security-Policy" in page and "Incidents per 1,000 inhabitants per year" in page
    assert "<script src=" not in page and "Mittby" in page
    assert "Händelser" not in page  # an English map has no Swedish words
    assert len(pd.read_csv(tmp_path / UNASSIGNED_CSV)) == 2


def test_cli_a_broken_municipality_fails_alone(national, capsys):
    """--configs: one municipality's file is broken; it is reported, the other finishes, the exit code says so."""
    folder, plan, _ = national
    configs = []
    for m in plan.municipalities:
        if m.code not in (BROKEN, "1403"):
            continue
        src = m.config.sources[0]
        text = (folder / "mall.toml").read_text(encoding="utf-8")
        text = text.replace('path = "brott.csv"', f'path = "{src.path}"\nformat = "{src.format}"')
        text = text.replace('path = "deso.gpkg"', f'path = "{m.config.districts.path}"').replace(
            'layer = "deso"', f'layer = "{m.config.districts.layer}"')
        text = text.replace('seed = 1', f'seed = 1\nmunicipality_code = "{m.code}"')
        cfg = folder / f"k{m.code}.toml"
        cfg.write_text(text, encoding="utf-8")
        configs.append(str(cfg))
    out = folder / "trasig-ut"
    code = main(["batch", "--configs", *configs, "--out", str(out), "--boundaries", str(folder / "kommuner.gpkg"),
                 "--boundary-code-field", "kod", "--boundary-name-field", "namn", "--workers", "1", "--threads",
                 "--steps", "statistics", "-q"])
    err = capsys.readouterr().err
    assert code == 1
    assert "1402 Mittby" in err and "trasig.csv" in err
    table = pd.read_csv(out / SUMMARY_CSV, dtype={"code": str}).set_index("code")
    assert table["status"].to_dict() == {"1402": "failed", "1403": "ok"}
    assert "trasig.csv" in table.loc["1402", "error"]
    assert (out / "1403" / "run.json").is_file()
    assert not (out / "1402").exists()
    record = json.loads((out / RECORD_JSON).read_text(encoding="utf-8"))
    assert [m["status"] for m in record["municipalities"]] == ["failed", "ok"]
    assert record["mode"] == "public"
    assert (out / SUMMARY_MAP).is_file() and (out / SUMMARY_GPKG).is_file()
