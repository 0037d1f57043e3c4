"""Which rows of a result table the report shows: whole span, all categories, sure trends, map geometry."""

from __future__ import annotations

from typing import Any

import pandas as pd

from ...categories import ALL_CATEGORIES
from ...stats.rates import WHOLE_PERIOD
from ...stats.trends import WHOLE_AREA
from .context import ReportContext

__all__ = [
    "area_col", "whole_span", "whole_area", "only_all", "sure_trends", "rates_selection", "rate_column", "as_geo",
    "coverage_by_year", "latest_coverage",
]

#: ``direction`` values that mean a statistically sure change (the words of either language, or codes).
SURE_DIRECTIONS = {
    "ökar": 1, "minskar": -1, "increasing": 1, "decreasing": -1, "increase": 1, "decrease": -1, "up": 1, "down": -1,
}

#: The columns of the coverage table the report reads: year, Brå offence group, coverage (data / Brå).
COVERAGE_COLUMNS = ("year", "bra_group", "coverage")
_YEAR, _BRA_GROUP, _COVERAGE = COVERAGE_COLUMNS


def area_col(df: pd.DataFrame) -> str:
    """The column naming the area: ``area_name`` when the table has it, else ``area``."""
    return "area_name" if "area_name" in df.columns else "area"


def whole_span(df: pd.DataFrame) -> pd.DataFrame:
    """Rows of the whole analysed span (period ``"hela"``) when the table has periods."""
    if "period" in df.columns and (df["period"] == WHOLE_PERIOD).any():
        return df[df["period"] == WHOLE_PERIOD]
    return df


def whole_area(df: pd.DataFrame) -> pd.DataFrame:
    """Rows of the whole study area when the table has an ``area`` column with it (time patterns), else all rows."""
    if "area" in df.columns and (df["area"] == WHOLE_AREA).any():
        return df[df["area"] == WHOLE_AREA]
    return df


def only_all(df: pd.DataFrame) -> pd.DataFrame:
    """Rows of all categories together (``"alla"``) when there are any (else all rows)."""
    if "category" in df.columns and (df["category"] == ALL_CATEGORIES).any():
        return df[df["category"] == ALL_CATEGORIES]
    return df


def sure_trends(ctx: ReportContext, tr: pd.DataFrame) -> pd.DataFrame:
    """Trend rows with a sure change, focus areas and all offences first, then by p-value."""
    d = tr.dropna(subset=["trend_pct_per_year"]).copy()
    pcol = "trend_p" if "trend_p" in d.columns else "mk_p"
    if "direction" in d.columns and d["direction"].astype(str).isin(SURE_DIRECTIONS).any():
        d = d[d["direction"].astype(str).isin(SURE_DIRECTIONS)]
    else:
        d = d[pd.to_numeric(d[pcol], errors="coerce") < 0.05]
    d["_focus"] = ~ctx.is_focus(d)
    d["_all"] = d["category"] != ALL_CATEGORIES
    return d.sort_values(["_focus", "_all", pcol]).drop(columns=["_focus", "_all"])


def rates_selection(rd: pd.DataFrame, category: str) -> pd.DataFrame:
    """Rates of one category over the whole span (else the latest period)."""
    sel = rd[rd["category"] == category]
    if "period" in sel.columns:
        if (sel["period"] == WHOLE_PERIOD).any():
            sel = sel[sel["period"] == WHOLE_PERIOD]
        else:
            sel = sel[sel["period"] == sorted(sel["period"].astype(str))[-1]]
    return sel


def rate_column(df: pd.DataFrame) -> str:
    """The rate the report shows: the smoothed ``eb_rate`` when present, else the raw ``rate``."""
    return "eb_rate" if "eb_rate" in df.columns else "rate"


def as_geo(ctx: ReportContext, df: pd.DataFrame) -> Any:
    """The rows as a GeoDataFrame (geometry of the table, else of the districts / grid); ``None`` without."""
    import geopandas as gpd

    if isinstance(df, gpd.GeoDataFrame) and df.geometry.notna().any():
        return df
    r = ctx.r
    if "district_id" in df.columns and r.districts is not None:
        geo = r.districts.geometry
        return gpd.GeoDataFrame(df.copy(), geometry=list(df["district_id"].map(geo)), crs=r.districts.crs)
    if "cell_id" in df.columns and r.grid is not None:
        geo = r.grid.set_index("cell_id").geometry if "cell_id" in r.grid.columns else r.grid.geometry
        return gpd.GeoDataFrame(df.copy(), geometry=list(df["cell_id"].map(geo)), crs=r.grid.crs)
    return None


def coverage_by_year(cv: pd.DataFrame) -> pd.DataFrame | None:
    """Coverage against Brå as years (rows) by offence group (columns); ``None`` without those columns."""
    if not set(COVERAGE_COLUMNS) <= set(cv.columns):
        return None
    return cv.pivot_table(index=_YEAR, columns=_BRA_GROUP, values=_COVERAGE, aggfunc="first", sort=True)


def latest_coverage(cv: pd.DataFrame) -> tuple[Any, float] | None:
    """The latest year with coverage (final years before preliminary ones) and its mean over the offence groups."""
    if not {_YEAR, _COVERAGE} <= set(cv.columns):
        return None
    d = cv.dropna(subset=[_COVERAGE])
    if "preliminary" in d.columns and (~d["preliminary"].fillna(False).astype(bool)).any():
        d = d[~d["preliminary"].fillna(False).astype(bool)]
    if not len(d):
        return None
    year = d[_YEAR].max()
    return year, pd.to_numeric(d.loc[d[_YEAR] == year, _COVERAGE], errors="coerce").mean()
