"""Helpers shared by the analysis steps: the analysed span, categories, derived seeds."""

from __future__ import annotations

import zlib

import geopandas as gpd
import pandas as pd

from ...categories import ALL_CATEGORIES, CATEGORIES
from ..results import RunResults

__all__ = [
    "derived_seed", "span_incidents", "categories_with", "categories_present", "subset", "as_spatial", "stack"
]


def derived_seed(seed: int, *parts: str) -> int:
    """A seed derived from the run seed and a name (recorded next to the result)."""
    return int((seed + zlib.crc32(":".join(parts).encode("utf-8"))) % (2**32))


def span_incidents(results: RunResults) -> gpd.GeoDataFrame:
    """The accepted incidents whose time lies in ``periods.start`` … ``periods.end`` (whole days)."""
    inc = results.incidents
    per = results.config.periods
    t = pd.to_datetime(inc["time"])
    inside = (t >= pd.Timestamp(per.start)) & (t < pd.Timestamp(per.end) + pd.Timedelta(days=1))
    return inc[inside.to_numpy()]


def categories_with(inc: pd.DataFrame, min_incidents: int) -> tuple[list[str], list[str]]:
    """All categories together first, then every category with at least ``min_incidents``; and those skipped."""
    counts = inc["category"].value_counts()
    used = sorted(str(c) for c, n in counts.items() if n >= min_incidents)
    skipped = sorted(str(c) for c, n in counts.items() if n < min_incidents)
    return [ALL_CATEGORIES, *used], skipped


def categories_present(incidents: pd.DataFrame) -> list[str]:
    """Categories of the incidents: geolage's in their standard order, then the user's own, sorted."""
    present = set(incidents["category"].dropna().astype(str)) if len(incidents) else set()
    return [c for c in CATEGORIES if c in present] + sorted(present - set(CATEGORIES))


def subset(inc: pd.DataFrame, category: str) -> pd.DataFrame:
    """The incidents of ``category`` (all of them for :data:`~geolage.categories.ALL_CATEGORIES`)."""
    return inc if category == ALL_CATEGORIES else inc[inc["category"] == category]


def as_spatial(frame: pd.DataFrame, geometry: gpd.GeoSeries) -> gpd.GeoDataFrame:
    """``frame`` with the geometries of ``geometry`` (same order), in its CRS."""
    return gpd.GeoDataFrame(frame, geometry=geometry.to_numpy(), crs=geometry.crs).reset_index(drop=True)


def stack(parts: list[pd.DataFrame], columns: tuple[str, ...]) -> pd.DataFrame:
    """The parts one below the other; an empty table with ``columns`` when there are none."""
    if not parts:
        return pd.DataFrame(columns=list(columns))
    return pd.concat(parts, ignore_index=True)
