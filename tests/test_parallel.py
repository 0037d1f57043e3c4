"""Background work in forked children: same results as in one process, errors and warnings come back."""

from __future__ import annotations

import os
import re
import sys
import warnings

import numpy as np
import pandas as pd
import pytest
from conftest import CSV_HEADER, X0, Y0, make_districts, write_config

from geolage.config import read_config
from geolage.errors import ConfigError, GeolageWarning
from geolage.outputs import write_outputs
from geolage.run import parallel
from geolage.run.pipeline import analyse, prepare
from geolage.run.results import Table
from geolage.run.steps import DEFAULT_STEPS, Step

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="fork is used only on Linux")


def test_background_value_comes_from_another_process():
    child = parallel.start("pid", os.getpid, parallel=True)
    assert child.result() != os.getpid()
    assert parallel.start("pid", os.getpid, parallel=False).result() == os.getpid()


def _raise_config_error():
    raise ConfigError("run.toml: [hotspots] distance must be positive; set it to e.g. 500")


def test_background_error_is_raised_with_its_type_and_message():
    child = parallel.start("step", _raise_config_error, parallel=True)
    with pytest.raises(ConfigError, match=r"distance must be positive; set it to e.g. 500"):
        child.result()


class _Unpicklable(Exception):
    def __init__(self, message):
        super().__init__(message)
        self.callback = lambda: None  # a lambda does not pickle


def _raise_unpicklable():
    raise _Unpicklable("the disk is full")


def test_background_error_that_cannot_be_pickled_keeps_its_text():
    child = parallel.start("step", _raise_unpicklable, parallel=True)
    with pytest.raises(parallel.ChildFailed, match=r"(?s)step failed in the background.*the disk is full"):
        child.result()


def test_background_process_that_dies_is_reported():
    child = parallel.start("report", lambda: os._exit(3), parallel=True)
    with pytest.raises(parallel.ChildFailed, match=r"report: .*exit code 3"):
        child.result()


def test_background_warnings_reach_the_parent():
    def warn():
        warnings.warn("PDF not written: Chromium not found", GeolageWarning, stacklevel=1)
        return 1

    child = parallel.start("report", warn, parallel=True)
    with pytest.warns(GeolageWarning, match="Chromium not found"):
        assert child.result() == 1


def test_workers_reads_the_environment(monkeypatch):
    monkeypatch.setenv(parallel.WORKERS_VARIABLE, "1")
    assert parallel.workers() == 1
    monkeypatch.setenv(parallel.WORKERS_VARIABLE, "3")
    assert parallel.workers() == 3
    monkeypatch.setenv(parallel.WORKERS_VARIABLE, "two")
    assert parallel.workers() == 1
    monkeypatch.delenv(parallel.WORKERS_VARIABLE)
    assert parallel.workers() == min(2, len(os.sched_getaffinity(0)))


@pytest.fixture
def project(tmp_path):
    """300 incidents over five test districts, a cluster in the first (enough for hot spots)."""
    rng = np.random.default_rng(5)
    xs = np.concatenate([rng.uniform(X0, X0 + 3000, 200), rng.normal(X0 + 500, 80, 100)])
    ys = np.concatenate([rng.uniform(Y0, Y0 + 1000, 200), rng.normal(Y0 + 500, 80, 100)]).clip(Y0 + 1, Y0 + 999)
    days = rng.integers(0, 1800, 300)
    rows = [f"{i},{'AS'[i % 2]},{x:.1f},{y:.1f},{pd.Timestamp('2020-01-01') + pd.Timedelta(days=int(d))}:00,"
            for i, (x, y, d) in enumerate(zip(xs.clip(X0 + 1, X0 + 2999), ys, days, strict=True))]
    path = write_config(tmp_path, CSV_HEADER + "\n".join(r.replace(":00:00,", ":00,") for r in rows) + "\n")
    make_districts(tmp_path / "omraden.gpkg", names=("A", "B", "C", "D", "E"), populations=(900, 1200, 700, 400, 800))
    return path


def _pid_step(name, background, reads_tables=False):
    def run(results):
        seen = sorted(results.tables)
        results.add_table(Table(name, pd.DataFrame({"pid": [os.getpid()], "seen": [",".join(seen)]}),
                                {"sv": name, "en": name}))
        results.record_parameters(name, announce=False, pid=os.getpid())

    return Step(name, run, background=background, reads_tables=reads_tables)


def test_parallel_analysis_equals_one_process(project, monkeypatch):
    steps = (_pid_step("first", background=True), *DEFAULT_STEPS, _pid_step("after", background=False,
                                                                            reads_tables=True))
    runs = {}
    for n in ("1", "2"):
        monkeypatch.setenv(parallel.WORKERS_VARIABLE, n)
        runs[n] = analyse(prepare(read_config(project)), steps=steps)
    one, two = runs["1"], runs["2"]
    assert list(one.tables) == list(two.tables)
    assert list(one.rasters) == list(two.rasters)
    assert list(one.parameters) == list(two.parameters)
    assert len(two.tables["gistar_grid"].data) > 0
    for name, table in one.tables.items():
        if name in ("first", "after"):
            continue
        pd.testing.assert_frame_equal(pd.DataFrame(table.data), pd.DataFrame(two.tables[name].data), check_exact=True)
    for step in ("hotspots", "statistics", "forecast"):
        assert list(one.parameters[step]) == list(two.parameters[step])
        assert repr(one.parameters[step]) == repr(two.parameters[step])
    # the background steps ran in other processes, the rest here; "after" saw the hot-spot tables
    assert one.tables["first"].data["pid"].iloc[0] == os.getpid()
    assert two.tables["first"].data["pid"].iloc[0] != os.getpid()
    assert two.parameters["first"]["pid"] != os.getpid()
    assert two.tables["after"].data["pid"].iloc[0] == os.getpid()
    assert "gistar_grid" in two.tables["after"].data["seen"].iloc[0].split(",")


def _same_text(a: str, b: str) -> bool:
    """Equal apart from folium's random element ids (and the script hashes that contain them)."""
    def norm(text):
        return re.sub(r"'sha256-[^']+'", "'sha'", re.sub(r"\b(map|layer_control|tile_layer)_[0-9a-f]{32}", "id", text))

    return norm(a) == norm(b)


def test_parallel_outputs_equal_one_process(project, tmp_path, monkeypatch):
    import geolage.outputs.write as writer

    results = analyse(prepare(read_config(project)))
    # the GeoPackage and the map are written by this process either way: leave them out (time)
    monkeypatch.setattr(writer, "write_spatial_outputs", lambda results, folder, **kw: {})
    monkeypatch.setattr(writer, "write_map", lambda results, path, **kw: (path.write_text("map"), path)[1])
    files = {}
    for n in ("1", "2"):
        monkeypatch.setenv(parallel.WORKERS_VARIABLE, n)
        paths = write_outputs(results, tmp_path / f"out{n}", pdf=False)
        files[n] = paths
    assert list(files["1"]) == list(files["2"])
    for key, path in files["1"].items():
        other = files["2"][key]
        assert other.name == path.name
        if path.suffix in (".csv", ".html", ".txt"):
            assert _same_text(path.read_text(encoding="utf-8"), other.read_text(encoding="utf-8")), key
    assert any(k.startswith("report:") for k in files["2"])  # the report written by the child is listed


def test_failed_background_step_stops_the_run(project, monkeypatch):
    def broken(results):
        raise ConfigError("weights.gal: ids 7 and 9 are not districts; check [hotspots] district_weights")

    monkeypatch.setenv(parallel.WORKERS_VARIABLE, "2")
    steps = (Step("broken", broken, background=True, reads_tables=False), *DEFAULT_STEPS[:2])
    with pytest.raises(ConfigError, match="ids 7 and 9 are not districts"):
        analyse(prepare(read_config(project)), steps=steps)
