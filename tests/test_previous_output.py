"""A previous lägesbild read from an earlier geolage output folder (``[[areas.focus]] previous_output``).

The comparison against published figures must give exactly what counting the same window in the
data gives (:func:`geolage.stats.areas.period_change`), in both languages' table formats; withheld
counts are left out and named; a folder that is not a geolage output is refused with the file named.
"""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pandas as pd
import pytest

from geolage.categories import ENGLISH_CODES
from geolage.config import config_from_dict
from geolage.errors import ConfigError
from geolage.previous import read_previous_output
from geolage.stats.areas import PERIOD_CHANGE_COLUMNS, period_change, period_change_published

PREVIOUS = (dt.date(2014, 1, 1), dt.date(2019, 12, 31))
CURRENT = (dt.date(2023, 1, 1), dt.date(2025, 12, 31))
CATS = ["misshandel", "skadegorelse", "ran"]
MEMBERS = ["A", "B"]


def _data(seed: int = 3) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    districts = pd.DataFrame({"district_name": ["Alfa", "Beta", "Gamma"], "population": [2500.0, 1800.0, 9000.0]},
                             index=pd.Index(["A", "B", "C"], name="district_id"))
    n = 3000
    days = rng.integers(0, (dt.date(2025, 12, 31) - dt.date(2014, 1, 1)).days + 1, n)
    incidents = pd.DataFrame({
        "district_id": rng.choice(["A", "B", "C"], n, p=[0.3, 0.2, 0.5]),
        "category": rng.choice(CATS, n, p=[0.6, 0.395, 0.005]),  # few robberies: counts under 5
        "time": pd.Timestamp("2014-01-01") + pd.to_timedelta(days, unit="D"),
    })
    return incidents, districts


def _published_folder(tmp_path, reference: pd.DataFrame, language: str, hide: tuple[str, ...] = ()):
    """An output folder as an earlier run writes it: run.json and the area_profile table of its tables folder."""
    folder = tmp_path / f"earlier_{language}"
    tables = folder / ("tabeller" if language == "sv" else "tables")
    tables.mkdir(parents=True)
    (folder / "run.json").write_text(json.dumps({"language": language,
                                                 "record": {"finished_utc": "2020-02-03T10:00:00+00:00"}}))
    rows = reference.assign(period_start=PREVIOUS[0].isoformat(), period_end=PREVIOUS[1].isoformat(),
                            count=reference["count_previous"].astype(float),
                            exposure=reference["exposure_previous"])
    rows["count_suppressed"] = rows["category"].isin(hide)
    rows.loc[rows["count_suppressed"], "count"] = np.nan
    if language == "en":
        rows["category"] = rows["category"].map(lambda c: ENGLISH_CODES.get(c, c))
    cols = ["area", "area_name", "category", "period_start", "period_end", "rate_basis", "count", "exposure",
            "count_suppressed"]
    sep, decimal = (";", ",") if language == "sv" else (",", ".")
    rows[cols].to_csv(tables / "area_profile.csv", sep=sep, decimal=decimal, index=False, encoding="utf-8-sig")
    return folder


@pytest.mark.parametrize("language", ["sv", "en"])
def test_published_figures_give_the_same_change_as_counting_the_window(tmp_path, language):
    incidents, districts = _data()
    options = {"current": CURRENT, "categories": CATS}
    counted = period_change(incidents, districts, groups=[("ab", "Alfa/Beta", MEMBERS, PREVIOUS)], **options)
    folder = _published_folder(tmp_path, counted, language)
    published = read_previous_output(folder, "ab", "Alfa/Beta")
    assert published.period == PREVIOUS and published.finished == "2020-02-03" and published.hidden == ()
    assert published.rate_basis == "population"
    got = period_change_published(incidents, districts, groups=[("ab", "Alfa/Beta", MEMBERS, published)], **options)
    assert list(got.columns) == list(PERIOD_CHANGE_COLUMNS)
    pd.testing.assert_frame_equal(got, counted, check_exact=False, rtol=1e-12)
    assert set(counted["direction"]) <= {"up", "down", "none"}


def test_withheld_counts_are_left_out_and_named(tmp_path):
    incidents, districts = _data()
    options = {"current": CURRENT, "categories": CATS}
    counted = period_change(incidents, districts, groups=[("ab", "Alfa/Beta", MEMBERS, PREVIOUS)], **options)
    assert counted.set_index("category").loc["ran", "count_previous"] < 5  # a count the public tables withhold
    folder = _published_folder(tmp_path, counted, "sv", hide=("ran",))
    published = read_previous_output(folder, "nope", "alfa/beta")  # found by name when the id differs
    assert published.hidden == ("ran",) and "ran" not in published.counts
    got = period_change_published(incidents, districts, groups=[("ab", "Alfa/Beta", MEMBERS, published)],
                                  **options)
    assert got["category"].tolist() == ["alla", "misshandel", "skadegorelse"]
    pd.testing.assert_frame_equal(got.reset_index(drop=True),
                                  counted[counted["category"] != "ran"].reset_index(drop=True),
                                  check_exact=False, rtol=1e-12)


def test_a_folder_that_is_not_a_geolage_output_is_refused_with_the_file_named(tmp_path):
    with pytest.raises(ConfigError, match=r"nowhere: no such folder") as err:
        read_previous_output(tmp_path / "nowhere", "ab", "Alfa/Beta")
    assert err.value.in_language("sv").endswith("nowhere: mappen finns inte (areas.focus previous_output ska vara "
                                                 "utdatamappen från en tidigare 'geolage run'; peka ut den mappen, "
                                                 "eller ange perioden som previous = [start, slut])")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ConfigError, match=r"empty: no run.json in the folder"):
        read_previous_output(tmp_path / "empty", "ab", "Alfa/Beta")
    incidents, districts = _data()
    counted = period_change(incidents, districts, groups=[("ab", "Alfa/Beta", MEMBERS, PREVIOUS)],
                            current=CURRENT, categories=CATS)
    folder = _published_folder(tmp_path, counted, "sv")
    with pytest.raises(ConfigError, match=r"area_profile.csv: no rows for the focus area 'Norrby' \(areas there: "
                                          r"Alfa/Beta\)"):
        read_previous_output(folder, "x", "Norrby")


def test_config_takes_a_period_or_a_folder_not_both():
    import tomllib

    from geolage.cli import demo_config_path

    path = demo_config_path()
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    area = {"name": "Norrby", "districts": ["Norrby"], "previous": ["2014-01-01", "2019-12-31"],
            "previous_output": "earlier_run"}
    data["areas"]["focus"] = [area]
    with pytest.raises(ConfigError, match=r"'areas.focus\[0\]' gives both previous and previous_output; give one"):
        config_from_dict(data, base_dir=path.parent)
    data["areas"]["focus"] = [{k: v for k, v in area.items() if k != "previous"}]
    cfg = config_from_dict(data, base_dir=path.parent)
    assert cfg.areas.focus[0].previous_output == path.parent / "earlier_run"


def test_a_demo_area_compared_with_its_own_published_output_has_ratio_one(demo_run):
    """The real writer's tables read back: the demo's Norrby figures against themselves change by exactly 1."""
    from geolage.focus import focus_areas_of
    from geolage.run.steps.areas import current_window

    results, out = demo_run
    (norrby,) = [a for a in focus_areas_of(results) if a.name == "Norrby"]
    published = read_previous_output(out, norrby.area_id, norrby.name)
    ap = results.tables["area_profile"].data
    rows = ap[ap["area"] == norrby.area_id].set_index("category")
    assert published.counts == {c: float(rows.loc[c, "count"]) for c in published.counts}
    assert min(published.counts.values()) >= results.config.output.min_count
    assert sorted([*published.counts, *published.hidden]) == sorted(rows.index)
    window = current_window(results)
    assert published.period == window
    got = period_change_published(results.incidents, results.districts,
                                  groups=[(norrby.area_id, norrby.name, list(norrby.district_ids), published)],
                                  current=window, categories=sorted(set(results.incidents["category"])),
                                  rate_per=results.config.statistics.rate_per)
    assert len(got) == len(published.counts)
    np.testing.assert_allclose(got["change_ratio"].to_numpy(float), 1.0, rtol=1e-12)
    assert set(got["direction"]) == {"none"}

