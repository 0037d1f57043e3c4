"""Source-level checks (issue 15): wrong CRS guessed, repeated ids counted, the rejected-share gate."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Transformer

from geolage.config import ColumnsConfig, SourceConfig
from geolage.errors import InputFileError
from geolage.source_checks import check_rejected_share, check_source_crs, guess_crs, repeated_ids

X0, Y0 = 370_000, 6_400_000
AREA = shapely.box(X0, Y0, X0 + 5000, Y0 + 1000)


def _source(**columns) -> SourceConfig:
    cols = {"category": "kod", "id": "id", "x": "x", "y": "y", "datetime": "tid", **columns}
    return SourceConfig(name="polis", path=Path("brott.csv"), columns=ColumnsConfig(**cols),
                        categories={"A": "misshandel"})


def _points(n=50, seed=3):
    rng = np.random.default_rng(seed)
    return X0 + rng.uniform(0, 5000, n), Y0 + rng.uniform(0, 1000, n)


@pytest.mark.parametrize("code", ["EPSG:3006", "EPSG:3021", "EPSG:3857", "EPSG:4326"])
def test_guess_crs_finds_the_crs_the_points_were_written_in(code):
    x, y = _points()
    a, b = Transformer.from_crs("EPSG:3006", code, always_xy=True).transform(x, y)
    best, share = guess_crs(np.asarray(a), np.asarray(b), "EPSG:3006", AREA)  # all of CANDIDATE_CRS
    assert best == code
    assert share == 1.0


def _raw(a, b):
    return pd.DataFrame({"id": [str(i) for i in range(len(a))], "x": [f"{v:.0f}" for v in a],
                         "y": [f"{v:.0f}" for v in b]})


def _rejects(reasons):
    return pd.DataFrame({"reason": reasons})


def test_wrong_crs_raises_naming_the_fitting_crs():
    x, y = _points()
    a, b = Transformer.from_crs("EPSG:3006", "EPSG:3021", always_xy=True).transform(x, y)
    with pytest.raises(InputFileError, match=r"brott\.csv: source 'polis': 50 of 50 .* EPSG:3021 .*set crs"):
        check_source_crs(_raw(a, b), _source(), _rejects(["outside_study_area"] * 50), run_crs="EPSG:3006",
                         study_area=AREA)


def test_points_rightly_outside_the_area_raise_nothing():
    """A source covering more than the study area loses rows, but no other CRS explains it: no CRS error."""
    rng = np.random.default_rng(4)
    a, b = X0 + rng.uniform(20_000, 60_000, 50), Y0 + rng.uniform(20_000, 60_000, 50)
    check_source_crs(_raw(a, b), _source(), _rejects(["outside_study_area"] * 50), run_crs="EPSG:3006",
                     study_area=AREA)


def test_few_losses_raise_nothing():
    x, y = _points()
    a, b = Transformer.from_crs("EPSG:3006", "EPSG:3021", always_xy=True).transform(x, y)
    # Only 20 of 50 lost for their place: below half, the declared CRS is not suspect.
    check_source_crs(_raw(a, b), _source(), _rejects(["outside_study_area"] * 20), run_crs="EPSG:3006",
                     study_area=AREA)


def test_repeated_ids_count_differing_groups_only():
    raw = pd.DataFrame({
        "id": ["1", "1", "2", "2", "3", "4", "4", "4", ""],
        "kod": ["A", "S", "A", "A", "A", "A", "A", "S", "A"],
    })
    out = repeated_ids(raw, _source())
    # id 1: two rows that differ; id 2: identical copies (left to the duplicate checks);
    # id 4: three rows, two distinct; empty ids are not ids.
    assert out == {"rows": 5, "ids": 2, "examples": ["1", "4"]}


def test_rejected_share_gate():
    quality = {"per_source": {
        "a": {"read": 100, "rejected": 51, "path": "a.csv", "rejected_by_reason": {"invalid_date": 50, "x": 1}},
        "b": {"read": 100, "rejected": 50, "path": "b.csv", "rejected_by_reason": {"invalid_date": 50}},
        "c": {"read": 0, "rejected": 0, "path": "c.csv", "rejected_by_reason": {}},
    }}
    msg = check_rejected_share(quality, 0.5)
    assert msg is not None and "source 'a' (a.csv) lost 51 of 100 rows (51.0%: 50 unreadable date, 1 x)" in msg
    assert "validation.max_rejected_share = 50%" in msg
    assert "'b'" not in msg and "'c'" not in msg
    assert check_rejected_share(quality, 0.51) is None
    sv = check_rejected_share(quality, 0.105, "sv")
    assert sv is not None and "källan 'a' (a.csv) tappade 51 av 100 rader (51,0\u00a0%: 50 oläsligt datum, 1 x)" in sv
    assert "källan 'b'" in sv and "validation.max_rejected_share = 10,5\u00a0%" in sv


def test_repeated_ids_reach_the_quality_summary_and_table(tmp_path):
    import sys

    sys.path.insert(0, str(Path(__file__).parent))
    from bad_input.generate import Project, _repeat_ids

    from geolage.config import read_config
    from geolage.run import schemas
    from geolage.run.pipeline import prepare

    project = Project()
    _repeat_ids(project.rows)
    results = prepare(read_config(project.write(tmp_path)))
    assert results.quality["repeated_id_rows"] == 20
    assert results.quality["per_source"]["polis"]["repeated_ids"] == {
        "rows": 20, "ids": 10, "examples": ["10", "11", "2", "3", "4"]}
    assert len(results.incidents) == 60  # kept, not dropped
    quality = results.tables[schemas.DATA_QUALITY.name]
    assert quality.data["repeated_id_rows"].tolist() == [20]
