"""Incidents that name their district: the name or code in a column matched to the district layer.

``[sources.columns] district = "lsoa_code"`` says which column of a source names each incident's
district, by the layer's id (``districts.id_field``) or name (``districts.name_field``), compared
without case and surrounding spaces. The incident then belongs to the district it names, not the
one its point falls in (the point still places it in the grid). A row whose value is in neither
field is rejected (``unknown_district``, with the value and the fix); a row with an empty value is
placed by its point, as without the column.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

__all__ = ["NAMED_DISTRICT", "district_lookup", "match_district_names"]

#: Column of the candidate incidents holding the district a row names (dropped once districts are set).
NAMED_DISTRICT = "__named_district"


def _key(values: pd.Series) -> pd.Series:
    return values.astype("string").str.strip().str.casefold()


def district_lookup(districts: gpd.GeoDataFrame) -> dict[str, str]:
    """Each district's id and name (stripped, case-folded) -> its ``district_id``; ids win over names.

    Parameters
    ----------
    districts : GeoDataFrame
        With ``district_id`` and ``district_name`` (:func:`geolage.io.read_districts`).

    Returns
    -------
    dict
    """
    ids = districts["district_id"].astype(str).to_numpy(dtype=object)
    lookup = dict(zip(_key(districts["district_name"]).fillna(""), ids, strict=True))
    lookup.update(zip(_key(districts["district_id"]), ids, strict=True))
    lookup.pop("", None)
    return lookup


def match_district_names(values: pd.Series, lookup: dict[str, str]) -> tuple[np.ndarray, np.ndarray]:
    """The district each value names.

    Parameters
    ----------
    values : Series
        The source's district column as read (text).
    lookup : dict
        From :func:`district_lookup`.

    Returns
    -------
    district : ndarray of object
        The ``district_id`` named, None where the value is empty or unknown.
    unknown : ndarray of bool
        A non-empty value that names no district.
    """
    key = _key(values).fillna("")
    district = key.map(lookup).to_numpy(dtype=object)
    district[pd.isna(district)] = None
    unknown = (key != "").to_numpy(dtype=bool) & pd.isna(district)
    return district, unknown
