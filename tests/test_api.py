"""The package top level exports every statistic under its own name."""

from __future__ import annotations

import geolage


def test_statistics_at_top_level():
    for name in ("rates", "eb_rates", "rate_ratio", "location_quotients", "trend", "gini", "generalised_gini",
                 "kde", "gistar", "global_moran", "local_moran", "emerging_hotspots", "knox", "mann_kendall"):
        assert callable(getattr(geolage, name)), name
    assert set(geolage.__all__) <= set(dir(geolage))


def test_rates_function_and_module_both_usable():
    from geolage.stats.rates import poisson_ci

    assert callable(geolage.rates) and callable(poisson_ci)
