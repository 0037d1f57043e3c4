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
category). Neither is recovered. Suppression by deterministic thresholds cannot stop
differencing in general, though: a count of 4 that becomes a shown 5 where nothing else of
its sums is hidden in the second run gives the first run's 4 back. The standard remedies are
a release policy (one public release per period, not re-runs that differ by single
incidents) or perturbation of every published count with a cell key (the cell-key method of
the ABS, Destatis and ONS), which geolage does not implement; run.json and the method
appendix say so.
"""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest
from conftest import X0, Y0
from test_disclosure_attacks import K, _project, naive_public

from geolage.categories import ALL_CATEGORIES
from geolage.config import read_config
from geolage.outputs.tables import read_table_csv, write_tables_csv
from geolage.run.disclosure import public_results
from geolage.run.pipeline import run
from geolage.stats.rates import WHOLE_PERIOD
from geolage.stats.trends import WHOLE_AREA

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
