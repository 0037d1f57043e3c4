"""The joint attack: every published linear relation in one system, solved for each hidden count by LP.

:mod:`geolage.outputs.audit_joint` puts all sums of the public tables (categories, sources,
periods, areas, the same count in several tables, count + reference = the whole area) into one
system and finds each hidden count's range with ``scipy.optimize.linprog``. A count whose range
holds one whole number is disclosed. The attack is checked to be real (it recovers counts from a
naive public version, and each value it claims is the true one) and then run on the public
outputs of the small adversarial fixture and of the demo.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest
from test_disclosure_attacks import K, _project, _write, naive_public

from geolage.config import read_config
from geolage.outputs.audit_joint import JointSystem, build_system, hidden_ranges, joint_attack
from geolage.run.disclosure import public_results
from geolage.run.pipeline import run

#: The demo subset solved in the test (the whole system takes minutes): the district table with its
#: categories, years and whole period, and the tables showing the same counts.
DEMO_TABLES = ("rates_district", "funnel")


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    base = tmp_path_factory.mktemp("joint")
    results = run(read_config(_project(base)))
    public = _write(public_results(results, K), base / "public")
    naive = _write(naive_public(results), base / "naive")
    return results, public, naive


def _true(results, where: tuple[str, str, int]) -> float:
    table, col, row = where
    return float(pd.to_numeric(pd.Series([results.tables[table].data[col].iloc[row]]), errors="coerce").iloc[0])


def _check_truth(results, found) -> None:
    """Every disclosed count's range holds its true value (so the relations are right)."""
    for d in found:
        for where in d.rows:
            truth = _true(results, where)
            assert d.low - 1e-6 <= truth <= d.high + 1e-6, (d, truth)


def test_lp_ranges_on_a_hand_made_system():
    """x + y = 3 (x, y >= 1), y + z = 5 (z >= 4): y = 1, z = 4, x = 2; u + v = 4 (u, v >= 1): u in [1, 3]."""
    s = JointSystem()
    x = s.fact(("x",), math.nan, 1.0, ("t", "c", 0))
    y = s.fact(("y",), math.nan, 1.0, ("t", "c", 1))
    z = s.fact(("z",), math.nan, 4.0, ("t", "c", 2))
    three = s.fact(("3",), 3.0, 0.0, None)
    five = s.fact(("5",), 5.0, 0.0, None)
    s.total_equals_parts(three, [x, y])
    s.total_equals_parts(five, [y, z])
    u = s.fact(("u",), math.nan, 1.0, ("t", "c", 3))
    v = s.fact(("v",), math.nan, 1.0, ("t", "c", 4))
    s.total_equals_parts(s.fact(("4",), 4.0, 0.0, None), [u, v])
    r = hidden_ranges(s, sweeps=0).set_index("fact")
    assert (r.loc[x, "low"], r.loc[x, "high"]) == pytest.approx((2.0, 2.0))
    assert (r.loc[u, "low"], r.loc[u, "high"]) == pytest.approx((1.0, 3.0))
    assert (r.loc[y, "low"], r.loc[y, "high"]) == pytest.approx((1.0, 1.0))
    assert (r.loc[z, "low"], r.loc[z, "high"]) == pytest.approx((4.0, 4.0))


def test_relations_hold_on_the_published_values(small):
    """Every equation whose facts are all published holds (the reader's model of the tables is right)."""
    _, public, _ = small
    system = build_system(public / "tabeller" if (public / "tabeller").is_dir() else public)
    checked = 0
    for idx, coef in system.equations:
        values = [system.value[i] for i in idx]
        if any(math.isnan(v) for v in values):
            continue
        checked += 1
        assert abs(sum(c * v for c, v in zip(coef, values, strict=True))) < 1e-6
    assert checked > 50


def test_joint_attack_is_real_against_naive_outputs(small):
    results, _, naive = small
    found = joint_attack(naive)
    assert len(found) > 0
    _check_truth(results, found)


def test_joint_attack_recovers_nothing_from_public_outputs(small):
    results, public, _ = small
    found = joint_attack(public)
    _check_truth(results, found)
    assert found == []


def test_joint_attack_on_the_demo(demo_run):
    """The demo's district counts: categories × years × whole period, solved jointly."""
    results, out = demo_run
    found = joint_attack(out / "tabeller", tables=DEMO_TABLES)
    _check_truth(results, found)
    assert found == [], f"{len(found)} hidden counts disclosed, e.g. {found[:3]}"


def test_joint_check_when_on_recovers_nothing(small, monkeypatch):
    """With rule 7b on, the joint attack recovers nothing from the small fixture's public tables."""
    import geolage.run.disclosure as disclosure

    results, public, _ = small
    monkeypatch.setattr(disclosure, "JOINT_CHECK", True)
    out = _write(public_results(results, K), public.parent / "public_joint")
    found = joint_attack(out, tables=("rates_district", "funnel", "series", "counts_source", "year_to_date"),
                         series_units=("year",))
    _check_truth(results, found)
    assert found == []


def test_months_written_as_periods_are_months_in_the_across_table_check():
    """A one-year run's rates_district has months as periods (Manchester: 2017-01 …); they are months as in
    series (hidden by whole years with their zeros), not yearly counts of 1 or more. Read as years, the
    across-table check gave 1,356 hidden zeros a lower bound of 1 and warned they stayed computable."""
    from geolage.run.disclosure_across import _period_unit

    period = pd.Series(["2017-01", "2017-12", "2017K3", "2024Q1", "2017", "hela", "2017-2019"])
    assert _period_unit(period).tolist() == ["month", "month", "quarter", "quarter", "year", "year", "year"]
