"""Differencing attack: two public runs that differ by one incident (issue 10's adversarial list).

The small adversarial fixture of :mod:`test_disclosure_attacks` is run twice in public mode:
once as it is and once with one incident more, placed in the district with 1–4 incidents
per category and year, in a (district, category, year) whose count is 4. The reader has both
runs' public tables and knows the added incident (its district, category and date: a
neighbour's report, say), the usual threat model of differencing. A count hidden in one run
and shown in the other is then known exactly: the shown value minus 1 where the incident
lies in that count, the shown value itself elsewhere.

Two cases are tested, each against naive outputs (the attack is real) and the public ones:
a month whose 4 becomes 5 (rule 7c hides all months of the year in the first run, so the
second run's 5 opens nothing) and a year whose 4 becomes 5 in the district with 1–4
incidents per category and year (complementary suppression hides the 5 with the other small
category). Neither is recovered.

Suppression by deterministic thresholds cannot stop differencing in general, though: in a
third fixture (:func:`_general_project`) every count is large except one year of 4, which
becomes a shown 5 with nothing else of its sums hidden in the second run; the first run's 4
comes back even from today's public outputs. The defence is the release policy of rule 11
(:mod:`geolage.run.disclosure_release`): the second run is given the first run's output
folder as an earlier release (``output.earlier_releases``, or the folder it replaces), keeps
every cell the first run hid hidden, and nothing is recovered. What the policy cannot do is
tested too: a count the first run *showed* (5) that a re-run with one incident fewer hides
(4) is the 5 minus the removed incident; a published count cannot be taken back.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import CSV_HEADER, X0, Y0, write_config
from test_disclosure_attacks import K, _project, naive_public

from geolage.categories import ALL_CATEGORIES
from geolage.config import FocusAreaConfig, read_config
from geolage.errors import ConfigError
from geolage.outputs import write_outputs
from geolage.outputs.names import output_name
from geolage.outputs.record import write_run_json
from geolage.outputs.report import render_report_html
from geolage.outputs.tables import read_table_csv, write_tables_csv
from geolage.releases import release_folders
from geolage.run.disclosure import public_results
from geolage.run.pipeline import run
from geolage.stats.rates import WHOLE_PERIOD
from geolage.stats.trends import WHOLE_AREA
from geolage.text.report import TEXTS

#: Tables compared row by row (their row keys), with the key columns that locate a count.
_TABLES = {
    "rates_district": ("district_id", "category", "period"),
    "funnel": ("district_id", "category", "period"),
    "series": ("area", "category", "unit", "period"),
    "year_to_date": ("area", "category", "year"),
}
_DISTRICT = "D1"  # the fixture's cluster: many incidents a year, a few a month
_CATEGORY = "misshandel"  # code "A" in the fixture's CSV
_WHEN = "2020-03-15"  # D1's misshandel in March 2020: 4 incidents


def _read(folder, name):
    path = folder / f"{name}.csv"
    return read_table_csv(path, dtype={"period": str, "year": str}) if path.is_file() else None


def _write_tables(results, folder):
    """The public CSV of the tables the attack reads (the others and the rasters are not needed)."""
    tables = {name: t for name, t in results.tables.items() if name in _TABLES}
    write_tables_csv(dataclasses.replace(results, tables=tables, rasters={}), folder, mode="public")
    return folder


def _two_runs(tmp_path_factory, code: str, xy: tuple[float, float], when: str):
    """The fixture as it is, and with one incident more (category ``code`` at ``xy`` on ``when``)."""
    base_a = tmp_path_factory.mktemp("diff_a")
    res_a = run(read_config(_project(base_a)))
    base_b = tmp_path_factory.mktemp("diff_b")
    cfg_b = _project(base_b)
    csv = base_b / "brott.csv"
    n = len(csv.read_text(encoding="utf-8").splitlines())
    with csv.open("a", encoding="utf-8") as f:
        f.write(f"{n},{code},{xy[0]},{xy[1]},{when} 12:00,\n")
    res_b = run(read_config(cfg_b))
    pub_a = _write_tables(public_results(res_a, K), base_a / "public")
    pub_b = _write_tables(public_results(res_b, K), base_b / "public")
    return res_a, res_b, pub_a, pub_b, int(when[:4])


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    """One incident more in D1 ([X0, X0 + 1000] × [Y0, Y0 + 1000]), misshandel, March 2020."""
    return _two_runs(tmp_path_factory, "A", (X0 + 300.0, Y0 + 500.0), _WHEN)


_ADDED = (_DISTRICT, _CATEGORY, _WHEN)


def _contains(row: pd.Series, keys: tuple[str, ...], year: int, added: tuple[str, str, str] = _ADDED) -> bool:
    """Does the count of ``row`` include the added incident (its district, category and date, ``added``)?"""
    district, category, when = added
    month = int(when[5:7])
    periods = (str(year), f"{year}K{(month - 1) // 3 + 1}", when[:7], WHOLE_PERIOD)
    return (str(row[keys[0]]) in (district, WHOLE_AREA) and str(row["category"]) in (category, ALL_CATEGORIES)
            and str(row[keys[-1]]) in periods)


def _opened(a: pd.DataFrame, b: pd.DataFrame, keys: tuple[str, ...], year: int,
            added: tuple[str, str, str] = _ADDED) -> pd.Series:
    """Run A's counts recovered from run B: hidden in A, shown in B, minus 1 where the incident lies in them."""
    both = a.reset_index().merge(b, on=list(keys), suffixes=("_a", "_b"))
    opened = both[both["count_suppressed_a"].astype(bool) & ~both["count_suppressed_b"].astype(bool)]
    inside = opened.apply(lambda row: _contains(row, keys, year, added), axis=1).astype(float) if len(opened) else 0.0
    return pd.Series((opened["count_b"] - inside).to_numpy(float), index=opened["index"].to_numpy())


def _by_categories(a: pd.DataFrame, known: pd.Series, keys: tuple[str, ...]) -> pd.Series:
    """With the recovered counts filled in: a category that is the only unknown of its all-categories sum."""
    value = pd.to_numeric(a["count"], errors="coerce").copy()
    value.loc[known.index] = known
    others = [a[k].astype(str) for k in keys if k != "category"]
    is_total = a["category"] == ALL_CATEGORIES
    total = value.where(is_total).groupby(others).transform("first")
    parts = value.where(~is_total)
    known_sum = parts.groupby(others).transform("sum")
    unknown = (parts.isna() & ~is_total).groupby(others).transform("sum")
    solved = ~is_total & parts.isna() & (unknown == 1) & total.notna()
    return (total - known_sum)[solved]


def difference_attack(pub_a, pub_b, truth_a, year: int, added: tuple[str, str, str] = _ADDED) -> list[tuple]:
    """Run A's hidden counts under ``K`` that run B gives back to within ±0.5, directly or through a sum.

    Directly: a count hidden in A and shown in B is B's value minus 1 where the incident lies
    in it. Through a sum: with those values filled in, a category that is the only unknown
    part of its all-categories count is that count minus the others.

    Returns
    -------
    list of tuple
        ``(table, key values, true count in run A, recovered value)``.
    """
    found = []
    for name, keys in _TABLES.items():
        a, b = _read(pub_a, name), _read(pub_b, name)
        if a is None or b is None or "count_suppressed" not in a.columns:
            continue
        keys = tuple(k for k in keys if k in a.columns)
        direct = _opened(a, b, keys, year, added)
        recovered = pd.concat([direct, _by_categories(a, direct, keys)])
        true = pd.to_numeric(truth_a[name].data["count"], errors="coerce").reset_index(drop=True)
        for i, guess in recovered.items():
            t = float(true.iloc[i])
            if 0 < t < K and abs(guess - t) <= 0.5:
                found.append((name, tuple(a.loc[i, k] for k in keys), t, float(guess)))
    return found


def test_the_second_run_has_one_incident_more(two_runs):
    res_a, res_b, _, _, year = two_runs
    sa, sb = res_a.tables["series"].data, res_b.tables["series"].data
    diff = sb["count"].to_numpy() - sa["count"].to_numpy()
    changed = sb[diff != 0]
    assert set(diff[diff != 0].tolist()) == {1}
    # D1 and the whole area, misshandel and all categories: the year, its first quarter and March
    assert len(changed) == 2 * 2 * 3
    assert set(changed["period"]) == {str(year), f"{year}K1", _WHEN[:7]}
    march = sa[(sa["area"] == _DISTRICT) & (sa["category"] == _CATEGORY) & (sa["period"] == _WHEN[:7])]
    assert march["count"].tolist() == [4]


def test_difference_attack_is_real(two_runs, tmp_path):
    """Against outputs that only blank counts under k, the 4 that becomes 5 gives run A's hidden 4 back."""
    res_a, res_b, _, _, year = two_runs
    naive_a = _write_tables(naive_public(res_a), tmp_path / "a")
    naive_b = _write_tables(naive_public(res_b), tmp_path / "b")
    found = difference_attack(naive_a, naive_b, res_a.tables, year)
    hit = [f for f in found if f[0] == "series" and f[1] == (_DISTRICT, _CATEGORY, "month", _WHEN[:7])]
    assert hit == [("series", (_DISTRICT, _CATEGORY, "month", _WHEN[:7]), 4.0, 4.0)]


def test_a_month_that_crosses_k_opens_nothing(two_runs):
    """March's 4 that becomes a shown 5: rule 7c hides all of 2020's months in run A, so B's 5 opens nothing."""
    res_a, _, pub_a, pub_b, year = two_runs
    assert difference_attack(pub_a, pub_b, res_a.tables, year) == []


@pytest.fixture(scope="module")
def two_runs_year(tmp_path_factory):
    """One incident more in D3 (1–4 incidents per category and year), in a (category, year) whose count is 4."""
    probe = run(read_config(_project(tmp_path_factory.mktemp("diff_probe")))).tables["series"].data
    four = probe[(probe["area"] == "D3") & (probe["unit"] == "year") & (probe["category"] != ALL_CATEGORIES)
                 & (probe["count"] == 4)].iloc[0]
    code = {"misshandel": "A", "stold": "S"}[str(four["category"])]
    when = f"{four['period']}-06-15"
    runs = _two_runs(tmp_path_factory, code, (X0 + 2250.0, Y0 + 750.0), when)
    return (*runs, ("D3", str(four["category"]), when))


def test_a_year_that_crosses_k_is_real_against_naive_outputs(two_runs_year, tmp_path):
    res_a, res_b, _, _, year, added = two_runs_year
    naive_a = _write_tables(naive_public(res_a), tmp_path / "a")
    naive_b = _write_tables(naive_public(res_b), tmp_path / "b")
    hit = [f for f in difference_attack(naive_a, naive_b, res_a.tables, year, added)
           if f[0] == "series" and f[1] == ("D3", added[1], "year", str(year))]
    assert hit == [("series", ("D3", added[1], "year", str(year)), 4.0, 4.0)]


def test_a_year_that_crosses_k_opens_nothing(two_runs_year):
    """D3's other category is small too, so the complementary suppression of rule 7 hides B's 5 with it."""
    res_a, _, pub_a, pub_b, year, added = two_runs_year
    assert difference_attack(pub_a, pub_b, res_a.tables, year, added) == []


# --------------------------------------------------------------------------- the general case and rule 11
#: The one small count of the general fixture: D2's misshandel in 2022 (4); the added incident's date.
_GENERAL = ("D2", "misshandel", "2022-03-15")
_GENERAL_ROW = ("D2", "misshandel", "year", "2022")


def _general_project(folder: Path, *, added: int = 0, output: str = "") -> Path:
    """Three districts, two categories, 2020–2024: 6 incidents each a month, but D2's misshandel of 2022 has 4
    (+ ``added``), all in March (the added ones on 15 March): its other months are shown zeros."""
    rng = np.random.default_rng(11)
    rows: list[str] = []

    def add(x: float, y: float, code: str, when: str) -> None:
        rows.append(f"{len(rows) + 1},{code},{x:.1f},{y:.1f},{when} {int(rng.integers(0, 24)):02d}:00,")

    for d in range(3):
        for code in ("A", "S"):
            for year in range(2020, 2025):
                small = (d, code, year) == (1, "A", 2022)
                months = (3, 3, 3, 3) if small else [m for m in range(1, 13) for _ in range(6)]
                for m in months:
                    add(X0 + d * 1000 + rng.uniform(100, 900), Y0 + rng.uniform(100, 900), code,
                        f"{year}-{m:02d}-{int(rng.integers(1, 28)):02d}")
    for _ in range(added):
        add(X0 + 1500.0, Y0 + 500.0, "A", _GENERAL[2])
    return write_config(folder, CSV_HEADER + "\n".join(rows) + "\n",
                        extra="\n[output]\nmin_count = 5\n" + output)


def _release(public, folder: Path, language: str = "sv") -> Path:
    """An earlier public run's output folder as geolage writes it: the tables folder and run.json."""
    write_tables_csv(public, folder / output_name("tables", language), mode="public", language=language)
    write_run_json(public, folder / "run.json", mode="public", outputs=[], language=language)
    return folder


def _earlier(folder: Path, release: Path) -> str:
    """``output.earlier_releases`` naming ``release`` relative to the config file in ``folder``."""
    return f'earlier_releases = ["{Path(os.path.relpath(release, folder)).as_posix()}"]\n'


@pytest.fixture(scope="module")
def general(tmp_path_factory):
    """Run A (the 4), run B (one incident more: 5) without and with A as an earlier release."""
    base_a = tmp_path_factory.mktemp("general_a")
    res_a = run(read_config(_general_project(base_a)))
    pub_a = public_results(res_a, K)
    rel_a = _release(pub_a, base_a / "release")
    base_b = tmp_path_factory.mktemp("general_b")
    res_b = run(read_config(_general_project(base_b, added=1)))
    base_c = tmp_path_factory.mktemp("general_c")
    res_c = run(read_config(_general_project(base_c, added=1, output=_earlier(base_c, rel_a))))
    pub_c = public_results(res_c, K)
    return {"res_a": res_a, "pub_a": pub_a, "rel_a": rel_a, "res_b": res_b, "res_c": res_c, "pub_c": pub_c,
            "rel_c": _release(pub_c, base_c / "release")}


def _series_row(results, row=_GENERAL_ROW) -> pd.Series:
    s = results.tables["series"].data
    hit = s[(s["area"] == row[0]) & (s["category"] == row[1]) & (s["unit"] == row[2]) & (s["period"] == row[3])]
    assert len(hit) == 1
    return hit.iloc[0]


def test_general_fixture_has_one_small_count(general):
    assert _series_row(general["res_a"])["count"] == 4
    assert _series_row(general["res_b"])["count"] == 5
    s = general["res_a"].tables["series"].data
    years = s[(s["unit"] == "year") & (s["area"] != WHOLE_AREA)]
    assert sorted(years["count"].unique().tolist()) == [4, 72, 76, 144]  # 72 a category, 144 both; D2 2022: 4, 76


def test_general_case_is_real_without_an_earlier_release(general, tmp_path):
    """Today's public outputs: B shows 5 and hides nothing else of its sums, so A's hidden 4 is 5 − 1."""
    pub_b = public_results(general["res_b"], K)
    assert not bool(_series_row(pub_b)["count_suppressed"])
    assert not pub_b.tables["series"].data["count_suppressed"].astype(bool)[
        pub_b.tables["series"].data["unit"] == "year"].any()  # nothing else hidden among the years
    a = _release(general["pub_a"], tmp_path / "a")
    b = _release(pub_b, tmp_path / "b")
    found = difference_attack(a / "tabeller", b / "tabeller", general["res_a"].tables, 2022, _GENERAL)
    assert ("series", _GENERAL_ROW, 4.0, 4.0) in found
    assert ("rates_district", ("D2", "misshandel", "2022"), 4.0, 4.0) in found


def test_general_case_opens_nothing_with_the_earlier_release(general):
    """Rule 11: B is given A's output folder; A's hidden cells stay hidden and nothing of A is recovered."""
    rel_a, rel_c = general["rel_a"], general["rel_c"]
    assert bool(_series_row(general["pub_c"])["count_suppressed"])
    assert difference_attack(rel_a / "tabeller", rel_c / "tabeller", general["res_a"].tables, 2022, _GENERAL) == []
    # every cell A hid is hidden in C (the same row keys)
    a = read_table_csv(rel_a / "tabeller" / "series.csv", dtype={"period": str})
    c = read_table_csv(rel_c / "tabeller" / "series.csv", dtype={"period": str})
    both = a.merge(c, on=["area", "category", "unit", "period"], suffixes=("_a", "_c"))
    assert len(both) == len(a) == len(c)
    assert (both["count_suppressed_c"] | ~both["count_suppressed_a"]).all()


def test_the_earlier_release_is_recorded(general):
    disclosure = general["pub_c"].record["disclosure"]
    (release,) = disclosure["earlier_releases"]
    assert Path(release["folder"]).resolve() == general["rel_a"].resolve()
    assert release["named_by"] == "output.earlier_releases"
    assert release["finished_utc"] == general["res_a"].record["finished_utc"]
    # run.json writes the input paths relative to the config file: the same hashes
    assert sorted(release["input_sha256"].values()) == sorted(general["res_a"].record["input_sha256"].values())
    # the 5 (series and rates_district, its year) and A's complements that C would show: kept hidden
    assert disclosure["kept_hidden"]["series"] >= 1
    assert disclosure["kept_hidden"]["rates_district"] >= 1
    assert "earlier_releases" in disclosure["rules"] and "differencing" in disclosure["rules"]
    assert "earlier_releases" not in general["pub_a"].record["disclosure"]


def _with_releases(results, *folders: Path):
    """``results`` as if its config named ``folders`` in ``output.earlier_releases``."""
    output = dataclasses.replace(results.config.output, earlier_releases=tuple(folders))
    return dataclasses.replace(results, config=dataclasses.replace(results.config, output=output))


def test_an_english_earlier_release_is_matched(general, tmp_path):
    """The earlier run wrote English codes (assault, whole_period, ``,`` and ``.``): the cells still match."""
    rel_en = _release(general["pub_a"], tmp_path / "a_en", language="en")
    assert "assault" in (rel_en / "tables" / "series.csv").read_text(encoding="utf-8-sig")
    pub = public_results(_with_releases(general["res_b"], rel_en), K)
    assert bool(_series_row(pub)["count_suppressed"])
    assert pub.record["disclosure"]["kept_hidden"] == general["pub_c"].record["disclosure"]["kept_hidden"]


def test_removing_an_incident_cannot_be_undone(general, tmp_path):
    """A published count cannot be taken back: B's 5 was released (shown); a re-run with the incident removed (A's 4)
    that names B's folder hides it, but the reader has it as B's 5 − 1. run.json's rules say so."""
    pub_b = public_results(general["res_b"], K)
    five = _series_row(pub_b)
    assert not bool(five["count_suppressed"]) and five["count"] == 5
    rel_b = _release(pub_b, tmp_path / "b")
    later = public_results(_with_releases(general["res_a"], rel_b), K)
    assert bool(_series_row(later)["count_suppressed"])
    assert float(five["count"]) - 1 == _series_row(general["res_a"])["count"]  # recovered exactly
    assert "cannot be hidden afterwards" in later.record["disclosure"]["rules"]["differencing"]


def test_the_output_folder_a_run_replaces_is_an_earlier_release(general, tmp_path):
    """``--overwrite`` of a public run's folder: the run there is read before it is replaced; its hidden stay hidden."""
    out = tmp_path / "lagesbild"
    write_outputs(general["res_a"], out, pdf=False)
    write_outputs(general["res_b"], out, overwrite=True, pdf=False)
    record = json.loads((out / "run.json").read_text(encoding="utf-8"))["record"]["disclosure"]
    assert [r["named_by"] for r in record["earlier_releases"]] == ["output folder"]
    assert record["kept_hidden"]["series"] >= 1
    series = read_table_csv(out / "tabeller" / "series.csv", dtype={"period": str})
    row = series[(series["area"] == "D2") & (series["category"] == "misshandel") & (series["unit"] == "year")
                 & (series["period"] == "2022")]
    assert row["count_suppressed"].tolist() == [True]


def test_focus_areas_previous_output_is_an_earlier_release(general):
    focus = FocusAreaConfig(name="Norr", districts=("D2",), previous_output=general["rel_a"])
    config = dataclasses.replace(general["res_b"].config, areas=dataclasses.replace(
        general["res_b"].config.areas, focus=(focus,)))
    assert release_folders(config) == [(general["rel_a"], "areas.focus[0].previous_output")]
    # named twice (also in output.earlier_releases): read once, as named there
    both = dataclasses.replace(config, output=dataclasses.replace(config.output, earlier_releases=(general["rel_a"],)))
    assert release_folders(both) == [(general["rel_a"], "output.earlier_releases")]


# --------------------------------------------------------------------------- bad input
def _config_with(tmp_path: Path, folder: Path) -> Path:
    (tmp_path / "cfg").mkdir()
    return _general_project(tmp_path / "cfg", output=_earlier(tmp_path / "cfg", folder))


@pytest.mark.parametrize("kind", ["missing", "not_geolage", "internal"])
def test_bad_earlier_release_is_an_error_naming_the_folder(general, tmp_path, kind):
    folder = tmp_path / "earlier"
    if kind != "missing":
        folder.mkdir()
    if kind == "internal":
        write_run_json(general["res_a"], folder / "run.json", mode="internal", outputs=[])
    with pytest.raises(ConfigError) as err:
        read_config(_config_with(tmp_path, folder))
    en, sv = str(err.value), err.value.sv
    named = str(tmp_path / "cfg" / ".." / "earlier")  # as given, relative to the config file
    assert "output.earlier_releases[0]" in en and named in en and "output.earlier_releases[0]" in sv and named in sv
    said = {"missing": ("no such folder", "mappen finns inte"),
            "not_geolage": ("not a geolage output folder", "inte en utdatamapp från geolage"),
            "internal": ("holds an internal run", "är en intern körning")}[kind]
    assert said[0] in en and said[1] in sv


def _other_districts(release: Path, folder: Path) -> Path:
    shutil.copytree(release, folder)
    path = folder / "tabeller" / "districts.csv"
    path.write_text(path.read_text(encoding="utf-8-sig").replace("D", "X"), encoding="utf-8-sig")
    return folder


def test_an_earlier_release_of_other_districts_is_an_error(general, tmp_path):
    other = _other_districts(general["rel_a"], tmp_path / "other")
    with pytest.raises(ConfigError) as err:
        public_results(_with_releases(general["res_b"], other), K)
    assert str(other) in str(err.value) and "none of this run's" in str(err.value)
    assert "output.earlier_releases" in err.value.sv and "finns inte i den här körningen" in err.value.sv


def test_a_replaced_folder_of_other_districts_is_passed_over_with_a_warning(general, tmp_path, caplog):
    other = _other_districts(general["rel_a"], tmp_path / "other")
    with caplog.at_level(logging.WARNING, logger="geolage.run.disclosure_release"):
        pub = public_results(general["res_b"], K, replacing=other)
    assert "earlier_releases" not in pub.record["disclosure"]
    (warning,) = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert str(other) in warning and "hoppas över" in warning  # the run's language: Swedish


@pytest.mark.parametrize("language", ["sv", "en"])
def test_the_method_appendix_says_it(general, language):
    """The report's data and method appendix names the earlier release, or says that none was named."""
    with_release = render_report_html(general["pub_c"], language=language, figures=False)
    said = TEXTS["method_releases"][language].split("{n}")[0]
    finished = general["res_a"].record["finished_utc"][:10]
    assert said in with_release and f"(release {finished})" in with_release  # the folder's name and date
    assert TEXTS["method_no_releases"][language].split("(")[0] not in with_release
    without = render_report_html(general["pub_a"], language=language, figures=False)
    assert TEXTS["method_no_releases"][language].split("(")[0] in without and said not in without
    cell = TEXTS["method_raster_cells"][language].format(cell=100)  # the fixture's grid cells: 100 m
    assert cell in with_release and cell in without
