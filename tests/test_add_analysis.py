"""The "Add an analysis" recipe of docs/DEVELOPING.md, followed step by step (issue 8).

A tiny analysis — the share of incidents at night per district — is added the way the
recipe says: a pure statistic, a schema, a step, and the step passed to the pipeline.
Its table must then appear in the GeoPackage, the CSV tables and run.json, with the
public mode withholding its small counts like any other table's.
"""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio

from geolage.config import read_config
from geolage.outputs import write_outputs
from geolage.outputs.tables import read_table_csv
from geolage.run.pipeline import analyse, prepare
from geolage.run.results import RunResults
from geolage.run.schemas import TableSchema
from geolage.run.steps import DEFAULT_STEPS, Step
from geolage.text.format import Text


# 1. the statistic: arrays/frames in, a frame out; no run container, no language
def night_share(incidents: pd.DataFrame, *, by: str = "district_id") -> pd.DataFrame:
    """Incidents and the share of them between 22:00 and 06:00, per ``by``."""
    hour = pd.to_datetime(incidents["time"]).dt.hour
    night = (hour >= 22) | (hour < 6)
    grouped = pd.DataFrame({by: incidents[by], "night": night}).groupby(by)["night"]
    out = pd.DataFrame({"n_incidents": grouped.size(), "n_night": grouped.sum().astype(int)})
    out["night_share"] = out["n_night"] / out["n_incidents"]
    return out.reset_index()


# 2. the schema: name, columns, texts, and which columns are counts
NIGHT_SHARE = TableSchema(
    "night_share",
    "night_share",
    ("district_id", "n_incidents", "n_night", "night_share"),
    Text("Brott på natten per område", "Night-time offences per district"),
    Text("Andel brott 22–06.", "Share of offences 22–06."),
    spatial=True,
    count_columns=("n_incidents", "n_night"),
)


# 3. the step: read the run, add the table, record the parameters
def add_night_share(results: RunResults) -> None:
    frame = night_share(results.incidents.dropna(subset=["district_id"]))
    districts = results.districts
    geometry = districts.geometry.reindex(frame["district_id"]).to_numpy()
    results.add_table(NIGHT_SHARE.table(gpd.GeoDataFrame(frame, geometry=geometry, crs=districts.crs)))
    results.record_parameters("night_share", night_hours="22:00–06:00")


NIGHT_STEP = Step("night_share", add_night_share, (NIGHT_SHARE,))


def _run(tiny_project):
    results = prepare(read_config(tiny_project))
    # 4. pass the step to the pipeline (the standard run is DEFAULT_STEPS; here only the new step, for speed)
    return analyse(results, steps=(NIGHT_STEP,))


def test_the_statistic_by_hand():
    inc = pd.DataFrame({"district_id": ["a", "a", "b"],
                        "time": pd.to_datetime(["2021-01-01 23:00", "2021-01-01 12:00", "2021-01-02 03:00"])})
    out = night_share(inc).set_index("district_id")
    assert out.loc["a", "n_incidents"] == 2 and out.loc["a", "n_night"] == 1 and out.loc["a", "night_share"] == 0.5
    assert out.loc["b", "night_share"] == 1.0


def test_new_analysis_appears_in_every_output(tmp_path, tiny_project):
    results = _run(tiny_project)
    assert NIGHT_STEP.name in results.record["steps"]
    out = tmp_path / "ut"
    write_outputs(results, out, mode="internal", pdf=False)

    layers = {name for name, _ in pyogrio.list_layers(out / "lagesbild.gpkg")}
    assert NIGHT_SHARE.name in layers
    layer = pyogrio.read_dataframe(out / "lagesbild.gpkg", layer=NIGHT_SHARE.name)
    csv = read_table_csv(out / "tabeller" / f"{NIGHT_SHARE.name}.csv", dtype={"district_id": str})
    expected = night_share(results.incidents.dropna(subset=["district_id"]))
    assert csv["n_incidents"].sum() == expected["n_incidents"].sum() == results.incidents["district_id"].notna().sum()
    np.testing.assert_allclose(np.sort(layer["night_share"]), np.sort(expected["night_share"]))
    readme = (out / "tabeller" / "README.txt").read_text(encoding="utf-8")
    assert f"{NIGHT_SHARE.name}.csv: Brott på natten per område" in readme

    doc = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert NIGHT_SHARE.name in doc["tables"]
    assert doc["record"]["steps"] == [NIGHT_STEP.name]
    assert doc["parameters"]["night_share"] == {"night_hours": "22:00–06:00"}


def test_new_analysis_counts_are_withheld_in_public(tmp_path, tiny_project):
    results = _run(tiny_project)
    out = tmp_path / "pub"
    write_outputs(results, out, mode="public", pdf=False)
    csv = read_table_csv(out / "tabeller" / f"{NIGHT_SHARE.name}.csv")
    # 6 incidents in the tiny project: every count is under output.min_count (5) per district
    assert csv["n_incidents"].isna().all() and csv["n_incidents_suppressed"].all()
    assert (csv["n_night"].isna() | (csv["n_night"] == 0)).all()  # 1–4 withheld (zeros are shown)


def test_default_steps_make_the_documented_tables():
    from geolage.run import schemas

    made = {t.name for step in DEFAULT_STEPS for t in step.tables}
    documented = {s.name for s in schemas.TABLES.values() if s.step != "prepare"}
    assert made == documented
