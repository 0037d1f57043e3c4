"""The analysis area of the grid hot spots: the populated districts, and the grid cells inside an area.

A municipality-wide Gi* compares the town with empty forest: the mean and variance of the counts
are those of a map that is mostly zeros, so the whole town stands out as one hot spot and nothing
inside it does. Restricted to the built-up (populated) part, the cells of the town are compared
with each other, and the hot spots are those that stand out *within* the town.

Which districts are populated
-----------------------------
- DeSO (every id a DeSO code such as ``1490C1010``): SCB's own category in the code's fifth
  character, B (mostly in a locality other than the municipality's main one) or C (mostly in the
  main locality); A (mostly outside localities) is not populated. SCB, *Demografiska
  statistikområden (DeSO)*, 2018.
- Other districts with a population: at least ``min_density`` residents per km² of district area
  (default 100 in the configuration: in Borås every DeSO of category A has 9–29 residents per km²,
  every one of B or C at least 100).
"""

from __future__ import annotations

import re

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

__all__ = ["DESO_PATTERN", "deso_categories", "populated_districts", "cells_inside"]

#: A DeSO code: municipality code (4 digits), category letter A/B/C, 4 digits.
DESO_PATTERN = re.compile(r"^\d{4}([ABC])\d{4}$")


def deso_categories(ids: pd.Series | pd.Index) -> pd.Series | None:
    """SCB's DeSO category (A, B or C) of each id, or None when not every id is a DeSO code.

    Parameters
    ----------
    ids : Series or Index
        District ids.

    Returns
    -------
    Series of str or None
        The category letter per id (same index as ``ids`` when a Series), or None.
    """
    values = pd.Series(ids).astype(str).str.strip()
    letters = values.str.extract(DESO_PATTERN, expand=False)
    if not len(values) or letters.isna().any():
        return None
    if isinstance(ids, pd.Series):
        letters.index = ids.index
    return letters


def populated_districts(
    districts: gpd.GeoDataFrame, *, min_density: float, id_column: str = "district_id"
) -> tuple[pd.Series, str] | None:
    """Which districts are populated (the built-up part of a study area), and by which rule.

    Parameters
    ----------
    districts : GeoDataFrame
        Districts with ``id_column``, ``population`` (NaN when unknown) and polygons in a
        projected CRS (metres).
    min_density : float
        Residents per km² of district area from which a district counts as populated (used
        when the ids are not DeSO codes).
    id_column : str
        Column with the district ids.

    Returns
    -------
    (Series of bool, str) or None
        Per district (index of ``districts``) whether it is populated, and the rule:
        ``"deso_category_bc"`` or ``"population_density"``. None when neither rule applies
        (ids are not DeSO codes and no district has a population). A district with an unknown
        population counts as populated (nothing says it is empty).

    Raises
    ------
    ValueError
        ``min_density`` is not a positive number.
    """
    if not min_density > 0:
        raise ValueError(f"min_density needs to be a positive number of residents per km²; got {min_density}")
    letters = deso_categories(districts[id_column]) if id_column in districts.columns else None
    if letters is not None:
        return pd.Series(letters.isin(["B", "C"]).to_numpy(), index=districts.index), "deso_category_bc"
    pop = pd.to_numeric(districts["population"], errors="coerce") if "population" in districts.columns else None
    if pop is None or pop.isna().all():
        return None
    km2 = districts.geometry.area.to_numpy() / 1e6
    with np.errstate(divide="ignore", invalid="ignore"):
        density = pop.to_numpy(dtype=float) / km2
    populated = np.isnan(density) | (density >= min_density)
    return pd.Series(populated, index=districts.index), "population_density"


def cells_inside(grid: gpd.GeoDataFrame, area: shapely.Geometry) -> np.ndarray:
    """Whether each grid cell's centre lies inside ``area`` (on the boundary counts as inside).

    Parameters
    ----------
    grid : GeoDataFrame
        The analysis grid (:mod:`geolage.grid`): ``x0``, ``y0`` (lower-left corners) and
        ``grid.attrs["cell_size"]``.
    area : shapely geometry
        The analysis area, in the grid's CRS.

    Returns
    -------
    ndarray of bool
        One value per row of ``grid``.
    """
    half = float(grid.attrs["cell_size"]) / 2.0
    x = grid["x0"].to_numpy(dtype=float) + half
    y = grid["y0"].to_numpy(dtype=float) + half
    shapely.prepare(area)
    return np.asarray(shapely.intersects_xy(area, x, y), dtype=bool)
