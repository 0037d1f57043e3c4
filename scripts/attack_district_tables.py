"""The joint LP attack (:mod:`geolage.outputs.audit_joint`) on the demo's district and area tables together.

Usage::

    python scripts/attack_district_tables.py TABELLER [--months] [--sweeps N]

``TABELLER`` is a public run's ``tabeller`` folder (e.g. the demo's). All district and area
tables of one run go into one system: ``rates_district``, ``funnel``, ``series`` (years; with
``--months`` its quarters and months too), ``year_to_date``, ``area_profile``,
``gistar_district`` and ``lisa_district`` (linked to ``rates_district`` by their values), with
``counts_source``, ``comparison`` and ``previous_change`` that show the same counts. Every
hidden count's range is found by linear programming (``scipy.optimize.linprog``, HiGHS): first
random objectives over the whole system, then, for each count not yet shown to take two whole
numbers, random objectives over the counts not settled yet (``--targeted``), and for each
count still not shown to take two whole numbers, its own minimum and maximum over its
connected block. A count whose range holds one
whole number (±0.5) is disclosed. Prints the system's size, the time (CPU seconds) and every
disclosed count; exit status 1 when any is.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from geolage.outputs.audit_joint import (  # noqa: E402
    _integers_between,  # noqa: E402
    build_system,
    hidden_ranges,
)

#: The district and area tables of a run (the same counts are linked across them by key or by value).
TABLES = ("rates_district", "funnel", "series", "year_to_date", "area_profile", "gistar_district", "lisa_district",
          "counts_source", "comparison", "previous_change")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folder", type=Path, help="a public run's tabeller folder")
    ap.add_argument("--months", action="store_true", help="also the quarters and months of series")
    ap.add_argument("--sweeps", type=int, default=4, help="pairs of random objectives over the whole system")
    ap.add_argument("--targeted", type=int, default=60, help="then pairs over the unsettled counts only")
    args = ap.parse_args(argv)
    t0 = time.process_time()
    units = ("year", "quarter", "month") if args.months else ("year",)
    system = build_system(args.folder, tables=TABLES, series_units=units)
    t1 = time.process_time()
    ranges = hidden_ranges(system, sweeps=args.sweeps, targeted=args.targeted)
    t2 = time.process_time()
    keys = list(system.keys)
    n_ints = _integers_between(ranges["low"].to_numpy(), ranges["high"].to_numpy())
    disclosed = ranges[(n_ints < 2) & [bool(system.rows[f]) for f in ranges["fact"]]]
    print(f"system: {len(system.value):,} facts, {len(ranges):,} hidden, {len(system.equations):,} equations "
          f"(tables: {', '.join(TABLES)}; series units: {', '.join(units)})")
    print(f"CPU: build {t1 - t0:.1f} s, LP {t2 - t1:.1f} s; ranges solved exactly for {int(ranges['exact'].sum()):,}")
    print(f"disclosed (range holds one whole number): {len(disclosed)}")
    for fact, low, high in disclosed[["fact", "low", "high"]].itertuples(index=False):
        print(f"  {keys[fact]}  [{low:g}, {high:g}]  shown in {system.rows[fact]}")
    return 1 if len(disclosed) else 0


if __name__ == "__main__":
    raise SystemExit(main())
