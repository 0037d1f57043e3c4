"""The context of an area: socioeconomic indicators of its statistical units beside the whole set's.

Small statistical areas (e.g. SCB DeSO) carry indicator columns; an area (a focus area, given
as a polygon) takes the units that lie mostly inside it and averages their values weighted by
population.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from .trends import WHOLE_AREA

__all__ = ["CONTEXT_COLUMNS", "MIN_OVERLAP", "WHOLE_AREA", "area_indicators", "unit_membership"]

#: Columns of :func:`area_indicators`.
CONTEXT_COLUMNS: tuple[str, ...] = ("area", "indicator", "value", "n_units", "population")
#: The least share of a unit's polygon that has to lie inside an area for the unit to be part of it.
MIN_OVERLAP = 0.5


def _area_geometry(geometry: Any, crs: Any, name: str) -> BaseGeometry:
    """One shapely geometry in ``crs`` from a geometry, GeoSeries or GeoDataFrame."""
    if isinstance(geometry, BaseGeometry):
        return shapely.make_valid(geometry)
    if isinstance(geometry, (gpd.GeoSeries, gpd.GeoDataFrame)):
        series = geometry.geometry if isinstance(geometry, gpd.GeoDataFrame) else geometry
        if series.crs is not None and crs is not None and series.crs != crs:
            series = series.to_crs(crs)
        return shapely.union_all(shapely.make_valid(series.to_numpy()))
    raise TypeError(f"area {name!r} needs to be a shapely geometry, GeoSeries or GeoDataFrame; "
                    f"got {type(geometry).__name__}")


def _check(units: gpd.GeoDataFrame, areas: Mapping[str, Any], indicators: Sequence[str], weight: str) -> None:
    """Gather every problem of the inputs, then raise once."""
    problems = []
    if isinstance(indicators, str):
        problems.append(f"indicators needs to be a sequence of column names; got the string {indicators!r}")
        indicators = [indicators]
    missing = [c for c in (*indicators, weight) if c not in units.columns]
    if missing:
        problems.append(f"units need the columns {', '.join(map(repr, missing))}; got {list(units.columns)}")
    if weight in units.columns:
        w = pd.to_numeric(units[weight], errors="coerce")
        if (w < 0).any():
            first = units.index[(w < 0).to_numpy()][0]
            problems.append(f"weight {weight!r} needs to be 0 or more; got {int((w < 0).sum())} negative, "
                            f"the first at row {first!r}")
    if WHOLE_AREA in areas:
        problems.append(f"area names need to differ from {WHOLE_AREA!r}, the code of the whole set of units")
    if units.crs is not None and units.crs.is_geographic:
        problems.append(f"units need a projected CRS (areas are measured); got {units.crs.to_string()}")
    if not units.geometry.is_valid.all():
        problems.append(f"units need valid polygons; got {int((~units.geometry.is_valid).sum())} invalid")
    if problems:
        raise ValueError("; ".join(problems))


def unit_membership(units: gpd.GeoDataFrame, areas: Mapping[str, Any]) -> pd.DataFrame:
    """Share of each unit's polygon inside each area, and whether the unit is part of the area.

    Parameters
    ----------
    units : GeoDataFrame
        Unit polygons in a projected CRS.
    areas : mapping of str to shapely geometry, GeoSeries or GeoDataFrame
        The areas by name; a GeoSeries/GeoDataFrame is merged into one geometry and reprojected
        to the units' CRS when it has another CRS; a plain geometry (or a GeoSeries without a
        CRS) is taken to be in the units' CRS. Invalid area polygons are repaired
        (``shapely.make_valid``).

    Returns
    -------
    DataFrame
        Indexed like ``units``, one column per area: the share (0–1) of the unit's polygon area
        that lies inside the area. A unit is part of an area when its share is at least
        :data:`MIN_OVERLAP`; for areas that do not overlap each other that is the area it
        overlaps most, and a unit lies in at most one of them (barring an exact half–half split).
    """
    unit_area = units.geometry.area.to_numpy()
    shares = {}
    for name, geometry in areas.items():
        geom = _area_geometry(geometry, units.crs, name)
        shapely.prepare(geom)
        inside = shapely.intersection(units.geometry.to_numpy(), geom)
        with np.errstate(divide="ignore", invalid="ignore"):
            shares[name] = np.where(unit_area > 0, shapely.area(inside) / unit_area, 0.0)
    return pd.DataFrame(shares, index=units.index, columns=list(areas))


def _weighted(values: pd.Series, weights: pd.Series) -> tuple[float, int, float]:
    """Weighted mean over the rows with both a value and a weight; the count and weight sum used."""
    used = values.notna() & weights.notna()
    n, total = int(used.sum()), float(weights[used].sum())
    if total <= 0:
        return np.nan, n, total
    return float(np.sum(values[used] * weights[used]) / total), n, total


def area_indicators(
    units: gpd.GeoDataFrame,
    areas: Mapping[str, Any],
    indicators: Sequence[str],
    *,
    weight: str,
) -> pd.DataFrame:
    """Population-weighted indicator values of areas and of the whole set of units.

    Parameters
    ----------
    units : GeoDataFrame
        Small statistical areas (e.g. ``shapes/boras_deso_2025.gpkg``, layer ``deso_2025``) in a
        projected CRS, with the indicator columns and a weight column.
    areas : mapping of str to shapely geometry, GeoSeries or GeoDataFrame
        The areas by name (see :func:`unit_membership`). A name may not be
        :data:`WHOLE_AREA`.
    indicators : sequence of str
        Indicator columns of ``units`` (e.g. ``"low_economic_standard_pct_2024"``).
    weight : str
        Column of ``units`` with the population that weights the mean (e.g. ``"pop_2025"``).

    Returns
    -------
    DataFrame
        :data:`CONTEXT_COLUMNS`, one row per (area, indicator), areas in the given order and then
        :data:`WHOLE_AREA` (all units), indicators in the given order: ``value`` (weighted mean;
        NaN when the area has no unit with a value and a positive weight), ``n_units`` and
        ``population`` (the units and their summed weight behind the value: units without a
        value or weight for that indicator are left out).

    Raises
    ------
    ValueError
        Missing columns, a negative weight, an area named :data:`WHOLE_AREA`, a geographic CRS or
        invalid polygons (all problems reported at once).
    TypeError
        An area that is not a geometry.

    Notes
    -----
    A unit is part of an area when at least half of its polygon lies inside the area
    (:data:`MIN_OVERLAP`); it counts wholly, with its whole population. The value is
    ``sum(w_i x_i) / sum(w_i)`` over the area's units. For shares and rates of the population
    this is exact when the weight is the indicator's denominator (e.g. the whole population);
    for a mean it is exact when the weight is the population the mean is over. For medians (e.g.
    median disposable income) the weighted mean of the units' medians is only an approximation
    of the area's median, which cannot be computed from unit medians.

    Examples
    --------
    >>> from shapely.geometry import box
    >>> units = gpd.GeoDataFrame({"pop": [100, 300], "x_pct_2024": [10.0, 30.0]},
    ...                          geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1)], crs="EPSG:3006")
    >>> area_indicators(units, {"west": box(0, 0, 1.2, 1)}, ["x_pct_2024"], weight="pop")["value"].tolist()
    [10.0, 25.0]
    """
    _check(units, areas, indicators, weight)
    membership = unit_membership(units, areas) >= MIN_OVERLAP
    weights = pd.to_numeric(units[weight], errors="coerce").astype(float)
    rows = []
    groups = [(name, membership[name].to_numpy()) for name in areas]
    groups.append((WHOLE_AREA, np.ones(len(units), dtype=bool)))
    for name, member in groups:
        for indicator in indicators:
            values = pd.to_numeric(units[indicator], errors="coerce").astype(float)
            value, n, total = _weighted(values[member], weights[member])
            rows.append({"area": name, "indicator": indicator, "value": value, "n_units": n, "population": total})
    return pd.DataFrame(rows, columns=list(CONTEXT_COLUMNS))
